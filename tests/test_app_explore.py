"""AppTest of the Explore & export and Data & method pages, and of the download helper.

AppTest cannot read download bytes, so the export each page offers is taken from session state
(``download_<key>``, see shelfwatch.ui.downloads.download_buttons) and its bytes are made by
calling it directly: the same code a click runs.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from shelfwatch import demo, exports, ingest, queries, store, tables
from shelfwatch.filters import Filters
from shelfwatch.ui import downloads
from tests.conftest import SEED_DATA, TODAY, build_store

PROJECT = Path(__file__).resolve().parent.parent
EXPLORE = "pages/explore.py"
DATA = "pages/data.py"
EXTRA_OBSERVATION = (
    "retailer_id,brand_id,status,effective_on,source_url,source_kind,confidence,reported_on,"
    "channel,quote,note,archive_url\n"
    "walmart,imou,stocked,2025-10-29,https://example.org/imou-at-walmart,listing_check,medium,"
    "2025-10-29,online,Imou cameras listed,Added in version 2 for the pinning test,\n"
)


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed as version 1, plus one Imou observation ingested as version 2."""
    root = tmp_path_factory.mktemp("app_explore")
    store_dir = build_store(SEED_DATA, root / "store")
    batch = root / "imou.csv"
    batch.write_text(EXTRA_OBSERVATION, encoding="utf-8")
    assert ingest.ingest(batch, store_dir, today=TODAY) == 2
    return store_dir


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic store with more observations, and more pairs, than a page holds (1,000)."""
    root = tmp_path_factory.mktemp("app_explore_big")
    demo.write_demo(
        root / "csv", retailers=100, brands=100, observations=30_000, seed=7, today=TODAY
    )
    return build_store(root / "csv", root / "store")


def run_page(
    monkeypatch: pytest.MonkeyPatch, store_dir: Path, page_file: str, **params: str
) -> AppTest:
    monkeypatch.setenv("SHELFWATCH_STORE", str(store_dir))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(page_file)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> pd.DataFrame:
    """The page's main table (the first st.dataframe)."""
    return at.dataframe[0].value


def messages(at: AppTest, kind: str) -> list[str]:
    return [str(element.value) for element in getattr(at, kind)]


def offered(at: AppTest, key: str) -> downloads.Download:
    return at.session_state[f"download_{key}"]


def count_rows(store_dir: Path, version: int | None, name: str, **params: object) -> int:
    con = store.open_version(store_dir, version)
    try:
        return len(queries.run_query(con, name, params))
    finally:
        con.close()


NO_FILTERS = dict(
    retailers=None,
    brands=None,
    parents=None,
    lists=None,
    statuses=None,
    source_kinds=None,
    confidences=None,
    start=None,
    end=None,
    q=None,
    max_rows=None,
    skip_rows=None,
)


# --- pages run ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "params"),
    [
        (EXPLORE, {}),
        (EXPLORE, {"view": "evidence"}),
        (EXPLORE, {"view": "evidence", "kind": "statement", "confidence": "high"}),
        (DATA, {}),
    ],
)
def test_pages_run_without_exception(monkeypatch, seed_store, page, params):
    at = run_page(monkeypatch, seed_store, page, **params)
    assert not messages(at, "error")
    assert len(at.dataframe) >= 1


# --- Explore: filters from the URL ---------------------------------------------------------------


def test_brand_filter_from_the_url_shows_only_that_brand(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, brand="lorex")
    assert at.multiselect(key="url_brand").value == ["lorex"]
    rows = shown(at)
    assert len(rows) > 0
    assert set(rows["brand_id"]) == {"lorex"}
    # The status view: one row per pair, with the status on the sidebar's as-of date.
    assert not rows.duplicated(["retailer_id", "brand_id"]).any()
    assert "Lowe's" in set(rows["retailer_name"])


def test_brand_filter_applies_to_the_evidence_too(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, brand="lorex", view="evidence")
    rows = shown(at)
    assert set(rows["brand_id"]) == {"lorex"}
    assert len(rows) == 23  # every Lorex observation of the seed


def test_evidence_view_has_a_source_on_every_row(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, view="evidence")
    assert at.radio(key="url_view").value == "evidence"
    rows = shown(at)
    assert len(rows) == 30
    assert rows["source_url"].notna().all()
    assert rows["source_url"].str.match(r"^https?://").all()
    assert "30 observations" in " ".join(messages(at, "caption"))


