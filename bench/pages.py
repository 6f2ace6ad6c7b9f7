"""Every page's rerun time through AppTest: cold caches, warm, and after a date change.

Runs in its own process (``python -m bench.pages --store DIR --out FILE``) so the figures, and
its peak memory, are not those of the harness holding reference DataFrames.

- cold: ``st.cache_data`` and ``st.cache_resource`` cleared (no cached query result, the DuckDB
  handle reopened), then one run of the page. The OS page cache stays warm: this is the app
  after a restart or a new data version, not after a reboot.
- warm: the same page rerun with nothing changed (every query answered from st.cache_data),
  i.e. Streamlit's own cost plus the page's rendering work.
- date change: after the warm runs, the sidebar's "Status as of" date set to each of a few
  distinct dates (``--dates``), one timed run each: what a user changing the date waits for
  on the server (queries that depend on the date miss the caches, the rest hit). The date is
  then set back, untimed, so the next page starts where this one did.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

from bench.timing import Timing
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


DATE_KEY = "url_as_of"  # the sidebar's "Status as of" field (context.date_filter's key)


def _date_field(at):
    """The sidebar's "Status as of" date_input of the last run, or None if the page has none."""
    fields = [w for w in at.sidebar.date_input if w.key == DATE_KEY]
    return fields[0] if fields else None


def time_date_changes(at, dates: list[dt.date]) -> dict[str, object] | None:
    """One timed run per date, set in the sidebar's date field; None if the page has none."""
    field = _date_field(at)
    if field is None:
        return None
    original = field.value
    times, errors = [], []
    for day in dates:
        _date_field(at).set_value(day)
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        errors += _exceptions(at)
        shown = _date_field(at)
        if shown is None or shown.value != day:
            errors.append(f"the date field shows {shown and shown.value}, not {day} @ bench")
    _date_field(at).set_value(original)  # untimed: the next page starts at the same date
    at.run()
    return {
        **Timing(times).summary(),
        "dates": [d.isoformat() for d in dates],
        "exceptions": errors,
    }


def time_pages(
    store_dir: Path,
    warm_runs: int,
    dates: list[dt.date] | None = None,
    timeout: float = 600.0,
) -> dict[str, object]:
    os.environ["SHELFWATCH_STORE"] = str(store_dir)
    import streamlit as st
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    from shelfwatch.ui import data

    config.set_option("client.showErrorDetails", "full")  # else messages are redacted

    from bench.timing import peak_rss_bytes

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
        }
        if dates:
            change = time_date_changes(at, dates)
            pages[script]["date_field"] = change is not None
            if change is not None:
                errors += change.pop("exceptions")
                pages[script]["date_change"] = change
        pages[script]["exceptions"] = sorted(set(errors))
    return {"first_run_s": first_run, "pages": pages, "peak_rss_bytes": peak_rss_bytes()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument(
        "--dates",
        default="",
        help="comma-separated YYYY-MM-DD: one timed date change per page for each (none: skip)",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    dates = [dt.date.fromisoformat(d) for d in args.dates.split(",") if d.strip()]
    result = time_pages(args.store, args.warm_runs, dates)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
