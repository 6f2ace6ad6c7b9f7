"""Evidence packs: one ZIP per view, everything needed to cite it and to check it later.

A pack holds the view's citable CSV (the same bytes as its CSV export, provenance header
included), ``sources.csv`` (every distinct source behind the rows, with its kind, confidence,
dates and quote), each chart as PNG and SVG with its citation drawn in
(:mod:`shelfwatch.citations`), a ``README.md`` with the citation, and ``SHA256SUMS`` over
every other file in ``sha256sum`` format (``sha256sum -c SHA256SUMS`` checks it). Every file
carries the same generated-at time.

Bounds, as for full exports (:mod:`shelfwatch.export_jobs`): the rows stream from DuckDB into
the ZIP on disk, one batch at a time, and at most one image is in memory; a pack holds at most
:data:`MAX_PACK_ROWS` rows (:class:`PackTooLarge` beyond, pointing to the full export); at
most :data:`MAX_CONCURRENT_PACKS` are built at once per process (:class:`PacksBusy`); a pack
is written to a temporary file renamed into place, whole or not at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO, Final, cast

import plotly.graph_objects as go
import pyarrow as pa

from shelfwatch import charts, exports, images, queries, store
from shelfwatch.citations import ChartCitation
from shelfwatch.export_jobs import ExportJob
from shelfwatch.images import FigureSource

__all__ = [
    "MAX_CONCURRENT_PACKS",
    "MAX_PACK_ROWS",
    "CoverageChart",
    "EvidencePack",
    "PackTooLarge",
    "PacksBusy",
    "pack_slot",
]

PACK_FORMAT: Final = "zip"
MEDIA_TYPE: Final = "application/zip"
SOURCES_FILE: Final = "sources.csv"
README_FILE: Final = "README.md"
SUMS_FILE: Final = "SHA256SUMS"
# A pack is a story's evidence, not a dump: past this many rows the full CSV/Parquet export
# (the app's, or `python -m shelfwatch export`) is the way. sources.csv is collected in memory
# while the rows stream, so this also bounds that.
MAX_PACK_ROWS = int(os.environ.get("SHELFWATCH_PACK_MAX_ROWS", "50000"))
# Packs built at once per process: each holds a DuckDB scan and waits its turn for images.
MAX_CONCURRENT_PACKS: Final = int(os.environ.get("SHELFWATCH_MAX_PACKS", "2"))
_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_PACKS)
# How many most active brands a coverage chart shows when no brand is chosen (the Overview's).
COVERAGE_TOP_BRANDS: Final = 25


@dataclass(frozen=True)
class _SourceSide:
    """One side of a row that names a source: its URL column and the columns describing that
    source (None: the query has none). The first of ``dated`` the query has dates it."""

    url: str
    kind: str
    confidence: str
    dated: tuple[str, ...]
    reported_on: str | None = None
    quote: str | None = None
    archive_url: str | None = None


_SOURCE_SIDES: Final = (
    _SourceSide(
        "source_url",
        "source_kind",
        "confidence",
        ("effective_on", "last_evidence_on", "relisted_on", "valid_from"),
        "reported_on",
        "quote",
        "archive_url",
    ),
    # Re-listings: the observation that opened the not-sold run.
    _SourceSide(
        "not_sold_source_url", "not_sold_source_kind", "not_sold_confidence", ("not_sold_from",)
    ),
)
_SOURCES_SCHEMA: Final = pa.schema(
    [
        ("source_url", pa.string()),
        ("source_kind", pa.string()),
        ("confidence", pa.string()),
        ("first_effective_on", pa.date32()),
        ("last_effective_on", pa.date32()),
        ("reported_on", pa.date32()),
        ("quote", pa.string()),
        ("archive_url", pa.string()),
        ("rows", pa.int64()),
    ]
)
_LICENCE_NOTE: Final = (
    "The data is released under the Creative Commons Attribution 4.0 International licence "
    "(CC BY 4.0, https://creativecommons.org/licenses/by/4.0/): credit it as Shelfwatch data "
    "with its data version. The facts (who sold what, and when) come from the cited sources. "
    "The quotes are short excerpts from those sources, reproduced for citation and "
    "verification only: their copyright stays with the original publishers, and this licence "
    "does not cover them."
)


class PacksBusy(Exception):
    """Every evidence pack slot of this process is taken."""

    def __init__(self) -> None:
        super().__init__(
            f"the server is already building {MAX_CONCURRENT_PACKS} evidence packs; "
            "try again in a minute"
        )


class PackTooLarge(ValueError):
    """More rows than an evidence pack holds: the message points to the full export."""


@contextmanager
def pack_slot() -> Iterator[None]:
    """Hold one of the process' pack slots for the block, or raise :class:`PacksBusy`."""
    if not _SLOTS.acquire(blocking=False):
        raise PacksBusy
    try:
        yield
    finally:
        _SLOTS.release()


