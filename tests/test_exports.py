"""Exports are contracts: bytes compared with committed golden files, hostile cells included.

Golden files live in tests/golden/. After an intended change to an export format, rewrite them
with ``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_exports.py`` and review the diff.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape

from shelfwatch import exports
from shelfwatch.exports import (
    CSV_COMMENT_LINES,
    FORMATS,
    LICENCE,
    MEDIA_TYPES,
    Provenance,
    export_bytes,
    file_name,
    neutralise_formula,
    read_csv_export,
    to_csv,
    to_json,
    to_parquet,
    to_xlsx,
)

GOLDEN = Path(__file__).parent / "golden"
HOSTILE_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

HOSTILE_CELLS = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "@SUM(A1)",
    "-2+3",
    "\tTAB",
    "\rCR",
    "'already quoted",
    "plain, with a comma",
    'a;=1+1|@SUM(A1)\t-3, "=4',
]
NEUTRALISED_CELLS = [
    '\'=HYPERLINK("http://x","y")',
    "'+1",
    "'@SUM(A1)",
    "'-2+3",
    "'\tTAB",
    "'\rCR",
    "'already quoted",
    "plain, with a comma",
    'a;=1+1|@SUM(A1)\t-3, "=4',
]
# CSV alone also neutralises after a separator inside a field (for readers that split on it).
CSV_CELLS = [*NEUTRALISED_CELLS[:8], "a;'=1+1|'@SUM(A1)\t'-3,' \"=4"]
# Triggers a spreadsheet folds or trims its way to: full-width forms, leading whitespace.
WIDE_CELLS = [
    '＝HYPERLINK("http://x","y")',
    "＋1",
    "－2",
    "＠SUM(A1)",
    '  =HYPERLINK("http://x")',
    "\u3000=cmd|' /C calc'!A0",
    "\n@SUM(A1)",
    " plain, with spaces",
    "１２３",
]
WIDE_NEUTRALISED = [
    '\'＝HYPERLINK("http://x","y")',
    "'＋1",
    "'－2",
    "'＠SUM(A1)",
    '\'  =HYPERLINK("http://x")',
    "'\u3000=cmd|' /C calc'!A0",
    "'\n@SUM(A1)",
    " plain, with spaces",
    "１２３",
]
# CSV also neutralises after a separator inside a field (here a line break).
WIDE_CSV = [*WIDE_NEUTRALISED[:6], "'\n'@SUM(A1)", *WIDE_NEUTRALISED[7:]]


def hostile_frame() -> pd.DataFrame:
    """Every hard type in one table, with the dtypes DuckDB and pandas really produce."""
    frame = pd.DataFrame(
        {
            "retailer": pd.Series(
                [
                    "Lowe’s",
                    "乐橙 Imou",
                    "Café 📷 shop",
                    'He said "hi", then left',
                    "line one\nline two",
                    None,
                    "Home Depot",
                    "Best Buy",
                    "Walmart",
                ],
                dtype="str",
            ),
            "cell": pd.Series(HOSTILE_CELLS, dtype=object),
            "wide_cell": pd.Series(WIDE_CELLS, dtype="str"),
            "effective_on": pd.Series(
                [dt.date(2021, 10, 1 + i) if i != 5 else None for i in range(9)], dtype=object
            ),
            # DuckDB hands DATE columns to pandas as datetime64 at midnight.
            "reported_on": pd.to_datetime(
                ["2021-10-05", None, "2021-10-07", "2021-10-08", "2021-10-09"] + ["2021-11-30"] * 4
            ).astype("datetime64[us]"),
            "disputed": pd.array([True, False, None, False, True, False, False, True, False]),
            # A status's evidence age, as status_as_of gives it.
            "last_evidence_on": pd.to_datetime(["2021-10-25"] * 8 + [None]).astype(
                "datetime64[us]"
            ),
            "stale": [False, False, True, False, True, False, False, True, False],
            "kept": [True, False, True, True, False, False, True, True, False],
            "stores": pd.array([-2, 0, None, 12, 2_000_000_000_000, 1, 2, 3, 4], dtype="Int64"),
            "count": [-2, 0, 1, 2, 3, 4, 5, 6, 7],
            "share": [-0.5, float("nan"), float("inf"), 1e-05, 2.0, 0.1, -0.0, 1e16, 3.25],
            "source_url": [f"https://example.com/story/{i}?a=1&b=2#frag" for i in range(9)],
        }
    )
    # A non-default index: it must never reach a file.
    frame.index = pd.RangeIndex(100, 109, name="row_id")
    return frame


PROVENANCE = Provenance(
    data_version=3,
    as_of=dt.date(2021, 11, 30),
    filters={
        "brand": ["lorex", "ezviz"],
        "status": [],
        "q": 'x,=HYPERLINK("http://evil","click")',
        "retailer": ("home-depot",),
    },
    generated_at=dt.datetime(2026, 11, 29, 8, 30, 15, 123456, tzinfo=dt.UTC),
    title="Status of Lorex & Ezviz",
    permalink="https://shelfwatch.example/overview?as_of=2021-11-30&brand=lorex&brand=ezviz",
)


def assert_golden(name: str, actual: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
        return
    assert path.exists(), f"{path} is missing; run UPDATE_GOLDEN=1 pytest {__file__}"
    expected = path.read_bytes()
    if actual != expected:
        # Compare as text first so pytest prints a readable diff.
        assert actual.decode("utf-8") == expected.decode("utf-8")
        assert actual == expected


def _is_leaf(value: object) -> bool:
    """A row-like value: printed on one line in golden dumps."""
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        return True
    return all(
        not isinstance(item, (list, dict))
        or (isinstance(item, list) and not any(isinstance(x, (list, dict)) for x in item))
        for item in value
    )


def dump_json(value: object) -> bytes:
    """Indented JSON with one row per line, so golden diffs point at the changed row."""

    def render(item: object, level: int) -> str:
        if _is_leaf(item):
            return json.dumps(item, ensure_ascii=False)
        pad = " " * (level + 1)
        if isinstance(item, dict):
            lines = [f"{pad}{json.dumps(k)}: {render(v, level + 1)}" for k, v in item.items()]
            return "{\n" + ",\n".join(lines) + "\n" + " " * level + "}"
        assert isinstance(item, list)
        lines = [pad + render(v, level + 1) for v in item]
        return "[\n" + ",\n".join(lines) + "\n" + " " * level + "]"

    return (render(value, 0) + "\n").encode("utf-8")


def xlsx_workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def xlsx_value(cell: openpyxl.cell.Cell) -> object:
    value = cell.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        # openpyxl leaves Excel's _xHHHH_ escapes of control characters in place.
        return unescape(value)
    return value


def xlsx_dump(data: bytes) -> dict[str, object]:
    workbook = xlsx_workbook(data)
    dump: dict[str, object] = {"sheets": workbook.sheetnames}
    for sheet in workbook.worksheets:
        rows = []
        for row in sheet.iter_rows():
            cells = []
            for cell in row:
                entry = [cell.data_type, xlsx_value(cell)]
                if cell.is_date:
                    entry.append(cell.number_format)
                cells.append(entry)
            rows.append(cells)
        dump[sheet.title] = {
            "freeze_panes": sheet.freeze_panes,
            "auto_filter": sheet.auto_filter.ref,
            "widths": {
                letter: dimension.width for letter, dimension in sheet.column_dimensions.items()
            },
            "bold_first_column_or_row": [
                bool(cell.font.b)
                for cell in (sheet[1] if sheet.title == "Data" else sheet["A"][:8])
            ],
            "rows": rows,
        }
    return dump


def parquet_value(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def parquet_dump(data: bytes) -> dict[str, object]:
    table = pq.read_table(io.BytesIO(data))
    metadata = table.schema.metadata or {}
    return {
        "schema": [[field.name, str(field.type)] for field in table.schema],
        "metadata_keys": sorted(key.decode() for key in metadata),
        "shelfwatch": json.loads(metadata[b"shelfwatch"]),
        "rows": [
            {key: parquet_value(value) for key, value in row.items()} for row in table.to_pylist()
        ],
    }


def csv_records(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter))


def safe_provenance() -> dict[str, str]:
    return {key: str(neutralise_formula(value)) for key, value in PROVENANCE.as_dict().items()}


# ---------------------------------------------------------------------------- golden files


def test_csv_golden() -> None:
    assert_golden("exports.csv", to_csv(hostile_frame(), PROVENANCE))


def test_json_golden() -> None:
    assert_golden("exports.json", to_json(hostile_frame(), PROVENANCE))


def test_xlsx_golden() -> None:
    assert_golden("exports.xlsx.json", dump_json(xlsx_dump(to_xlsx(hostile_frame(), PROVENANCE))))


def test_parquet_golden() -> None:
    dump = parquet_dump(to_parquet(hostile_frame(), PROVENANCE))
    assert_golden("exports.parquet.json", dump_json(dump))


# ---------------------------------------------------------------------------- CSV


def test_csv_layout_and_read_back() -> None:
    data = to_csv(hostile_frame(), PROVENANCE)
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in data.replace(b'"\r', b"")  # only the quoted CR cell has a \r
    lines = data.split(b"\n")
    assert len(PROVENANCE.as_dict()) + 1 == CSV_COMMENT_LINES
    assert all(line.startswith(b"# ") for line in lines[:CSV_COMMENT_LINES])
    assert lines[CSV_COMMENT_LINES].startswith(b"retailer,cell,wide_cell,effective_on,")

    provenance, df = read_csv_export(data)
    # Comment lines are unquoted, so each comma-separated piece is neutralised on its own.
    hostile_q = 'q=x,\'=HYPERLINK("http://evil","click")'
    assert provenance["filters"] == f"brand=lorex, ezviz; {hostile_q}; retailer=home-depot"
    expected = safe_provenance()
    expected["neutralised"] = exports.CSV_NOTE
    expected["filters"] = provenance["filters"]
    expected["citation"] = expected["citation"].replace(
        'q=x,=HYPERLINK("http://evil","click")', hostile_q
    )
    assert provenance == expected
    assert list(df.columns) == list(hostile_frame().columns)  # order kept, no index column
    assert df["cell"].tolist() == CSV_CELLS
    assert df["wide_cell"].tolist() == WIDE_CSV
    assert df["stale"].tolist() == ["false", "false", "true", "false", "true"] + [
        "false",
        "false",
        "true",
        "false",
    ]
    assert df["last_evidence_on"].tolist() == ["2021-10-25"] * 8 + [""]
    assert df["retailer"].tolist()[:6] == [
        "Lowe’s",
        "乐橙 Imou",
        "Café 📷 shop",
        'He said "hi", then left',
        "line one\nline two",
        "",
    ]
    assert df["effective_on"].tolist()[4:7] == ["2021-10-05", "", "2021-10-07"]
    assert df["reported_on"].tolist()[:2] == ["2021-10-05", ""]
    assert df["disputed"].tolist()[:3] == ["true", "false", ""]
    assert df["share"].tolist()[:3] == ["-0.5", "", ""]  # NaN and inf are missing


def test_csv_documented_pandas_recipe() -> None:
    """The module docstring's read_csv(skiprows=8) recipe works, and numbers parse as numbers."""
    data = to_csv(hostile_frame(), PROVENANCE)
    df = pd.read_csv(io.BytesIO(data), skiprows=CSV_COMMENT_LINES)
    assert pd.api.types.is_integer_dtype(df["count"])
    assert df["count"].iloc[0] == -2
    assert pd.api.types.is_float_dtype(df["share"])
    assert df["share"].iloc[0] == -0.5


