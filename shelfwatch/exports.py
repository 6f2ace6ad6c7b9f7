"""Exports: a DataFrame plus its provenance as CSV, XLSX, Parquet or JSON bytes.

Every export function is pure, ``(DataFrame, Provenance) -> bytes``: the CLI and the app's
download buttons call the same code, so a file from either is byte-for-byte the same.

Contracts (checked by the golden files in ``tests/golden/``):

* The frame must have a ``source_url`` column, the source of every row. Column order is kept
  exactly; the pandas index is never written.
* Text that starts with ``=``, ``+``, ``-``, ``@`` (or their full-width forms ``＝ ＋ － ＠``), a
  tab or a carriage return — also after leading whitespace — is prefixed with an apostrophe
  (``'``) in every format, so a spreadsheet shows it instead of running it as a formula
  (CSV/formula injection). Provenance values (filters come from user URLs) are
  neutralised too. Numbers, dates and booleans are never touched: ``-2`` stays a number.
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
one ``# key: value`` line per :meth:`Provenance.as_dict` item (8 lines, see ``CSV_COMMENT_LINES``),
then the header row, then the data::

    df = pandas.read_csv("shelfwatch-v3-2021-11-30.csv", skiprows=8, dtype=str,
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
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

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


CSV_COMMENT_LINES: Final = 8  # len(Provenance.as_dict()): the rows to skip before the header


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
    # None or the kind's Python type; strings already neutralised; timestamps naive (UTC when
    # `utc`).
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
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, not {type(df).__name__}")
    names = [str(name) for name in df.columns]
    if sourced and SOURCE_COLUMN not in names:
        raise ValueError(
            f"export needs a {SOURCE_COLUMN!r} column (the source of every row); "
            f"columns are {names}"
        )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"duplicate column names cannot be exported: {duplicates}")
    # iloc by position: labels may repeat as non-str objects that render alike.
    return [_column(name, df.iloc[:, i]) for i, name in enumerate(names)]


def _column(name: str, series: pd.Series) -> _Column:
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
        return _Column(
            name, "string", [None if _is_null(v) else neutralise_formula(v) for v in raw]
        )
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
    return _Column(
        name, "string", [None if _is_null(v) else neutralise_formula(_text(v)) for v in raw]
    )


def _datetime_column(name: str, raw: list[object]) -> _Column:
    values: list[datetime.datetime | None] = []
    utc = False
    for v in raw:
        if _is_null(v):
            values.append(None)
            continue
        assert isinstance(v, datetime.datetime)
        moment = v.to_pydatetime() if isinstance(v, pd.Timestamp) else v
        if moment.utcoffset() is not None:
            utc = True
            moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
        values.append(moment)
    # Aware values are instants, never calendar dates; naive midnights are dates (DuckDB DATE).
    if not utc and all(v is None or v.time() == datetime.time() for v in values):
        return _Column(name, "date", [None if v is None else v.date() for v in values])
    return _Column(name, "timestamp", list(values), utc=utc)


def _is_null(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (str, bytes, list, tuple, set, frozenset, dict, np.ndarray)):
        # pd.isna on a container answers per element, which is not the question here.
        return False
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


def _cell_text(column: _Column, value: object) -> str:
    if value is None:
        return ""
    if column.kind == "timestamp":
        assert isinstance(value, datetime.datetime)
        return _timestamp_text(value, column.utc)
    if column.kind == "string":
        return str(value)
    return _text(value)


# --------------------------------------------------------------------------------------------
# CSV


def _csv_field(text: str) -> str:
    # RFC 4180 minimal quoting, written by hand: Python 3.11's csv module leaves a lone CR
    # unquoted when the line terminator is "\n", which splits the record for every reader.
    if any(char in text for char in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_row(fields: Iterable[str]) -> str:
    fields = [_csv_field(field) for field in fields]
    if fields == [""]:
        return '""\n'  # a lone empty field would otherwise read as a blank line
    return ",".join(fields) + "\n"


def _csv_comment_line(key: str, value: str) -> str:
    # Comment lines are not quoted, so a spreadsheet splits them at every comma (or semicolon,
    # in locales that use it). Neutralise each piece that would start a cell, so a filter like
    # q=x,=HYPERLINK(...) from a URL cannot become a formula.
    pieces = re.split(r"([,;])", _one_line(value))
    for i in range(2, len(pieces), 2):
        if pieces[i].lstrip().startswith((*_FORMULA_PREFIXES, '"')):
            pieces[i] = "'" + pieces[i]
    return f"# {key}: {''.join(pieces)}\n"


def plain_csv(df: pd.DataFrame) -> str:
    """The table as CSV text with the header on line 1 and no provenance (the command line's
    ``--format csv``): the same cell writer, quoting and formula neutralising as :func:`to_csv`."""
    columns = _columns(df, sourced=False)
    out = io.StringIO(newline="")
    out.write(_csv_row(str(neutralise_formula(column.name)) for column in columns))
    for row in zip(*(column.values for column in columns), strict=True):
        out.write(_csv_row(_cell_text(c, v) for c, v in zip(columns, row, strict=True)))
    return out.getvalue()


def to_csv(df: pd.DataFrame, provenance: Provenance) -> bytes:
    """The table as UTF-8 CSV, after one ``# key: value`` line per provenance item."""
    columns = _columns(df)
    out = io.StringIO(newline="")
    for key, value in _safe_provenance(provenance).items():
        out.write(_csv_comment_line(key, value))
    out.write(_csv_row(str(neutralise_formula(column.name)) for column in columns))
    for row in zip(*(column.values for column in columns), strict=True):
        out.write(_csv_row(_cell_text(c, v) for c, v in zip(columns, row, strict=True)))
    return out.getvalue().encode("utf-8")


