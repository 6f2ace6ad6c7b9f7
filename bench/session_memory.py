"""What browsing dates costs the server's memory: one AppTest session opens a page and moves
its as-of date through N dates, recording the process's resident memory after each rerun and
the rerun's time. Before the results cache was bounded in bytes (shelfwatch.results), each new
date on Explore at 10M added a whole 833k-row result (0.16–0.45 GiB) to memory.

    python -m bench.session_memory --store bench/data/1m/store --page pages/explore.py \\
        --dates 11 --out bench/results/DATE-session-memory-1m.json

Runs in its own process: its peak is the app's, not a harness holding reference frames.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

from bench.timing import machine, peak_rss_bytes

REPO = Path(__file__).resolve().parent.parent


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def browse_dates(store_dir: Path, page: str, dates: int) -> dict[str, object]:
    os.environ["SHELFWATCH_STORE"] = str(store_dir)
    from streamlit.testing.v1 import AppTest

    from shelfwatch import store
    from shelfwatch.ui import data

    con = store.open_version(store_dir)
    first, last = con.execute(
        "select min(effective_on), max(effective_on) from observations"
    ).fetchall()[0]
    con.close()
    step = (last - first) / max(dates - 1, 1)
    days = [first + step * i for i in range(dates)]

    at = AppTest.from_file(
        str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=600
    )
    at.switch_page(page)
    at.run()
    runs = []
    for day in days:
        at.query_params["as_of"] = day.isoformat()
        started = time.perf_counter()
        at.run()
        runs.append(
            {
                "as_of": day.isoformat(),
                "rerun_s": round(time.perf_counter() - started, 3),
                "rss_bytes": _rss_bytes(),
                "results_cache_bytes": getattr(getattr(data, "RESULTS", None), "bytes_held", None),
                "exceptions": [str(e.value)[:200] for e in at.exception],
            }
        )
    return {
        "page": page,
        "store": str(store_dir),
        "dates": dates,
        "runs": runs,
        "peak_rss_bytes": peak_rss_bytes(),
        "machine": machine(REPO).describe(),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--page", default="pages/explore.py")
    parser.add_argument("--dates", type=int, default=11)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = browse_dates(args.store, args.page, args.dates)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    peak = result["peak_rss_bytes"] / 2**30
    slowest = max(run["rerun_s"] for run in result["runs"])
    print(
        f"{args.page}: {args.dates} dates, peak RSS {peak:.2f} GiB, slowest rerun {slowest:.2f} s"
    )


if __name__ == "__main__":
    main()
