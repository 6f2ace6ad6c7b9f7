"""Ingestion: every rejection is exit 1, every problem located, nothing published."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from shelfwatch import store
from shelfwatch.cli import main
from tests.conftest import MINI_DATA, build_store

PROJECT = Path(__file__).resolve().parent.parent
HEADER = "retailer_id,brand_id,status,effective_on,source_url"
HEADER_Q = HEADER + ",quote"
GOOD = "r-a,b-z,stocked,2024-01-01,https://s.example/new"
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()
PROBLEM_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<column>[^:]+): (?P<message>.+)$")


@pytest.fixture()
def store_dir(tmp_path: Path) -> Path:
    return build_store(MINI_DATA, tmp_path / "store")


def snapshot(store_dir: Path) -> tuple:
    """What a reader sees: the versions and the full status table."""
    con = store.open_version(store_dir)
    try:
        status = con.execute(
            "select * from status_segments order by retailer_id, brand_id, seg_from"
        ).fetchall()
    finally:
        con.close()
    return store.list_versions(store_dir), (store_dir / "CURRENT").read_text(), status


def run_ingest(store_dir: Path, path: Path, *extra: str):
    runner = CliRunner()
    return runner.invoke(main, ["ingest", str(path), "--store", str(store_dir), *extra])


def problems_of(output: str) -> list[tuple[int, str, str]]:
    found = []
    for line in output.splitlines():
        match = PROBLEM_LINE.match(line)
        if match and not line.startswith("rejected:"):
            found.append((int(match["line"]), match["column"], match["message"]))
    return found


REJECTIONS = {
    "missing required column": (
        "retailer_id,brand_id,effective_on,source_url\nr-a,b-x,2024-01-01,https://s.example/1\n",
        [(1, "status", "missing required column")],
    ),
    "ragged rows": (
        f"{HEADER}\n{GOOD}\nr-a,b-x,stocked,2024-01-02\nr-a,b-x,stocked,2024-01-03,https://s.example/3,extra\n",
        [(3, "source_url", "ragged row"), (4, "field 6", "ragged row")],
    ),
    "unknown retailer and brand": (
        f"{HEADER}\nr-nope,b-x,stocked,2024-01-01,https://s.example/1\n"
        "r-a,b-nope,stocked,2024-01-01,https://s.example/2\n",
        [
            (2, "retailer_id", "unknown retailer 'r-nope'"),
            (3, "brand_id", "unknown brand 'b-nope'"),
        ],
    ),
    "unknown status, source_kind, confidence, channel": (
        "retailer_id,brand_id,status,effective_on,source_url,source_kind,confidence,channel\n"
        "r-a,b-x,sold,2024-01-01,https://s.example/1,rumour,certain,tv\n",
        [
            (2, "channel", "unknown channel 'tv'"),
            (2, "confidence", "unknown confidence 'certain'"),
            (2, "source_kind", "unknown source_kind 'rumour'"),
            (2, "status", "unknown status 'sold'"),
        ],
    ),
    "impossible dates": (
        f"{HEADER}\nr-a,b-x,stocked,2023-02-29,https://s.example/1\n"
        "r-a,b-x,stocked,2024-13-01,https://s.example/2\nr-a,b-x,stocked,01/02/2024,https://s.example/3\n",
        [
            (2, "effective_on", "not a real date"),
            (3, "effective_on", "not a real date"),
            (4, "effective_on", "not a real date"),
        ],
    ),
    "effective_on after today": (
        f"{HEADER}\nr-a,b-x,exiting,{TOMORROW},https://s.example/1\n",
        [(2, "effective_on", "is after today")],
    ),
    "source url not http(s)": (
        f"{HEADER}\nr-a,b-x,stocked,2024-01-01,javascript:alert(1)\n"
        "r-a,b-x,stocked,2024-01-02,ftp://s.example/1\nr-a,b-x,stocked,2024-01-03,\n",
        [
            (2, "source_url", "not an http(s) URL"),
            (3, "source_url", "not an http(s) URL"),
            (4, "source_url", "required value is empty"),
        ],
    ),
    "empty file": ("", [(1, "-", "empty file")]),
    "header but no rows": (f"{HEADER}\n", [(2, "-", "empty file")]),
    "not utf-8": (
        f"{HEADER}\n{GOOD}\n".encode()
        + "r-a,b-x,stocked,2024-01-01,https://s.example/é\n".encode("latin-1"),
        [(3, "-", "not UTF-8")],
    ),
    "binary junk": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", [(3, "-", "binary content")]),
    "duplicate row in the file": (
        f"{HEADER}\n{GOOD}\n{GOOD}\n",
        [(3, "-", "duplicate row (same as line 2)")],
    ),
    "problems after a quoted multi-line cell keep their real line": (
        "retailer_id,brand_id,status,effective_on,source_url,quote\n"
        'r-a,b-x,stocked,2024-01-01,https://s.example/1,"two\nlines"\n'
        "r-a,b-x,stockd,2024-01-02,https://s.example/2,\n",
        [(4, "status", "unknown status 'stockd'")],
    ),
    # Line numbers: DuckDB's reject table counts records, not lines; sniffing said only
    # "Error when sniffing file"; Python's csv field limit crashed on a long quoted cell.
    "a ragged row after a quoted multi-line cell, once": (
        f"{HEADER_Q}\n"
        'r-a,b-x,stocked,2024-01-01,https://s.example/1,"two\nlines"\nr-a,b-x,stocked\n',
        [(4, "effective_on", "ragged row: Expected Number of Columns: 6 Found: 3")],
    ),
    "blank lines count": (
        f"{HEADER}\n{GOOD}\n\n\nr-a,b-x,stockd,2024-01-02,https://s.example/2\n",
        [(5, "status", "unknown status 'stockd'")],
    ),
    "CRLF with a multi-line cell and a blank line": (
        f"{HEADER_Q}\r\n"
        'r-a,b-x,stocked,2024-01-01,https://s.example/1,"a\r\nb"\r\n\r\n'
        "r-a,b-x,stockd,2024-01-02,https://s.example/2,\r\n",
        [(5, "status", "unknown status 'stockd'")],
    ),
    "mixed CRLF and LF": (
        f"{HEADER}\r\n{GOOD}\nr-a,b-x,stockd,2024-01-02,https://s.example/2\r\n",
        [(3, "status", "unknown status 'stockd'")],
    ),
    "lone CR line breaks": (
        f"{HEADER}\r{GOOD}\rr-a,b-x,stockd,2024-01-02,https://s.example/2\r",
        [(3, "status", "unknown status 'stockd'")],
    ),
    "an unterminated quote": (
        f"{HEADER}\n{GOOD}\n"
        'r-a,b-x,stocked,2024-01-02,"https://s.example/2\nr-a,b-x,stocked,2024-01-03,x\n',
        [(3, "source_url", "unterminated quote")],
    ),
    "text after a closing quote, then a bad row": (
        f'{HEADER}\nr-a,b-x,"st"ocked,2024-01-01,https://s.example/1\n'
        "r-a,b-x,stockd,2024-01-02,https://s.example/2\n",
        [(2, "status", "unterminated quote"), (3, "status", "unknown status 'stockd'")],
    ),
    "a rejected multi-line row, then a bad row": (
        f'{HEADER_Q}\nr-a,b-x,stocked,2024-01-01,https://s/1,"two\nlines",extra\n'
        "r-a,b-x,stockd,2024-01-02,https://s.example/2,\n",
        [(3, "field 7", "ragged row"), (4, "status", "unknown status 'stockd'")],
    ),
    "a long quoted multi-line cell": (
        f'{HEADER_Q}\nr-a,b-x,stocked,2024-01-01,https://s.example/1,"{"x" * 150_000}\ny"\n'
        "r-a,b-x,stockd,2024-01-02,https://s.example/2,\n",
        [(4, "status", "unknown status 'stockd'")],
    ),
    "a row over the size limit": (
        f"{HEADER}\nr-a,b-x,stocked,2024-01-01,https://s.example/{'a' * 2_000_001}\n"
        "r-a,b-x,stockd,2024-01-02,https://s.example/2\n",
        [(2, "-", "longer than the 2,000,000 bytes"), (3, "status", "unknown status")],
    ),
    "a header column without a name, or twice": (
        "retailer_id,,brand_id,brand_id,status,effective_on,source_url\nx,,y,y,z,a,b\n",
        [(1, "field 2", "column without a name"), (1, "brand_id", "column named twice")],
    ),
    # Dates: year 1 used to be accepted and then crash the pages.
    "observation dates before 1900 or after today": (
        f"{HEADER},reported_on\nr-a,b-x,stocked,0001-01-01,https://s.example/1,\n"
        "r-a,b-x,stocked,1899-12-31,https://s.example/2,0001-01-01\n"
        f"r-a,b-x,stocked,1900-01-01,https://s.example/3,{TOMORROW}\n",
        [
            (2, "effective_on", "date '0001-01-01' is before 1900-01-01"),
            (3, "effective_on", "date '1899-12-31' is before 1900-01-01"),
            (3, "reported_on", "date '0001-01-01' is before 1900-01-01"),
            (4, "reported_on", "is after today"),
        ],
    ),
    # Control and bidi characters: refused in ids and URLs, with their location.
    "control and bidi characters in ids and URLs": (
        f"{HEADER},archive_url\n"
        "r-a,b-x,stocked,2024-01-01,https://s.example/\u202egpj.exe,\n"
        "r-a,b-x,stocked,2024-01-02,https://s.example/2,https://a.example/\x1b[2J\n"
        "r-a\u2066,b-x,stocked,2024-01-03,https://s.example/3\u200f,\n",
        [
            (2, "source_url", "(U+202E at character 19) is not allowed here"),
            (3, "archive_url", "(U+001B at character 19) is not allowed here"),
            (4, "retailer_id", "not an id"),
            (4, "source_url", "(U+200F at character 20) is not allowed here"),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(REJECTIONS), ids=lambda c: c.replace(" ", "-"))
def test_rejection_is_located_and_publishes_nothing(store_dir: Path, tmp_path: Path, case: str):
    content, expected = REJECTIONS[case]
    path = tmp_path / "batch.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    before = snapshot(store_dir)

    result = run_ingest(store_dir, path)

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    found = problems_of(result.output)
    for line, column, message in expected:
        assert any(
            (f_line, f_column) == (line, column) and message in f_message
            for f_line, f_column, f_message in found
        ), f"expected {line}:{column}: {message} in\n{result.output}"
    assert len(found) == len(expected), result.output
    assert all(str(path) in row for row in result.output.splitlines() if PROBLEM_LINE.match(row))
    assert "nothing was published" in result.output
    assert snapshot(store_dir) == before


def test_duplicate_batch_is_refused(store_dir: Path, tmp_path: Path):
    path = tmp_path / "batch.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n")
    assert run_ingest(store_dir, path).exit_code == 0
    before = snapshot(store_dir)
    copy = tmp_path / "same-bytes-other-name.csv"
    shutil.copy(path, copy)
    result = run_ingest(store_dir, copy)
    assert result.exit_code == 1
    assert problems_of(result.output) == [
        (
            1,
            "-",
            "duplicate batch: these exact bytes were already ingested as batch.csv "
            "in data version 2",
        )
    ]
    assert snapshot(store_dir) == before


def test_valid_batch_publishes_a_version_with_bom_accepted(store_dir: Path, tmp_path: Path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\r\n{GOOD}\r\n".encode())
    result = run_ingest(store_dir, path)
    assert result.exit_code == 0, result.output
    assert "published version 2" in result.output
    con = store.open_version(store_dir)
    row = con.execute(
        "select status, effective_on, line_no from observations where brand_id = 'b-z'"
    ).fetchall()
    con.close()
    assert row == [("stocked", dt.date(2024, 1, 1), 2)]


def test_dry_run_validates_and_publishes_nothing(store_dir: Path, tmp_path: Path):
    path = tmp_path / "batch.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n")
    before = snapshot(store_dir)
    result = run_ingest(store_dir, path, "--dry-run")
    assert result.exit_code == 0 and "dry run" in result.output
    assert snapshot(store_dir) == before


def test_parquet_is_accepted_and_checked(store_dir: Path, tmp_path: Path):
    good = tmp_path / "good.parquet"
    pq.write_table(
        pa.table(
            {
                "retailer_id": ["r-a"],
                "brand_id": ["b-z"],
                "status": ["removed"],
                "effective_on": pa.array([dt.date(2024, 3, 1)], pa.date32()),
                "source_url": ["https://s.example/pq"],
            }
        ),
        good,
    )
    assert run_ingest(store_dir, good).exit_code == 0
    bad = tmp_path / "bad.parquet"
    pq.write_table(
        pa.table(
            {
                "retailer_id": ["r-a", "r-a"],
                "brand_id": ["b-z", "b-z"],
                "status": ["removed", "gone"],
                "effective_on": ["2024-03-02", "2024-03-03"],
                "source_url": ["https://s.example/pq2", "https://s.example/pq3"],
            }
        ),
        bad,
    )
    result = run_ingest(store_dir, bad)
    assert result.exit_code == 1
    assert problems_of(result.output) == [
        (3, "status", "unknown status 'gone' (expected stocked, exiting, unavailable or removed)")
    ]


def test_build_rejects_bad_reference_files_and_keeps_the_published_data(
    store_dir: Path, tmp_path: Path
):
    data = tmp_path / "data"
    shutil.copytree(MINI_DATA, data)
    with open(data / "retailers.csv", "a") as handle:
        handle.write("r-a,Duplicate A,US,,\nr-d,,US,,not-a-url\n")
    before = snapshot(store_dir)
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--store", str(store_dir)])
    assert result.exit_code == 1
    found = problems_of(result.output)
    assert (5, "retailer_id", "duplicate retailer_id 'r-a' (same as line 2)") in found
    assert (6, "name", "required value is empty") in found
    assert (6, "website", "not an http(s) URL: 'not-a-url'") in found
    assert snapshot(store_dir) == before


def test_build_without_required_files(tmp_path: Path):
    (tmp_path / "data").mkdir()
    result = CliRunner().invoke(
        main, ["build", "--data", str(tmp_path / "data"), "--store", str(tmp_path / "s")]
    )
    assert result.exit_code == 1
    assert "retailers.csv:1:-: required file missing" in result.output


def test_real_process_exit_codes(store_dir: Path, tmp_path: Path):
    """The contract seen from a shell: 1 with located problems, 2 for usage errors."""
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nr-a,b-x,sold,2024-01-01,https://s.example/1\n")
    result = subprocess.run(
        [sys.executable, "-m", "shelfwatch", "ingest", str(bad), "--store", str(store_dir)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"{bad}:2:status: unknown status 'sold'" in result.stderr
    assert "Traceback" not in result.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "shelfwatch", "status", "--as-of", "yesterday"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert usage.returncode == 2


def test_mixed_line_endings_are_read_with_their_real_lines(store_dir: Path, tmp_path: Path):
    """CRLF and LF in one file (as an editor leaves a file appended to on another system): the
    rows are read, line breaks inside cells become LF, and each row keeps its own line."""
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        f"{HEADER_Q}\r\n"
        'r-a,b-z,stocked,2024-01-01,https://s.example/1,"said\r\nso"\n'
        "\r\n"
        "r-a,b-z,removed,2024-02-01,https://s.example/2,\n"
        "r-a,b-z,stocked,2024-03-01,https://s.example/3,\r".encode()
    )
    result = run_ingest(store_dir, path)
    assert result.exit_code == 0, result.output
    con = store.open_version(store_dir)
    try:
        rows = con.execute(
            "select effective_on, quote, line_no from observations where brand_id = 'b-z' "
            "order by effective_on"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        (dt.date(2024, 1, 1), "said\nso", 2),
        (dt.date(2024, 2, 1), None, 5),
        (dt.date(2024, 3, 1), None, 6),
    ]


def _parquet(path: Path, **columns) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def test_parquet_is_held_to_the_rules_of_csv(store_dir: Path, tmp_path: Path):
    """NUL bytes, rows longer than a CSV line may be, control and bidi characters in ids and
    URLs, dates before 1900: refused in Parquet as in CSV, each at its row and column."""
    path = _parquet(
        tmp_path / "bad.parquet",
        retailer_id=["r-a", "r-a", "r-a\x1b", "r-a", "r-a"],
        brand_id=["b-z"] * 5,
        status=["stocked"] * 5,
        effective_on=pa.array(
            [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(1, 1, 1),
             dt.date(2024, 1, 5)], pa.date32()),
        source_url=["https://s.example/1\x00", "https://s.example/" + "a" * 2_000_000,
                    "https://s.example/3", "https://s.example/4", "https://s.example/\u202e5"],
    )  # fmt: skip
    before = snapshot(store_dir)
    result = run_ingest(store_dir, path)
    assert result.exit_code == 1
    found = problems_of(result.output)
    assert [(line, column) for line, column, _ in found] == [
        (2, "source_url"),
        (3, "-"),
        (4, "retailer_id"),
        (5, "effective_on"),
        (6, "source_url"),
    ], result.output
    messages = [message for _, _, message in found]
    assert "NUL byte" in messages[0]
    assert "longer than the 2,000,000 bytes a row may hold" in messages[1]
    assert "not an id" in messages[2] and "\x1b" not in result.output
    assert "is before 1900-01-01" in messages[3]
    assert "U+202E" in messages[4]
    assert snapshot(store_dir) == before


def test_other_files_refuse_dates_before_1900_and_unsafe_urls(store_dir: Path, tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(MINI_DATA, data)
    with open(data / "ownership.csv", "a") as handle:
        handle.write("b-y,p-one,0001-01-01,1899-12-31,https://src.example/own9,low,\n")
    with open(data / "designations.csv", "a") as handle:
        handle.write("p-two,entity-list,1899-01-01,,https://src.example/\u2067x,\n")
    with open(data / "events.csv", "a") as handle:
        handle.write("0099-01-01,Typo,context,https://e.example/\x1b]8;;x,,\n")
    before = snapshot(store_dir)
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--store", str(store_dir)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for expected in (
        "ownership.csv:7:valid_from: date '0001-01-01' is before 1900-01-01",
        "ownership.csv:7:valid_to: date '1899-12-31' is before 1900-01-01",
        "designations.csv:4:effective_on: date '1899-01-01' is before 1900-01-01",
        "designations.csv:4:source_url: a control or bidirectional-text character (U+2067",
        "events.csv:4:date: date '0099-01-01' is before 1900-01-01",
        "events.csv:4:url: a control or bidirectional-text character (U+001B",
    ):
        assert any(expected in line for line in lines), (expected, result.output)
    assert snapshot(store_dir) == before


def _bad_rows(path: Path, count: int) -> None:
    """A file of ``count`` rows, each with an unknown status."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        for i in range(count):
            handle.write(f"r-a,b-x,sold,2024-01-01,https://s.example/{i}\n")


