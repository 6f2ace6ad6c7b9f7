"""A version published by an older Shelfwatch (store format 1: no claim_no, no
brand_parent_periods, no format table) is refused with a clear message, never a traceback; the
next publish upgrades the lineage, and a link pinned to the old version shows the latest."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from shelfwatch import ingest, queries, store
from shelfwatch.cli import main
from tests.conftest import TODAY

PROJECT = Path(__file__).resolve().parent.parent
BATCH = (
    "retailer_id,brand_id,status,effective_on,source_url\n"
    "walmart,imou,stocked,2025-10-29,https://example.org/imou\n"
)


@pytest.fixture
def old_store(seed_store: Path, tmp_path: Path) -> Path:
    """A copy of the seed store made to look as the previous release published it."""
    target = tmp_path / "store"
    shutil.copytree(seed_store, target)
    con = duckdb.connect(str(store.version_path(target, 1)))
    try:
        con.execute("drop table store_format")
        con.execute("drop table brand_parent_periods")
        con.execute("alter table ownership drop column claim_no")
        con.execute("checkpoint")
    finally:
        con.close()
    return target


def test_the_cli_refuses_an_old_version_with_one_clear_line(old_store: Path):
    result = CliRunner().invoke(
        main, ["status", "--as-of", "2021-11-30", "--store", str(old_store)]
    )
    assert result.exit_code == 1
    assert "store format 1" in result.output and "python -m shelfwatch build" in result.output
    assert "Traceback" not in result.output
    # Its provenance is still listed.
    listed = CliRunner().invoke(main, ["versions", "--store", str(old_store)])
    assert listed.exit_code == 0 and "v1" in listed.output


def test_the_app_says_so_instead_of_crashing(monkeypatch, old_store: Path):
    monkeypatch.setenv("SHELFWATCH_STORE", str(old_store))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    at.switch_page("pages/overview.py")
    at.run()
    assert not at.exception
    assert any("older Shelfwatch" in e.value for e in at.error)


def test_the_next_publish_upgrades_and_a_pinned_old_link_shows_the_latest(
    monkeypatch, old_store: Path, tmp_path: Path
):
    batch = tmp_path / "imou.csv"
    batch.write_text(BATCH, encoding="utf-8")
    assert ingest.ingest(batch, old_store, today=TODAY) == 2
    con = store.open_version(old_store)
    try:
        assert store.store_format_of(con) == store.STORE_FORMAT
        # The old claims got their file order back: claim_no 1, 2, … in insertion order.
        claims = con.execute("select claim_no from ownership order by rowid").fetchall()
        assert [c for (c,) in claims] == list(range(1, len(claims) + 1))
        exposure = queries.run_query(
            con,
            "exposure_by_parent",
            {
                "as_of": TODAY,
                "lists": None,
                "any_claim": False,
                "stale_after": 365,
                "max_rows": None,
            },
        )
        assert not exposure.empty
    finally:
        con.close()
    with pytest.raises(store.OldStoreFormat):
        store.open_version(old_store, 1)

    monkeypatch.setenv("SHELFWATCH_STORE", str(old_store))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    at.query_params["v"] = "1"
    at.switch_page("pages/overview.py")
    at.run()
    assert not at.exception and not at.error
    assert any("format this one cannot read" in i.value for i in at.info)
