"""Every page's rerun time through AppTest, warm and with cold Streamlit caches.

Runs in its own process (``python -m bench.pages --store DIR --out FILE``) so the figures, and
its peak memory, are not those of the harness holding reference DataFrames.

- cold: ``st.cache_data`` and ``st.cache_resource`` cleared (no cached query result, the DuckDB
  handle reopened), then one run of the page. The OS page cache stays warm: this is the app
  after a restart or a new data version, not after a reboot.
- warm: the same page rerun with nothing changed (every query answered from st.cache_data),
  i.e. Streamlit's own cost plus the page's rendering work.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from shelfwatch import site

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"


def registered_pages() -> list[str]:
    """The page scripts app.py registers with st.navigation for every reader, in menu order
    (the editors' pages need a signed-in editor: not timed)."""
    return [spec.script for spec in site.PAGES]


def _exceptions(at) -> list[str]:
    """Each uncaught exception: its message and where it was raised (last frame)."""
    return [
        f"{e.message.splitlines()[0] if e.message else '?'} @ {(e.stack_trace or ['?'])[-1]}"
        for e in at.exception
    ]


def time_pages(store_dir: Path, warm_runs: int, timeout: float = 600.0) -> dict[str, object]:
    os.environ["SHELFWATCH_STORE"] = str(store_dir)
    import streamlit as st
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    from shelfwatch.ui import data

    config.set_option("client.showErrorDetails", "full")  # else messages are redacted

    from bench.timing import Timing, peak_rss_bytes

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    started = time.perf_counter()
    at.run()  # imports shelfwatch, plotly, … once: not part of any page's figure
    first_run = time.perf_counter() - started

    pages: dict[str, object] = {}
    for script in registered_pages():
        at.switch_page(script)
        st.cache_data.clear()
        data.clear_results()
        st.cache_resource.clear()
        started = time.perf_counter()
        at.run()
        cold = time.perf_counter() - started
        errors = _exceptions(at)
        warm = []
        for _ in range(warm_runs):
            started = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - started)
        errors += _exceptions(at)
        pages[script] = {
            "cold_s": cold,
            "warm": Timing(warm).summary(),
            "exceptions": sorted(set(errors)),
        }
    return {"first_run_s": first_run, "pages": pages, "peak_rss_bytes": peak_rss_bytes()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = time_pages(args.store, args.warm_runs)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
