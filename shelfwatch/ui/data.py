"""Cached access to the published store, keyed by data version and hashable parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from shelfwatch import queries, results, store


class DataUnavailable(Exception):
    """A version file could not be read (gone, unreadable, a broken catalog, DuckDB failed):
    the page frame ends the page with a message instead of a traceback."""

    def __init__(self, version_path: Path, detail: str):
        super().__init__(detail)
        self.version_path = version_path


# What reading a published version can raise that is not a bug in the page.
READ_ERRORS = (duckdb.Error, queries.QueryCatalogError, store.StoreError, OSError)


@st.cache_resource(max_entries=8, show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    # One read-only handle per immutable version file; run_query takes a cursor per query.
    return store.connect_reader(Path(path))


def _hashable(value: object) -> object:
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(sorted(value))
    return value


# Every session's query results, bounded in bytes (shelfwatch.results): a version file never
# changes, so a result is good for as long as it is kept.
RESULTS = results.ResultCache()


def clear_results() -> None:
    """Forget every kept result (tests and the benchmark's cold runs)."""
    RESULTS.clear()


def run(version_path: Path, name: str, params: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Run catalog query ``name`` on a version; small results are kept per version and params."""
    given = dict(params or {})
    key = (str(version_path), name, tuple(sorted((k, _hashable(v)) for k, v in given.items())))
    try:
        return RESULTS.get(
            key,
            lambda: queries.run_query_arrow(_connection(str(version_path)), name, given),
            queries.to_frame,
        )
    except READ_ERRORS as exc:
        raise DataUnavailable(version_path, str(exc)) from exc


def format_of(path: str) -> int:
    """The store format a version file was published in (files never change: cached)."""
    try:
        return _format_of(path)
    except READ_ERRORS as exc:
        raise DataUnavailable(Path(path), str(exc)) from exc


@st.cache_data(max_entries=64, show_spinner=False)
def _format_of(path: str) -> int:
    return store.store_format_of(_connection(path))


@st.cache_data(max_entries=16, show_spinner=False)
def _version_diff(store_dir: str, old: int, new: int, as_of: dt.date, stale_after: int):
    from shelfwatch import diff  # a few hundred rows per part at most: small to keep

    return diff.between_versions(Path(store_dir), old, new, as_of=as_of, stale_after=stale_after)


def version_diff(store_dir: Path, old: int, new: int, *, as_of: dt.date, stale_after: int):
    """What published version ``new`` changed against ``old`` (cached: versions never change)."""
    try:
        return _version_diff(str(store_dir), old, new, as_of, stale_after)
    except READ_ERRORS as exc:
        raise DataUnavailable(store.version_path(store_dir, new), str(exc)) from exc


def latest_version(store_dir: Path) -> int | None:
    """Read CURRENT on every rerun so a newly published version is picked up at once."""
    return store.current_version(store_dir)


def as_date(value: object) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None