@dataclass(frozen=True)
class CoverageChart:
    """The coverage chart of some brands on one version file, built when it is drawn (a pack
    is made on click, so a page offering one never reads coverage it may not need)."""

    version_file: Path
    brands: tuple[str, ...] = ()  # () = the COVERAGE_TOP_BRANDS most active brands
    start: dt.date | None = None
    end: dt.date | None = None
    grain: str = "month"
    every_event: bool = False  # False: the events about these brands and their owners only

    @property
    def title(self) -> str:
        if self.brands:
            return "How many retailers sell each brand"
        return f"How many retailers sell each of the {COVERAGE_TOP_BRANDS} most active brands"

    def __call__(self) -> go.Figure:
        con = store.connect_reader(self.version_file)
        try:
            brands = list(self.brands) or (
                queries.run_query(con, "most_active_brands", {"max_rows": COVERAGE_TOP_BRANDS})[
                    "brand_id"
                ].tolist()
            )
            coverage = queries.run_query(
                con,
                "coverage_over_time",
                {"grain": self.grain, "start": self.start, "end": self.end, "brands": brands},
            )
            # The events the page draws (events_for_brands), so the image matches the chart.
            events = queries.run_query(
                con,
                "events_for_brands",
                {
                    "start": self.start,
                    "end": self.end,
                    "kinds": None,
                    "brands": None if self.every_event else brands,
                },
            )
        finally:
            con.close()
        return charts.coverage_chart(coverage, events, end=self.end)


@dataclass(frozen=True, eq=False)
class EvidencePack:
    """An export's rows, their sources and charts, as one ZIP; see the module docstring.

    ``charts`` are (title, figure or figure builder) pairs. ``citation`` is what the charts
    say about themselves, their own titles apart; by default the export's provenance."""

    export: ExportJob
    charts: tuple[tuple[str, FigureSource], ...] = ()
    citation: ChartCitation | None = None
    # Read when the pack is offered, so a test (or a deployment) can lower the cap.
    max_rows: int = field(default_factory=lambda: MAX_PACK_ROWS)

    def file_name(self, fmt: str = PACK_FORMAT) -> str:
        """E.g. ``shelfwatch-status-v3-2021-11-30-evidence-pack.zip``."""
        if fmt != PACK_FORMAT:
            raise ValueError(f"an evidence pack is a {PACK_FORMAT} file, not {fmt!r}")
        return self.export.file_name("csv").removesuffix(".csv") + "-evidence-pack.zip"

    def write_file(self, fmt: str, target: Path, generated_at: dt.datetime | None = None) -> int:
        """Write the pack to ``target`` whole or not at all; returns the number of rows."""
        self.file_name(fmt)
        target = Path(target)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed, not closed, on success
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        )
        try:
            with handle:
                rows = self.write(cast(BinaryIO, handle), generated_at)
            os.replace(handle.name, target)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return rows

    def write(self, out: BinaryIO, generated_at: dt.datetime | None = None) -> int:
        """Write the ZIP to ``out`` (a seekable binary file); returns the number of rows."""
        with pack_slot():
            if self.charts and images.chromium_path() is None:
                raise images.ChromiumMissing  # before minutes of rows, not after
            moment = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
            provenance = self.export.provenance(moment)
            with zipfile.ZipFile(out, "w") as archive:
                return _PackWriter(archive, provenance).write(self)


