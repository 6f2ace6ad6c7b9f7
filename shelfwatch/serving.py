"""Many readers: N ``streamlit run`` replicas of the app behind HAProxy.

``python -m shelfwatch.serving --replicas 2 --port 8501`` (``make serve REPLICAS=2``) starts N
replicas of ``shelfwatch/ui/server.py`` on private ports of 127.0.0.1, all reading the same
published store (immutable snapshots; each reads ``CURRENT`` on every rerun, so a new version
reaches every replica), waits until each answers ``/_stcore/health``, renders the HAProxy
configuration (``shelfwatch/haproxy.cfg.in``) into a temporary folder and runs
``haproxy -f CFG -db`` in the foreground on the public port. Ctrl-C or SIGTERM stops HAProxy
and every replica. Nothing is restarted: a replica that dies is taken out of the rotation by
HAProxy's health check, its readers go to the others, and the operator (or the container
runtime: docs/scaling.md) starts a new one.

The proxy carries what Streamlit needs and what it does not do itself:

* cookie-based session affinity (``SERVERID``): a session's media, downloads and uploads
  live in the process that holds its WebSocket; ``option redispatch`` sends the readers of a
  dead replica to a live one, where the URL (the state) reopens the same view;
* the allowed-host list (``$SHELFWATCH_ALLOWED_HOSTS``, default ``localhost,127.0.0.1``),
  enforced by the proxy on every request (400) and by each replica's
  ``server.allowedHosts`` on the WebSocket (DNS rebinding);
* ``Content-Security-Policy: frame-ancestors 'self'``, ``X-Content-Type-Options: nosniff``
  and ``Referrer-Policy: strict-origin-when-cross-origin`` on every response;
* ``/_stcore/metrics`` refused on the public port (404); each replica's own port has it.

This module never imports streamlit: it starts it as a program.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template

from shelfwatch import store

PROJECT_ROOT = store.PROJECT_ROOT
TEMPLATE = Path(__file__).with_name("haproxy.cfg.in")
SERVER_SCRIPT = "shelfwatch/ui/server.py"

ALLOWED_HOSTS_ENV = "SHELFWATCH_ALLOWED_HOSTS"
DEFAULT_ALLOWED_HOSTS = ("localhost", "127.0.0.1")
FRAME_ANCESTORS = "'self'"
AFFINITY_COOKIE = "SERVERID"
UNKNOWN_HOST_BODY = "Unknown host: this server answers only for its own names."
# What the proxy adds to every response (tests/browser/test_replicas.py checks them).
SECURITY_HEADERS = {
    "Content-Security-Policy": f"frame-ancestors {FRAME_ANCESTORS}",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# Shared by the replicas so a cookie one signs (st.login's identity) holds on the others.
COOKIE_SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"

# A host name, or "*." and a domain (any subdomain, as Streamlit's server.allowedHosts):
# letters, digits, hyphens and dots only, so nothing else reaches the rendered configuration.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"(?:\*\.)?{_LABEL}(?:\.{_LABEL})*")
_ADDRESS = re.compile(r"[A-Za-z0-9.:*\[\]-]+")


class ServingError(Exception):
    """The replicas or the proxy cannot be set up or started (one line, for the operator)."""


@dataclass(frozen=True)
class Backend:
    """One replica as HAProxy reaches it; ``name`` is also its affinity cookie's value."""

    name: str
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def allowed_hosts(value: str | None = None) -> tuple[str, ...]:
    """The allowed host names from ``value`` (comma- or space-separated), else from
    ``$SHELFWATCH_ALLOWED_HOSTS``, else ``localhost,127.0.0.1``; lower case, no port."""
    if value is None:
        value = os.environ.get(ALLOWED_HOSTS_ENV, "")
    hosts = tuple(dict.fromkeys(check_host(h) for h in re.split(r"[\s,]+", value) if h))
    return hosts or DEFAULT_ALLOWED_HOSTS


def check_host(host: str) -> str:
    """``host`` in lower case without a trailing dot, if it is a host name or ``*.domain``."""
    name = host.lower().rstrip(".")
    if not _HOST.fullmatch(name):
        raise ServingError(
            f"{host!r} is not an allowed-host name: use names like app.example.com or "
            "*.example.com, no port, no scheme, no bare '*'"
        )
    return name


def host_regex(hosts: Sequence[str]) -> str:
    """An anchored regular expression matching a Host header for one of ``hosts``: any port,
    an optional trailing dot; ``*.example.com`` matches every subdomain of example.com.

    Plain groups and classes only (POSIX and PCRE read it alike); the names are checked
    (:func:`check_host`), so a dot is the one character to escape."""
    parts = []
    for host in map(check_host, hosts):
        if host.startswith("*."):
            parts.append("([a-z0-9-]+\\.)+" + host[2:].replace(".", "\\."))
        else:
            parts.append(host.replace(".", "\\."))
    return "^(" + "|".join(parts) + ")\\.?(:[0-9]+)?$"