def read_csv_export(data: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    """Parse a :func:`to_csv` export: the provenance block, then every column as text."""
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


def _display_width(text: str) -> int:
    longest = max((line for line in text.splitlines() or [""]), key=len)
    # Wide (CJK, emoji) characters take two columns.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in longest)


def _xlsx_widths(columns: list[_Column]) -> list[int]:
    widths = []
    for column in columns:
        # +3 leaves room for the autofilter button.
        width = _display_width(column.name) + 3
        if column.kind == "date":
            width = max(width, 11)
        else:
            for value in column.values:
                if width >= _XLSX_MAX_WIDTH:
                    break
                width = max(width, _display_width(_cell_text(column, value)) + 1)
        widths.append(min(max(width, _XLSX_MIN_WIDTH), _XLSX_MAX_WIDTH))
    return widths


def to_xlsx(df: pd.DataFrame, provenance: Provenance) -> bytes:
    """The table on sheet "Data" and the provenance on sheet "About"; no formulas, no links."""
    columns = _columns(df)
    n_rows = len(df)
    if n_rows + 1 > _XLSX_MAX_ROWS or len(columns) > _XLSX_MAX_COLUMNS:
        raise ValueError(
            f"{n_rows} rows x {len(columns)} columns do not fit in one Excel sheet; "
            "export CSV or Parquet instead"
        )
    safe = _safe_provenance(provenance)
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            # Strings always stay strings: never formulas, hyperlinks or numbers.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,
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
    for c, column in enumerate(columns):
        data.write_string(0, c, str(neutralise_formula(column.name)), bold)
    for c, column in enumerate(columns):
        write = _xlsx_writer(data, column, formats)
        for r, value in enumerate(column.values, start=1):
            if value is not None:  # nothing written = a blank cell
                write(r, c, value)
    for c, width in enumerate(_xlsx_widths(columns)):
        data.set_column(c, c, width)
    data.freeze_panes(1, 0)
    data.autofilter(0, 0, n_rows, len(columns) - 1)

    about = workbook.add_worksheet("About")
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
    for column in columns:
        row += 1
        label = _KIND_LABELS[column.kind] + (" (UTC)" if column.utc else "")
        about.write_string(row, 0, str(neutralise_formula(column.name)))
        about.write_string(row, 1, label)
    row += 2
    about.write_string(row, 0, "notes", bold)
    for note in _XLSX_NOTES:
        about.write_string(row, 1, note)
        row += 1
    workbook.close()
    return out.getvalue()


_XLSX_NOTES: Final = (
    f"Every row on the Data sheet names its source in the {SOURCE_COLUMN} column.",
    "Empty cells are missing values (no data), not zero, false or 'removed'.",
    "Text that begins with =, +, -, @, a tab or a carriage return is shown with an apostrophe "
    "(') in front so that spreadsheet programs treat it as text, never as a formula.",
)


def _xlsx_writer(
    sheet: xlsxwriter.worksheet.Worksheet, column: _Column, formats: Mapping[str, object]
) -> Callable[[int, int, object], object]:
    if column.kind == "string":
        return sheet.write_string
    if column.kind in ("int", "float"):
        return sheet.write_number
    if column.kind == "bool":
        return sheet.write_boolean
    cell_format = formats[column.kind]
    return lambda r, c, value: sheet.write_datetime(r, c, value, cell_format)


# --------------------------------------------------------------------------------------------
# Parquet


_ARROW_TYPES: Final = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}


