"""Exports: a table plus its provenance as CSV, XLSX, Parquet or JSON.

One writer per format, pure and shared by the CLI and the app: ``write_<format>(rows, out,
provenance)`` consumes Arrow record batches (a stream straight from DuckDB, or a DataFrame
typed by the rules below) and writes them to a binary file object batch by batch, so a full
export never holds more than one batch. ``to_<format>(df, provenance) -> bytes`` is the same
writer into memory, for small tables. A file from either path is byte-for-byte the same.

Contracts (checked by the golden files in ``tests/golden/``):

* The frame must have a ``source_url`` column, the source of every row. Column order is kept
  exactly; the pandas index is never written.
* Text that starts with ``=``, ``+``, ``-``, ``@`` (or their full-width forms ``＝ ＋ － ＠``), a
  tab or a carriage return — also after leading whitespace — is prefixed with an apostrophe
  (``'``) in CSV and XLSX, so a spreadsheet shows it instead of running it as a formula
  (CSV/formula injection). In CSV the same holds right after every separator a spreadsheet
  might split on inside a field (``,`` ``;`` tab ``|`` and line breaks): quoting alone does not
  help a reader that splits on ``;``. Parquet and JSON keep the text verbatim (no program runs
  it). Provenance values (filters come from user URLs) are neutralised in every format.
  Numbers, dates and booleans are never touched: ``-2`` stays a number.
* XLSX holds at most 1,048,575 rows (:class:`TooManyRows` otherwise, offering CSV or Parquet)
  and 32,767 characters per cell: a longer cell is cut with a visible mark and the About sheet
  counts them.
* Missing values (None, NaN, NaT, pd.NA, and non-finite floats) are empty CSV cells, blank XLSX
  cells, and nulls in Parquet and JSON.
* Dates are ISO ``YYYY-MM-DD`` text in CSV/JSON, date cells (``yyyy-mm-dd``) in XLSX and
  ``date32`` in Parquet. A datetime64 column whose values are all at midnight (and carry no
  time zone) is a date column; any other datetime column is a timestamp column (ISO 8601,
  ``Z`` suffix when it was time-zone aware and so converted to UTC). Booleans are
  ``true``/``false`` in CSV and JSON, booleans in XLSX and Parquet.
* Object columns are typed by their values: all str, all bool, all int, all numbers, all dates
  or all datetimes; anything else (mixed types, lists) is written as text.

Reading a CSV export back
-------------------------
The file is plain UTF-8 (no BOM) with ``\\n`` line endings and RFC 4180 quoting. It starts with
one ``# key: value`` line per :meth:`Provenance.as_dict` item and one ``# neutralised:`` line
saying how cells were neutralised (9 lines, see ``CSV_COMMENT_LINES``), then the header row,
then the data::

    df = pandas.read_csv("shelfwatch-v3-2021-11-30.csv", skiprows=9, dtype=str,
                         keep_default_na=False)

Do not use ``comment="#"``: pandas would also cut data cells at a ``#`` (URL fragments).
:func:`read_csv_export` is the exact inverse and also returns the provenance.
"""

from __future__ import annotations

import datetime
import io
import json
import math
import numbers
import os
import queue
import re
import sys
import threading
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Final, TypeVar, cast

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    # pandas, parquet and xlsxwriter are imported where they are used: a streamed export
    # from the command line needs none of them, and importing pandas alone is half a second.
    import pandas as pd
    import xlsxwriter.worksheet

__all__ = [
    "CSV_COMMENT_LINES",
    "FORMATS",
    "LICENCE",
    "MEDIA_TYPES",
    "Provenance",
    "export_bytes",
    "file_name",
    "neutralise_formula",
    "plain_csv",
    "read_csv_export",
    "to_csv",
    "to_json",
    "to_parquet",
    "to_xlsx",
]

LICENCE: Final = (
    "Data: CC BY 4.0, Shelfwatch contributors; quotes are short excerpts from the cited sources"
)
DEFAULT_TITLE: Final = "Shelfwatch export"
FORMATS: Final = ("csv", "xlsx", "parquet", "json")
MEDIA_TYPES: Final[dict[str, str]] = {
    # charset spelled out because the CSV has no BOM for programs to sniff.
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
}
SOURCE_COLUMN: Final = "source_url"
PARQUET_METADATA_KEY: Final = b"shelfwatch"

# What spreadsheets treat as the start of a formula (OWASP "CSV injection"), full-width forms
# included: some spreadsheets fold them to ASCII when a cell is typed or imported.
_FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Excel's sheet limits, including the header row.
_XLSX_MAX_ROWS: Final = 1_048_576
_XLSX_MAX_COLUMNS: Final = 16_384
_XLSX_MAX_WIDTH: Final = 60
_XLSX_MIN_WIDTH: Final = 8


