"""Full-dataset downloads at scale: ``python -m bench.downloads [--scales 1m,10m]``.

For each scale's benchmark store (bench/data/<scale>, built by ``python -m bench`` or here) and
each of CSV, Parquet and JSON, measures:

* DuckDB's own ``COPY observations TO … (FORMAT …)``, the floor;
* ``python -m shelfwatch export --view evidence``: wall time and the process's peak RSS;
* the app's own download route (the Data page's "whole dataset" link, fetched by a client
  while the server's resident memory is sampled): wall time and RSS above idle;
* at the largest scale, five concurrent full CSV downloads: how many were served and how many
  refused as busy, and how long the app took meanwhile to render a page for another session.

Targets (issue 9): RSS ≤ 1 GiB above idle (app) and ≤ 1 GiB peak (CLI), each within 3× the
COPY. Results go to bench/results/<date>-downloads.md and .json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb

from bench import app_driver as harness  # the same server and Chromium for tests and bench
from bench import datasets
from bench.timing import machine
from shelfwatch import store

FORMATS = ("csv", "parquet", "json")
GIB = 1024**3
RESULTS = datasets.REPO / "bench" / "results"


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def copy_floor(store_dir: Path, fmt: str, out: Path) -> float:
    version = store.resolve_version(store_dir)
    con = duckdb.connect(str(version.path), read_only=True)
    try:
        started = time.perf_counter()
        con.execute(f"copy observations to '{out}' (format {fmt})")  # noqa: S608 - fixed names
        return time.perf_counter() - started
    finally:
        con.close()


# The CLI's own peak, read by the CLI process itself as it exits. Not wait4's ru_maxrss: on
# Linux a child's maxrss starts from its parent's peak at fork and survives exec, so it would
# report this harness's memory (which just ran DuckDB's COPY) instead of the CLI's.
_PEAK_PROBE = (
    "import atexit, runpy, sys\n"
    "def report():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('peak-rss-kib ' + line.split()[1] + '\\n')\n"
    "atexit.register(report)\n"
    "sys.argv = ['shelfwatch', *sys.argv[1:]]\n"
    "runpy.run_module('shelfwatch', run_name='__main__')\n"
)


def cli_export(store_dir: Path, fmt: str, out: Path) -> dict[str, object]:
    command = [
        sys.executable,
        "-c",
        _PEAK_PROBE,
        "export",
        "--view",
        "evidence",
        "--format",
        fmt,
        "--out",
        str(out),
        "--store",
        str(store_dir),
        "--as-of",
        datasets.DATA_TODAY.isoformat(),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=datasets.REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"export failed: {done.stderr}")
    peak = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("peak-rss")]
    return {
        "seconds": seconds,
        "peak_rss_bytes": int(peak[-1]) * 1024,
        "bytes": out.stat().st_size,
    }


def _fetch(url: str, result: dict) -> None:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=1800) as response:
            size = 0
            while chunk := response.read(1 << 20):
                size += len(chunk)
        result.update(status=200, bytes=size)
    except urllib.error.HTTPError as exc:
        result.update(status=exc.code, bytes=0)
    result["seconds"] = time.perf_counter() - started


def _links(base: str, playwright) -> dict[str, str]:
    browser = harness.launch_chromium(playwright)
    try:
        page = browser.new_page()
        harness.open_page(page, f"{base}/data")
        links = {}
        for fmt in FORMATS:
            href = page.locator(f".st-key-dataset_{fmt} a").first.get_attribute("href")
            links[fmt] = f"{base}/{href.lstrip('/')}"
        return links
    finally:
        browser.close()


def _render_seconds(base: str, playwright) -> float:
    browser = harness.launch_chromium(playwright)
    try:
        page = browser.new_page()
        started = time.perf_counter()
        harness.open_page(page, f"{base}/data", timeout_ms=600_000)
        return time.perf_counter() - started
    finally:
        browser.close()


def app_downloads(store_dir: Path, log: Path, concurrent: bool) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    found: dict[str, object] = {}
    with harness.streamlit_process(store_dir, log) as (base, process), sync_playwright() as pw:
        links = _links(base, pw)
        for fmt in FORMATS:
            idle = _rss(process.pid)
            result: dict[str, object] = {}
            worker = threading.Thread(target=_fetch, args=(links[fmt], result))
            worker.start()
            peak = idle
            while worker.is_alive():
                peak = max(peak, _rss(process.pid))
                time.sleep(0.1)
            found[fmt] = {**result, "idle_rss_bytes": idle, "peak_above_idle_bytes": peak - idle}
        if concurrent:
            results = [{} for _ in range(5)]
            workers = [threading.Thread(target=_fetch, args=(links["csv"], r)) for r in results]
            for worker in workers:
                worker.start()
            time.sleep(2)  # the downloads are under way
            render = _render_seconds(base, pw)
            for worker in workers:
                worker.join()
            found["five_concurrent_csv"] = {
                "statuses": [r["status"] for r in results],
                "seconds": [round(r["seconds"], 1) for r in results],
                "other_session_render_seconds": render,
            }
    return found


def _repeats(observations: int) -> int:
    # Sub-second runs vary by a third from one to the next on this machine: at 1M and below
    # each figure is the median of three runs, interleaved (COPY, CLI, COPY, CLI…).
    return 3 if observations <= 1_000_000 else 1


def run(scales: list[str], out_dir: Path) -> Path:
    results: dict[str, object] = {
        "date": dt.date.today().isoformat(),
        "command": "python -m bench.downloads --scales " + ",".join(scales),
        "machine": machine(datasets.REPO).describe(),
        "scales": {},
    }
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name in scales:
            dataset = datasets.prepare(datasets.SCALES[name])
            if store.current_version(dataset.store_dir) is None:
                datasets.build_store(dataset)
            scale: dict[str, object] = {"observations": dataset.scale.observations}
            for fmt in FORMATS:
                floors, runs = [], []
                for _ in range(_repeats(dataset.scale.observations)):
                    target = work / f"export.{fmt}"
                    floors.append(copy_floor(dataset.store_dir, fmt, work / f"copy.{fmt}"))
                    runs.append(cli_export(dataset.store_dir, fmt, target))
                    target.unlink()
                    (work / f"copy.{fmt}").unlink()
                floor = statistics.median(floors)
                cli = {
                    **sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2],
                    "peak_rss_bytes": max(run["peak_rss_bytes"] for run in runs),
                    "runs_seconds": [round(run["seconds"], 3) for run in runs],
                    "copy_runs_seconds": [round(f, 3) for f in floors],
                }
                scale[fmt] = {"copy_seconds": floor, "cli": cli}
                print(f"[{name}] {fmt}: copy {floor:.2f} s, cli {cli['seconds']:.2f} s", flush=True)
            app = app_downloads(
                dataset.store_dir, dataset.store_dir.parent / "downloads.log", name == scales[-1]
            )
            for fmt in FORMATS:
                scale[fmt]["app"] = app[fmt]
            if "five_concurrent_csv" in app:
                scale["five_concurrent_csv"] = app["five_concurrent_csv"]
            results["scales"][name] = scale
            print(f"[{name}] app: {json.dumps(app)}", flush=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{results['date']}-downloads"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    stem.with_suffix(".md").write_text(_markdown(results))
    return stem.with_suffix(".md")


def _verdict(ok: bool) -> str:
    return "pass" if ok else "MISS"


def _markdown(results: dict) -> str:
    lines = [
        f"# Full downloads, {results['date']}",
        "",
        f"`{results['command']}` on {results['machine']}.",
        "",
        "At 1M observations and below, each COPY and CLI figure is the median of three "
        "interleaved runs (every run is in the JSON file); the app's downloads run once.",
        "",
        "| scale | format | DuckDB COPY | CLI export | × COPY | CLI peak RSS | app download "
        "| × COPY | app RSS above idle | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, scale in results["scales"].items():
        for fmt in FORMATS:
            row = scale[fmt]
            copy, cli, app = row["copy_seconds"], row["cli"], row["app"]
            cli_x, app_x = cli["seconds"] / copy, app["seconds"] / copy
            ok_cli = cli["peak_rss_bytes"] <= GIB and cli_x <= 3
            ok_app = app["status"] == 200 and app["peak_above_idle_bytes"] <= GIB and app_x <= 3
            verdict = f"CLI {_verdict(ok_cli)}, app {_verdict(ok_app)}"
            lines.append(
                f"| {name} | {fmt} | {copy:.2f} s | {cli['seconds']:.2f} s | {cli_x:.1f}× | "
                f"{cli['peak_rss_bytes'] / GIB:.2f} GiB | {app['seconds']:.2f} s | {app_x:.1f}× | "
                f"{app['peak_above_idle_bytes'] / GIB:.2f} GiB | {verdict} |"
            )
    for name, scale in results["scales"].items():
        five = scale.get("five_concurrent_csv")
        if five:
            lines += [
                "",
                f"Five concurrent full CSV downloads at {name}: statuses {five['statuses']} "
                f"(503 = busy, try again), seconds {five['seconds']}; meanwhile another session's "
                f"Data page rendered in {five['other_session_render_seconds']:.1f} s.",
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scales", default="1m,10m")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    print(f"wrote {run(args.scales.split(','), args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
