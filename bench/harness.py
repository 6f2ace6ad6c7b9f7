"""One benchmark scale end to end: data, build, queries, scan floor, references, pages, browser."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench import datasets
from bench import references as ref
from bench.equality import case_for, reference_checks
from bench.timing import load_average, measure, peak_rss_bytes
from bench.workload import QueryCase, Workload, query_cases, workload_for
from shelfwatch import diff, site, store
from shelfwatch.queries import normalise, query_text, run_query

# The brief's example floor: the rule's own columns of status_segments, fixed across versions.
SCAN_FLOOR_FIXED_SQL = (
    "select count(*), max(seg_from), max(seg_to), max(status), max(since), bool_or(disputed), "
    "max(obs_id) from status_segments"
)
# Where status_as_of's time goes: the covering-segment filter alone (no joins, no DataFrame).
STATUS_FILTER_SQL = (
    "select count(*) from status_segments "
    "where seg_from <= $as_of and (seg_to is null or seg_to > $as_of)"
)


@dataclass
class Options:
    runs: int = 7  # timed warm runs per query (after one warm-up)
    reference_runs: int = 3  # timed runs per reference (after the equality-check run)
    apptest_warm_runs: int = 5
    apptest_date_changes: int = 5  # timed AppTest reruns per page, each with a new as-of date
    browser_changes: int = 20  # per page
    browser_pages: tuple[str, ...] | None = None  # url paths of site.PAGES; None: every page
    skip_references: bool = False  # development only: the figures need them
    skip_apptest: bool = False
    skip_browser: bool = False
    reuse_store: bool = False  # development only: keep an existing store, build not measured


def _jsonable(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


def _stage(result: dict, name: str, say: Callable[[str], None], work: Callable[[], object]):
    """Run one stage; a failure is recorded in the results instead of ending the run."""
    say(f"  {name} …")
    started = time.perf_counter()
    try:
        value = work()
    except Exception as exc:  # reported in the results file; the run goes on
        result[name] = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        say(f"  {name} FAILED: {exc}")
        return None
    result[name] = value
    say(f"  {name} done in {time.perf_counter() - started:.1f} s")
    return value


# Queries over two versions attached as catalogs ``old`` and ``new`` (shelfwatch.diff).
TWO_VERSION_QUERIES = ("diff_observations", "diff_statuses", "diff_tables", "diff_transitions")


def time_queries(
    con: duckdb.DuckDBPyConnection, w: Workload, runs: int, version_path: Path | None = None
) -> dict[str, object]:
    """Every catalog query case, warm, to a DataFrame. The two-version queries run on
    ``version_path`` attached as both ``old`` and ``new`` (no differences: what comparing
    costs); without it they are skipped and say so."""
    results: dict[str, object] = {}
    with contextlib.ExitStack() as stack:
        pair = (
            stack.enter_context(diff.open_pair(version_path, version_path))
            if version_path is not None
            else None
        )
        for case in query_cases(w):
            entry: dict[str, object] = {
                "query": case.query,
                "params": {k: _jsonable(v) for k, v in case.params.items()},
                "guessed_params": case.guessed,
            }
            on = con
            if case.query in TWO_VERSION_QUERIES:
                if pair is None:
                    entry["error"] = "needs two versions (no version file given)"
                    results[case.label] = entry
                    continue
                on = pair
                entry["note"] = "the version against itself (old = new)"
            try:
                timing, frame = measure(
                    lambda c=case, on=on: run_query(on, c.query, c.params), runs
                )
                entry.update(rows=len(frame), **timing.summary())
            except Exception as exc:  # a broken query is a finding, not a crash
                entry["error"] = f"{type(exc).__name__}: {exc}"
            results[case.label] = entry
    return results


def scan_floor_sql(con: duckdb.DuckDBPyConnection) -> str:
    """One full-scan aggregate over every column of status_segments that status_as_of reads.

    Derived from the query text and the table's schema, so the floor follows the query when its
    columns change: no query that looks at every segment can beat this in the same run.
    """
    text = query_text("status_as_of").lower()
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where table_name = 'status_segments' "
        "order by column_index"
    ).fetchall()
    aggregates = [
        f'{"bool_or" if kind == "BOOLEAN" else "max"}("{name}")'
        for name, kind in columns
        if re.search(rf"\b{re.escape(name.lower())}\b", text)
    ]
    # Identifiers come from the database's own catalog, never from input.
    return f"select count(*), {', '.join(aggregates)} from status_segments"  # noqa: S608


def time_scan_floor(con: duckdb.DuckDBPyConnection, w: Workload, runs: int) -> dict[str, object]:
    def sql_timing(sql: str, params: dict | None = None) -> dict[str, object]:
        def call() -> object:
            cursor = con.cursor()
            try:
                return cursor.execute(sql, params or {}).fetchall()
            finally:
                cursor.close()

        timing, _ = measure(call, runs)
        return {"sql": sql, **timing.summary()}

    def status_to_arrow() -> object:
        cursor = con.cursor()
        try:
            return cursor.sql(query_text("status_as_of"), params=status_params).to_arrow_table()
        finally:
            cursor.close()

    # status_as_of's whole SQL without the pandas conversion: splits DuckDB's work from the
    # DataFrame hand-over in run_query's figure.
    status_params = {k: normalise(v) for k, v in status_case(w).params.items()}
    arrow, _ = measure(status_to_arrow, runs)
    return {
        "floor": sql_timing(scan_floor_sql(con)),
        "floor_fixed_columns": sql_timing(SCAN_FLOOR_FIXED_SQL),
        "status_filter_only": sql_timing(STATUS_FILTER_SQL, {"as_of": w.as_of}),
        "status_as_of_to_arrow": arrow.summary(),
    }


def status_case(w: Workload) -> QueryCase:
    return next(case for case in query_cases(w) if case.label == "status_as_of")


def run_references(
    con: duckdb.DuckDBPyConnection, w: Workload, queries: dict, runs: int
) -> dict[str, object]:
    """Load the raw observations, check every reference equals ours, then time them."""
    out: dict[str, object] = {"checks": {}}
    started = time.perf_counter()
    obs_pandas = ref.load_observations_pandas(con)
    out["load_pandas_s"] = time.perf_counter() - started
    started = time.perf_counter()
    obs_polars = ref.load_observations_polars(con)
    out["load_polars_s"] = time.perf_counter() - started
    out["observations"] = len(obs_pandas)
    try:
        for check in reference_checks(w):
            case = case_for(check, w)
            entry: dict[str, object] = {"query_case": check.case}
            out["checks"][check.name] = entry
            ours = run_query(con, case.query, case.params)
            ours_median = queries.get(check.case, {}).get("median_s")
            entry["ours_median_s"] = ours_median
            for library, function, frame in (
                ("pandas", check.pandas, obs_pandas),
                ("polars", check.polars, obs_polars),
            ):
                theirs = function(frame)  # the checked run doubles as the warm-up
                try:
                    entry["rows_compared"] = ref.assert_equal(
                        ours, theirs, check.columns, f"{check.name} ({library})"
                    )
                    entry[f"{library}_equal"] = True
                except AssertionError as exc:
                    entry[f"{library}_equal"] = False
                    entry[f"{library}_mismatch"] = str(exc)
                del theirs
                timing, _ = measure(lambda f=function, o=frame: f(o), runs, warmup=0)
                entry[library] = timing.summary()
                if ours_median:
                    entry[f"{library}_ratio"] = timing.median / ours_median
    finally:
        del obs_pandas, obs_polars
        gc.collect()
    return out


def run_apptest(
    store_dir: Path, warm_runs: int, dates: list[dt.date] | None = None
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pages.json"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.pages",
                "--store",
                str(store_dir),
                "--warm-runs",
                str(warm_runs),
                "--dates",
                ",".join(d.isoformat() for d in dates or []),
                "--out",
                str(out),
            ],
            cwd=datasets.REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"bench.pages exited {done.returncode}:\n{done.stderr[-4000:]}")
        return json.loads(out.read_text())


def browser_dates(w: Workload, n: int) -> list[dt.date]:
    """n distinct as-of dates, 17 days apart going back from as_of: every one a cache miss."""
    return [w.as_of - dt.timedelta(days=17 * k) for k in range(1, n + 1)]


READER_PAGES = tuple(spec.url_path for spec in site.PAGES)


def parse_browser_pages(text: str) -> tuple[str, ...]:
    """``--browser-pages overview,explore``: url paths of the readers' pages, in menu order."""
    names = {n.strip().lower() for n in text.split(",") if n.strip()}
    unknown = sorted(names - set(READER_PAGES))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown page(s) {unknown}; choose from {', '.join(READER_PAGES)}"
        )
    return tuple(p for p in READER_PAGES if p in names)


