"""AppTest of the Overview page on the seed store: KPIs, the status grid, a cell's evidence.

AppTest cannot click a data grid, so the grid is read from the table the page sends (its cells'
text, and the Styler's CSS for their colours) and cells are chosen with the two selectboxes, the
keyboard way; the click itself (selection.cells) is left to the browser tests.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from shelfwatch import charts, images, urlstate
from tests.conftest import SEED_DATA, build_store

PROJECT = Path(__file__).resolve().parent.parent
HOSTILE = "<img src=x onerror=alert(1)>"
YAHOO = "https://news.yahoo.com/us-retail-giants-pull-chinese-150045714.html"
LOREX_LIST = "https://amz10.com/p/14051.html"


def run_overview(monkeypatch: pytest.MonkeyPatch, store_dir: Path, **params: str) -> AppTest:
    monkeypatch.setenv("SHELFWATCH_STORE", str(store_dir))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart_spec(at: AppTest, key: str) -> dict:
    (element,) = [element for element in at.get("plotly_chart") if element.key == key]
    return json.loads(element.proto.spec)


STATUS_OF_SYMBOL = {charts.STATUS_STYLES[s].symbol: s for s in charts.STATUS_ORDER}


def grid_element(at: AppTest):
    """The status grid's data grid (its key names the chosen cell), or None if not drawn."""
    grids = [d for d in at.dataframe if (d.key or "").startswith("status_grid")]
    assert len(grids) <= 1
    return grids[0] if grids else None


def grid(at: AppTest) -> dict[tuple[str, str], tuple[str, str]]:
    """(retailer_id, brand_id) → (status, cell text) as drawn in the grid the page sent; the
    status is read back from the cell's symbol (its text is all a reader has besides colour)."""
    frame = grid_element(at).value
    brands = [
        c for c in frame.columns if c not in (charts.GRID_ID_COLUMN, charts.GRID_RETAILER_COLUMN)
    ]
    drawn: dict[tuple[str, str], tuple[str, str]] = {}
    for row in frame.to_dict("records"):
        for brand in brands:
            text = row[brand]
            drawn[(row[charts.GRID_ID_COLUMN], brand)] = (
                STATUS_OF_SYMBOL[text.split(" ")[0]],
                text,
            )
    return drawn


def cell_css(at: AppTest, retailer_id: str, brand_id: str) -> str:
    """The CSS one cell of the grid is drawn with, from the pandas Styler's rules as sent."""
    element = grid_element(at)
    frame = element.value
    i = frame[charts.GRID_ID_COLUMN].tolist().index(retailer_id)
    j = frame.columns.tolist().index(brand_id)
    styler = element.proto.arrow_data.styler
    cell = f"#T_{styler.uuid}_row{i}_col{j}"
    (rule,) = [r for r in styler.styles.splitlines() if cell in r.split(" {")[0].split(", ")]
    return rule.split("{", 1)[1].rstrip("}").strip()


def evidence(at: AppTest) -> pd.DataFrame:
    (table,) = [d.value for d in at.dataframe if "won_day" in d.value.columns]
    return table


def choose_cell(at: AppTest, retailer_id: str, brand_id: str) -> AppTest:
    at.selectbox(key="cell_retailer").set_value(retailer_id)
    at.selectbox(key="cell_brand").set_value(brand_id)
    return rerun(at)


def texts(at: AppTest, kind: str) -> list[str]:
    """The elements' text as a reader sees it (Markdown backslash escapes removed)."""
    return [re.sub(r"\\(.)", r"\1", str(element.value)) for element in getattr(at, kind)]


def test_overview_runs_on_the_latest_date(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store)
    assert [m.label for m in at.metric] == [
        "Pairs sold",
        "Pairs not sold",
        "Re-listings",
        "Retailers exposed",
        "Disputed pairs",
    ]
    assert at.query_params["as_of"] == "2025-10-29"
    assert at.query_params["compare"] == "2024-10-29"  # a year before
    assert grid(at)