class _Hashed:
    """A write-only stream that hashes what passes through it (one pass over each file)."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self._out.write(data)

    def flush(self) -> None:
        self._out.flush()


class _PackWriter:
    """Writes the files of one pack into ``archive``, keeping each one's SHA-256."""

    def __init__(self, archive: zipfile.ZipFile, provenance: exports.Provenance) -> None:
        self.archive = archive
        self.provenance = provenance
        self.sums: dict[str, str] = {}
        # ZIP times are local and to two seconds: the generated-at time, as it is in UTC.
        self.date_time = provenance.generated_at_utc.timetuple()[:6]

    def write(self, pack: EvidencePack) -> int:
        data_name = pack.export.file_name("csv")
        sources: dict[tuple[object, ...], list[object]] = {}
        with self._entry(data_name) as entry:
            rows = self._rows(pack, entry, sources)
        with self._entry(SOURCES_FILE) as entry:
            sourced = dataclasses.replace(
                self.provenance, title=f"{self.provenance.title}: sources"
            )
            exports.write_export(_sources_table(sources), sourced, "csv", cast(BinaryIO, entry))
        chart_files = self._charts(pack)
        readme = _readme(self.provenance, data_name, rows, len(sources), chart_files)
        with self._entry(README_FILE) as entry:
            entry.write(readme.encode("utf-8"))
        sums = "".join(f"{digest}  {name}\n" for name, digest in self.sums.items())
        with self._entry(SUMS_FILE, hashed=False) as entry:
            entry.write(sums.encode("ascii"))
        return rows

    @contextmanager
    def _entry(self, name: str, *, hashed: bool = True) -> Iterator[_Hashed]:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        # PNGs are compressed already; deflating them again only costs time.
        info.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16  # rw-r--r-- once unzipped
        with self.archive.open(info, "w") as stream:
            entry = _Hashed(stream)
            yield entry
        if hashed:
            self.sums[name] = entry.digest.hexdigest()

    def _rows(
        self, pack: EvidencePack, out: _Hashed, sources: dict[tuple[object, ...], list[object]]
    ) -> int:
        # The export's own writer on the export's own stream, so the CSV is byte for byte the
        # view's CSV export; the batches are read on their way for the row cap and sources.
        job = pack.export
        con = store.connect_reader(job.version_file)
        try:
            with queries.stream_query(con, job.query, job.params) as batches:
                tapped = pa.RecordBatchReader.from_batches(
                    batches.schema, _tap(batches, sources, pack.max_rows)
                )
                return exports.write_export(tapped, self.provenance, "csv", cast(BinaryIO, out))
        finally:
            con.close()

    def _charts(self, pack: EvidencePack) -> list[tuple[str, str]]:
        """Draw each chart as PNG then SVG, one image in memory at a time; (title, stem)s."""
        citation = pack.citation or ChartCitation.from_provenance(self.provenance)
        written: list[tuple[str, str]] = []
        taken: set[str] = set()
        for title, source in pack.charts:
            own = dataclasses.replace(citation, title=title)
            stem = images.file_stem(own)
            for number in range(2, len(pack.charts) + 2):
                if stem not in taken:
                    break
                stem = f"{images.file_stem(own)}-{number}"
            taken.add(stem)
            image = images.ChartImage(source, own)
            cited = image.cited()
            for fmt in images.FORMATS:
                data = images.render(cited, fmt)  # the one image in memory
                with self._entry(f"{stem}.{fmt}") as entry:
                    entry.write(data)
            written.append((title, stem))
        return written


def _tap(
    batches: pa.RecordBatchReader,
    sources: dict[tuple[object, ...], list[object]],
    max_rows: int,
) -> Iterator[pa.RecordBatch]:
    """The batches as they are, counted against ``max_rows``, their sources collected."""
    seen = 0
    names = batches.schema.names
    sides = [
        (side, next((c for c in side.dated if c in names), None))
        for side in _SOURCE_SIDES
        if side.url in names
    ]
    for batch in batches:
        seen += batch.num_rows
        if seen > max_rows:
            raise PackTooLarge(
                f"this view has more than {max_rows:,} rows, more than an evidence pack holds: "
                "narrow the filters, or download every row as CSV or Parquet (the Export "
                "buttons, or `python -m shelfwatch export`)"
            )
        for side, dated in sides:
            _collect(batch, side, dated, sources)
        yield batch