def browser_query(w: Workload, page: str) -> str:
    """The query string each page is opened with in the benchmark: the workload's as-of date,
    and what the page needs to show something of the bench data (app_driver.PAGE_QUERIES's
    seed ids, lorex & co., are not in it). Windows are left to follow the as-of date (Compare's
    defaults to the year up to it: net_changes_between's case), so a date change moves them."""
    query = f"as_of={w.as_of.isoformat()}"
    extra = {
        "timeline": f"brand={w.brand}",  # one brand's pairs: timeline_intervals' case
        "profiles": f"brand={w.brand}",  # a profile needs a brand (or a retailer)
    }
    return query + (f"&{extra[page]}" if page in extra else "")


def run_browser(
    store_dir: Path,
    w: Workload,
    options: Options,
    say: Callable[[str], None] = print,
) -> dict[str, object]:
    """Every chosen page on a server of its own (its caches empty); a page that fails is
    recorded and the others still run."""
    from bench.browser import measure_browser

    dates = browser_dates(w, options.browser_changes)
    # The returning reader's date: the next one back, never shown by the changes before it.
    returning = browser_dates(w, options.browser_changes + 1)[-1]
    out: dict[str, object] = {
        "changes": options.browser_changes,
        "dates": [d.isoformat() for d in dates],
        "pages": {},
    }
    for page in options.browser_pages or READER_PAGES:
        query = browser_query(w, page)
        started = time.perf_counter()
        try:
            out["pages"][page] = measure_browser(
                store_dir,
                dates,
                store_dir.parent / f"streamlit-{page}.log",
                page,
                query,
                returning_date=returning,
            )
        except Exception as exc:  # reported per page; the other pages still run
            out["pages"][page] = {
                "url": f"/{page}?{query}",
                "error": f"{type(exc).__name__}: {exc}",
                "trace": traceback.format_exc(),
            }
            say(f"    browser {page} FAILED: {exc}")
            continue
        say(f"    browser {page} done in {time.perf_counter() - started:.1f} s")
    return out


