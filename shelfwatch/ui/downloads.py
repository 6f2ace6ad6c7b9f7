"""Citable tables: download buttons whose bytes are made only on click, and safe source links.

A :class:`Download` is the pure part: what to fetch (a zero-argument function returning the
full frame) and what to say about it (version, date, filters, permalink). Its
:meth:`Download.make_bytes` is what a button runs when clicked, with the same
``shelfwatch.exports`` code the CLI uses; tests call it directly because AppTest cannot read a
download's bytes. :func:`download_buttons` is the streamlit part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from shelfwatch import exports, queries, store, tables

# Excel's limit, header row included (exports.to_xlsx raises beyond it).
XLSX_MAX_DATA_ROWS = 1_048_575
_FORMAT_LABELS = {"csv": "CSV", "xlsx": "XLSX", "parquet": "Parquet", "json": "JSON"}
_FORMAT_HELP = {
    "csv": "UTF-8 CSV; the first 8 lines are '# key: value' provenance, then the header.",
    "xlsx": "Excel workbook: sheet 'Data' with the rows, sheet 'About' with the provenance.",
    "parquet": "Typed columns; the provenance is in the schema metadata key 'shelfwatch'.",
    "json": '{"provenance": {...}, "columns": [...], "rows": [...]}',
}
# A short, readable stand-in for a long source URL: its host name.
HOST_PATTERN = r"^https?://(?:www\.)?([^/?#:]+)"


def query_fetcher(
    version_path: Path, name: str, params: Mapping[str, object]
) -> Callable[[], pd.DataFrame]:
    """A function that runs catalog query ``name`` on one version file when called.

    It opens its own read-only handle (never the page's cached one) because a download runs on
    a server thread outside the script, and its result is not cached: a full export is read
    once, written out and dropped.
    """
    frozen = dict(params)

    def fetch() -> pd.DataFrame:
        con = duckdb.connect(str(version_path), read_only=True, config=dict(store.READER_CONFIG))
        try:
            return queries.run_query(con, name, frozen)
        finally:
            con.close()

    return fetch


@dataclass(frozen=True)
class Download:
    """An export on offer: how to get every row, and its provenance apart from the time."""

    fetch: Callable[[], pd.DataFrame]
    data_version: int
    as_of: dt.date | None
    filters: Mapping[str, object] = field(default_factory=dict)
    title: str = exports.DEFAULT_TITLE
    permalink: str | None = None

    def provenance(self, generated_at: dt.datetime | None = None) -> exports.Provenance:
        return exports.Provenance(
            data_version=self.data_version,
            as_of=self.as_of,
            filters=dict(self.filters),
            generated_at=generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
            title=self.title,
            permalink=self.permalink,
        )

    def file_name(self, fmt: str) -> str:
        # Only the time differs between provenances, and the name does not use it.
        return exports.file_name(self.provenance(), fmt)

    def make_bytes(self, fmt: str, generated_at: dt.datetime | None = None) -> bytes:
        """Fetch every matching row and write it in ``fmt`` with provenance (pure; no streamlit)."""
        return exports.export_bytes(self.fetch(), self.provenance(generated_at), fmt)

    def deferred(self, fmt: str) -> Callable[[], bytes]:
        """The zero-argument callable a download button runs when clicked."""
        exports.file_name(self.provenance(), fmt)  # unknown formats fail now, not on click
        return lambda: self.make_bytes(fmt)


def download_buttons(
    download: Download,
    *,
    key: str,
    rows: int | None = None,
    formats: Iterable[str] = exports.FORMATS,
) -> None:
    """One button per format; each builds its file only when clicked (on a server thread).

    ``rows`` (the number of rows the export will hold, when known) disables Excel when the rows
    would not fit in one sheet. The offered :class:`Download` is kept in session state under
    ``download_<key>`` so tests can check the exact export a page offers.
    """
    st.session_state[f"download_{key}"] = download
    formats = tuple(formats)
    for column, fmt in zip(st.columns(len(formats)), formats, strict=True):
        too_big = fmt == "xlsx" and rows is not None and rows > XLSX_MAX_DATA_ROWS
        column.download_button(
            _FORMAT_LABELS.get(fmt, fmt),
            data=download.deferred(fmt),
            file_name=download.file_name(fmt),
            mime=exports.MEDIA_TYPES[fmt],
            key=f"{key}_{fmt}",
            help="Too many rows for one Excel sheet: use CSV or Parquet."
            if too_big
            else _FORMAT_HELP.get(fmt),
            on_click="ignore",  # a download must not rerun (and re-query) the page
            icon=":material/download:",
            disabled=too_big,
            width="stretch",
        )


def show_table(
    frame: pd.DataFrame,
    columns: Mapping[str, object],
    *,
    links: Iterable[str] = ("source_url", "archive_url"),
    show_host: bool = True,
    key: str | None = None,
    height: int | str = "auto",
    selectable: bool = False,
    selected: int | None = None,
) -> int | None:
    """A read-only table of ``columns`` (in that order), data always rendered as text.

    ``selectable`` lets the reader pick one row (its checkbox); the return value is its
    position in ``frame`` (None: none picked). ``selected`` ticks that row when the table is
    first drawn (a pair from the link). Give a table whose rows change a key that changes with
    them: a tick would otherwise stay on a position that now holds another pair.

    ``columns`` maps a column to its label or to a ``st.column_config`` object. The ``links``
    columns are clickable for http(s) values only: any other value (``javascript:``, ``data:``,
    plain text) moves to a ``<column> (text)`` column shown as plain text right after it, so no
    row loses its source and nothing else can ever be clicked.
    """
    shown = frame.copy()
    order: list[str] = []
    config: dict[str, object] = {}
    for column, spec in columns.items():
        if column not in shown.columns:
            continue
        order.append(column)
        label = spec if isinstance(spec, str) else None
        if column not in links:
            config[column] = spec  # a label, or a column_config object
            continue
        raw = shown[column]
        web = raw.map(tables.web_link)
        shown[column] = web
        config[column] = st.column_config.LinkColumn(
            label,
            display_text=HOST_PATTERN if show_host else None,
            help="Opens the source in a new tab",
        )
        leftover = raw.where(web.isna() & raw.notna())
        if leftover.notna().any():
            name = f"{column} (text)"
            shown[name] = leftover
            order.append(name)
            config[name] = st.column_config.TextColumn(f"{label or column} (not a web link)")
    event = st.dataframe(
        shown,
        column_order=order,
        column_config=config,
        hide_index=True,
        key=key,
        height=height,
        on_select="rerun" if selectable else "ignore",
        selection_mode="single-row",
        selection_default=(
            {"selection": {"rows": [selected], "columns": []}}
            if selectable and selected is not None
            else None
        ),
    )
    if not selectable:
        return None
    rows = event.selection.rows
    return int(rows[0]) if rows and int(rows[0]) < len(frame) else None
