"""One rule everywhere: the Overview grid, the Timeline, Explore and the CLI give the same
``disputed`` flag for every pair on several dates, on the seed and on a 20k-observation demo
store. And every page survives hostile URL parameters with a clean permalink.

AppTest reads what each page sends: the grid from the heatmap's JSON spec (⚑ in a cell's
text), the Timeline's interval table (the interval covering the date), Explore's status table;
the CLI through click's runner.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from shelfwatch import charts, site, store, urlstate
from shelfwatch.cli import main
from shelfwatch.demo import write_demo
from tests.conftest import TODAY, build_store
from tests.test_app_overview import grid

PROJECT = Path(__file__).resolve().parent.parent
PAGES = tuple(spec.url_path for spec in site.PAGES)
SEED_DATES = ("2021-10-01", "2021-10-25", "2021-11-30", "2023-10-31", "2025-10-29")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("agreement_demo")
    write_demo(root / "csv", retailers=40, brands=60, observations=20_000, seed=3, today=TODAY)
    return build_store(root / "csv", root / "store")


def open_page(monkeypatch, store_dir: Path, page: str, params: dict) -> AppTest:
    monkeypatch.setenv("SHELFWATCH_STORE", str(store_dir))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=90)
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def cli_disputed(store_dir: Path, day: str) -> dict[tuple[str, str], bool]:
    result = CliRunner().invoke(
        main, ["status", "--as-of", day, "--format", "csv", "--store", str(store_dir)]
    )
    assert result.exit_code == 0, result.output
    return {
        (row["retailer_id"], row["brand_id"]): row["disputed"] == "true"
        for row in csv.DictReader(io.StringIO(result.output))
    }


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns][:1]
    return frame


def dates_for(store_dir: Path) -> list[str]:
    """The seed's story dates, or five dates spread over a demo store's observations."""
    con = store.open_version(store_dir)
    try:
        first, last = con.execute(
            "select min(effective_on), max(effective_on) from observations"
        ).fetchone()
        disputed = con.execute("select count(*) from status_segments where disputed").fetchone()[0]
    finally:
        con.close()
    assert disputed > 0, "the store must hold disputes for the check to mean anything"
    if first == dt.date(2021, 10, 1):
        return list(SEED_DATES)
    return [(first + (last - first) * k / 4).isoformat() for k in (1, 2, 3)] + [last.isoformat()]


@pytest.mark.parametrize("which", ["seed_store", "demo_store"])
def test_every_page_and_the_cli_agree_on_disputed(monkeypatch, request, which):
    store_dir = request.getfixturevalue(which)
    disputed_seen = 0
    for day in dates_for(store_dir):
        expected = cli_disputed(store_dir, day)
        disputed_seen += sum(expected.values())

        overview = open_page(monkeypatch, store_dir, "overview", {"as_of": day})
        cells = grid(overview)
        drawn = {pair: charts.DISPUTED_MARK in text for pair, (status, text) in cells.items()}
        assert {p for p, (s, _) in cells.items() if s != charts.NO_DATA} <= set(expected)
        for pair, flag in drawn.items():
            if cells[pair][0] != charts.NO_DATA:
                assert flag == expected[pair], ("overview", day, pair)

        # The grid's first retailers, in Explore's status table and on the Timeline.
        retailers = sorted({r for r, _ in cells})[:4]
        brands = sorted({b for _, b in cells})[:6]
        scope = {"retailer": ",".join(retailers), "brand": ",".join(brands)}
        explore = open_page(monkeypatch, store_dir, "explore", {"as_of": day, **scope})
        rows = table_with(explore, "disputed") if explore.dataframe else pd.DataFrame()
        for row in rows.itertuples():
            assert bool(row.disputed) == expected[(row.retailer_id, row.brand_id)], (
                "explore",
                day,
                row.retailer_id,
                row.brand_id,
            )
        wanted = {p for p in expected if p[0] in retailers and p[1] in brands}
        assert {(r.retailer_id, r.brand_id) for r in rows.itertuples()} == wanted

        timeline = open_page(monkeypatch, store_dir, "timeline", {"as_of": day, **scope})
        intervals = table_with(timeline, "valid_from") if timeline.dataframe else pd.DataFrame()
        covering = intervals[
            (intervals["valid_from"] <= pd.Timestamp(day))
            & (intervals["valid_to"].isna() | (intervals["valid_to"] > pd.Timestamp(day)))
        ]
        assert {(r.retailer_id, r.brand_id) for r in covering.itertuples()} == wanted
        for row in covering.itertuples():
            assert bool(row.disputed) == expected[(row.retailer_id, row.brand_id)], (
                "timeline",
                day,
                row.retailer_id,
                row.brand_id,
            )
    assert disputed_seen > 0, "some checked pair is disputed"


# --- hostile URL parameters ------------------------------------------------------------------

HOSTILE_PARAMS = [
    {"as_of": "٢٠٢١-١١-٣٠", "compare": "２０２１－１０－０１", "v": "²", "top": "٣"},
    {"start": "𝟐𝟎𝟐𝟏-10-01", "end": "2025-10-29\x00", "stale": "¹²", "claims": "\x00"},
    {"brand": "lorex\x00", "retailer": "walmart\u202e", "cell": "home-depot:lorex\x00"},
    {"q": "\x00" * 50 + "Lorex", "view": "evidence", "kind": "statement\x00"},
    {"brand": "x" * 5_000, "as_of": "9" * 3_000, "cell": ":" * 4_000},
    {"brand": ["lorex", "ezviz"], "as_of": ["2021-11-30", "2025-10-29"]},
    {"profile": "retailer\u0000", "retailer": ["walmart", "nope"], "changes": "٠"},
    {"unknown": "=HYPERLINK(1)", "as_of": "2021-11-30", "status": "stocked,\x00"},
    {"top": "²", "stale": "9" * 5_000, "v": "1" + "0" * 4_400},
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("params", HOSTILE_PARAMS, ids=range(len(HOSTILE_PARAMS)))
def test_hostile_parameters_never_raise_and_leave_a_clean_permalink(
    monkeypatch, seed_store, page, params
):
    at = open_page(monkeypatch, seed_store, page, params)
    assert not at.error, [e.value for e in at.error]
    # The URL holds only accepted values: ASCII, printable, one value per key, no stray keys.
    for key, value in at.query_params.items():
        values = value if isinstance(value, list) else [value]
        assert len(values) == 1, (key, value)
        assert key != "unknown"
        assert all(v.isascii() and urlstate.printable(v) == v and len(v) < 200 for v in values)
    permalinks = [c.value for c in at.code if "?" in str(c.value)]
    for link in permalinks:
        query = urlsplit(link).query
        pairs = parse_qsl(query, keep_blank_values=True)
        assert len({k for k, _ in pairs}) == len(pairs), link
        for key, value in pairs:
            assert key != "unknown" and value.isascii() and urlstate.printable(value) == value
            assert "\x00" not in value and len(value) < 200
    # A citation built from the filters is as clean.
    for code in at.code:
        assert "\x00" not in str(code.value) and "\u202e" not in str(code.value)


def test_no_table_offers_the_grids_own_download(monkeypatch, seed_store):
    """Every download is a citable shelfwatch.exports file: the tables' toolbar download (which
    writes no version, date or citation, and no neutralised cells) is switched off for every
    session, every page and every st.dataframe (the browser test checks the toolbar itself)."""
    from streamlit import config

    at = open_page(monkeypatch, seed_store, "explore", {"as_of": "2021-11-30"})
    assert at.dataframe
    assert config.get_option("client.disableDataExport") is True
    text = (PROJECT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "disableDataExport = true" in text


def test_the_data_page_shows_the_rule_from_the_design_document(monkeypatch, seed_store):
    from shelfwatch import explain

    at = open_page(monkeypatch, seed_store, "data", {})
    rule = explain.status_rule_text()
    assert "strictly stronger" in rule and "stale" in rule
    assert rule in [str(m.value) for m in at.markdown]


def test_a_zero_stale_threshold_from_the_link_is_kept(monkeypatch, seed_store):
    at = open_page(monkeypatch, seed_store, "explore", {"as_of": "2021-11-30", "stale": "0"})
    assert at.number_input(key="url_stale").value == 0
    assert at.query_params["stale"] == "0"
    assert table_with(at, "stale")["stale"].any()
