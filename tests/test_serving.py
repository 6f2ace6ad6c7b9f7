"""shelfwatch/serving.py: the HAProxy configuration it renders, checked by haproxy itself,
and the replicas' command line. The replicas behind a running proxy:
tests/browser/test_replicas.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shelfwatch import serving, store

BACKENDS = serving.local_backends([9101, 9102])


def haproxy_or_skip() -> str:
    try:
        return serving.haproxy_path()
    except serving.ServingError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{exc}; CI=true, where this must run", pytrace=False)
        pytest.skip(str(exc))


def valid(config: str, tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(config, encoding="utf-8")
    serving.check_config(path)


def test_allowed_hosts_default_env_and_argument(monkeypatch):
    monkeypatch.delenv(serving.ALLOWED_HOSTS_ENV, raising=False)
    assert serving.allowed_hosts() == ("localhost", "127.0.0.1")
    monkeypatch.setenv(serving.ALLOWED_HOSTS_ENV, "Shelf.Example.org, *.example.net  localhost.")
    assert serving.allowed_hosts() == ("shelf.example.org", "*.example.net", "localhost")
    assert serving.allowed_hosts("a.example,a.example") == ("a.example",)
    assert serving.allowed_hosts(" , ") == ("localhost", "127.0.0.1")


@pytest.mark.parametrize(
    "bad",
    [
        "*",
        "localhost:8501",
        "http://localhost",
        "exa mple.org\n",
        "evil'.example",
        'evil".example',
        "a..b",
        "-a.example",
        "a.example/path",
        "*.*.example",
        "localhost\n    bind :80",
    ],
)
def test_a_host_that_is_not_a_name_is_refused(bad):
    with pytest.raises(serving.ServingError):
        serving.check_host(bad)


def test_the_host_regex_matches_the_names_with_any_port_and_nothing_else():
    pattern = re.compile(
        serving.host_regex(["localhost", "127.0.0.1", "*.example.com"]), re.IGNORECASE
    )
    for host in ("localhost", "LocalHost:8501", "127.0.0.1:80", "localhost.", "a.example.com",
                 "a.b.example.com:443"):  # fmt: skip
        assert pattern.match(host), host
    for host in ("example.com", "localhost.evil", "evil-localhost", "127.0.0.12", "127x0x0x1",
                 "evil.com:80@localhost", "a.example.com.evil", "localhost:", "localhost:80x",
                 "xexample.com", ""):  # fmt: skip
        assert not pattern.match(host), host


def test_the_rendered_config_has_every_rule(tmp_path):
    config = serving.render_config(BACKENDS, port=8501, hosts=["localhost", "127.0.0.1"])
    assert "${" not in config
    lines = [line.strip() for line in config.splitlines()]
    assert "bind 127.0.0.1:8501" in lines
    assert 'cookie SERVERID insert indirect nocache httponly attr "SameSite=Lax"' in lines
    assert "server r1 127.0.0.1:9101 cookie r1" in lines
    assert "server r2 127.0.0.1:9102 cookie r2" in lines
    assert "option redispatch 1" in lines
    assert "option httpchk GET /_stcore/health" in lines
    assert "timeout tunnel 1h" in lines
    assert any(line.startswith("http-request deny deny_status 404") for line in lines)
    assert any(
        line.startswith("http-request deny deny_status 400")
        and line.endswith("unless allowed_host")
        for line in lines
    )
    for header, value in serving.SECURITY_HEADERS.items():
        assert f'http-after-response set-header {header} "{value}"' in lines or (
            f"http-after-response set-header {header} {value}" in lines
        ), header
    haproxy_or_skip()
    valid(config, tmp_path)


@pytest.mark.parametrize("replicas", [1, 3])
def test_haproxy_accepts_the_config_for_any_count_and_wildcards(tmp_path, replicas):
    haproxy_or_skip()
    backends = serving.local_backends(range(9200, 9200 + replicas))
    config = serving.render_config(
        backends, port=8080, bind_address="*", hosts=["shelf.example.org", "*.example.net"]
    )
    valid(config, tmp_path)


def test_haproxy_rejects_a_broken_config(tmp_path):
    haproxy_or_skip()
    with pytest.raises(serving.ServingError, match="haproxy rejects"):
        valid("frontend x\n    nonsense here\n", tmp_path)


def test_render_refuses_what_would_break_the_config():
    with pytest.raises(serving.ServingError):
        serving.render_config([], port=8501)
    with pytest.raises(serving.ServingError):
        serving.render_config(BACKENDS, port=8501, bind_address="127.0.0.1\n    mode tcp")
    with pytest.raises(serving.ServingError):
        serving.render_config([serving.Backend("r1", "a b", 1)], port=8501)
    twice = [serving.Backend("r1", "127.0.0.1", 1), serving.Backend("r1", "127.0.0.1", 2)]
    with pytest.raises(serving.ServingError):
        serving.render_config(twice, port=8501)


def test_the_replica_command_sets_its_port_address_and_allowed_hosts():
    command = serving.replica_command(9101, ["localhost", "shelf.example.org"])
    assert command[1:5] == ["-m", "streamlit", "run", "shelfwatch/ui/server.py"]
    text = " ".join(command)
    assert "--server.port 9101" in text and "--server.address 127.0.0.1" in text
    assert "--server.allowedHosts localhost --server.allowedHosts shelf.example.org" in text


def test_the_replicas_share_the_store_and_a_cookie_secret(monkeypatch, tmp_path):
    monkeypatch.delenv(serving.COOKIE_SECRET_ENV, raising=False)
    env = serving.replica_env(tmp_path, "s3cret")
    assert env["SHELFWATCH_STORE"] == str(tmp_path)
    assert env[serving.COOKIE_SECRET_ENV] == "s3cret"
    monkeypatch.setenv(serving.COOKIE_SECRET_ENV, "the operator's")
    assert serving.replica_env(tmp_path, "s3cret")[serving.COOKIE_SECRET_ENV] == "the operator's"


def test_parse_backend():
    assert serving.parse_backend("app1:8501", 1) == serving.Backend("r1", "app1", 8501)
    for bad in ("app1", ":8501", "app1:port"):
        with pytest.raises(serving.ServingError):
            serving.parse_backend(bad, 1)


def test_render_only_prints_a_config_haproxy_accepts(tmp_path, capsys):
    code = serving.main(
        ["--render-only", "--backend", "app1:8501", "--backend", "app2:8501", "--address", "*",
         "--port", "8080", "--allowed-hosts", "shelf.example.org"]
    )  # fmt: skip
    assert code == 0
    config = capsys.readouterr().out
    assert "server r2 app2:8501 cookie r2" in config and "bind *:8080" in config
    haproxy_or_skip()
    # The container names do not resolve here: haproxy checks the rest.
    valid(config.replace("app1:", "127.0.0.1:").replace("app2:", "127.0.0.2:"), tmp_path)


def test_an_unpublished_store_is_refused_before_anything_starts(tmp_path):
    with pytest.raises(store.StoreError), serving.running(tmp_path, replicas=1, port=1):
        pass


def test_the_command_line_reports_an_unpublished_store(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "shelfwatch.serving", "--store", str(tmp_path), "--replicas", "1"],
        cwd=serving.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