def test_problems_are_capped_in_file_order_with_the_total(store_dir: Path, tmp_path: Path):
    """200,000 bad rows: the first 1,000 problems in file order, then one line with the total,
    and the Python heap stays small (no list of every problem)."""
    from shelfwatch import ingest

    path = tmp_path / "bad.csv"
    _bad_rows(path, 200_000)
    before = snapshot(store_dir)
    tracemalloc.start()
    try:
        result = run_ingest(store_dir, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1
    # Besides the progress lines of a big file: the problems, then the total.
    lines = [
        line
        for line in result.stderr.splitlines()
        if line not in ("reading", "validating and publishing…")
    ]
    assert len(lines) == ingest.PROBLEM_CAP + 1
    assert [line for line, _, _ in problems_of(result.stderr)] == list(range(2, 1_002))
    assert lines[-1] == (
        "rejected: 200,000 problems, the first 1,000 listed above; nothing was published"
    )
    # The 12 MB file is read in one chunk (~25 MB at the peak); every problem kept: ~80 MB.
    assert peak < 48 * 1024 * 1024, peak
    assert snapshot(store_dir) == before


@pytest.mark.parametrize("kind", ["ragged rows", "not UTF-8"])
def test_the_cap_holds_for_rows_duckdb_or_the_scan_refuses(
    store_dir: Path, tmp_path: Path, kind: str
):
    path = tmp_path / "bad.csv"
    with open(path, "wb") as handle:
        handle.write(HEADER.encode() + b"\n")
        for i in range(1_500):
            if kind == "ragged rows":
                handle.write(f"r-a,b-x,stocked,2024-01-01,https://s.example/{i},x\n".encode())
            else:
                handle.write(f"r-a,b-x,stocked,2024-01-01,https://s.example/{i}\xe9\n".encode(
                    "latin-1"))  # fmt: skip
    result = run_ingest(store_dir, path)
    assert result.exit_code == 1
    found = problems_of(result.stderr)
    assert [line for line, _, _ in found] == list(range(2, 1_002))
    assert result.stderr.splitlines()[-1].startswith("rejected: 1,500 problems, the first 1,000")


SAME_ROWS = [
    ("r-a", "b-z", "stocked", "2024-01-01", "https://s.example/a"),
    ("r-b", "b-z", "removed", "2024-02-01", "https://s.example/b"),
    ("r-a", "b-y", "exiting", "2024-03-01", "https://s.example/c"),
]


def _csv(rows, columns=(0, 1, 2, 3, 4), newline="\n") -> bytes:
    names = HEADER.split(",")
    text = newline.join(",".join(row[i] for i in columns) for row in [names, *rows])
    return (text + newline).encode()


def _written(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


PADDED = (
    HEADER
    + ",source_kind,confidence,channel\n"
    + "".join(f" {r[0]} ,{r[1]},{r[2]},{r[3]},{r[4]},news_report,medium,all\n" for r in SAME_ROWS)
)
SAME_ROWS_OTHER_FORM = {
    "CRLF": lambda path: _written(path, _csv(SAME_ROWS, newline="\r\n")),
    "rows reordered": lambda path: _written(path, _csv(SAME_ROWS[::-1])),
    "columns reordered": lambda path: _written(path, _csv(SAME_ROWS, columns=(4, 3, 2, 0, 1))),
    "padded, defaults spelt out": lambda path: _written(path, PADDED.encode()),
    "Parquet": lambda path: _parquet(
        path.with_suffix(".parquet"),
        retailer_id=[r[0] for r in SAME_ROWS],
        brand_id=[r[1] for r in SAME_ROWS],
        status=[r[2] for r in SAME_ROWS],
        effective_on=pa.array([dt.date.fromisoformat(r[3]) for r in SAME_ROWS], pa.date32()),
        source_url=[r[4] for r in SAME_ROWS],
    ),
}


@pytest.mark.parametrize("form", sorted(SAME_ROWS_OTHER_FORM), ids=lambda f: f.replace(" ", "-"))
def test_the_same_rows_in_another_form_are_a_duplicate_batch(
    store_dir: Path, tmp_path: Path, form: str
):
    first = tmp_path / "first.csv"
    first.write_bytes(_csv(SAME_ROWS))
    assert run_ingest(store_dir, first).exit_code == 0
    before = snapshot(store_dir)
    again = SAME_ROWS_OTHER_FORM[form](tmp_path / "again.csv")
    result = run_ingest(store_dir, again)
    assert result.exit_code == 1, result.output
    assert problems_of(result.output) == [
        (
            1,
            "-",
            "duplicate batch: the same 3 observations were already ingested as first.csv in "
            "data version 2 (whatever their line endings, order, column order or file format)",
        )
    ]
    assert snapshot(store_dir) == before
    # One row more is another batch.
    other = tmp_path / "other.csv"
    other.write_bytes(
        _csv([*SAME_ROWS, ("r-c", "b-z", "stocked", "2024-04-01", "https://x.example")])
    )
    assert run_ingest(store_dir, other).exit_code == 0


def test_an_older_store_gets_fingerprints_and_refuses_its_own_batches(
    store_dir: Path, tmp_path: Path
):
    """A version published before content fingerprints (input_files without the column): the
    next ingest adds the column, fingerprints the old batches from their rows, and refuses the
    build's own observations re-saved in another form."""
    con = duckdb.connect(str(store.version_path(store_dir, 1)))
    try:
        con.execute("alter table input_files drop column content_sha256")
        con.execute("checkpoint")
    finally:
        con.close()
    batch = tmp_path / "batch.csv"
    batch.write_text(f"{HEADER}\n{GOOD}\n")
    assert run_ingest(store_dir, batch).exit_code == 0
    con = store.open_version(store_dir)
    try:
        fingerprints = con.execute(
            "select file_name, content_sha256 from input_files where role = 'observations' "
            "order by input_file_id"
        ).fetchall()
    finally:
        con.close()
    assert [name for name, _ in fingerprints] == ["observations.csv", "batch.csv"]
    assert all(len(fingerprint) == 64 for _, fingerprint in fingerprints)

    resaved = tmp_path / "observations-crlf.csv"
    with open(MINI_DATA / "observations.csv", encoding="utf-8", newline="") as handle:
        header, *records = list(csv.reader(handle))
    with open(resaved, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, *records[::-1]])
    before = snapshot(store_dir)
    result = run_ingest(store_dir, resaved)
    assert result.exit_code == 1
    assert "already ingested as observations.csv in data version 1" in result.output
    assert snapshot(store_dir) == before