def test_switching_to_evidence_by_widget(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, brand="ezviz")
    assert "quote" in shown(at).columns and len(shown(at)) == 5  # status: five pairs
    at.radio(key="url_view").set_value("evidence").run()
    assert not at.exception
    assert at.query_params["view"] in ("evidence", ["evidence"])
    rows = shown(at)
    assert set(rows["brand_id"]) == {"ezviz"} and len(rows) == 7


def test_search_finds_the_best_buy_statement(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, view="evidence", q="discontinuing")
    rows = shown(at)
    assert len(rows) == 2
    assert set(rows["retailer_id"]) == {"best-buy"}
    assert set(rows["source_kind"]) == {"statement"}
    assert rows["quote"].str.contains("discontinuing").all()
    assert rows["source_url"].str.startswith("https://news.yahoo.com/").all()


def test_unknown_params_give_notices_not_errors(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, brand="nope", view="weird", kind="rumour")
    notices = " ".join(messages(at, "info"))
    assert "brand='nope'" in notices
    assert "view='weird'" in notices
    assert "kind='rumour'" in notices
    assert at.radio(key="url_view").value == "status"
    assert len(shown(at)) == 12  # no filter left: every pair with data


def test_nothing_matches_gives_a_friendly_empty_state(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, retailer="amazon", brand="ezviz")
    assert len(at.dataframe) == 0
    assert any("No retailer × brand pair matches" in m for m in messages(at, "info"))
    assert not at.get("download_button")
    at = run_page(monkeypatch, seed_store, EXPLORE, view="evidence", q="no such words anywhere")
    assert any("No observation matches" in m for m in messages(at, "info"))


def test_permalink_reopens_the_same_view(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, brand="lorex", view="evidence", q="Costco")
    link = messages(at, "code")[-1]
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
    assert query["brand"] == "lorex" and query["view"] == "evidence" and query["q"] == "Costco"
    assert query["v"] == "1"
    again = run_page(monkeypatch, seed_store, EXPLORE, **query)
    pd.testing.assert_frame_equal(shown(again), shown(at))


# --- Explore: exports -----------------------------------------------------------------------------


def test_download_buttons_exist(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, brand="lorex")
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["CSV", "XLSX", "Parquet", "JSON", "Evidence pack (ZIP)"]


def test_status_export_has_every_row_its_source_and_provenance(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, brand="lorex")
    offer = offered(at, "explore")
    provenance, table = exports.read_csv_export(offer.make_bytes("csv"))
    assert provenance["data_version"] == "1"
    assert provenance["as_of"] == "2025-10-29"  # the sidebar's default: the latest data date
    assert "brand=lorex" in provenance["filters"] and "view=status" in provenance["filters"]
    assert provenance["citation"].startswith("Shelfwatch, data version 1, status as of 2025-10-29")
    assert "v=1" in provenance["permalink"] and "brand=lorex" in provenance["permalink"]
    assert len(table) == len(shown(at))
    assert set(table["brand_id"]) == {"lorex"}
    assert (table["source_url"] != "").all()
    assert offer.file_name("csv") == "shelfwatch-status-v1-2025-10-29.csv"


def test_status_export_says_how_old_the_evidence_is(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, as_of="2025-10-29")
    _, frame = exports.read_csv_export(at.session_state["download_explore"].make_bytes("csv"))
    walmart = frame[(frame["retailer_id"] == "walmart") & (frame["brand_id"] == "ezviz")]
    assert walmart[["last_evidence_on", "stale"]].values.tolist() == [["2021-10-25", "true"]]
    assert {"ownership_confidence", "ownership_contested", "contested_parents"} <= set(frame)


def test_every_format_carries_the_provenance(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, brand="lorex", as_of="2021-11-30")
    offer = offered(at, "explore")
    moment = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
    expected = offer.provenance(moment).as_dict()
    assert expected["as_of"] == "2021-11-30"

    parquet = pq.read_table(io.BytesIO(offer.make_bytes("parquet", moment)))
    assert json.loads(parquet.schema.metadata[b"shelfwatch"]) == expected
    assert all(parquet.column("source_url").to_pylist())

    document = json.loads(offer.make_bytes("json", moment))
    assert document["provenance"] == expected
    assert all(row["source_url"] for row in document["rows"])
    assert {row["status"] for row in document["rows"]} >= {"removed", "exiting", "stocked"}

    book = openpyxl.load_workbook(io.BytesIO(offer.make_bytes("xlsx", moment)))
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    assert about["data_version"] == "1" and about["citation"] == expected["citation"]
    header = [cell.value for cell in book["Data"][1]]
    sources = [
        row[header.index("source_url")]
        for row in book["Data"].iter_rows(min_row=2, values_only=True)
    ]
    assert sources and all(sources)


