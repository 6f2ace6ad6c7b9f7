"""AppTest of the Timeline, Compare dates and Profiles pages against real stores.

Pages are opened through app.py (st.navigation) with query parameters, as a link would open
them. AppTest cannot read charts: the builders are tested in test_charts_timeline.py; here the
tables, notices and URL are checked.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from shelfwatch import charts
from tests.conftest import MINI_DATA, build_store

PROJECT = Path(__file__).resolve().parent.parent
TIMELINE = "pages/timeline.py"
COMPARE = "pages/compare.py"
PROFILES = "pages/profiles.py"
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_LINK = "[click](javascript:alert(1))"


def run_page(monkeypatch: pytest.MonkeyPatch, store_dir: Path, page: str, **params: str) -> AppTest:
    monkeypatch.setenv("SHELFWATCH_STORE", str(store_dir))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tables(at: AppTest) -> list[pd.DataFrame]:
    return [element.value for element in at.dataframe]


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [frame for frame in tables(at) if column in frame.columns]
    assert found, f"no table with a {column!r} column"
    return found[0]


def evidence_of(at: AppTest) -> pd.DataFrame:
    """The profile's evidence table: the last one, observations (no ``since``: not statuses)."""
    evidence = tables(at)[-1]
    assert "obs_id" in evidence.columns and "since" not in evidence.columns
    return evidence


def texts(at: AppTest, *kinds: str) -> list[str]:
    return [str(element.value) for kind in kinds for element in getattr(at, kind)]


def notices(at: AppTest) -> str:
    return "\n".join(texts(at, "info"))


def url(at: AppTest, name: str) -> str | None:
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


@pytest.mark.parametrize("page", [TIMELINE, COMPARE, PROFILES])
def test_each_page_runs_on_the_seed(monkeypatch, seed_store, page):
    at = run_page(monkeypatch, seed_store, page)
    assert not at.error
    assert at.dataframe, "every page shows at least one table"
    assert any("Permalink" in caption for caption in texts(at, "caption"))


# --- Timeline ---------------------------------------------------------------------------------


def test_timeline_lists_every_interval_of_the_seed_with_sources(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, TIMELINE)
    intervals = table_with(at, "valid_from")
    assert len(intervals) == 18
    assert intervals["source_url"].notna().all()
    assert any(
        "Showing 18 status intervals of 12 retailer × brand pairs" in caption
        and "out of 12 pairs" in caption
        for caption in texts(at, "caption")
    )
    # The default window is the whole data range, left out of the link until changed.
    assert at.date_input(key="url_start").value.isoformat() == "2021-10-01"
    assert at.date_input(key="url_end").value.isoformat() == "2025-10-29"
    assert url(at, "start") is None and url(at, "end") is None
    at.date_input(key="url_start").set_value(dt.date(2021, 10, 20)).run()
    assert url(at, "start") == "2021-10-20" and url(at, "end") is None


def test_timeline_filters_come_from_the_url(monkeypatch, seed_store):
    at = run_page(
        monkeypatch,
        seed_store,
        TIMELINE,
        retailer="home-depot,lowes",
        brand="lorex",
        status="removed",
        start="2021-10-01",
        end="2021-12-31",
    )
    intervals = table_with(at, "valid_from")
    assert set(intervals["retailer_id"]) == {"home-depot", "lowes"}
    assert set(intervals["brand_id"]) == {"lorex"}
    assert set(intervals["status"]) == {"removed"}
    assert set(intervals["status_shown"]) == {charts.status_label("removed")}
    assert at.multiselect(key="url_retailer").value == ["home-depot", "lowes"]
    assert at.multiselect(key="url_status").value == ["removed"]


def test_timeline_widgets_write_the_url(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, TIMELINE)
    at.multiselect(key="url_brand").set_value(["ezviz"]).run()
    assert not at.exception
    assert url(at, "brand") == "ezviz"
    assert set(table_with(at, "valid_from")["brand_id"]) == {"ezviz"}


def test_timeline_empty_state(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, TIMELINE, start="2015-01-01", end="2016-01-01")
    assert "No status intervals between 2015-01-01 and 2016-01-01" in notices(at)


def test_timeline_restricts_an_unfiltered_big_store_to_the_most_active(monkeypatch, tmp_path):
    from shelfwatch import demo
    from tests.conftest import TODAY

    demo.write_demo(
        tmp_path / "csv", retailers=12, brands=15, observations=3_000, seed=3, today=TODAY
    )
    store_dir = build_store(tmp_path / "csv", tmp_path / "store")
    at = run_page(monkeypatch, store_dir, TIMELINE)
    intervals = table_with(at, "valid_from")
    assert intervals["retailer_id"].nunique() <= 8
    assert intervals["brand_id"].nunique() <= 5
    assert any("most active" in caption for caption in texts(at, "caption"))


# --- Compare ----------------------------------------------------------------------------------


