"""Citable tables and charts: downloads of every matching row, chart images and evidence
packs, made only on click, and safe source links.

A :class:`Download` is the pure part: which catalog query on which version file, and what to
say about it (version, date, filters, permalink); :meth:`Download.job` is the
:class:`~shelfwatch.export_jobs.ExportJob` the CLI runs too. A chart image is a
:class:`~shelfwatch.images.ChartImage` and a pack an :class:`~shelfwatch.packs.EvidencePack`:
each, like an export job, writes itself to a file. Under the Shelfwatch server
(``shelfwatch/ui/server.py``, ``make run``) each button is a link to its download route, which
writes the file on disk on a worker thread, within bounded slots; tests call
:meth:`Download.make_bytes` (or the offered job, kept in session state), the same writer into
memory, because AppTest cannot follow a link. Without that server (AppTest, a bare
``streamlit run app.py``) Streamlit's download button is the fallback, for files small
enough to hold in memory only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from shelfwatch import charts, exports, images, packs, tables
from shelfwatch.citations import ChartCitation
from shelfwatch.export_jobs import ExportJob
from shelfwatch.images import ChartImage, FigureSource
from shelfwatch.packs import EvidencePack
from shelfwatch.ui import context

# Excel's limit, header row included (exports raise beyond it).
XLSX_MAX_DATA_ROWS = 1_048_575
# Without the download route a download is bytes in the server's memory: only this many rows.
IN_MEMORY_MAX_ROWS = 100_000
# The server's download route; shelfwatch.ui.server mounts it and sets ROUTE_MOUNTED.
ROUTE = "/downloads"
ROUTE_MOUNTED = False
_FORMAT_LABELS = {"csv": "CSV", "xlsx": "XLSX", "parquet": "Parquet", "json": "JSON"}
_FORMAT_HELP = {
    "csv": "UTF-8 CSV; the first 9 lines are '# key: value' provenance, then the header.",
    "xlsx": "Excel workbook: sheet 'Data' with the rows, sheet 'About' with the provenance.",
    "parquet": "Typed columns; the provenance is in the schema metadata key 'shelfwatch'.",
    "json": '{"provenance": {...}, "columns": [...], "rows": [...]}',
}
_IMAGE_HELP = {
    "png": "The chart as a PNG image (for print and slides) with its title, date, filters, data "
    "version, credit line and permalink drawn in.",
    "svg": "The chart as an SVG vector image (editable, text kept as text) with its title, date, "
    "filters, data version, credit line and permalink drawn in.",
}
MEDIA_TYPES = {**exports.MEDIA_TYPES, **images.MEDIA_TYPES, packs.PACK_FORMAT: packs.MEDIA_TYPE}
# A short, readable stand-in for a long source URL: its host name.
HOST_PATTERN = r"^https?://(?:www\.)?([^/?#:]+)"


@dataclass(frozen=True)
class QuerySource:
    """Catalog query ``name`` with ``params`` on one version file: the rows of a download."""

    version_path: Path
    name: str
    params: Mapping[str, object]


@dataclass(frozen=True)
class Download:
    """An export on offer: where every row comes from, and its provenance apart from the time."""

    source: QuerySource
    data_version: int
    as_of: dt.date | None
    filters: Mapping[str, object] = field(default_factory=dict)
    title: str = exports.DEFAULT_TITLE
    permalink: str | None = None

    @property
    def job(self) -> ExportJob:
        return ExportJob(
            version_file=self.source.version_path,
            query=self.source.name,
            params=dict(self.source.params),
            data_version=self.data_version,
            as_of=self.as_of,
            filters=dict(self.filters),
            title=self.title,
            permalink=self.permalink,
        )

    def provenance(self, generated_at: dt.datetime | None = None) -> exports.Provenance:
        return self.job.provenance(generated_at)

    def file_name(self, fmt: str) -> str:
        return self.job.file_name(fmt)

    def make_bytes(self, fmt: str, generated_at: dt.datetime | None = None) -> bytes:
        """Every matching row in ``fmt`` with provenance, in memory (pure; no streamlit)."""
        out = io.BytesIO()
        self.job.write(fmt, out, generated_at)
        return out.getvalue()


# What a route token stands for: each writes itself to a file, ``job.write_file(fmt, path)``.
Job = ExportJob | ChartImage | EvidencePack

# Offers by token, for the download route. Exports are small (a query name and its
# parameters); images and packs hold their figures, so fewer of them are kept.
_OFFERS: OrderedDict[str, tuple[Job, str]] = OrderedDict()
_OFFERS_MAX = 10_000
_DRAWN_OFFERS: OrderedDict[str, tuple[Job, str]] = OrderedDict()
# A 60 × 60 status grid's figure holds ~1.7 MB (tracemalloc): 100 offers stay under ~200 MB
# per process, and an older link says it has expired (reload the page).
_DRAWN_OFFERS_MAX = 100
_OFFERS_LOCK = threading.Lock()
# Per session: a figure is not a value to hash on every rerun, so a chart's token names this
# session's chart ``key`` with its citation, and the latest figure drawn under it wins.
_SESSION_TOKEN = "_downloads_session"


def _remember(offers: OrderedDict[str, tuple[Job, str]], limit: int, token: str, offer) -> None:
    with _OFFERS_LOCK:
        offers[token] = offer
        offers.move_to_end(token)
        while len(offers) > limit:
            offers.popitem(last=False)


def register(download: Download, fmt: str) -> str:
    """The route token of ``download`` in ``fmt`` (the same offer always gets the same one)."""
    job = download.job
    token = hashlib.sha256(repr((job, fmt)).encode("utf-8")).hexdigest()[:32]
    _remember(_OFFERS, _OFFERS_MAX, token, (job, fmt))
    return token


def register_drawn(job: ChartImage | EvidencePack, fmt: str, key: str) -> str:
    """The route token of this session's chart image or pack ``key`` in ``fmt``."""
    session = st.session_state.setdefault(_SESSION_TOKEN, secrets.token_hex(16))
    if isinstance(job, EvidencePack):
        names = tuple(title for title, _ in job.charts)
        what: object = ("pack", job.export, names, job.citation)
    else:
        what = ("chart", job.citation)
    token = hashlib.sha256(repr((session, key, what, fmt)).encode("utf-8")).hexdigest()[:32]
    _remember(_DRAWN_OFFERS, _DRAWN_OFFERS_MAX, token, (job, fmt))
    return token