def render_config(
    backends: Sequence[Backend],
    *,
    port: int,
    bind_address: str = "127.0.0.1",
    hosts: Sequence[str] = DEFAULT_ALLOWED_HOSTS,
) -> str:
    """The HAProxy configuration for ``backends`` behind the public ``bind_address:port``."""
    if not backends:
        raise ServingError("at least one replica is needed")
    if not _ADDRESS.fullmatch(bind_address):
        raise ServingError(f"{bind_address!r} is not an address to listen on")
    names = [backend.name for backend in backends]
    if len(set(names)) != len(names):
        raise ServingError(f"replica names must differ: {names}")
    for backend in backends:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", backend.name) or not _ADDRESS.fullmatch(
            backend.host
        ):
            raise ServingError(f"not a usable replica: {backend}")
    hosts = [check_host(host) for host in hosts]
    servers = "\n".join(f"    server {b.name} {b.address} cookie {b.name}" for b in backends)
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        generated=f"{len(backends)} replica(s); allowed hosts: {', '.join(hosts)}.",
        bind=f"{bind_address}:{port}",
        host_regex=host_regex(hosts),
        unknown_host_body=UNKNOWN_HOST_BODY,
        frame_ancestors=FRAME_ANCESTORS,
        cookie=AFFINITY_COOKIE,
        servers=servers,
    )


def local_backends(ports: Sequence[int]) -> list[Backend]:
    """Replicas ``r1``, ``r2``, … on 127.0.0.1 at ``ports``."""
    return [Backend(f"r{k}", "127.0.0.1", port) for k, port in enumerate(ports, start=1)]


def parse_backend(text: str, number: int) -> Backend:
    """``HOST:PORT`` (``--backend app1:8501``) as replica ``r<number>``."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ServingError(f"{text!r} is not HOST:PORT")
    return Backend(f"r{number}", host, int(port))


def haproxy_path() -> str:
    """The haproxy program (Debian: ``apt-get install haproxy``, /usr/sbin/haproxy)."""
    found = shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if os.access(p, os.X_OK)),
        None,
    )
    if found is None:
        raise ServingError("haproxy is not installed (apt-get install haproxy)")
    return found


def check_config(path: Path) -> None:
    """``haproxy -c -f path``: raises :class:`ServingError` with its output if invalid."""
    result = subprocess.run(
        [haproxy_path(), "-c", "-q", "-f", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ServingError(f"haproxy rejects {path}: {(result.stdout + result.stderr).strip()}")


def replica_command(port: int, hosts: Sequence[str], *, address: str = "127.0.0.1") -> list[str]:
    """``streamlit run shelfwatch/ui/server.py`` on ``address:port`` with ``hosts`` as its
    ``server.allowedHosts`` (a list option: the flag once per name)."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        SERVER_SCRIPT,
        "--server.headless",
        "true",
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    for host in hosts:
        command += ["--server.allowedHosts", host]
    return command


def replica_env(store_dir: Path, cookie_secret: str) -> dict[str, str]:
    env = {**os.environ, "SHELFWATCH_STORE": str(store_dir)}
    env.setdefault(COOKIE_SECRET_ENV, cookie_secret)  # the operator's own wins
    return env