def test_compare_october_2021_lists_the_home_depot_removal(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, COMPARE, start="2021-10-01", end="2021-11-30")
    changes = table_with(at, "to_status")
    row = changes[(changes["retailer_id"] == "home-depot") & (changes["brand_id"] == "lorex")]
    assert len(row) == 1
    assert row.iloc[0]["from_shown"] == charts.status_label("stocked")
    assert row.iloc[0]["to_shown"] == charts.status_label("removed")
    assert str(row.iloc[0]["changed_on"])[:10] == "2021-10-25"
    assert row.iloc[0]["source_url"].startswith("https://")
    # Walmart and Costco kept Lorex: no change to list.
    kept = changes[changes["brand_id"] == "lorex"]["retailer_id"]
    assert not {"walmart", "costco"} & set(kept)
    assert any(
        "8 changes between 2021-10-01 and 2021-11-30; 8 pairs differ" in header
        for header in texts(at, "subheader")
    )


def test_compare_lists_a_round_trip_and_the_net_view_does_not(monkeypatch, seed_store):
    """Home Depot removed Lorex in October 2021 and listed it again in 2025: two changes."""
    at = run_page(monkeypatch, seed_store, COMPARE, start="2021-10-01", end="2025-10-29")
    changes = table_with(at, "to_status")
    pair = changes[(changes["retailer_id"] == "home-depot") & (changes["brand_id"] == "lorex")]
    assert pair[["from_status", "to_status"]].values.tolist() == [
        ["stocked", "removed"],
        ["removed", "stocked"],
    ]
    assert [str(d)[:10] for d in pair["changed_on"]] == ["2021-10-25", "2025-09-23"]
    assert pair["source_url"].str.startswith("https://").all()
    # A pair's first evidence is labelled, not read as a new listing.
    first = changes[(changes["retailer_id"] == "kohls")].iloc[0]
    assert first["from_shown"] == f"{charts.status_label(None)} (first evidence)"
    assert at.session_state["download_compare"].make_bytes("csv")

    at.radio(key="url_changes").set_value("net")
    at.run()
    assert not at.exception
    assert url(at, "changes") == "net"
    net = table_with(at, "to_status")
    assert not ((net["retailer_id"] == "home-depot") & (net["brand_id"] == "lorex")).any()
    assert ((net["retailer_id"] == "lowes") & (net["brand_id"] == "lorex")).any()


def test_compare_dates_in_conflict_ask_the_reader(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, COMPARE, start="2025-10-29", end="2021-10-01")
    assert any("is after" in w for w in texts(at, "warning"))
    assert not [frame for frame in tables(at) if "to_status" in frame.columns]
    assert url(at, "start") == "2025-10-29" and url(at, "end") == "2021-10-01"
    at.button(key="swap_start_end").click()
    at.run()
    assert not at.exception
    assert url(at, "start") == "2021-10-01" and url(at, "end") == "2025-10-29"
    assert table_with(at, "to_status").shape[0] > 0


def test_changing_one_compare_date_never_moves_the_other(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, COMPARE, start="2024-10-29", end="2025-10-29")
    at.date_input(key="url_end").set_value(dt.date(2025, 9, 30))
    at.run()
    assert url(at, "start") == "2024-10-29" and url(at, "end") == "2025-09-30"


def test_compare_end_defaults_to_the_as_of_date(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, COMPARE, start="2021-10-01", as_of="2021-11-30")
    assert url(at, "end") == "2021-11-30"
    changes = table_with(at, "to_status")
    assert ((changes["retailer_id"] == "home-depot") & (changes["brand_id"] == "lorex")).any()


def test_compare_filters_and_empty_state(monkeypatch, seed_store):
    at = run_page(
        monkeypatch, seed_store, COMPARE, start="2021-10-01", end="2021-11-30", brand="ezviz"
    )
    assert set(table_with(at, "to_status")["brand_id"]) == {"ezviz"}

    at = run_page(monkeypatch, seed_store, COMPARE, start="2022-01-01", end="2023-01-01")
    assert "Nothing changed between 2022-01-01 and 2023-01-01" in notices(at)
    assert not [frame for frame in tables(at) if "to_status" in frame.columns]


def test_compare_same_date_asks_for_two_dates(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, COMPARE, start="2021-11-30", end="2021-11-30")
    assert "Pick two different dates" in notices(at)


# --- Profiles ---------------------------------------------------------------------------------


def test_brand_profile_shows_both_conflicting_skywatch_sale_dates(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, PROFILES, brand="lorex")
    assert at.radio(key="url_profile").value == "brand"
    assert at.selectbox(key="profile_brand").value == "lorex"
    ownership = table_with(at, "company_id")
    skywatch = ownership[ownership["company_id"] == "skywatch"]
    assert {str(day)[:10] for day in skywatch["valid_from"]} == {"2022-11-24", "2023-02-01"}
    dahua_ends = set(ownership[ownership["company_id"] == "dahua"]["until_shown"])
    assert {"2022-11-24", "2023-02-01"} <= dahua_ends
    assert ownership["source_url"].notna().all()
    designations = table_with(at, "list")
    assert set(designations["company_id"]) == {"dahua"}
    current = table_with(at, "since")
    assert set(current["brand_id"]) == {"lorex"}
    assert "costco" in set(current["retailer_id"])
    evidence = evidence_of(at)
    assert set(evidence["brand_id"]) == {"lorex"} and len(evidence) == 23