def registered(token: str) -> tuple[Job, str] | None:
    with _OFFERS_LOCK:
        return _OFFERS.get(token) or _DRAWN_OFFERS.get(token)


def download_url(download: Download, fmt: str) -> str:
    """Relative to the page (every page sits at the top level), so a base path still works."""
    return f"{ROUTE.lstrip('/')}/{register(download, fmt)}/{download.file_name(fmt)}"


def _drawn_url(job: ChartImage | EvidencePack, fmt: str, key: str) -> str:
    return f"{ROUTE.lstrip('/')}/{register_drawn(job, fmt, key)}/{job.file_name(fmt)}"


def download_buttons(
    download: Download,
    *,
    key: str,
    rows: int | None = None,
    formats: Iterable[str] = exports.FORMATS,
) -> None:
    """One button per format; each file is written only when clicked.

    ``rows`` (the number of rows the export will hold, when known) disables Excel when the rows
    would not fit in one sheet. The offered :class:`Download` is kept in session state under
    ``download_<key>`` so tests can check the exact export a page offers.
    """
    st.session_state[f"download_{key}"] = download
    formats = tuple(formats)
    for column, fmt in zip(st.columns(len(formats)), formats, strict=True):
        too_big = fmt == "xlsx" and rows is not None and rows > XLSX_MAX_DATA_ROWS
        label = _FORMAT_LABELS.get(fmt, fmt)
        help_text = (
            "Too many rows for one Excel sheet: use CSV or Parquet."
            if too_big
            else _FORMAT_HELP.get(fmt)
        )
        if ROUTE_MOUNTED:
            column.link_button(
                label,
                download_url(download, fmt),
                key=f"{key}_{fmt}",
                help=help_text,
                icon=":material/download:",
                disabled=too_big,
                width="stretch",
            )
            continue
        in_memory_only = rows is None or rows > IN_MEMORY_MAX_ROWS
        column.download_button(
            label,
            data=_deferred(download, fmt),
            file_name=download.file_name(fmt),
            mime=exports.MEDIA_TYPES[fmt],
            key=f"{key}_{fmt}",
            help="Large downloads need the Shelfwatch server (`make run`) or "
            "`python -m shelfwatch export`."
            if in_memory_only and not too_big
            else help_text,
            on_click="ignore",  # a download must not rerun (and re-query) the page
            icon=":material/download:",
            disabled=too_big or in_memory_only,
            width="stretch",
        )


def _deferred(download: Download, fmt: str):
    download.file_name(fmt)  # unknown formats fail now, not on click
    return lambda: download.make_bytes(fmt)