def test_evidence_export_holds_every_matching_row_not_just_the_shown_ones(monkeypatch, big_store):
    at = run_page(monkeypatch, big_store, EXPLORE, view="evidence")
    total = count_rows(big_store, None, "explorer_observations", **NO_FILTERS)
    assert total > 5_000
    assert len(shown(at)) == 1_000  # a page
    pages = -(-total // 1_000)
    assert f"Rows 1–1,000 of {total:,} observations, newest first (page 1 of {pages:,})" in (
        " ".join(messages(at, "caption"))
    )
    offer = offered(at, "explore")
    provenance, table = exports.read_csv_export(offer.make_bytes("csv"))
    assert len(table) == total
    assert (table["source_url"] != "").all()
    assert "view=evidence" in provenance["filters"]
    assert provenance["as_of"] == provenance["filters"].split("end=")[1][:10]  # the "To" date


def status_listing(store_dir: Path, as_of: str) -> pd.DataFrame:
    con = store.open_version(store_dir, None)
    try:
        params = Filters(as_of=dt.date.fromisoformat(as_of)).query_params("status_as_of")
        return queries.run_query(con, "status_as_of", params)
    finally:
        con.close()


def test_status_listing_comes_a_page_at_a_time_and_the_page_is_in_the_link(monkeypatch, big_store):
    day = TODAY.isoformat()
    whole = status_listing(big_store, day)
    assert len(whole) > 2_000  # three pages at least
    at = run_page(monkeypatch, big_store, EXPLORE, as_of=day, page="2")
    page = shown(at)
    assert list(page["brand_id"]) == list(whole["brand_id"][1_000:2_000])
    assert list(page["retailer_id"]) == list(whole["retailer_id"][1_000:2_000])
    captions = " ".join(messages(at, "caption"))
    assert (
        f"Rows 1,001–2,000 of {len(whole):,} retailer × brand pairs with data on {day}" in captions
    )
    assert at.query_params["page"] == "2"
    assert "page=2" in offered(at, "explore").permalink
    # The export is every row, whatever the page.
    _, table = exports.read_csv_export(offered(at, "explore").make_bytes("csv"))
    assert len(table) == len(whole)

    # Next page: the one after; the last page holds what is left.
    at.number_input(key="url_page").set_value(3).run()
    assert list(shown(at)["brand_id"]) == list(whole["brand_id"][2_000:3_000])
    last = -(-len(whole) // 1_000)
    at.number_input(key="url_page").set_value(last).run()
    assert len(shown(at)) == len(whole) - (last - 1) * 1_000

    # A new filter is a new listing: back to its first page.
    at.multiselect(key="url_status").set_value(["removed"]).run()
    assert not at.exception
    removed = whole[whole["status"] == "removed"]
    assert list(shown(at)["brand_id"]) == list(removed["brand_id"][:1_000])
    assert "page" not in at.query_params


def test_a_page_past_the_end_or_not_a_number_is_said_and_a_real_page_shown(monkeypatch, big_store):
    day = TODAY.isoformat()
    whole = status_listing(big_store, day)
    last = -(-len(whole) // 1_000)
    at = run_page(monkeypatch, big_store, EXPLORE, as_of=day, page="9999")
    assert len(shown(at)) == len(whole) - (last - 1) * 1_000
    assert at.query_params["page"] == str(last)
    at = run_page(monkeypatch, big_store, EXPLORE, as_of=day, page="two")
    assert list(shown(at)["brand_id"]) == list(whole["brand_id"][:1_000])
    assert any("Ignored page=" in text for text in messages(at, "warning") + messages(at, "info"))


def test_evidence_export_keeps_the_text_search(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, view="evidence", q="discontinuing")
    provenance, table = exports.read_csv_export(offered(at, "explore").make_bytes("csv"))
    assert "q=discontinuing" in provenance["filters"]
    assert list(table["obs_id"]) == [str(i) for i in shown(at)["obs_id"]]


# --- versions -------------------------------------------------------------------------------------


def test_pinning_v1_shows_and_exports_version_1(monkeypatch, two_versions):
    latest = run_page(monkeypatch, two_versions, EXPLORE, view="evidence")
    assert len(shown(latest)) == 31
    assert offered(latest, "explore").data_version == 2

    at = run_page(monkeypatch, two_versions, EXPLORE, view="evidence", v="1")
    assert any("Pinned to data version 1" in m for m in messages(at.main, "warning"))
    rows = shown(at)
    assert len(rows) == 30 and "imou" not in set(rows["brand_id"])
    offer = offered(at, "explore")
    provenance, table = exports.read_csv_export(offer.make_bytes("csv"))
    assert provenance["data_version"] == "1" and len(table) == 30
    assert offer.file_name("parquet").startswith("shelfwatch-evidence-v1-")


def test_a_version_that_does_not_exist_says_so(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, v="99")
    assert any("does not exist" in m for m in messages(at, "info"))
    assert len(shown(at)) == 12
    at = run_page(monkeypatch, seed_store, DATA, v="99")
    assert any("does not exist" in m for m in messages(at, "info"))


# --- Data & method --------------------------------------------------------------------------------


def test_data_page_shows_versions_sources_and_a_citation(monkeypatch, two_versions):
    at = run_page(monkeypatch, two_versions, DATA)
    frames = [element.value for element in at.dataframe]
    versions = next(f for f in frames if "parent_version" in f.columns)
    assert list(versions["version"]) == [1, 2]
    inputs = next(f for f in frames if "sha256" in f.columns)
    assert "imou.csv" in set(inputs["file_name"])
    assert inputs["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    sources = next(f for f in frames if "source_kinds" in f.columns)
    assert "https://example.org/imou-at-walmart" in set(sources["source_url"])
    assert any(m.startswith("Shelfwatch, data version 2") for m in messages(at, "code"))
    assert [b.label for b in at.get("download_button")] == ["CSV", "XLSX", "Parquet", "JSON"]


def test_full_dataset_download_has_every_observation(monkeypatch, two_versions):
    at = run_page(monkeypatch, two_versions, DATA, v="1")
    provenance, table = exports.read_csv_export(offered(at, "dataset").make_bytes("csv"))
    assert provenance["data_version"] == "1" and provenance["as_of"] == ""
    assert len(table) == 30 and (table["source_url"] != "").all()
    assert offered(at, "dataset").file_name("csv") == "shelfwatch-all-observations-v1.csv"


# --- the download helper on its own ---------------------------------------------------------------


def test_a_download_reads_every_row_of_its_version_only_when_asked(seed_store):
    offer = downloads.Download(
        downloads.QuerySource(
            store.version_path(seed_store, 1), "explorer_observations", NO_FILTERS
        ),
        data_version=1,
        as_of=dt.date(2021, 11, 30),
        filters={"brand": ("lorex",)},
        title="Shelfwatch status",
    )
    assert offer.file_name("csv") == "shelfwatch-status-v1-2021-11-30.csv"
    provenance, table = exports.read_csv_export(offer.make_bytes("csv"))
    assert provenance["filters"] == "brand=lorex" and len(table) == 30
    with pytest.raises(ValueError):
        offer.file_name("pdf")
    # The route's token names the same offer whatever the rerun; another format, another token.
    assert downloads.register(offer, "csv") == downloads.register(offer, "csv")
    assert downloads.registered(downloads.register(offer, "json")) == (offer.job, "json")
    url = downloads.download_url(offer, "csv")
    assert url.startswith("downloads/") and url.endswith("/shelfwatch-status-v1-2021-11-30.csv")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.org/a", "https://example.org/a"),
        ("HTTP://EXAMPLE.ORG", "HTTP://EXAMPLE.ORG"),
        ("javascript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<b>x</b>", None),
        ("//example.org", None),
        ("example.org", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_web_url_only_accepts_http(value, expected):
    assert tables.web_link(value) == expected


def _hostile_table() -> None:
    import pandas as pd

    from shelfwatch.ui import downloads

    frame = pd.DataFrame(
        {
            "quote": ["<script>alert(1)</script>", "**bold**"],
            "source_url": ["javascript:alert(1)", "https://example.org/ok"],
        }
    )
    downloads.show_table(frame, {"quote": "Quote", "source_url": "Source"})


def test_a_javascript_url_is_never_a_link():
    at = AppTest.from_function(_hostile_table, default_timeout=30).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["source_url"].tolist()[1] == "https://example.org/ok"
    assert pd.isna(table["source_url"].tolist()[0])
    assert table["source_url (text)"].tolist()[0] == "javascript:alert(1)"
    assert table["quote"].tolist() == ["<script>alert(1)</script>", "**bold**"]
    assert not at.markdown  # nothing from the frame went through markdown


def test_pages_hold_no_sql_and_render_no_html():
    for page in (EXPLORE, DATA):
        text = (PROJECT / page).read_text(encoding="utf-8")
        assert "unsafe_allow_html" not in text
        assert "select " not in text.lower()