def test_csv_numbers_are_unquoted_numbers() -> None:
    records = csv_records(to_csv(hostile_frame(), PROVENANCE))[CSV_COMMENT_LINES:]
    header, first = records[0], records[1]
    row = dict(zip(header, first, strict=True))
    assert row["count"] == "-2"
    assert row["stores"] == "-2"
    assert row["share"] == "-0.5"
    assert row["kept"] == "true"
    assert dict(zip(header, records[5], strict=True))["stores"] == "2000000000000"


def test_csv_no_field_starts_like_a_formula() -> None:
    """Neither the data nor the unquoted # lines can start a spreadsheet cell with a formula."""
    data = to_csv(hostile_frame(), PROVENANCE)
    for record in csv_records(data)[CSV_COMMENT_LINES:]:
        for field in record:
            if field.startswith(HOSTILE_PREFIXES):
                float(field)  # only a number (e.g. -2) may start with a sign
    # Comment lines are split by spreadsheets at commas, or semicolons in some locales.
    for line in data.decode("utf-8").split("\n")[:CSV_COMMENT_LINES]:
        for delimiter in ",;":
            for field in next(csv.reader([line], delimiter=delimiter)):
                assert not field.lstrip(" ").startswith(HOSTILE_PREFIXES), line


def test_csv_comment_lines_are_single_lines() -> None:
    provenance = Provenance(
        1, None, {"q": "a\r\nb\rc\nd"}, PROVENANCE.generated_at, title="two\nlines"
    )
    data = to_csv(pd.DataFrame({"source_url": ["u"]}), provenance)
    meta, df = read_csv_export(data)
    assert meta["title"] == "two lines"
    assert meta["filters"] == "q=a b c d"
    assert meta["as_of"] == ""
    assert df["source_url"].tolist() == ["u"]