def neutralise_formula(value: object) -> object:
    """Prefix ``'`` to text a spreadsheet would run as a formula; return anything else as is.

    Leading whitespace does not hide a trigger: spreadsheets trim it before they parse a cell.
    """
    if isinstance(value, str) and (
        value.startswith(_FORMULA_PREFIXES) or value.lstrip().startswith(_FORMULA_PREFIXES)
    ):
        return "'" + value
    return value


# --------------------------------------------------------------------------------------------
# Provenance


@dataclass(frozen=True)
class Provenance:
    """What a journalist needs to cite an export: version, date, filters, time, licence."""

    data_version: int
    as_of: datetime.date | None
    filters: Mapping[str, object]
    generated_at: datetime.datetime
    title: str = DEFAULT_TITLE
    licence: str = LICENCE
    permalink: str | None = None

    def __post_init__(self) -> None:
        # Fail at construction, not halfway through writing a file.
        object.__setattr__(self, "data_version", _as_int(self.data_version, "data_version"))
        if isinstance(self.as_of, datetime.datetime):
            object.__setattr__(self, "as_of", self.as_of.date())
        elif self.as_of is not None and not isinstance(self.as_of, datetime.date):
            raise TypeError(f"as_of must be a datetime.date or None, not {self.as_of!r}")
        if not isinstance(self.generated_at, datetime.datetime):
            raise TypeError(f"generated_at must be a datetime, not {self.generated_at!r}")
        if self.generated_at.utcoffset() is None:
            raise ValueError("generated_at must be timezone-aware (UTC)")

    @property
    def generated_at_utc(self) -> datetime.datetime:
        """``generated_at`` in UTC, to the second."""
        return self.generated_at.astimezone(datetime.UTC).replace(microsecond=0)

    def filters_text(self) -> str:
        """The filters as ``key=a, b; key2=c``: sorted keys, empty filters left out."""
        parts = []
        for key in sorted(self.filters, key=str):
            value = _filter_value_text(self.filters[key])
            if value:
                parts.append(f"{_one_line(str(key))}={value}")
        return "; ".join(parts)

    def citation(self) -> str:
        """A suggested citation, e.g. for the line under a chart in a story."""
        text = f"Shelfwatch, data version {self.data_version}"
        if self.as_of is not None:
            text += f", status as of {self.as_of.isoformat()}"
        filters = self.filters_text()
        if filters:
            text += f" (filters: {filters})"
        text += f", retrieved {self.generated_at_utc.date().isoformat()}."
        if self.permalink:
            text += f" {_one_line(self.permalink)}"
        return text

    def as_dict(self) -> dict[str, str]:
        """Every provenance field as text, in a fixed order; absent values are ``""``.

        Values are raw; the writers neutralise them (see :func:`neutralise_formula`).
        """
        return {
            "title": self.title,
            "data_version": str(self.data_version),
            "as_of": self.as_of.isoformat() if self.as_of is not None else "",
            "filters": self.filters_text(),
            "generated_at": self.generated_at_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "licence": self.licence,
            "citation": self.citation(),
            "permalink": self.permalink or "",
        }


# len(Provenance.as_dict()) and the "neutralised" line: the rows to skip before the header.
CSV_COMMENT_LINES: Final = 9


def _as_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    return int(value)


def _one_line(text: str) -> str:
    # Provenance lands in one-line places (CSV comments, citations); a CR would also start a
    # new CSV record.
    return re.sub(r"\r\n|[\r\n]", " ", text)


def _filter_value_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (set, frozenset)):
        # Sets have no order of their own; sort so the same choice renders the same.
        items = sorted(_filter_item_text(item) for item in value)
    elif isinstance(value, (list, tuple)):
        items = [_filter_item_text(item) for item in value]
    else:
        items = [_filter_item_text(value)]
    return ", ".join(item for item in items if item)


def _filter_item_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return _one_line(str(value))


def _safe_provenance(provenance: Provenance) -> dict[str, str]:
    return {key: str(neutralise_formula(value)) for key, value in provenance.as_dict().items()}


# --------------------------------------------------------------------------------------------
# Normalising the frame: one typed list of plain Python values per column


@dataclass(frozen=True)
class _Column:
    name: str
    # "string" | "int" | "float" | "bool" | "date" | "timestamp"
    kind: str
    # None or the kind's Python type, text verbatim; timestamps naive (UTC when `utc`).
    values: list[object]
    utc: bool = False


_KIND_LABELS: Final = {
    "string": "text",
    "int": "integer",
    "float": "number",
    "bool": "true/false",
    "date": "date (yyyy-mm-dd)",
    "timestamp": "date and time",
}


def _columns(df: pd.DataFrame, *, sourced: bool = True) -> list[_Column]:
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, not {type(df).__name__}")
    names = [str(name) for name in df.columns]
    _check_names(names, sourced=sourced)
    # iloc by position: labels may repeat as non-str objects that render alike.
    return [_column(name, df.iloc[:, i]) for i, name in enumerate(names)]


