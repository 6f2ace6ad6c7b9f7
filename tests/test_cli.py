"""The command line tells the reported story from the seed data (docs/design.md's CLI contract)."""

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


def cli_csv(seed_store: Path, *args: str) -> list[dict]:
    result = CliRunner().invoke(main, [*args, "--format", "csv", "--store", str(seed_store)])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_status_flags_honest_disputes_and_old_evidence(seed_store: Path):
    rows = status_rows(seed_store, "2021-11-30")
    # Removed on Home Depot's statement; Lorex's older, weaker list of retailers is history.
    assert rows[("home-depot", "lorex")]["status"] == "removed"
    assert rows[("home-depot", "lorex")]["disputed"] == "false"
    # Best Buy's statement against a same-day listing check that found nothing.
    assert rows[("best-buy", "ezviz")]["disputed"] == "true"
    header = next(iter(rows.values())).keys()
    assert list(header)[:7] == [
        "retailer_id",
        "brand_id",
        "status",
        "since",
        "disputed",
        "last_evidence_on",
        "stale",
    ]
    later = status_rows(seed_store, "2025-10-29")
    assert later[("walmart", "ezviz")]["status"] == "stocked"
    assert later[("walmart", "ezviz")]["last_evidence_on"] == "2021-10-25"
    assert later[("walmart", "ezviz")]["stale"] == "true"
    assert later[("amazon", "lorex")]["stale"] == "false"
    # A longer threshold: four years is not stale.
    longer = status_rows(seed_store, "2025-10-29", "--stale-after", "2000")
    assert longer[("walmart", "ezviz")]["stale"] == "false"


def test_changes_lists_every_transition_and_net_only_the_two_dates(seed_store: Path):
    rows = cli_csv(seed_store, "changes", "--start", "2021-10-01", "--end", "2025-10-29")
    home_depot = [r for r in rows if (r["retailer_id"], r["brand_id"]) == ("home-depot", "lorex")]
    assert [(r["from_status"], r["to_status"], r["changed_on"]) for r in home_depot] == [
        ("stocked", "removed", "2021-10-25"),
        ("removed", "stocked", "2025-09-23"),
    ]
    assert all(r["source_url"].startswith("https://") for r in home_depot)
    assert list(rows[0])[:6] == [
        "retailer_id",
        "brand_id",
        "from_status",
        "to_status",
        "changed_on",
        "first_evidence",
    ]
    kohls = [r for r in rows if r["retailer_id"] == "kohls"]
    assert [(r["from_status"], r["first_evidence"]) for r in kohls] == [("", "true")]
    net = cli_csv(seed_store, "changes", "--start", "2021-10-01", "--end", "2025-10-29", "--net")
    assert not [r for r in net if (r["retailer_id"], r["brand_id"]) == ("home-depot", "lorex")]
    assert [r for r in net if (r["retailer_id"], r["brand_id"]) == ("lowes", "lorex")]


def test_exposure_counts_the_strongest_ownership_claim(seed_store: Path):
    rows = cli_csv(seed_store, "exposure", "--as-of", "2025-10-29")
    assert rows and not [r for r in rows if r["brand_id"] == "lorex"]
    assert list(rows[0])[:6] == [
        "retailer_id",
        "brand_id",
        "company_id",
        "list",
        "ownership_confidence",
        "ownership_contested",
    ]
    every = cli_csv(seed_store, "exposure", "--as-of", "2025-10-29", "--any-claim")
    lorex = [r for r in every if r["brand_id"] == "lorex"]
    assert lorex and {r["company_id"] for r in lorex} == {"dahua"}
    assert {r["ownership_confidence"] for r in lorex} == {"low"}
    assert {r["ownership_contested"] for r in lorex} == {"true"}
    assert {r["contested_parents"] for r in lorex} == {"Skywatch (high)"}
    back = cli_csv(seed_store, "exposure", "--as-of", "2021-11-30")
    assert [r for r in back if (r["retailer_id"], r["brand_id"], r["company_id"]) == (
        "walmart", "lorex", "dahua")]  # fmt: skip


def test_relistings_with_the_sources_of_both_sides(seed_store: Path, tmp_path: Path):
    rows = cli_csv(seed_store, "relistings")
    assert [(r["retailer_id"], r["not_sold_from"], r["relisted_on"]) for r in rows] == [
        ("best-buy", "2023-10-31", "2025-09-23"),
        ("home-depot", "2021-10-25", "2025-09-23"),
    ]
    assert {r["confidence"] for r in rows} == {"low"}
    assert all(r["not_sold_source_url"].startswith("https://") for r in rows)
    out = tmp_path / "relistings.csv"
    result = CliRunner().invoke(
        main,
        ["export", "--view", "relistings", "--format", "csv", "--out", str(out), "--store",
         str(seed_store), "--as-of", "2025-10-29"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    provenance, frame = exports.read_csv_export(out.read_bytes())
    assert "view=relistings" in provenance["filters"]
    assert len(frame) == 2


def test_plain_csv_quotes_a_lone_carriage_return_and_neutralises_formulas(capsys):
    """--format csv goes through the exports' own cell writer: a lone CR never splits a row
    (pandas' writer left it bare) and a formula is never a live cell; the header stays on
    line 1, with no provenance block."""
    import pandas as pd

    from shelfwatch import cli

    frame = pd.DataFrame(
        {"retailer_id": ["r-a"], "quote": ["one\rtwo"], "note": ["＝HYPERLINK(1)"]}
    )
    cli._emit(frame, "csv")
    out = capsys.readouterr().out
    assert out == 'retailer_id,quote,note\nr-a,"one\rtwo",\'＝HYPERLINK(1)\n'
    assert list(csv.reader(io.StringIO(out, newline=""))) == [
        ["retailer_id", "quote", "note"],
        ["r-a", "one\rtwo", "'＝HYPERLINK(1)"],
    ]