def test_retailer_profile_for_costco(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, PROFILES, profile="retailer", retailer="costco")
    assert at.radio(key="url_profile").value == "retailer"
    assert at.selectbox(key="profile_retailer").value == "costco"
    current = table_with(at, "since")
    assert set(current["retailer_id"]) == {"costco"}
    assert set(current["brand_id"]) == {"lorex", "ezviz"}
    assert set(current["status"]) == {"stocked"}
    evidence = evidence_of(at)
    assert set(evidence["retailer_id"]) == {"costco"}
    assert url(at, "brand") is None


def test_a_retailer_in_the_link_opens_the_retailer_profile(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, PROFILES, retailer="walmart")
    assert at.radio(key="url_profile").value == "retailer"
    assert at.selectbox(key="profile_retailer").value == "walmart"


def test_profile_widgets_write_the_url(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, PROFILES, brand="lorex")
    at.selectbox(key="profile_brand").set_value("ezviz").run()
    assert not at.exception
    assert url(at, "brand") == "ezviz"
    assert set(evidence_of(at)["brand_id"]) == {"ezviz"}
    at.radio(key="url_profile").set_value("retailer").run()
    assert not at.exception
    assert url(at, "profile") == "retailer"
    assert url(at, "retailer") is not None and url(at, "brand") is None


def test_profile_as_of_date_applies(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, PROFILES, brand="lorex", as_of="2021-11-30")
    current = table_with(at, "since")
    home_depot = current[current["retailer_id"] == "home-depot"]
    assert list(home_depot["status"]) == ["removed"]
    assert "amazon" not in set(current["retailer_id"])  # no data yet in 2021


# --- Bad links --------------------------------------------------------------------------------


def test_bad_params_give_notices_not_errors(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, PROFILES, brand="nope", profile="weird", start="garbage")
    shown = notices(at)
    assert "Ignored brand='nope'" in shown
    assert "Ignored profile='weird'" in shown
    assert "Ignored start='garbage'" in shown
    assert at.selectbox(key="profile_brand").value in {"lorex", "ezviz"}


@pytest.mark.parametrize(
    ("page", "params"),
    [
        (
            TIMELINE,
            {
                "start": "garbage",
                "end": "2021-13-45",
                "status": "bogus",
                "retailer": "nope",
                "brand": HOSTILE_LINK,
            },
        ),
        (TIMELINE, {"start": "1900-01-01"}),
        (COMPARE, {"start": "garbage", "end": "nope", "retailer": "<script>"}),
        (PROFILES, {"profile": "retailer", "retailer": "nope"}),
        (PROFILES, {"brand": "lorex,ezviz"}),
    ],
)
def test_bad_links_never_raise(monkeypatch, seed_store, page, params):
    at = run_page(monkeypatch, seed_store, page, **params)
    assert at.info, "a bad link says what it ignored"
    assert at.dataframe


# --- Hostile data -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini fixture with markup and markdown in names, quotes and titles."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "csv"
    shutil.copytree(MINI_DATA, data)
    for name, old, new in [
        ("brands.csv", "Brand X", HOSTILE),
        ("retailers.csv", "Retailer A", f'"{HOSTILE_LINK}"'),
        ("companies.csv", "Parent One", "**Parent** <b>One</b>"),
        ("events.csv", "Story breaks", HOSTILE),
    ]:
        path = data / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return build_store(data, root / "store")


@pytest.mark.parametrize(
    "params",
    [
        {"page": TIMELINE},
        {"page": COMPARE, "start": "2021-01-01", "end": "2023-12-31"},
        {"page": PROFILES, "brand": "b-x"},
        {"page": PROFILES, "profile": "retailer", "retailer": "r-a"},
    ],
)
def test_hostile_data_is_shown_as_text_only(monkeypatch, hostile_store, params):
    page = params.pop("page")
    at = run_page(monkeypatch, hostile_store, page, **params)
    # Markdown-rendering elements never carry data...
    for text in texts(at, "markdown", "caption", "subheader", "title", "info", "warning"):
        assert HOSTILE not in text and "javascript:" not in text and "<b>" not in text, text
    # ...which appears, verbatim, in the tables.
    cells = "\n".join(frame.astype(str).to_csv() for frame in tables(at))
    assert HOSTILE in cells or HOSTILE_LINK in cells


def test_compare_dates_never_follow_the_as_of_date(monkeypatch, seed_store):
    """Defaults are taken once: moving the sidebar's date leaves a window the reader sees."""
    at = run_page(monkeypatch, seed_store, COMPARE, as_of="2025-10-29")
    assert (url(at, "start"), url(at, "end")) == ("2024-10-29", "2025-10-29")
    at.date_input(key="url_as_of").set_value(dt.date(2023, 6, 1))
    at.run()
    assert not at.exception
    assert (url(at, "start"), url(at, "end")) == ("2024-10-29", "2025-10-29")