def _column(name: str, series: pd.Series) -> _Column:
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
        dtype = series.dtype
    raw = series.tolist()
    if pd.api.types.is_bool_dtype(dtype):
        return _Column(name, "bool", [None if _is_null(v) else bool(v) for v in raw])
    if pd.api.types.is_integer_dtype(dtype):
        return _Column(name, "int", [None if _is_null(v) else int(v) for v in raw])
    if pd.api.types.is_float_dtype(dtype):
        return _Column(name, "float", [_float_or_none(v) for v in raw])
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _datetime_column(name, raw)
    present = [v for v in raw if not _is_null(v)]
    if all(isinstance(v, str) for v in present):
        return _Column(name, "string", [None if _is_null(v) else v for v in raw])
    if all(_is_bool(v) for v in present):
        return _Column(name, "bool", [None if _is_null(v) else bool(v) for v in raw])
    if all(_is_number(v) and isinstance(v, numbers.Integral) for v in present):
        return _Column(name, "int", [None if _is_null(v) else int(v) for v in raw])
    if all(_is_number(v) for v in present):
        return _Column(name, "float", [_float_or_none(v) for v in raw])
    if all(isinstance(v, datetime.datetime) for v in present):
        aware = {v.utcoffset() is not None for v in present}
        if len(aware) <= 1:
            return _datetime_column(name, raw)
    elif all(isinstance(v, datetime.date) for v in present):
        return _Column(name, "date", [None if _is_null(v) else v for v in raw])
    # Mixed or exotic values: one text rendering each, so every format agrees.
    return _Column(name, "string", [None if _is_null(v) else _text(v) for v in raw])


def _datetime_column(name: str, raw: list[object]) -> _Column:
    values: list[datetime.datetime | None] = []
    utc = False
    for v in raw:
        if _is_null(v):
            values.append(None)
            continue
        assert isinstance(v, datetime.datetime)
        moment = v.to_pydatetime() if hasattr(v, "to_pydatetime") else v  # pd.Timestamp
        if moment.utcoffset() is not None:
            utc = True
            moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
        values.append(moment)
    # Aware values are instants, never calendar dates; naive midnights are dates (DuckDB DATE).
    if not utc and all(v is None or v.time() == datetime.time() for v in values):
        return _Column(name, "date", [None if v is None else v.date() for v in values])
    return _Column(name, "timestamp", list(values), utc=utc)


def _is_null(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, (str, bytes, list, tuple, set, frozenset, dict, np.ndarray)):
        # pd.isna on a container answers per element, which is not the question here.
        return False
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    # pd.NA, pd.NaT and friends exist only once pandas is imported; rows streamed from
    # DuckDB never import it.
    pd = sys.modules.get("pandas")
    if pd is None:
        return False
    if value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_bool(value: object) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not _is_bool(value)


def _float_or_none(value: object) -> float | None:
    if _is_null(value):
        return None
    number = float(value)  # type: ignore[arg-type]
    # Neither CSV, JSON nor Excel has a portable infinity; treat it as missing like NaN.
    return number if math.isfinite(number) else None


def _timestamp_text(value: datetime.datetime, utc: bool) -> str:
    return value.isoformat() + ("Z" if utc else "")


def _text(value: object) -> str:
    """One value as text, the way CSV writes it (also used for mixed columns)."""
    if _is_bool(value):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return repr(number) if math.isfinite(number) else ""
    if isinstance(value, datetime.datetime):
        if value.utcoffset() is not None:
            return _timestamp_text(value.astimezone(datetime.UTC).replace(tzinfo=None), True)
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        # DuckDB LIST columns: joined like list filters are.
        return ", ".join(_text(item) for item in value if not _is_null(item))
    return str(value)


# --------------------------------------------------------------------------------------------
# From a frame, or from DuckDB, to one canonical Arrow form