# ---------------------------------------------------------------------------- XLSX


def test_xlsx_has_no_formulas_or_hyperlinks() -> None:
    data = to_xlsx(hostile_frame(), PROVENANCE)
    workbook = xlsx_workbook(data)
    assert workbook.sheetnames == ["Data", "About"]
    for sheet in workbook.worksheets:
        assert not sheet._hyperlinks
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                assert cell.hyperlink is None, cell.coordinate
    # Belt and braces: no <f> element or hyperlink part anywhere in the package.
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            body = package.read(name)
            assert b"<f>" not in body, name
            assert b"<f " not in body, name
            assert b"<hyperlink" not in body, name
            assert b"relationships/hyperlink" not in body, name


def test_xlsx_is_deterministic() -> None:
    first = to_xlsx(hostile_frame(), PROVENANCE)
    assert to_xlsx(hostile_frame(), PROVENANCE) == first
    assert xlsx_workbook(first).properties.created == dt.datetime(2026, 11, 29, 8, 30, 15)


def test_xlsx_types() -> None:
    sheet = xlsx_workbook(to_xlsx(hostile_frame(), PROVENANCE))["Data"]
    header = [cell.value for cell in sheet[1]]
    first = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    for name, value in (("count", -2), ("stores", -2), ("share", -0.5)):
        assert first[name].data_type == "n"
        assert first[name].value == value
        assert not isinstance(first[name].value, (str, bool))
    assert first["kept"].data_type == "b"
    assert first["kept"].value is True
    assert first["effective_on"].is_date
    assert first["effective_on"].value == dt.datetime(2021, 10, 1)
    assert first["effective_on"].number_format == "yyyy-mm-dd"
    assert first["reported_on"].is_date
    # Nulls are blank cells.
    assert sheet.cell(row=3, column=header.index("reported_on") + 1).value is None
    assert sheet.cell(row=4, column=header.index("disputed") + 1).value is None
    cells = [xlsx_value(row[header.index("cell")]) for row in sheet.iter_rows(min_row=2)]
    assert cells == NEUTRALISED_CELLS
    wide = [xlsx_value(row[header.index("wide_cell")]) for row in sheet.iter_rows(min_row=2)]
    assert wide == WIDE_NEUTRALISED
    assert first["stale"].data_type == "b" and first["last_evidence_on"].is_date