def to_parquet(df: pd.DataFrame, provenance: Provenance) -> bytes:
    """The table as Parquet, provenance JSON under the schema metadata key ``shelfwatch``."""
    columns = _columns(df)
    fields = []
    arrays = []
    for column in columns:
        if column.kind == "timestamp":
            arrow_type = pa.timestamp("us", tz="UTC" if column.utc else None)
        else:
            arrow_type = _ARROW_TYPES[column.kind]
        fields.append(pa.field(column.name, arrow_type))
        arrays.append(pa.array(column.values, type=arrow_type))
    metadata = {
        PARQUET_METADATA_KEY: json.dumps(_safe_provenance(provenance), ensure_ascii=False).encode(
            "utf-8"
        )
    }
    # Built from plain arrays, so no pandas index or pandas metadata ends up in the file.
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=metadata))
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# JSON


def _json_value(column: _Column, value: object) -> object:
    if value is None:
        return None
    if column.kind in ("date", "timestamp"):
        return _cell_text(column, value)
    return value


def _json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def to_json(df: pd.DataFrame, provenance: Provenance) -> bytes:
    """``{"provenance": {...}, "columns": [...], "rows": [{column: value}, ...]}`` as UTF-8.

    One row per line: still one JSON document, but diffs and ``head`` stay readable.
    """
    columns = _columns(df)
    names = [column.name for column in columns]
    rows = [
        _json_dumps({c.name: _json_value(c, v) for c, v in zip(columns, values, strict=True)})
        for values in zip(*(column.values for column in columns), strict=True)
    ]
    body = "[\n  " + ",\n  ".join(rows) + "\n ]" if rows else "[]"
    text = (
        f'{{"provenance": {_json_dumps(_safe_provenance(provenance))},\n'
        f' "columns": {_json_dumps(names)},\n'
        f' "rows": {body}}}\n'
    )
    return text.encode("utf-8")


# --------------------------------------------------------------------------------------------
# Dispatch and naming


_WRITERS: Final[dict[str, Callable[[pd.DataFrame, Provenance], bytes]]] = {
    "csv": to_csv,
    "xlsx": to_xlsx,
    "parquet": to_parquet,
    "json": to_json,
}


def _check_format(fmt: str) -> str:
    if fmt not in _WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def export_bytes(df: pd.DataFrame, provenance: Provenance, fmt: str) -> bytes:
    """The export in format ``fmt`` (one of :data:`FORMATS`)."""
    return _WRITERS[_check_format(fmt)](df, provenance)


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
