"""Readers per replica: K browser tabs changing the Overview's date through HAProxy.

``python -m bench.replicas --replicas 1,2 --readers 4 --seconds 60 [--store DIR]`` starts the
replicas behind HAProxy (:func:`shelfwatch.serving.running`), opens ``/overview`` in K
browser contexts of one Chromium (each its own Streamlit session, spread over the replicas by
the affinity cookie) and, for ``--seconds``, runs rounds: every reader types a new as-of date
(each change a date no reader asked for before: a cache miss), then every rerun is waited for.
Reported per replica count: reruns/s through the proxy, the re-render time of each change
(commit → painted, p50/p95, the clock of bench/browser.py) and the replicas' CPU seconds,
whence reruns per CPU-second of the servers: the per-core figure an audience is sized with
(docs/scaling.md). Chromium runs on the same machine and takes CPU from the replicas: the
wall-clock rate is the machine's, the per-CPU-second rate the servers'.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from bench import app_driver as harness
from bench.browser import _FOCUS_IN_FIELD, _OBSERVER, DATE_LABEL, _check_no_exception, _wait_for_run
from bench.timing import Timing, process_tree
from shelfwatch import serving

FIRST_DAY = dt.date(2021, 10, 1)
LAST_DAY = dt.date(2025, 10, 29)


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _commit(page, day: dt.date) -> None:
    """Type ``day`` into the sidebar's date field and leave it (the commit); no waiting."""
    page.evaluate("() => Object.assign(window.__sw, { marks: [], keys: [], leftAt: null })")
    page.get_by_role("spinbutton", name=f"year, {DATE_LABEL}").click()
    page.keyboard.type(day.strftime("%Y%m%d"))
    page.keyboard.press("Escape")
    for _ in range(4):
        if not page.evaluate(_FOCUS_IN_FIELD):
            break
        page.keyboard.press("Tab")


def _finish(page, day: dt.date) -> float:
    painted = _wait_for_run(page)
    _check_no_exception(page)
    if f"as_of={day.isoformat()}" not in page.url:
        raise AssertionError(f"as_of={day} did not reach the URL: {page.url}")
    sw = page.evaluate("window.__sw")
    committed = sw["leftAt"] if sw["leftAt"] is not None else max(sw["keys"])
    return (painted - committed) / 1000.0


def measure(store_dir: Path, replicas: int, readers: int, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    days = iter(FIRST_DAY + dt.timedelta(days=k) for k in range((LAST_DAY - FIRST_DAY).days))
    with (
        serving.running(
            store_dir,
            replicas=replicas,
            port=harness.free_port(),
            log_dir=harness.LOGS / f"bench-replicas-{replicas}",
        ) as served,
        sync_playwright() as pw,
    ):
        browser = harness.launch_chromium(pw)
        pages, spread = [], {}
        for _ in range(readers):
            context = browser.new_context(viewport=harness.VIEWPORT)
            page = context.new_page()
            page.add_init_script(_OBSERVER)
            harness.open_page(page, f"{served.base}/overview?as_of=2021-11-30", 180_000)
            cookie = next(c["value"] for c in context.cookies() if c["name"] == "SERVERID")
            spread[cookie] = spread.get(cookie, 0) + 1
            pages.append(page)
        servers = [pid for p in served.replicas.values() for pid in process_tree(p.pid)]
        cpu_before, started = _cpu_seconds(servers), time.perf_counter()
        times: list[float] = []
        while time.perf_counter() - started < seconds:
            asked = []
            for page in pages:
                day = next(days)
                _commit(page, day)
                asked.append((page, day))
            times += [_finish(page, day) for page, day in asked]
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(servers) - cpu_before
        browser.close()
    timing = Timing(times)
    return {
        "replicas": replicas,
        "readers": readers,
        "readers_per_replica": spread,
        "seconds": round(elapsed, 1),
        "reruns": len(times),
        "reruns_per_s": round(len(times) / elapsed, 2),
        "server_cpu_s": round(cpu, 1),
        "reruns_per_server_cpu_s": round(len(times) / cpu, 2) if cpu else None,
        "p50_s": round(timing.quantile(0.5), 3),
        "p95_s": round(timing.quantile(0.95), 3),
        "cores": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__)
    parser.add_argument("--replicas", default="1,2", help="replica counts to compare (1,2)")
    parser.add_argument("--readers", type=int, default=4, help="concurrent browser tabs (4)")
    parser.add_argument("--seconds", type=float, default=60.0, help="per replica count (60)")
    parser.add_argument("--store", type=Path, default=None, help="store (default data/store)")
    args = parser.parse_args(argv)
    store_dir = serving.store.resolve_store(args.store)
    for count in (int(n) for n in args.replicas.split(",")):
        print(json.dumps(measure(store_dir, count, args.readers, args.seconds)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