def test_status_grid_on_2021_11_30(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2021-11-30")
    cells = grid(at)
    # Lorex's own (older, weaker) list of retailers is history, not a dispute of the removal.
    assert cells[("home-depot", "lorex")] == ("removed", "✕ Removed")
    # Best Buy's statement against a same-day listing check finding nothing: disputed.
    assert cells[("best-buy", "ezviz")] == ("exiting", f"◐ Exiting {charts.DISPUTED_MARK}")
    assert cells[("walmart", "lorex")] == ("stocked", "● Stocked")
    assert cells[("costco", "ezviz")] == ("stocked", "● Stocked")
    assert cells[("best-buy", "lorex")][0] == "exiting"
    assert cells[("amazon", "lorex")] == (charts.NO_DATA, "– No data")
    # All 7 retailers, and the 2 of 3 brands that have observations (Imou has none).
    assert {r for r, _ in cells} == {
        "home-depot",
        "best-buy",
        "lowes",
        "walmart",
        "costco",
        "amazon",
        "kohls",
    }
    assert {b for _, b in cells} == {"lorex", "ezviz"}
    assert any(
        "all 7 retailers × the 2 brands with observations" in c for c in texts(at, "caption")
    )


def test_kpis_and_deltas_against_the_compare_date(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2021-11-30", compare="2021-10-01")
    values = {m.label: (m.value, m.delta) for m in at.metric}
    # 2021-10-01: Lorex at five retailers. 2021-11-30: 6 pairs sold, 4 not sold.
    assert values["Pairs sold"] == ("6", "1")
    assert values["Pairs not sold"] == ("4", "4")
    assert values["Retailers exposed"] == ("3", "-2")
    assert values["Disputed pairs"] == ("1", "1")
    assert at.date_input(key="url_compare").value == dt.date(2021, 10, 1)


def test_choosing_a_cell_shows_its_evidence(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2021-11-30")
    assert not [d for d in at.dataframe if "won_day" in d.value.columns]
    choose_cell(at, "home-depot", "lorex")
    assert at.query_params["cell"] == "home-depot:lorex"
    why = texts(at, "text")
    assert "Home Depot × Lorex" in why
    assert any(t.startswith("✕ Removed since 2021-10-25 (on 2021-11-30)") for t in why)
    assert any(t.startswith("Not disputed") for t in why)
    assert any("statement, medium confidence, dated 2021-10-28" in t for t in why)
    table = evidence(at)
    assert len(table) == 5  # every observation of the pair, newest first
    assert table["effective_on"].is_monotonic_decreasing
    row = table[table["effective_on"] == pd.Timestamp("2021-10-25")].iloc[0]
    assert row["source_link"] == YAHOO
    assert row["status"] == "✕ Removed"
    assert row["source_kind"] == "statement" and row["confidence"] == "high"
    assert bool(row["won_day"]) and not bool(row["disputed"])
    assert "committed to upholding" in row["quote"]

    choose_cell(at, "walmart", "lorex")
    assert any(t.startswith("● Stocked since 2021-10-01") for t in texts(at, "text"))
    table = evidence(at)
    assert set(table["status"]) == {"● Stocked"}
    assert LOREX_LIST in set(table["source_link"])


def test_changing_the_as_of_date_changes_the_statuses(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2021-11-30", cell="home-depot:lorex")
    assert grid(at)[("home-depot", "lorex")][0] == "removed"
    at.date_input(key="url_as_of").set_value(dt.date(2021, 10, 10))
    rerun(at)
    assert at.query_params["as_of"] == "2021-10-10"
    cells = grid(at)
    assert cells[("home-depot", "lorex")] == ("stocked", "● Stocked")
    assert cells[("home-depot", "ezviz")][0] == charts.NO_DATA
    assert any(
        t.startswith("● Stocked since 2021-10-01 (on 2021-10-10)") for t in texts(at, "text")
    )


def test_cell_in_the_url_opens_its_evidence(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2021-11-30", cell="home-depot:lorex")
    assert at.selectbox(key="cell_retailer").value == "home-depot"
    assert at.selectbox(key="cell_brand").value == "lorex"
    assert YAHOO in set(evidence(at)["source_link"])
    (permalink,) = [c.value for c in at.code if not c.value.startswith("As of")]
    assert "cell=home-depot%3Alorex" in permalink and "v=1" in permalink
    # The chosen cell is selected in the grid (row 3 of the seven, sorted by name).
    selected = json.loads(grid_element(at).proto.selection_default)["selection"]["cells"]
    assert selected == [[3, "lorex"]]
    # Narrowing the grid moves the chosen cell: a new grid opens with it at its new position.
    at.multiselect(key="url_retailer").set_value(["walmart", "home-depot"])
    rerun(at)
    selected = json.loads(grid_element(at).proto.selection_default)["selection"]["cells"]
    assert selected == [[0, "lorex"]]  # Home Depot, then Walmart
    image = at.session_state["chart_heatmap"]  # its image outlines it
    assert images.figure_of(image.figure).layout.shapes


def test_filters_choose_the_grid(monkeypatch, seed_store):
    at = run_overview(
        monkeypatch, seed_store, as_of="2021-11-30", retailer="walmart,costco", brand="lorex"
    )
    assert set(grid(at)) == {("walmart", "lorex"), ("costco", "lorex")}
    assert any(
        "the 2 retailers you chose × the 1 brand you chose" in c for c in texts(at, "caption")
    )
    at.multiselect(key="url_brand").set_value([])
    rerun(at)
    assert {b for _, b in grid(at)} == {"lorex", "ezviz"}
    assert "brand" not in at.query_params


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"as_of": "garbage"}, "Ignored as_of='garbage'"),
        ({"cell": "bad"}, "Ignored cell='bad'"),
        ({"cell": "home-depot:nope"}, "Ignored cell='home-depot:nope'"),
        ({"cell": HOSTILE}, "Ignored cell="),
        ({"compare": "2021-02-30"}, "Ignored compare='2021-02-30'"),
        ({"top": "999"}, "Ignored top='999'"),
        ({"section": "nonsense"}, "Ignored section='nonsense'"),
        ({"retailer": "nope"}, "Ignored retailer='nope'"),
    ],
)
def test_malformed_params_show_a_notice(monkeypatch, seed_store, params, notice):
    at = run_overview(monkeypatch, seed_store, **params)
    assert any(notice in text for text in texts(at, "info")), texts(at, "info")
    assert grid(at)
    assert "cell" not in at.query_params or params.get("cell") is None
    assert "section" not in at.query_params  # a bad section opens the default tab


def test_a_date_before_any_data_shows_a_friendly_empty_state(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2015-06-01", cell="home-depot:lorex")
    assert any("No retailer × brand pair has data on this date" in t for t in texts(at, "info"))
    assert grid_element(at) is None
    assert any(t.startswith("Home Depot × Lorex on 2015-06-01: no data") for t in texts(at, "text"))
    assert len(evidence(at)) == 5  # the pair's sources are still there to read


def test_the_slider_limits_the_grid_and_is_in_the_url(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2021-11-30", top="5")
    cells = grid(at)
    assert len({r for r, _ in cells}) == 5
    assert any("the 5 most active of 7 retailers" in c for c in texts(at, "caption"))
    at.slider(key="url_top").set_value(25)
    rerun(at)
    assert len({r for r, _ in grid(at)}) == 7
    assert "top" not in at.query_params


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed with a retailer and a brand whose names are markup."""
    root = tmp_path_factory.mktemp("overview_hostile")
    data = root / "data"
    shutil.copytree(SEED_DATA, data, ignore=shutil.ignore_patterns("store", "*.md"))
    for name, old in (("retailers.csv", "Walmart"), ("brands.csv", "Lorex")):
        path = data / name
        text = path.read_text(encoding="utf-8").replace(f",{old},", f',"{HOSTILE}",', 1)
        path.write_text(text, encoding="utf-8")
    return build_store(data, root / "store")


def test_hostile_names_are_rendered_as_text(monkeypatch, hostile_store):
    at = run_overview(monkeypatch, hostile_store, as_of="2021-11-30", cell="walmart:lorex")
    markup = [
        *texts(at, "markdown"),
        *texts(at, "caption"),
        *texts(at, "title"),
        *texts(at, "subheader"),
        *texts(at, "info"),
        *[m.label for m in at.metric],
    ]
    assert not [text for text in markup if "<img" in text]
    # The grid holds the names as plain text (a data grid draws no markup); its image escapes.
    assert HOSTILE in grid_element(at).value[charts.GRID_RETAILER_COLUMN].tolist()
    # A column's help is Markdown: the brand's name there is escaped, shown as written.
    columns = json.loads(grid_element(at).proto.columns)
    assert columns["lorex"]["label"] == HOSTILE  # a header is drawn on the canvas: plain text
    assert columns["lorex"]["help"] == urlstate.data_markdown(HOSTILE)
    spec = images.figure_of(at.session_state["chart_heatmap"].figure).to_json()
    assert "<img" not in spec and "&lt;img src=x onerror=alert(1)&gt;" in spec
    assert "<img" not in json.dumps(chart_spec(at, "coverage"))
    assert f"{HOSTILE} × {HOSTILE}" in texts(at, "text")
    assert HOSTILE in at.selectbox(key="cell_retailer").options


def test_untouched_compare_date_follows_the_as_of_date(monkeypatch, seed_store):
    """The compare date defaults to a year before as-of, and keeps doing so as as-of moves."""
    at = run_overview(monkeypatch, seed_store, as_of="2025-10-29")
    assert at.date_input(key="url_compare").value == dt.date(2024, 10, 29)
    follows = "A year before the as-of date until you set it."
    assert follows in texts(at, "caption")  # it says so: never a silent move
    at.date_input(key="url_as_of").set_value(dt.date(2021, 11, 30))
    rerun(at)
    assert at.date_input(key="url_compare").value == dt.date(2021, 10, 1)  # the data's first date
    at.date_input(key="url_compare").set_value(dt.date(2021, 10, 20))
    rerun(at)
    at.date_input(key="url_as_of").set_value(dt.date(2022, 11, 30))
    rerun(at)
    assert at.date_input(key="url_compare").value == dt.date(2021, 10, 20)  # chosen: kept
    assert follows not in texts(at, "caption")


def test_a_compare_date_from_the_link_never_follows(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2025-10-29", compare="2024-10-29")
    at.date_input(key="url_as_of").set_value(dt.date(2023, 6, 1))
    rerun(at)
    assert at.date_input(key="url_compare").value == dt.date(2024, 10, 29)
    assert at.query_params["compare"] == "2024-10-29"


def test_why_this_status_names_the_disputing_source(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2021-11-30", cell="best-buy:ezviz")
    why = texts(at, "text")
    assert any(t.startswith("◐ Exiting since 2021-10-25") for t in why)
    assert any("a statement outranks a listing check" in t for t in why)
    (warning,) = [w for w in texts(at, "warning") if w.startswith("Disputed")]
    assert "listing check, high confidence, dated 2021-10-25" in warning
    assert "lost its date's contest within the run" in warning
    (table,) = [d.value for d in at.dataframe if "part" in d.value.columns]
    assert table["part"].tolist() == ["Decides the status", "Lost to it on the same date"]
    assert table["step"].tolist() == ["source kind", "source kind"]


def test_stale_cells_are_marked_and_the_cards_say_what_they_count(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2025-10-29")
    cells = grid(at)
    # Walmart × Ezviz rests on a 2021 report: stale, by mark and a paler colour, not colour
    # alone.
    assert cells[("walmart", "ezviz")] == ("stocked", f"● Stocked {charts.STALE_MARK}")
    assert cells[("amazon", "lorex")] == ("stocked", "● Stocked")
    sold = charts.STATUS_STYLES["stocked"].colour
    paler = charts._faded(sold, charts.STALE_CELL_OPACITY)
    assert cell_css(at, "walmart", "ezviz") == f"background-color: {paler}; color: #000000"
    assert cell_css(at, "amazon", "lorex") == f"background-color: {sold}; color: #000000"
    assert any(
        "stale: the latest evidence is more than 365 days old" in c for c in texts(at, "caption")
    )
    captions = texts(at, "caption")
    assert f"of 12 pairs with data; 5 on fresh evidence, 4 {charts.STALE_MARK} stale" in captions
    assert any(
        c.startswith("On 2025-10-29, 12 of the 21 possible retailer × brand pairs have data")
        and "(7 retailers × 3 brands tracked)" in c
        for c in captions
    )
    # Exposure by the strongest ownership claim: Lorex belongs to Skywatch, Ezviz to Hikvision.
    values = {m.label: m.value for m in at.metric}
    assert values["Retailers exposed"] == "3"
    at.session_state["url_section"] = "Listed parents"  # the reader opens its tab
    rerun(at)
    (exposure,) = [d.value for d in at.dataframe if "ownership_confidence" in d.value.columns]
    assert set(exposure["brand"]) == {"Ezviz"}
    assert exposure["stale"].all()
    assert at.query_params["section"] == "exposure"  # the link reopens it


def test_counting_every_claim_counts_lorex_under_dahua(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2025-10-29", claims="any", section="exposure")
    assert at.toggle(key="url_claims").value is True
    values = {m.label: m.value for m in at.metric}
    assert values["Retailers exposed"] == "6"
    (exposure,) = [d.value for d in at.dataframe if "ownership_confidence" in d.value.columns]
    lorex = exposure[exposure["brand"] == "Lorex"]
    assert set(lorex["parent"]) == {"Dahua Technology"}  # Skywatch is on no list
    assert set(lorex["ownership_confidence"]) == {"low"}
    assert set(lorex["contested_parents"]) == {"Skywatch (high)"}
    assert at.query_params["claims"] == "any"


def test_relistings_are_listed_with_both_sources(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2025-10-29", section="relistings")
    (table,) = [d.value for d in at.dataframe if "relisted_on" in d.value.columns]
    assert set(table["retailer_name"]) == {"Home Depot", "Best Buy"}
    assert set(table["confidence"]) == {"low"}
    assert at.session_state["download_relistings"].make_bytes("csv")


def test_only_the_open_section_below_the_evidence_is_drawn(monkeypatch, seed_store):
    # The footprint chart by default: no exposure or re-listing query runs, nothing of them
    # is sent, and the link leaves the default tab out.
    at = run_overview(monkeypatch, seed_store, as_of="2025-10-29")
    assert [t.label for t in at.tabs][-3:] == [
        "Footprint over time",
        "Listed parents",
        "Re-listings",
    ]
    assert at.session_state["url_section"] == "Footprint over time"
    assert chart_spec(at, "coverage")
    frames = [d.value.columns for d in at.dataframe]
    assert not any("ownership_confidence" in c or "relisted_on" in c for c in frames)
    assert "section" not in at.query_params
    at.session_state["url_section"] = "Re-listings"
    rerun(at)
    assert any("relisted_on" in d.value.columns for d in at.dataframe)
    assert not [c for c in at.get("plotly_chart") if c.key == "coverage"]
    assert at.query_params["section"] == "relistings"