def healthy(base: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen, timeout: float = 15.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


@dataclass
class Running:
    """What :func:`running` started: the replicas by name and the proxy."""

    base: str  # the public URL, e.g. http://127.0.0.1:8501
    replicas: dict[str, subprocess.Popen]
    ports: dict[str, int]
    proxy: subprocess.Popen
    config: Path


@contextlib.contextmanager
def running(
    store_dir: Path,
    *,
    replicas: int = 2,
    port: int = 8501,
    bind_address: str = "127.0.0.1",
    hosts: Sequence[str] | None = None,
    replica_ports: Sequence[int] | None = None,
    log_dir: Path | None = None,
    timeout: float = 90.0,
) -> Iterator[Running]:
    """Start ``replicas`` replicas on ``store_dir`` and HAProxy on ``bind_address:port``;
    yield them once every replica is healthy and the proxy listens; stop all on exit.

    ``log_dir``: each replica's output goes to ``replica-rN.log`` and the proxy's to
    ``haproxy.log`` there (default: inherited, the terminal)."""
    if replicas < 1:
        raise ServingError("--replicas must be 1 or more")
    store.resolve_version(store_dir)  # a published store, or StoreError now rather than later
    hosts = allowed_hosts() if hosts is None else tuple(hosts)
    ports = list(replica_ports) if replica_ports else [free_port() for _ in range(replicas)]
    backends = local_backends(ports)
    cookie_secret = secrets.token_hex(32)
    started: dict[str, subprocess.Popen] = {}
    logs: list = []
    proxy: subprocess.Popen | None = None

    def output(name: str):
        if log_dir is None:
            return None
        log_dir.mkdir(parents=True, exist_ok=True)
        logs.append(open(log_dir / name, "wb"))  # noqa: SIM115 (closed below)
        return logs[-1]

    with tempfile.TemporaryDirectory(prefix="shelfwatch-haproxy-") as folder:
        config = Path(folder) / "haproxy.cfg"
        config.write_text(
            render_config(backends, port=port, bind_address=bind_address, hosts=hosts),
            encoding="utf-8",
        )
        check_config(config)
        try:
            for backend in backends:
                log = output(f"replica-{backend.name}.log")
                started[backend.name] = subprocess.Popen(
                    replica_command(backend.port, hosts),
                    cwd=PROJECT_ROOT,
                    env=replica_env(store_dir, cookie_secret),
                    stdout=log,
                    stderr=subprocess.STDOUT if log else None,
                )
            deadline = time.monotonic() + timeout
            for backend in backends:
                process = started[backend.name]
                while not healthy(f"http://{backend.address}"):
                    if process.poll() is not None:
                        raise ServingError(f"replica {backend.name} exited ({process.returncode})")
                    if time.monotonic() > deadline:
                        raise ServingError(f"replica {backend.name} did not answer in {timeout}s")
                    time.sleep(0.25)
            log = output("haproxy.log")
            proxy = subprocess.Popen(
                [haproxy_path(), "-f", str(config), "-db"],
                stdout=log,
                stderr=subprocess.STDOUT if log else None,
            )
            shown = "127.0.0.1" if bind_address in ("*", "0.0.0.0", "") else bind_address
            base = f"http://{shown}:{port}"
            while not healthy(base):
                if proxy.poll() is not None:
                    raise ServingError(f"haproxy exited ({proxy.returncode}); config {config}")
                if time.monotonic() > deadline:
                    raise ServingError(f"haproxy did not answer on {base} in {timeout}s")
                time.sleep(0.1)
            ports_by_name = {b.name: b.port for b in backends}
            yield Running(base, started, ports_by_name, proxy, config)
        finally:
            if proxy is not None:
                _stop(proxy)
            for process in started.values():
                _stop(process)
            for log in logs:
                log.close()


def _serve(args: argparse.Namespace) -> int:
    store_dir = store.resolve_store(args.store)

    def on_signal(signum, frame) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # even where it was inherited ignored
    try:
        with running(
            store_dir,
            replicas=args.replicas,
            port=args.port,
            bind_address=args.address,
            hosts=allowed_hosts(args.allowed_hosts),
        ) as served:
            ports = ", ".join(f"{name} on 127.0.0.1:{p}" for name, p in served.ports.items())
            print(
                f"Shelfwatch: {len(served.replicas)} replica(s) ({ports}) behind HAProxy on "
                f"{served.base} (store {store_dir}); Ctrl-C stops all.",
                flush=True,
            )
            # Nothing is restarted: a replica that exits is reported; when the proxy or the
            # last replica exits, the rest are stopped.
            reported: set[str] = set()
            while True:
                if served.proxy.poll() is not None:
                    print(f"haproxy exited ({served.proxy.returncode}); stopping", flush=True)
                    return 1
                for name, process in served.replicas.items():
                    if process.poll() is not None and name not in reported:
                        reported.add(name)
                        print(
                            f"replica {name} exited ({process.returncode}); not restarted, "
                            "its readers go to the others",
                            flush=True,
                        )
                if all(process.poll() is not None for process in served.replicas.values()):
                    print("every replica has exited; stopping", flush=True)
                    return 1
                time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    except (ServingError, store.StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shelfwatch.serving",
        description="N Streamlit replicas of Shelfwatch behind HAProxy (docs/scaling.md).",
    )
    parser.add_argument("--replicas", type=int, default=2, help="replicas to start (2)")
    parser.add_argument("--port", type=int, default=8501, help="the public port (8501)")
    parser.add_argument(
        "--address",
        default="127.0.0.1",
        help="the public address HAProxy listens on (127.0.0.1; '*' for every interface)",
    )
    parser.add_argument(
        "--store", default=None, help="store directory ($SHELFWATCH_STORE, else data/store)"
    )
    parser.add_argument(
        "--allowed-hosts",
        default=None,
        help=f"comma-separated host names (${ALLOWED_HOSTS_ENV}, else localhost,127.0.0.1)",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="print the HAProxy configuration for --backend HOST:PORT ... and exit",
    )
    parser.add_argument(
        "--backend",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="with --render-only: a replica's address (repeat; e.g. app1:8501)",
    )
    args = parser.parse_args(argv)
    if args.render_only:
        try:
            backends = [parse_backend(text, k) for k, text in enumerate(args.backend, start=1)]
            sys.stdout.write(
                render_config(
                    backends,
                    port=args.port,
                    bind_address=args.address,
                    hosts=allowed_hosts(args.allowed_hosts),
                )
            )
        except ServingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