def chart_citation(
    view: context.View, title: str, filters: Mapping[str, object] | None = None
) -> ChartCitation:
    """What a chart of ``view`` says about itself: ``filters`` (``Filters.provenance(...)``;
    default: every filter of the view not at its default) and the view's permalink."""
    return ChartCitation.of(
        title,
        as_of=view.as_of,
        filters=view.filters().provenance() if filters is None else filters,
        data_version=view.version,
        permalink=context.permalink(view),
    )


def chart_downloads(
    view: context.View,
    figure: FigureSource,
    *,
    key: str,
    title: str,
    filters: Mapping[str, object] | None = None,
) -> None:
    """PNG and SVG buttons for ``figure`` (or a builder of it, called only on click), each
    image cited: title, as-of date, filters, data version, credit line and permalink.

    The offered :class:`~shelfwatch.images.ChartImage` is kept in session state under
    ``chart_<key>`` so tests can check the exact image a page offers."""
    image = ChartImage(figure, chart_citation(view, title, filters))
    st.session_state[f"chart_{key}"] = image
    row = st.container(horizontal=True, key=f"chart_{key}_downloads")
    for fmt in images.FORMATS:
        label = f"Chart {fmt.upper()}"
        if ROUTE_MOUNTED:
            row.link_button(
                label,
                _drawn_url(image, fmt, key),
                key=f"chart_{key}_{fmt}",
                help=_IMAGE_HELP[fmt],
                icon=":material/image:",
            )
            continue
        row.download_button(
            label,
            data=_deferred_image(image, fmt),
            file_name=image.file_name(fmt),
            mime=MEDIA_TYPES[fmt],
            key=f"chart_{key}_{fmt}",
            help=_IMAGE_HELP[fmt],
            on_click="ignore",  # drawing an image must not rerun (and re-query) the page
            icon=":material/image:",
        )


def coverage_for_pack(
    view: context.View, brand_ids: Sequence[str], *, every_event: bool = False
) -> tuple[str, FigureSource]:
    """The coverage chart of ``brand_ids`` over the whole data range (none chosen: the most
    active brands), as a pack's (title, builder): read and built only when the pack is made."""
    start, end = view.first_date, view.last_date
    chart = packs.CoverageChart(
        view.path,
        tuple(brand_ids),
        start,
        end,
        charts.coverage_grain(start, end),
        every_event=every_event,
    )
    return chart.title, chart


def _deferred_image(image: ChartImage, fmt: str):
    image.file_name(fmt)  # unknown formats fail now, not on click
    return lambda: image.make_bytes(fmt)


def pack_button(
    download: Download,
    figures: Iterable[tuple[str, FigureSource]],
    *,
    key: str,
    rows: int | None = None,
) -> None:
    """One button for the evidence pack of ``download``'s rows and its charts, ``figures``
    (title, figure or builder) pairs: a ZIP made only on click. ``rows`` (when known)
    disables it beyond :data:`shelfwatch.packs.MAX_PACK_ROWS`. The offered
    :class:`~shelfwatch.packs.EvidencePack` is kept in session state under ``pack_<key>``."""
    pack = EvidencePack(export=download.job, charts=tuple(figures))
    st.session_state[f"pack_{key}"] = pack
    too_big = rows is not None and rows > pack.max_rows
    help_text = (
        f"More than {pack.max_rows:,} rows, more than an evidence pack holds: narrow the "
        "filters, or use the CSV or Parquet export (or `python -m shelfwatch export`)."
        if too_big
        else "One ZIP: the CSV of every row with its provenance, sources.csv (every source "
        "with its quote), the charts as PNG and SVG with their citation, a README with the "
        "citation, and SHA256SUMS to check the files (`sha256sum -c SHA256SUMS`)."
    )
    label = "Evidence pack (ZIP)"
    if ROUTE_MOUNTED:
        st.link_button(
            label,
            _drawn_url(pack, packs.PACK_FORMAT, key),
            key=f"pack_{key}_zip",
            help=help_text,
            icon=":material/folder_zip:",
            disabled=too_big,
        )
        return
    st.download_button(
        label,
        data=_deferred_pack(pack),
        file_name=pack.file_name(),
        mime=packs.MEDIA_TYPE,
        key=f"pack_{key}_zip",
        help=help_text,
        on_click="ignore",
        icon=":material/folder_zip:",
        disabled=too_big,
    )


def _deferred_pack(pack: EvidencePack):
    def make() -> bytes:
        out = io.BytesIO()  # the fallback only: the route writes the pack to disk
        pack.write(out)
        return out.getvalue()

    return make


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
