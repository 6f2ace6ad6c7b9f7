"""Ingestion: every rejection is exit 1, every problem located, nothing published."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from shelfwatch import store
from shelfwatch.cli import main
from tests.conftest import MINI_DATA, build_store

PROJECT = Path(__file__).resolve().parent.parent
HEADER = "retailer_id,brand_id,status,effective_on,source_url"
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