def frame_table(df: pd.DataFrame, *, sourced: bool = True) -> pa.Table:
    """A DataFrame typed by the rules above, as the Arrow table every writer consumes."""
    columns = _columns(df, sourced=sourced)
    fields = []
    arrays = []
    for column in columns:
        arrow_type = _arrow_type(column)
        fields.append(pa.field(column.name, arrow_type))
        arrays.append(pa.array(column.values, type=arrow_type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _arrow_type(column: _Column) -> pa.DataType:
    if column.kind == "timestamp":
        return pa.timestamp("us", tz="UTC" if column.utc else None)
    return _ARROW_TYPES[column.kind]


_ARROW_TYPES: Final = {
    "string": pa.large_string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}


def _canonical_field(field: pa.Field) -> pa.Field:
    kind = field.type
    if pa.types.is_boolean(kind):
        return pa.field(field.name, pa.bool_())
    if pa.types.is_integer(kind):
        return pa.field(field.name, pa.int64())
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return pa.field(field.name, pa.float64())
    if pa.types.is_date(kind):
        return pa.field(field.name, pa.date32())
    if pa.types.is_timestamp(kind):
        return pa.field(field.name, pa.timestamp("us", tz="UTC" if kind.tz else None))
    return pa.field(field.name, pa.large_string())


def _canonical_array(array: pa.Array, field: pa.Field) -> pa.Array:
    kind = array.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        # DuckDB LIST columns: joined like list filters are.
        items = pc.cast(array, pa.list_(pa.large_string()))
        return pc.binary_join(items, ", ")
    if pa.types.is_floating(field.type):
        array = pc.cast(array, pa.float64())
        # Neither CSV, JSON nor Excel has a portable infinity: missing, like NaN.
        return pc.if_else(pc.is_finite(array), array, pa.nulls(1, pa.float64())[0])
    return pc.cast(array, field.type)


class Rows:
    """The rows of one export as Arrow record batches, read once (a stream from DuckDB)."""

    def __init__(self, schema: pa.Schema, batches: Iterable[pa.RecordBatch]):
        self.schema = pa.schema([_canonical_field(f) for f in schema])
        self._batches = iter(batches)

    @classmethod
    def of(cls, source: pd.DataFrame | pa.Table | pa.RecordBatchReader) -> Rows:
        if not isinstance(source, (pa.Table, pa.RecordBatchReader)):
            source = frame_table(source)
        if isinstance(source, pa.Table):
            return cls(source.schema, source.to_batches(max_chunksize=_BATCH_ROWS))
        return cls(source.schema, source)

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in _read_ahead(self._batches):
            if batch.num_rows:
                arrays = [
                    _canonical_array(column, field)
                    for column, field in zip(batch.columns, self.schema, strict=True)
                ]
                yield pa.RecordBatch.from_arrays(arrays, schema=self.schema)


_BATCH_ROWS: Final = 65_536
# Batches read ahead of the writer: DuckDB produces the next ones on a thread while the
# writer encodes this one (both release the GIL), so reading and writing overlap.
_READ_AHEAD: Final = 2
_DONE: Final = object()


def _read_ahead(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    ready: queue.Queue[object] = queue.Queue(maxsize=_READ_AHEAD)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not offer(batch):
                    return
            offer(_DONE)
        except BaseException as exc:  # handed to the writer's thread, raised there
            offer(exc)

    reader = threading.Thread(target=read, name="shelfwatch-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


T = TypeVar("T")


def _check_columns(schema: pa.Schema, *, sourced: bool = True) -> None:
    _check_names(schema.names, sourced=sourced)


def _check_names(names: list[str], *, sourced: bool) -> None:
    if sourced and SOURCE_COLUMN not in names:
        raise ValueError(
            f"export needs a {SOURCE_COLUMN!r} column (the source of every row); "
            f"columns are {names}"
        )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"duplicate column names cannot be exported: {duplicates}")


def _buffer_of(strings: pa.Array) -> memoryview:
    """The bytes of a large_string array without nulls, end to end (no copy)."""
    offsets = strings.buffers()[1]
    data = strings.buffers()[2]
    first, last = np.frombuffer(offsets, dtype=np.int64)[
        [strings.offset, strings.offset + len(strings)]
    ]
    return memoryview(data)[first:last] if data is not None else memoryview(b"")


# --------------------------------------------------------------------------------------------
# CSV

# A spreadsheet may start a cell at the start of a field or, if it splits on another separator
# than the comma (";" and tab in many locales, "|" by choice) or ignores quotes, right after
# one inside it; a trigger there, even after spaces, becomes a formula. An apostrophe goes in
# front. Line breaks count as separators for readers that ignore quotes.
CSV_SEPARATORS: Final = ",;\t|\r\n"
# At the start any whitespace may come first, as in neutralise_formula; inside, only spaces
# (a tab or line break there is a separator of its own).
_CSV_START_TRIGGER: Final = r"^([\s\pZ\x0b\x1c-\x1f\x85\"]*[=+\-@＝＋－＠\t\r])"
_CSV_INNER_TRIGGER: Final = r"([,;\t|\r\n])([ \x0b\x0c\pZ\"]*[=+\-@＝＋－＠\t\r])"
_CSV_NEEDS_QUOTES: Final = '[,"\\r\\n;\\t|]'
CSV_NOTE: Final = (
    "a cell, or a part after , ; tab or |, that starts with = + - @ (or a full-width form), "
    "a tab or a carriage return, also after spaces or quotes, has ' inserted in front of it"
)


def _texts(values: Iterable[str | None]) -> pa.Array:
    """Python strings (or None) as an Arrow ``large_string`` array, built from its buffers:
    ``pa.array`` on Python objects first imports pandas to ask whether they are pandas
    objects, half a second that a streamed export from the command line need not pay."""
    items = list(values)
    encoded = [b"" if v is None else v.encode("utf-8") for v in items]
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    nulls = sum(v is None for v in items)
    validity = None
    if nulls:
        present = np.array([v is not None for v in items], dtype=bool)
        validity = pa.py_buffer(np.packbits(present, bitorder="little"))
    return pa.LargeStringArray.from_buffers(
        len(items), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)), validity, nulls
    )


def _text_scalar(text: str) -> pa.Scalar:
    return _texts([text])[0]


def _csv_text(strings: pa.Array) -> pa.Array:
    """Text cells: neutralised, then quoted (RFC 4180) when they hold a separator or quote.

    Cheap tests first (regular expressions over every cell of 10M rows cost seconds): the
    start rule runs only on a column that has a cell starting with a trigger, space or quote;
    the inner rule and quoting only on one whose bytes hold a separator or a quote at all."""
    first = pc.utf8_slice_codeunits(strings, 0, 1)
    if pc.any(pc.is_in(first, value_set=_CSV_FIRST_CHARS)).as_py():
        strings = pc.replace_substring_regex(strings, _CSV_START_TRIGGER, r"'\1")
    data = strings.buffers()[2]
    raw = data.to_pybytes() if data is not None else b""
    if not any(byte in raw for byte in _CSV_SPECIAL_BYTES):
        return strings
    safe = pc.replace_substring_regex(strings, _CSV_INNER_TRIGGER, r"\1'\2")
    quote = _text_scalar('"')
    quoted = pc.binary_join_element_wise(
        quote, pc.replace_substring(safe, '"', '""'), quote, _text_scalar("")
    )
    return pc.if_else(pc.match_substring_regex(safe, _CSV_NEEDS_QUOTES), quoted, safe)


# A cell may need the start rule only if it starts with a trigger, whitespace or a quote.
_CSV_FIRST_CHARS: Final = _texts(
    sorted(set('=+-@＝＋－＠\t\r\n\x0b\x0c"') | {chr(c) for c in range(0x3001) if chr(c).isspace()})
)
_CSV_SPECIAL_BYTES: Final = (b",", b";", b"\t", b"|", b"\r", b"\n", b'"')


def _csv_cells(array: pa.Array) -> pa.Array:
    kind = array.type
    if pa.types.is_large_string(kind):
        cells = _csv_text(array)
    elif pa.types.is_boolean(kind):
        cells = pc.if_else(array, _text_scalar("true"), _text_scalar("false"))
    elif pa.types.is_float64(kind) or pa.types.is_timestamp(kind):
        # Python's shortest repr and ISO 8601 (rare columns: the per-value path is fine).
        cells = _texts(_value_text(v) for v in array.to_pylist())
    else:
        cells = pc.cast(array, pa.large_string())
    return pc.fill_null(pc.cast(cells, pa.large_string()), _text_scalar(""))


def _value_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _csv_lines(batch: pa.RecordBatch, end: str = "") -> pa.Array:
    """One CSV line per row, each followed by ``end``."""
    cells = [_csv_cells(column) for column in batch.columns]
    if len(cells) == 1:
        # A lone empty field would otherwise read as a blank line.
        cells = [pc.if_else(pc.equal(cells[0], ""), _text_scalar('""'), cells[0])]
    if end:
        # The line end joins the last cell, so the lines are built in one pass, not two.
        cells[-1] = pc.binary_join_element_wise(cells[-1], _text_scalar(end), _text_scalar(""))
    return pc.binary_join_element_wise(*cells, _text_scalar(","))


def _csv_comment_line(key: str, value: str) -> str:
    # Comment lines are not quoted, so a spreadsheet splits them at every separator. Neutralise
    # each piece that would start a cell, so a filter like q=x,=HYPERLINK(...) from a URL
    # cannot become a formula.
    safe = _csv_text(_texts([_one_line(value)]))[0].as_py()
    if safe.startswith('"'):  # the comment line is not a field: no quotes around it
        safe = safe[1:-1].replace('""', '"')
    return f"# {key}: {safe}\n"


def write_csv(
    rows: Rows, out: BinaryIO, provenance: Provenance | None = None, *, sourced: bool = True
) -> int:
    """Write ``rows`` as UTF-8 CSV, after one ``# key: value`` line per provenance item and
    one saying how cells were neutralised; returns the number of rows."""
    _check_columns(rows.schema, sourced=sourced)
    head = ""
    if provenance is not None:
        for key, value in _safe_provenance(provenance).items():
            head += _csv_comment_line(key, value)
        head += _csv_comment_line("neutralised", CSV_NOTE)
    out.write((head + _csv_row_text(rows.schema.names)).encode("utf-8"))
    count = 0
    for rows_in_batch, lines in _formatted(rows, _csv_batch):
        out.write(_buffer_of(lines))
        count += rows_in_batch
    return count


def _csv_batch(batch: pa.RecordBatch) -> tuple[int, pa.Array]:
    return batch.num_rows, _csv_lines(batch, end="\n")


# Batches are formatted on worker threads (Arrow's kernels and DuckDB release the GIL), in
# order, with at most this many in flight: both cores work, memory stays a few batches.
_WORKERS: Final = max(1, min(4, os.cpu_count() or 1))


def _formatted(
    batches: Iterable[pa.RecordBatch], work: Callable[[pa.RecordBatch], T]
) -> Iterator[T]:
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        pending: deque[Future[T]] = deque()
        for batch in batches:
            pending.append(pool.submit(work, batch))
            if len(pending) > _WORKERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _csv_row_text(fields: list[str]) -> str:
    batch = pa.record_batch(
        [_texts([str(field)]) for field in fields],
        names=[f"c{i}" for i in range(len(fields))],
    )
    return _csv_lines(batch)[0].as_py() + "\n"


def plain_csv(df: pd.DataFrame) -> str:
    """The table as CSV text with the header on line 1 and no provenance (the command line's
    ``--format csv``): the same cell writer, quoting and formula neutralising as :func:`to_csv`."""
    out = io.BytesIO()
    write_csv(Rows.of(frame_table(df, sourced=False)), out, sourced=False)
    return out.getvalue().decode("utf-8")


def to_csv(df: pd.DataFrame, provenance: Provenance) -> bytes:
    """The table as UTF-8 CSV, after one ``# key: value`` line per provenance item."""
    out = io.BytesIO()
    write_csv(Rows.of(df), out, provenance)
    return out.getvalue()


def read_csv_export(data: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    """Parse a :func:`to_csv` export: the provenance block, then every column as text."""
    import pandas as pd

    provenance: dict[str, str] = {}
    skip = 0
    for line in data.split(b"\n"):
        if not line.startswith(b"#"):
            break
        text = line.decode("utf-8").removeprefix("#").removeprefix(" ")
        key, sep, value = text.partition(": ")
        if not sep:  # "# key:" with nothing after it
            key, _, value = text.partition(":")
        provenance[key] = value
        skip += 1
    df = pd.read_csv(
        io.BytesIO(data), skiprows=skip, dtype=str, keep_default_na=False, encoding="utf-8"
    )
    return provenance, df


# --------------------------------------------------------------------------------------------
# XLSX


class TooManyRows(ValueError):
    """More rows than one Excel sheet holds: the message offers CSV or Parquet."""


def _display_width(text: str) -> int:
    longest = max((line for line in text.splitlines() or [""]), key=len)
    # Wide (CJK, emoji) characters take two columns.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in longest)


def _xlsx_widths(schema: pa.Schema, first: list[list[object]]) -> list[int]:
    """Column widths from the header and the first batch's cells."""
    widths = []
    for c, field in enumerate(schema):
        # +3 leaves room for the autofilter button.
        width = _display_width(field.name) + 3
        if pa.types.is_date(field.type):
            width = max(width, 11)
        else:
            for value in first[c] if first else ():
                if width >= _XLSX_MAX_WIDTH:
                    break
                if value is not None:
                    width = max(width, _display_width(_xlsx_text(value)) + 1)
        widths.append(min(max(width, _XLSX_MIN_WIDTH), _XLSX_MAX_WIDTH))
    return widths


def _xlsx_text(value: object) -> str:
    return str(neutralise_formula(value)) if isinstance(value, str) else _text(value)


def _too_many_rows(rows: int, columns: int) -> TooManyRows:
    return TooManyRows(
        f"{rows:,} rows x {columns} columns do not fit in one Excel sheet "
        f"(at most {_XLSX_MAX_ROWS - 1:,} rows); export CSV or Parquet instead"
    )


def write_xlsx(rows: Rows, out: BinaryIO, provenance: Provenance) -> int:
    """Sheet "Data" with the rows and sheet "About" with the provenance; no formulas, no links.

    Written row by row (xlsxwriter's constant-memory mode). A cell longer than Excel's 32,767
    characters is cut with a visible mark, and the About sheet says how many were cut."""
    schema = rows.schema
    _check_columns(schema)
    if len(schema) > _XLSX_MAX_COLUMNS:
        raise _too_many_rows(0, len(schema))
    safe = _safe_provenance(provenance)
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        out,
        {
            # Strings always stay strings: never formulas, hyperlinks or numbers.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "constant_memory": True,
        },
    )
    # A fixed creation time (instead of "now") makes the bytes reproducible.
    workbook.set_properties(
        {
            "title": safe["title"],
            "author": "Shelfwatch",
            "comments": safe["citation"],
            "created": provenance.generated_at_utc.replace(tzinfo=None),
        }
    )
    bold = workbook.add_format({"bold": True})
    formats = {
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "timestamp": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    data = workbook.add_worksheet("Data")
    about = workbook.add_worksheet("About")
    writers = [_xlsx_writer(data, field.type, formats) for field in schema]
    r = 0
    cut = 0
    started = False
    for batch in rows:
        columns = [column.to_pylist() for column in batch.columns]
        if not started:
            _xlsx_start(data, schema, columns, bold)
            started = True
        if r + batch.num_rows + 1 > _XLSX_MAX_ROWS:
            workbook.close()
            raise _too_many_rows(r + batch.num_rows, len(schema))
        for values in zip(*columns, strict=True):
            r += 1
            for c, value in enumerate(values):
                if value is None:
                    continue  # nothing written = a blank cell
                if isinstance(value, str):
                    value = cast(str, neutralise_formula(value))  # text in, text out
                    if len(value) > _XLSX_MAX_CELL:
                        value = value[: _XLSX_MAX_CELL - len(_XLSX_CUT)] + _XLSX_CUT
                        cut += 1
                writers[c](r, c, value)
    if not started:
        _xlsx_start(data, schema, [], bold)
    data.autofilter(0, 0, r, len(schema) - 1)
    _xlsx_about(about, schema, safe, bold, cut)
    workbook.close()
    return r


def _xlsx_start(sheet, schema: pa.Schema, first: list[list[object]], bold: object) -> None:
    # Constant-memory mode writes each row once: widths and the header go first.
    for c, width in enumerate(_xlsx_widths(schema, first)):
        sheet.set_column(c, c, width)
    for c, field in enumerate(schema):
        sheet.write_string(0, c, str(neutralise_formula(field.name)), bold)
    sheet.freeze_panes(1, 0)


def _xlsx_about(about, schema: pa.Schema, safe: dict[str, str], bold: object, cut: int) -> None:
    about.set_column(0, 0, 16)
    about.set_column(1, 1, 100)
    row = 0
    for key, value in safe.items():
        about.write_string(row, 0, key, bold)
        about.write_string(row, 1, value)
        row += 1
    row += 1
    about.write_string(row, 0, "column", bold)
    about.write_string(row, 1, "type", bold)
    for field in schema:
        row += 1
        label = _xlsx_kind_label(field.type)
        about.write_string(row, 0, str(neutralise_formula(field.name)))
        about.write_string(row, 1, label)
    row += 2
    about.write_string(row, 0, "notes", bold)
    notes = list(_XLSX_NOTES)
    if cut:
        notes.append(
            f"{cut:,} cell(s) held more than Excel's {_XLSX_MAX_CELL:,} characters: each is cut "
            f"and ends with '{_XLSX_CUT.strip()}'; the CSV, Parquet and JSON exports hold the "
            "full text."
        )
    for note in notes:
        about.write_string(row, 1, note)
        row += 1


def _xlsx_kind_label(kind: pa.DataType) -> str:
    if pa.types.is_timestamp(kind):
        return _KIND_LABELS["timestamp"] + (" (UTC)" if kind.tz else "")
    for name, arrow_type in _ARROW_TYPES.items():
        if kind == arrow_type:
            return _KIND_LABELS[name]
    return _KIND_LABELS["string"]


# Excel's cell limit, and what a cut cell ends with.
_XLSX_MAX_CELL: Final = 32_767
_XLSX_CUT: Final = " […cut: longer than an Excel cell holds]"

_XLSX_NOTES: Final = (
    f"Every row on the Data sheet names its source in the {SOURCE_COLUMN} column.",
    "Empty cells are missing values (no data), not zero, false or 'removed'.",
    "Text that begins with =, +, -, @, a tab or a carriage return is shown with an apostrophe "
    "(') in front so that spreadsheet programs treat it as text, never as a formula.",
)


def _xlsx_writer(
    sheet: xlsxwriter.worksheet.Worksheet, kind: pa.DataType, formats: Mapping[str, object]
) -> Callable[[int, int, object], object]:
    if pa.types.is_boolean(kind):
        return sheet.write_boolean
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return sheet.write_number
    if pa.types.is_date(kind):
        cell_format = formats["date"]
        return lambda r, c, value: sheet.write_datetime(r, c, value, cell_format)
    if pa.types.is_timestamp(kind):
        cell_format = formats["timestamp"]

        def naive(r: int, c: int, value: object) -> object:
            moment = cast(datetime.datetime, value)  # a timestamp column holds datetimes
            return sheet.write_datetime(r, c, moment.replace(tzinfo=None), cell_format)

        return naive
    return sheet.write_string


def to_xlsx(df: pd.DataFrame, provenance: Provenance) -> bytes:
    """The table on sheet "Data" and the provenance on sheet "About"; no formulas, no links."""
    if len(df) + 1 > _XLSX_MAX_ROWS:
        raise _too_many_rows(len(df), len(df.columns))
    out = io.BytesIO()
    write_xlsx(Rows.of(df), out, provenance)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Parquet


def write_parquet(rows: Rows, out: BinaryIO, provenance: Provenance) -> int:
    """The rows as Parquet (text verbatim), provenance JSON under the schema metadata key
    ``shelfwatch``; written batch by batch."""
    _check_columns(rows.schema)
    schema = pa.schema(
        [
            pa.field(f.name, pa.string() if f.type == pa.large_string() else f.type)
            for f in rows.schema
        ],
        metadata={
            PARQUET_METADATA_KEY: json.dumps(
                _safe_provenance(provenance), ensure_ascii=False
            ).encode("utf-8")
        },
    )
    count = 0
    # Built from plain arrays, so no pandas index or pandas metadata ends up in the file.
    import pyarrow.parquet as pq

    # Snappy, Parquet's usual codec and DuckDB's: zstd makes files a third smaller but takes
    # half as long again to write, on one core.
    with pq.ParquetWriter(out, schema, compression="snappy") as writer:
        for batch in rows:
            writer.write_batch(
                pa.RecordBatch.from_arrays(
                    [
                        pc.cast(column, field.type)
                        for column, field in zip(batch.columns, schema, strict=True)
                    ],
                    schema=schema,
                )
            )
            count += batch.num_rows
    return count


def to_parquet(df: pd.DataFrame, provenance: Provenance) -> bytes:
    """The table as Parquet, provenance JSON under the schema metadata key ``shelfwatch``."""
    out = io.BytesIO()
    write_parquet(Rows.of(df), out, provenance)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# JSON


def _json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _json_rows(batch: pa.RecordBatch, schema: pa.Schema) -> pa.Array:
    """One JSON object per row, written by DuckDB (in memory, on this batch only): a C loop
    where Python's would cost a minute per 10M rows."""
    arrays = []
    for column in batch.columns:
        if pa.types.is_timestamp(column.type):
            column = _texts(_value_text(v) for v in column.to_pylist())
        arrays.append(column)
    table = pa.Table.from_arrays(arrays, names=schema.names)
    con = duckdb.connect(config={"enable_external_access": False, "threads": 1})
    try:
        con.register("batch", table)
        # The row as a struct: its keys are the column names, its values typed JSON.
        result = con.sql("select to_json(batch)::varchar as line from batch")
        return result.to_arrow_table().column("line").combine_chunks().cast(pa.large_string())
    finally:
        con.close()


def write_json(rows: Rows, out: BinaryIO, provenance: Provenance) -> int:
    """``{"provenance": {...}, "columns": [...], "rows": [{column: value}, ...]}`` as UTF-8,
    text verbatim. One row per line: still one JSON document, but diffs and ``head`` stay
    readable."""
    _check_columns(rows.schema)
    out.write(
        (
            f'{{"provenance": {_json_dumps(_safe_provenance(provenance))},\n'
            f' "columns": {_json_dumps(rows.schema.names)},\n'
            ' "rows": ['
        ).encode()
    )
    count = 0

    def json_batch(batch: pa.RecordBatch) -> tuple[int, pa.Array]:
        lines = _json_rows(batch, rows.schema)
        return batch.num_rows, pc.binary_join_element_wise(
            _text_scalar(",\n  "), lines, _text_scalar("")
        )

    for rows_in_batch, lines in _formatted(rows, json_batch):
        data = _buffer_of(lines)
        out.write(data[1:] if count == 0 else data)  # no comma before the first row
        count += rows_in_batch
    out.write(b"\n ]}\n" if count else b"]}\n")
    return count


def to_json(df: pd.DataFrame, provenance: Provenance) -> bytes:
    """``{"provenance": {...}, "columns": [...], "rows": [{column: value}, ...]}`` as UTF-8."""
    out = io.BytesIO()
    write_json(Rows.of(df), out, provenance)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Dispatch and naming


_STREAM_WRITERS: Final[dict[str, Callable[[Rows, BinaryIO, Provenance], int]]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "parquet": write_parquet,
    "json": write_json,
}


def _check_format(fmt: str) -> str:
    if fmt not in _STREAM_WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def export_bytes(df: pd.DataFrame, provenance: Provenance, fmt: str) -> bytes:
    """The export in format ``fmt`` (one of :data:`FORMATS`), in memory."""
    out = io.BytesIO()
    write_export(df, provenance, fmt, out)
    return out.getvalue()


def write_export(
    source: pd.DataFrame | pa.Table | pa.RecordBatchReader,
    provenance: Provenance,
    fmt: str,
    out: BinaryIO,
) -> int:
    """Write the export in format ``fmt`` to ``out`` batch by batch; returns the row count.

    ``source`` may be a stream of record batches straight from DuckDB, so a full export holds
    one batch in memory at a time, never the whole result."""
    return _STREAM_WRITERS[_check_format(fmt)](Rows.of(source), out, provenance)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-")


def file_name(provenance: Provenance, fmt: str) -> str:
    """A safe download name, e.g. ``shelfwatch-v3-2021-11-30.csv``.

    A non-default title adds its slug (``shelfwatch-evidence-lorex-v3.csv``), so several
    downloads from one session do not overwrite each other.
    """
    _check_format(fmt)
    parts = ["shelfwatch"]
    title = _slug(provenance.title).removeprefix("shelfwatch").strip("-")
    if title and title != "export":
        parts.append(title)
    parts.append(f"v{provenance.data_version}")
    if provenance.as_of is not None:
        parts.append(provenance.as_of.isoformat())
    return "-".join(parts) + "." + fmt