def test_xlsx_about_sheet_carries_neutralised_provenance() -> None:
    provenance = Provenance(
        3, None, {"q": "=1+1"}, PROVENANCE.generated_at, title="=cmd|' /C calc'!A0"
    )
    about = xlsx_workbook(to_xlsx(hostile_frame(), provenance))["About"]
    values = {row[0].value: row[1].value for row in about.iter_rows(max_row=8)}
    assert values["title"] == "'=cmd|' /C calc'!A0"
    assert values["filters"] == "q==1+1"
    assert values["citation"] == provenance.citation()
    assert list(values) == list(provenance.as_dict())


def test_xlsx_rejects_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "_XLSX_MAX_ROWS", 3)
    with pytest.raises(ValueError, match="do not fit"):
        to_xlsx(pd.DataFrame({"source_url": ["a", "b", "c"]}), PROVENANCE)


# ---------------------------------------------------------------------------- Parquet


def test_parquet_types_and_metadata() -> None:
    data = to_parquet(hostile_frame(), PROVENANCE)
    table = pq.read_table(io.BytesIO(data))
    assert table.schema.field("count").type == pa.int64()
    assert table.schema.field("stores").type == pa.int64()
    assert table.schema.field("share").type == pa.float64()
    assert table.schema.field("kept").type == pa.bool_()
    assert table.schema.field("effective_on").type == pa.date32()
    assert table.schema.field("reported_on").type == pa.date32()
    first = table.slice(0, 1).to_pylist()[0]
    assert first["count"] == -2
    assert type(first["count"]) is int
    assert first["share"] == -0.5
    assert table.column("share").null_count == 2  # NaN and inf
    assert table.column("cell").to_pylist() == HOSTILE_CELLS  # verbatim: no program runs it
    assert table.column("wide_cell").to_pylist() == WIDE_CELLS
    assert table.schema.field("last_evidence_on").type == pa.date32()
    assert table.schema.field("stale").type == pa.bool_()
    assert json.loads(table.schema.metadata[b"shelfwatch"]) == safe_provenance()
    assert b"pandas" not in table.schema.metadata
    # pandas reads it back without the source index.
    df = pd.read_parquet(io.BytesIO(data))
    assert list(df.columns) == list(hostile_frame().columns)
    assert df.index.equals(pd.RangeIndex(9))
    assert to_parquet(hostile_frame(), PROVENANCE) == data


