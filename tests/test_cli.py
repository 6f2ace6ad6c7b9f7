"""The command line tells the reported story from the seed data (DESIGN.md's CLI contract)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shelfwatch import exports
from shelfwatch.cli import main

PROJECT = Path(__file__).resolve().parent.parent


def status_rows(seed_store: Path, as_of: str, *extra: str) -> dict[tuple[str, str], dict]:
    result = CliRunner().invoke(
        main, ["status", "--as-of", as_of, "--format", "csv", "--store", str(seed_store), *extra]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    return {(row["retailer_id"], row["brand_id"]): row for row in rows}


def test_status_csv_contract(seed_store: Path):
    """Header first, at least retailer_id,brand_id,status,since,disputed; ISO dates; true/false."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "shelfwatch",
            "status",
            "--as-of",
            "2021-11-30",
            "--format",
            "csv",
            "--store",
            str(seed_store),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    header = result.stdout.splitlines()[0].split(",")
    assert header[:5] == ["retailer_id", "brand_id", "status", "since", "disputed"]
    for row in csv.DictReader(io.StringIO(result.stdout)):
        assert row["disputed"] in ("true", "false")
        assert len(row["since"]) == 10 and row["since"][4] == "-"
        assert row["source_url"].startswith("http")


def test_the_october_2021_story(seed_store: Path):
    rows = status_rows(seed_store, "2021-11-30")
    status = {pair: row["status"] for pair, row in rows.items()}
    # Home Depot removed Lorex and Ezviz.
    assert status[("home-depot", "lorex")] == "removed"
    assert status[("home-depot", "ezviz")] == "removed"
    # Best Buy exiting or removed both.
    assert status[("best-buy", "lorex")] in ("exiting", "removed")
    assert status[("best-buy", "ezviz")] in ("exiting", "removed")
    # Lowe's removed Lorex; Ezviz there was only reported unavailable.
    assert status[("lowes", "lorex")] == "removed"
    assert status[("lowes", "ezviz")] == "unavailable"
    # Walmart and Costco still sold both.
    for retailer in ("walmart", "costco"):
        for brand in ("lorex", "ezviz"):
            assert status[(retailer, brand)] == "stocked"
    # Pairs no source speaks of have no row.
    for silent in [
        ("amazon", "lorex"),
        ("amazon", "ezviz"),
        ("kohls", "lorex"),
        ("kohls", "ezviz"),
        ("walmart", "imou"),
    ]:
        assert silent not in status


def test_later_facts(seed_store: Path):
    assert status_rows(seed_store, "2023-11-30")[("costco", "lorex")]["status"] == "stocked"
    assert status_rows(seed_store, "2025-10-31")[("amazon", "lorex")]["status"] == "stocked"
    before = status_rows(seed_store, "2021-10-24")
    assert ("amazon", "lorex") not in before


def test_filters_and_json(seed_store: Path):
    result = CliRunner().invoke(
        main,
        [
            "status",
            "--as-of",
            "2021-11-30",
            "--brand",
            "ezviz",
            "--retailer",
            "lowes",
            "--format",
            "json",
            "--store",
            str(seed_store),
        ],
    )
    assert result.exit_code == 0
    records = json.loads(result.output)
    assert [(r["retailer_id"], r["brand_id"], r["status"]) for r in records] == [
        ("lowes", "ezviz", "unavailable")
    ]
    assert records[0]["disputed"] in ("true", "false")


def test_changes_between_dates(seed_store: Path):
    result = CliRunner().invoke(
        main,
        [
            "changes",
            "--start",
            "2021-10-01",
            "--end",
            "2021-11-30",
            "--format",
            "csv",
            "--store",
            str(seed_store),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {
        (r["retailer_id"], r["brand_id"]): r for r in csv.DictReader(io.StringIO(result.output))
    }
    assert rows[("home-depot", "lorex")]["from_status"] == "stocked"
    assert rows[("home-depot", "lorex")]["to_status"] == "removed"
    assert rows[("home-depot", "ezviz")]["from_status"] == ""  # no data on the start date
    assert ("walmart", "lorex") not in rows  # stocked on both dates: no change
    bad = CliRunner().invoke(
        main,
        ["changes", "--start", "2022-01-01", "--end", "2021-01-01", "--store", str(seed_store)],
    )
    assert bad.exit_code == 2


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_export_every_format(seed_store: Path, tmp_path: Path, fmt: str):
    out = tmp_path / f"lorex.{fmt}"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "--format",
            fmt,
            "--out",
            str(out),
            "--as-of",
            "2021-11-30",
            "--brand",
            "lorex",
            "--store",
            str(seed_store),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    if fmt == "csv":
        provenance, frame = exports.read_csv_export(out.read_bytes())
        assert provenance["data_version"] == "1"
        assert provenance["as_of"] == "2021-11-30"
        assert "brand=lorex" in provenance["filters"]
        assert set(frame["brand_id"]) == {"lorex"}
        assert (frame["source_url"].str.startswith("http")).all()


def test_versions_lists_inputs(seed_store: Path):
    result = CliRunner().invoke(main, ["versions", "--store", str(seed_store)])
    assert result.exit_code == 0
    assert "v1" in result.output and "observations.csv" in result.output


def test_commands_on_an_empty_store_fail_clearly(tmp_path: Path):
    result = CliRunner().invoke(
        main, ["status", "--as-of", "2021-11-30", "--store", str(tmp_path / "none")]
    )
    assert result.exit_code == 1
    assert "no published version" in result.output
    assert "Traceback" not in result.output