def _collect(
    batch: pa.RecordBatch,
    side: _SourceSide,
    dated: str | None,
    sources: dict[tuple[object, ...], list[object]],
) -> None:
    def column(name: str | None) -> list[object]:
        if name is not None and name in batch.schema.names:
            return batch.column(name).to_pylist()
        return [None] * batch.num_rows

    described = zip(
        column(side.url),
        column(side.kind),
        column(side.confidence),
        column(side.reported_on),
        column(side.quote),
        column(side.archive_url),
        strict=True,
    )
    for key, day in zip(described, column(dated), strict=True):
        if key[0] is None:
            continue
        seen = sources.get(key)
        if seen is None:
            sources[key] = [day, day, 1]
            continue
        if day is not None:
            seen[0] = day if seen[0] is None else min(cast(dt.date, seen[0]), cast(dt.date, day))
            seen[1] = day if seen[1] is None else max(cast(dt.date, seen[1]), cast(dt.date, day))
        seen[2] = cast(int, seen[2]) + 1


def _sources_table(sources: dict[tuple[object, ...], list[object]]) -> pa.Table:
    """One row per distinct source, by URL then first date."""

    def order(item: tuple[tuple[object, ...], list[object]]) -> tuple[object, ...]:
        key, (first, _, _) = item
        return (str(key[0]), first or dt.date.min, *(str(part or "") for part in key[1:]))

    rows = sorted(sources.items(), key=order)
    values: dict[str, list[object]] = {name: [] for name in _SOURCES_SCHEMA.names}
    for (url, kind, confidence, reported, quote, archive), (first, last, count) in rows:
        for name, value in (
            ("source_url", url),
            ("source_kind", kind),
            ("confidence", confidence),
            ("first_effective_on", first),
            ("last_effective_on", last),
            ("reported_on", reported),
            ("quote", quote),
            ("archive_url", archive),
            ("rows", count),
        ):
            values[name].append(value)
    return pa.table(
        {field.name: pa.array(values[field.name], type=field.type) for field in _SOURCES_SCHEMA},
        schema=_SOURCES_SCHEMA,
    )


def _markdown_text(text: str) -> str:
    # Titles may quote names from the data: the characters Markdown turns into markup or
    # links are escaped (dates and hyphens stay readable in the raw file).
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(text.split()))


def _fenced(text: str) -> str:
    # One line (provenance text is), so no line inside can close the fence.
    return f"```text\n{' '.join(text.split())}\n```"


def _readme(
    provenance: exports.Provenance,
    data_name: str,
    rows: int,
    sources: int,
    chart_files: list[tuple[str, str]],
) -> str:
    as_of = provenance.as_of.isoformat() if provenance.as_of else "no date"
    lines = [
        f"# {_markdown_text(provenance.title)}: evidence pack",
        "",
        f"Every row of one Shelfwatch view, the sources behind them with their quotes, and its "
        f"charts: data version {provenance.data_version}, as of {as_of}.",
        "",
        "## How to cite",
        "",
        _fenced(provenance.citation()),
        "",
    ]
    if provenance.permalink:
        lines += [
            "The permalink reopens this exact view (data version pinned):",
            "",
            _fenced(provenance.permalink),
            "",
        ]
    lines += [
        "## Files",
        "",
        "| file | what it holds |",
        "|---|---|",
        f"| `{data_name}` | the {rows:,} rows of the view, every column, each with its source. "
        f"The first {exports.CSV_COMMENT_LINES} lines are `# key: value` provenance: "
        f"`pandas.read_csv(path, skiprows={exports.CSV_COMMENT_LINES}, dtype=str, "
        "keep_default_na=False)` |",
        f"| `{SOURCES_FILE}` | the {sources:,} distinct sources behind those rows: URL, kind, "
        "confidence, first and last effective date, reported date, quote, archive copy, and "
        "how many rows cite it (same provenance lines) |",
    ]
    for title, stem in chart_files:
        lines.append(
            f"| `{stem}.png`, `{stem}.svg` | the chart “{_markdown_text(title)}”, with its title, "
            "date, filters, data version, credit and permalink drawn in |"
        )
    lines += [
        f"| `{SUMS_FILE}` | the SHA-256 of every other file: `sha256sum -c {SUMS_FILE}` "
        "checks them |",
        "",
        "## Provenance",
        "",
        f"- Data version: {provenance.data_version}",
        f"- Status as of: {as_of}",
        f"- Generated at: {provenance.generated_at_utc:%Y-%m-%dT%H:%M:%SZ}",
        "- Filters:",
        "",
        _fenced(provenance.filters_text() or "none"),
        "",
        "Text that a spreadsheet would run as a formula is shown with an apostrophe in front "
        "in both CSV files (the ninth provenance line says how).",
        "",
        "## Licence",
        "",
        _LICENCE_NOTE,
        "",
    ]
    return "\n".join(lines)
