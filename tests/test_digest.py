"""The digest: changes on or after a date, newest day first, each with its words, source and
strength — rows in, text out (shelfwatch/digest.py), and the `digest` command on the seed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from shelfwatch import digest
from shelfwatch.cli import main


def change(day: str, retailer: str, brand: str, before: str | None, after: str, **extra):
    return {
        "changed_on": dt.date.fromisoformat(day),
        "retailer_name": retailer,
        "brand_name": brand,
        "from_status": before,
        "to_status": after,
        "source_url": extra.get("url", "https://example.org/a"),
        "source_kind": "statement",
        "confidence": "high",
    }


ROWS = [
    change("2021-09-30", "Before", "Lorex", "stocked", "removed"),  # before --since: left out
    change("2021-10-25", "Home Depot", "Lorex", "stocked", "removed"),
    change("2021-10-25", "Best Buy", "Lorex", "stocked", "exiting"),
    change("2021-10-25", "Costco", "Ezviz", None, "stocked"),
    change("2025-09-23", "Home Depot", "Lorex", "removed", "stocked", url="https://x.org/a b)"),
    change("2025-09-24", "Lowe's", "Ezviz", "unavailable", "removed"),
]


def test_markdown_digest_rows_out():
    text = digest.write(ROWS, since=dt.date(2021, 10, 1), data_version=3, about="Lorex*")
    assert text.splitlines() == [
        r"# What changed since 1 Oct 2021: Lorex\*",
        "",
        "Shelfwatch data version 3: 5 changes.",
        "",
        "## 24 Sep 2025",
        "- **Lowe's** went from unavailable to removed for **Ezviz** "
        "([source](https://example.org/a), statement, high confidence)",
        "",
        "## 23 Sep 2025",
        "- **Home Depot** re-listed **Lorex** "
        "([source](https://x.org/a%20b%29), statement, high confidence)",
        "",
        "## 25 Oct 2021",
        "- **Best Buy** announced its exit from **Lorex** "
        "([source](https://example.org/a), statement, high confidence)",
        "- **Costco** is first recorded selling **Ezviz** "
        "([source](https://example.org/a), statement, high confidence)",
        "- **Home Depot** stopped selling **Lorex** "
        "([source](https://example.org/a), statement, high confidence)",
        "",
        "Source: Shelfwatch data v3, CC BY 4.0. Each change is dated by its source; a pair's "
        "first evidence is shown as such, not as a change of status.",
    ]


def test_plain_text_digest_and_no_changes():
    text = digest.write(ROWS[1:2], since=dt.date(2021, 10, 1), data_version=1, fmt="text")
    assert "- Home Depot stopped selling Lorex (source: https://example.org/a, statement" in text
    assert "**" not in text and "##" not in text
    empty = digest.write(ROWS, since=dt.date(2026, 1, 1), data_version=1)
    assert "0 changes." in empty and "No retailer's status of these brands changed" in empty
    with pytest.raises(ValueError):
        digest.write(ROWS, since=dt.date(2021, 1, 1), data_version=1, fmt="html")


def test_the_digest_command_on_the_seed(seed_store: Path):
    result = CliRunner().invoke(
        main, ["digest", "--since", "2025-09-01", "--brand", "lorex", "--store", str(seed_store)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "# What changed since 1 Sep 2025: Lorex"
    assert "4 changes." in lines[2]
    assert lines[4:6] == [
        "## 29 Oct 2025",
        "- **Amazon** is first recorded selling **Lorex** "
        "([source](https://www.einpresswire.com/article/862635062/), legal filing, high "
        "confidence)",
    ]
    relisted = [line for line in lines if "re-listed" in line]
    assert [line.split("**")[1] for line in relisted] == ["Best Buy", "Home Depot"]
    assert "Ezviz" not in result.output  # --brand keeps one brand