def run_scale(
    scale: datasets.Scale,
    options: Options,
    say: Callable[[str], None] = print,
    root: Path = datasets.DATA_ROOT,
) -> dict[str, object]:
    result: dict[str, object] = {
        "scale": scale.params(),
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_at_start": load_average(),
    }
    say(
        f"[{scale.name}] {scale.observations:,} observations, "
        f"{scale.retailers:,} retailers × {scale.brands:,} brands"
    )
    dataset = datasets.prepare(scale, root, say=say)
    result["data"] = {
        "generated": dataset.generated,
        "generate_s": dataset.generate_seconds,
        "input_bytes": dataset.input_bytes,
        "input_dir": str(
            dataset.input_dir.relative_to(datasets.REPO)
            if dataset.input_dir.is_relative_to(datasets.REPO)
            else dataset.input_dir
        ),
    }
    if options.reuse_store and (dataset.store_dir / store.CURRENT_FILE).exists():
        result["build"] = {"reused": True}
    else:
        build = _stage(result, "build", say, lambda: datasets.build_store(dataset))
        if build is None:
            return result
        result["build"] = {
            "seconds": build.seconds,
            "peak_rss_bytes": build.peak_rss_bytes,
            "store_bytes": build.store_bytes,
            "output": build.output.splitlines()[-1:],
        }

    # An opt-in scale (100M) is there for its build and its pages: timing every catalog query
    # eight times, the in-memory references and a browser would add hours and tens of GB.
    opt_in = scale.name in datasets.OPT_IN_SCALES
    if opt_in:
        result["skipped"] = ["queries", "scan_floor", "references", "browser"]
    con = store.open_version(dataset.store_dir)
    current = store.current_version(dataset.store_dir)
    version_path = None if current is None else store.version_path(dataset.store_dir, current)
    try:
        w = workload_for(con)
        result["workload"] = w.describe()
        if not opt_in:
            queries = _stage(
                result, "queries", say, lambda: time_queries(con, w, options.runs, version_path)
            )
            _stage(result, "scan_floor", say, lambda: time_scan_floor(con, w, options.runs))
        if not (opt_in or options.skip_references):
            _stage(
                result,
                "references",
                say,
                lambda: run_references(con, w, queries or {}, options.reference_runs),
            )
    finally:
        con.close()
    if not options.skip_apptest:
        _stage(
            result,
            "apptest",
            say,
            lambda: run_apptest(
                dataset.store_dir,
                options.apptest_warm_runs,
                browser_dates(w, options.apptest_date_changes),
            ),
        )
    if not (opt_in or options.skip_browser):
        _stage(
            result,
            "browser",
            say,
            lambda: run_browser(dataset.store_dir, w, options, say),
        )
    result["harness_peak_rss_bytes"] = peak_rss_bytes()
    result["load_average_at_end"] = load_average()
    return result


def mismatches(result: dict[str, object]) -> list[str]:
    """Every reference whose result differed from ours (the harness fails on any)."""
    found = []
    references = result.get("references")
    if isinstance(references, dict) and "error" in references:
        found.append(f"references failed: {references['error']}")
    for name, check in (references or {}).get("checks", {}).items():
        for library in ("pandas", "polars"):
            if check.get(f"{library}_equal") is False:
                found.append(f"{name} ({library}): {check.get(f'{library}_mismatch', '')[:500]}")
    return found