# ---------------------------------------------------------------------------- JSON


def test_json_types() -> None:
    document = json.loads(to_json(hostile_frame(), PROVENANCE))
    assert list(document) == ["provenance", "columns", "rows"]
    assert document["provenance"] == safe_provenance()
    assert document["columns"] == list(hostile_frame().columns)
    rows = document["rows"]
    assert list(rows[0]) == document["columns"]
    assert rows[0]["count"] == -2
    assert type(rows[0]["count"]) is int
    assert rows[0]["stores"] == -2
    assert type(rows[0]["stores"]) is int
    assert rows[0]["share"] == -0.5
    assert type(rows[0]["share"]) is float
    assert rows[0]["kept"] is True
    assert rows[2]["disputed"] is None
    assert [row["share"] for row in rows[1:3]] == [None, None]  # NaN and inf
    assert rows[0]["effective_on"] == "2021-10-01"
    assert rows[1]["reported_on"] is None
    assert [row["cell"] for row in rows] == HOSTILE_CELLS  # verbatim: no program runs it
    assert [row["wide_cell"] for row in rows] == WIDE_CELLS
    assert rows[2]["stale"] is True and rows[0]["last_evidence_on"] == "2021-10-25"


# ---------------------------------------------------------------------------- all formats


def test_export_bytes_dispatches() -> None:
    writers = {"csv": to_csv, "xlsx": to_xlsx, "parquet": to_parquet, "json": to_json}
    assert tuple(writers) == FORMATS
    assert set(MEDIA_TYPES) == set(FORMATS)
    for fmt, writer in writers.items():
        assert export_bytes(hostile_frame(), PROVENANCE, fmt) == writer(hostile_frame(), PROVENANCE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_source_url_is_rejected(fmt: str) -> None:
    with pytest.raises(ValueError, match="source_url"):
        export_bytes(hostile_frame().drop(columns="source_url"), PROVENANCE, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_duplicate_columns_are_rejected(fmt: str) -> None:
    df = pd.DataFrame([["a", "b"]], columns=["source_url", "source_url"])
    with pytest.raises(ValueError, match="duplicate"):
        export_bytes(df, PROVENANCE, fmt)


@pytest.mark.parametrize("fmt", ["CSV", "xls", "", "pdf"])
def test_unknown_format_is_rejected(fmt: str) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_bytes(hostile_frame(), PROVENANCE, fmt)
    with pytest.raises(ValueError, match="unknown export format"):
        file_name(PROVENANCE, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_frame_exports(fmt: str) -> None:
    df = hostile_frame().iloc[0:0]
    assert export_bytes(df, PROVENANCE, fmt)
    if fmt == "csv":
        _, back = read_csv_export(to_csv(df, PROVENANCE))
        assert list(back.columns) == list(df.columns)
        assert back.empty
    if fmt == "json":
        assert json.loads(to_json(df, PROVENANCE))["rows"] == []


def test_column_order_is_kept() -> None:
    df = hostile_frame()[["source_url", "share", "retailer"]]
    assert json.loads(to_json(df, PROVENANCE))["columns"] == ["source_url", "share", "retailer"]
    _, back = read_csv_export(to_csv(df, PROVENANCE))
    assert list(back.columns) == ["source_url", "share", "retailer"]
    schema = pq.read_schema(io.BytesIO(to_parquet(df, PROVENANCE)))
    assert schema.names == ["source_url", "share", "retailer"]


def test_other_column_kinds() -> None:
    df = pd.DataFrame(
        {
            "mixed": pd.Series([1, "=x", dt.date(2021, 1, 2), None], dtype=object),
            "listed": pd.Series([["a", "b"], [], None, ("-c",)], dtype=object),
            "at": pd.to_datetime(
                ["2021-01-02 03:04:05", None, "2021-01-03 00:00:00", "2021-01-04 00:00:00"]
            ),
            "at_tz": pd.to_datetime(
                ["2021-01-02 03:04:05+01:00", None, "2021-01-03 00:00:00+00:00", None], utc=True
            ),
            "category": pd.Categorical(["-x", "y", None, "y"]),
            "ints": pd.Series([1, None, 3, -4], dtype=object),
            "bools": pd.Series([True, None, False, True], dtype=object),
            "source_url": ["u"] * 4,
        }
    )
    rows = json.loads(to_json(df, PROVENANCE))["rows"]
    assert [row["mixed"] for row in rows] == ["1", "=x", "2021-01-02", None]
    assert [row["listed"] for row in rows] == ["a, b", "", None, "-c"]
    assert [row["at"] for row in rows] == [
        "2021-01-02T03:04:05",
        None,
        "2021-01-03T00:00:00",
        "2021-01-04T00:00:00",
    ]
    assert rows[0]["at_tz"] == "2021-01-02T02:04:05Z"
    assert [row["category"] for row in rows] == ["-x", "y", None, "y"]
    assert [row["ints"] for row in rows] == [1, None, 3, -4]
    assert [row["bools"] for row in rows] == [True, None, False, True]
    schema = pq.read_schema(io.BytesIO(to_parquet(df, PROVENANCE)))
    assert schema.field("at").type == pa.timestamp("us")
    assert schema.field("at_tz").type == pa.timestamp("us", tz="UTC")
    assert schema.field("ints").type == pa.int64()
    assert schema.field("bools").type == pa.bool_()
    about = xlsx_workbook(to_xlsx(df, PROVENANCE))["About"]
    kinds = {row[0].value: row[1].value for row in about.iter_rows(min_row=10, max_row=17)}
    assert kinds["at_tz"] == "date and time (UTC)"
    assert kinds["mixed"] == "text"


# ---------------------------------------------------------------------------- provenance


def test_citation_and_as_dict() -> None:
    provenance = Provenance(
        data_version=3,
        as_of=dt.date(2021, 11, 30),
        filters={"brand": ["lorex"], "status": [], "q": ""},
        generated_at=dt.datetime(2026, 11, 29, 23, 59, 59, tzinfo=dt.UTC),
    )
    citation = (
        "Shelfwatch, data version 3, status as of 2021-11-30 (filters: brand=lorex), "
        "retrieved 2026-11-29."
    )
    assert provenance.citation() == citation
    assert provenance.as_dict() == {
        "title": "Shelfwatch export",
        "data_version": "3",
        "as_of": "2021-11-30",
        "filters": "brand=lorex",
        "generated_at": "2026-11-29T23:59:59Z",
        "licence": LICENCE,
        "citation": citation,
        "permalink": "",
    }
    assert list(provenance.as_dict()) == [
        "title",
        "data_version",
        "as_of",
        "filters",
        "generated_at",
        "licence",
        "citation",
        "permalink",
    ]


def test_citation_variants() -> None:
    aware = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    provenance = Provenance(
        7,
        None,
        {"z": {"b", "a"}, "a": dt.date(2021, 1, 1), "flag": True, "none": None},
        aware,
        permalink="https://x.example/?v=7",
    )
    assert provenance.filters_text() == "a=2021-01-01; flag=true; z=a, b"
    assert provenance.citation() == (
        "Shelfwatch, data version 7 (filters: a=2021-01-01; flag=true; z=a, b), "
        "retrieved 2026-11-29. https://x.example/?v=7"
    )
    assert provenance.as_dict()["generated_at"] == "2026-11-29T20:00:00Z"
    bare = Provenance(1, None, {}, aware)
    assert bare.citation() == "Shelfwatch, data version 1, retrieved 2026-11-29."


def test_provenance_validation() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Provenance(1, None, {}, dt.datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        Provenance("3", None, {}, PROVENANCE.generated_at)  # type: ignore[arg-type]
    moment = Provenance(1, dt.datetime(2021, 1, 2, 3, 4), {}, PROVENANCE.generated_at)
    assert moment.as_of == dt.date(2021, 1, 2)


def test_file_name() -> None:
    provenance = Provenance(3, dt.date(2021, 11, 30), {}, PROVENANCE.generated_at)
    assert file_name(provenance, "csv") == "shelfwatch-v3-2021-11-30.csv"
    assert file_name(provenance, "xlsx") == "shelfwatch-v3-2021-11-30.xlsx"
    assert file_name(PROVENANCE, "json") == "shelfwatch-status-of-lorex-ezviz-v3-2021-11-30.json"
    evidence = Provenance(12, None, {}, PROVENANCE.generated_at, title="../Evidence: 乐橙/x\n")
    assert file_name(evidence, "parquet") == "shelfwatch-evidence-x-v12.parquet"


def test_core_does_not_import_streamlit() -> None:
    code = "import sys, shelfwatch.exports; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


# ---------------------------------------------------------------------------- properties


@given(st.text(st.sampled_from("=+-@\t\r\n ＝＋－＠\u3000\xa0a1'")) | st.text())
def test_neutralise_formula_property(text: str) -> None:
    result = neutralise_formula(text)
    assert isinstance(result, str)
    assert not result.startswith(HOSTILE_PREFIXES)
    assert not result.lstrip().startswith(HOSTILE_PREFIXES)
    if text.startswith(HOSTILE_PREFIXES) or text.lstrip().startswith(HOSTILE_PREFIXES):
        assert result == "'" + text
    else:
        assert result == text


@given(st.one_of(st.integers(), st.floats(), st.booleans(), st.none(), st.dates()))
def test_neutralise_formula_leaves_non_text_alone(value: object) -> None:
    result = neutralise_formula(value)
    assert result is value or (isinstance(value, float) and math.isnan(value))


# No surrogates (not encodable) and no NUL (pandas' C parser turns it into a space).
cell_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


def _starts_a_formula(piece: str) -> bool:
    return piece.lstrip().lstrip('"').lstrip().startswith(HOSTILE_PREFIXES)


@given(st.lists(st.tuples(cell_text, cell_text), min_size=1, max_size=5), cell_text)
def test_csv_and_json_round_trip_text(rows: list[tuple[str, str]], query: str) -> None:
    """Whatever the text, no part of a CSV cell a spreadsheet might split off (at , ; tab |
    or a line break) starts like a formula, taking the apostrophes out gives the text back,
    and JSON keeps it verbatim."""
    df = pd.DataFrame(rows, columns=["note", "source_url"], dtype=object)
    provenance = Provenance(1, None, {"q": query}, PROVENANCE.generated_at)
    data = to_csv(df, provenance)
    meta, back = read_csv_export(data)
    expected_meta = {k: str(neutralise_formula(v)) for k, v in provenance.as_dict().items()}
    assert list(meta) == [*expected_meta, "neutralised"]
    for cells, row in zip(back.values.tolist(), rows, strict=True):
        for cell, text in zip(cells, row, strict=True):
            assert cell.replace("'", "") == text.replace("'", "")
            for separator in ",;\t|\r\n":
                assert not any(_starts_a_formula(piece) for piece in cell.split(separator))
            assert not _starts_a_formula(cell)
    for line in data.decode("utf-8").split("\n")[:CSV_COMMENT_LINES]:
        for delimiter in ",;\t|":
            for field in line.split(delimiter):
                assert not _starts_a_formula(field), line
    rows_json = json.loads(to_json(df, provenance))["rows"]
    assert [(row["note"], row["source_url"]) for row in rows_json] == rows
