"""The Atom feeds (shelfwatch/feeds.py): addresses, what each feed holds on the seed, escaping,
the cache, the server's /feeds route, and a new transition appearing after an ingest."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import importlib
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import anyio
import duckdb
import feedparser
import pytest
from starlette.requests import Request
from streamlit.testing.v1 import AppTest

from shelfwatch import feeds, ingest, queries, store
from shelfwatch.feeds import FeedScope
from shelfwatch.ui import downloads
from tests import hostile
from tests.conftest import TODAY
from tests.test_app_explore import run_page

BASE = "https://shelfwatch.test"
ATOM = "{http://www.w3.org/2005/Atom}"
HOME_DEPOT_LOREX = "urn:shelfwatch:change:home-depot:lorex:2021-10-25:removed"
HOME_DEPOT_SOURCE = "https://news.yahoo.com/us-retail-giants-pull-chinese-150045714.html"
HOME_DEPOT_PERMALINK = (
    f"{BASE}/explore?as_of=2021-10-25&brand=lorex&cell=home-depot%3Alorex&retailer=home-depot&v=1"
)


@pytest.fixture(autouse=True)
def fresh_cache():
    feeds.clear_cache()
    yield
    feeds.clear_cache()


def current(store_dir: Path) -> store.PublishedVersion:
    return store.resolve_version(store_dir)


def parse(body: bytes):
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def feed_of(store_dir: Path, scope: FeedScope, base: str = BASE):
    return parse(feeds.build_feed(current(store_dir).path, scope, base_url=base))


def by_id(parsed) -> dict[str, object]:
    return {entry.id: entry for entry in parsed.entries}


def all_changes(con: duckdb.DuckDBPyConnection, **filters: object) -> set[str]:
    """Every transition changes_between lists over all time, as feed entry ids."""
    params = {"retailers": None, "brands": None, "max_rows": None, **filters}
    rows = queries.run_query(
        con, "changes_between", {"start": dt.date(1900, 1, 1), "end": TODAY, **params}
    )
    return {feeds.entry_id(row) for row in rows.to_dict("records")}


# --- addresses -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        (FeedScope(), "/feeds/all.atom"),
        (FeedScope("brand", "lorex"), "/feeds/brand/lorex.atom"),
        (FeedScope("retailer", "home-depot"), "/feeds/retailer/home-depot.atom"),
        (FeedScope("parent", "dahua"), "/feeds/parent/dahua.atom"),
    ],
)
def test_a_feed_path_round_trips(scope, path):
    assert feeds.feed_path(scope) == path
    assert feeds.parse_feed_path(path) == scope


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/all.rss",
        "/feeds/all.atom/",
        "/feeds/all.atom\n",
        "/feeds/ALL.atom",
        "/feeds/all/lorex.atom",
        "/feeds/brand.atom",
        "/feeds/brand/.atom",
        "/feeds/brand/Lorex.atom",
        "/feeds/brand/lo_rex.atom",
        "/feeds/brand/lorex",
        "/feeds/brand/a/b.atom",
        "/feeds/brand/../all.atom",
        "/feeds/brand/%6corex.atom",
        "/feeds/company/dahua.atom",
        "feeds/all.atom",
        "/feeds/brand/" + "a" * 400 + ".atom",
        "",
    ],
)
def test_anything_else_is_not_a_feed(path):
    with pytest.raises(feeds.BadFeedPath):
        feeds.parse_feed_path(path)


def test_a_scope_is_checked():
    for kind, item in [("all", "lorex"), ("brand", None), ("brand", "Lorex"), ("owner", "x")]:
        with pytest.raises(ValueError):
            FeedScope(kind, item)


def test_the_public_url_wins_over_the_request(monkeypatch):
    monkeypatch.delenv(feeds.PUBLIC_URL_ENV, raising=False)
    assert feeds.public_base_url("http://127.0.0.1:8501/") == "http://127.0.0.1:8501"
    monkeypatch.setenv(feeds.PUBLIC_URL_ENV, "https://news.example/shelfwatch/")
    assert feeds.public_base_url("http://127.0.0.1:8501/") == "https://news.example/shelfwatch"


# --- what the feeds hold on the seed -------------------------------------------------------------


def test_the_feed_of_every_change_lists_the_home_depot_removal(seed_store, seed_con):
    parsed = feed_of(seed_store, FeedScope())
    version = current(seed_store)
    published = queries.run_query(seed_con, "versions_published").iloc[-1]["published_at"]
    assert parsed.feed.title == "Shelfwatch: every status change"
    assert parsed.feed.id == "urn:shelfwatch:feed:all"
    assert {link.rel: link.href for link in parsed.feed.links}["self"] == f"{BASE}/feeds/all.atom"
    assert parsed.feed.updated_parsed[:6] == published.timetuple()[:6]
    assert parsed.feed.rights == f"Source: Shelfwatch data v{version.number}, CC BY 4.0"

    entry = by_id(parsed)[HOME_DEPOT_LOREX]
    assert entry.title == "Home Depot stopped selling Lorex"
    assert entry.link == HOME_DEPOT_PERMALINK
    assert [link.rel for link in entry.links] == ["alternate"]
    assert entry.updated.startswith("2021-10-25T00:00:00")
    content = entry.content[0]
    assert content.type == "text/html"
    for said in (
        "Stocked → Removed",
        "Date of the change: 2021-10-25",
        f'<a href="{HOME_DEPOT_SOURCE}">',
        "(statement, high confidence)",
        "Dahua Technology",
        "published in data version 1",
        "The evidence of this pair on 2021-10-25",
    ):
        assert said in content.value, said

    # The same transitions as changes_between over all time (at most 100; the seed has fewer),
    # newest first.
    assert set(by_id(parsed)) == all_changes(seed_con)
    days = [entry.updated for entry in parsed.entries]
    assert days == sorted(days, reverse=True)
    first = [entry for entry in parsed.entries if "first recorded" in entry.title]
    assert first and all("(the pair's first evidence)" in e.content[0].value for e in first)


def test_the_permalink_reopens_the_pairs_evidence_on_that_date(monkeypatch, seed_store):
    params = dict(part.split("=") for part in HOME_DEPOT_PERMALINK.split("?", 1)[1].split("&"))
    params["cell"] = params["cell"].replace("%3A", ":")
    at = run_page(monkeypatch, seed_store, "pages/explore.py", **params)
    assert at.session_state["explore_cell"] == ("home-depot", "lorex")
    texts = [str(text.value) for text in at.text]
    assert "Home Depot × Lorex" in texts  # "why this status" of the pair, on 2021-10-25
    assert any("removed" in text.lower() and "2021-10-25" in text for text in texts), texts


def test_a_brand_feed_holds_only_that_brand(seed_store, seed_con):
    parsed = feed_of(seed_store, FeedScope("brand", "lorex"))
    assert parsed.feed.title == "Shelfwatch: Lorex"
    assert parsed.feed.id == "urn:shelfwatch:feed:brand:lorex"
    assert HOME_DEPOT_LOREX in by_id(parsed)
    assert set(by_id(parsed)) == all_changes(seed_con, brands=["lorex"])
    assert all(entry.id.split(":")[4] == "lorex" for entry in parsed.entries)
    assert all(entry.title.endswith(" Lorex") for entry in parsed.entries)
    ezviz = feed_of(seed_store, FeedScope("brand", "ezviz"))
    assert ezviz.entries and all(":ezviz:" in entry.id for entry in ezviz.entries)


def test_a_retailer_feed_holds_only_that_retailer(seed_store, seed_con):
    parsed = feed_of(seed_store, FeedScope("retailer", "home-depot"))
    assert parsed.feed.title == "Shelfwatch: Home Depot"
    assert set(by_id(parsed)) == all_changes(seed_con, retailers=["home-depot"])
    assert HOME_DEPOT_LOREX in by_id(parsed)
    assert all(entry.title.startswith("Home Depot ") for entry in parsed.entries)


def test_a_parent_feed_holds_its_brands_while_it_owned_them(seed_store, seed_con):
    # Lorex's strongest claim names Dahua from 2018-02-06 until 2022-11-24 (then Skywatch);
    # Ezviz is Hikvision's. The seed's Lorex changes of 2025 are Skywatch's.
    parsed = feed_of(seed_store, FeedScope("parent", "dahua"))
    assert parsed.feed.title == "Shelfwatch: brands of Dahua Technology"
    assert HOME_DEPOT_LOREX in by_id(parsed)
    lorex = all_changes(seed_con, brands=["lorex"])
    held = {
        entry_id
        for entry_id in lorex
        if dt.date(2018, 2, 6)
        <= dt.date.fromisoformat(entry_id.split(":")[5])
        < dt.date(2022, 11, 24)
    }
    assert held and set(by_id(parsed)) == held
    assert all("Dahua Technology" in entry.content[0].value for entry in parsed.entries)
    skywatch = feed_of(seed_store, FeedScope("parent", "skywatch"))
    assert set(by_id(skywatch)) == lorex - held
    hikvision = feed_of(seed_store, FeedScope("parent", "hikvision"))
    assert set(by_id(hikvision)) == all_changes(seed_con, brands=["ezviz"])
    assert (
        parse(feeds.build_feed(seed_con, FeedScope("parent", "flir"), base_url=BASE)).entries == []
    )


@pytest.mark.parametrize("kind", ["brand", "retailer", "parent"])
def test_an_unknown_id_is_an_unknown_feed(seed_store, kind):
    with pytest.raises(feeds.UnknownFeed, match="no-such-id"):
        feeds.build_feed(current(seed_store).path, FeedScope(kind, "no-such-id"), base_url=BASE)


def test_a_feed_lists_at_most_the_newest_entries(monkeypatch, seed_con):
    monkeypatch.setattr(feeds, "MAX_ENTRIES", 3)
    parsed = parse(feeds.build_feed(seed_con, FeedScope(), base_url=BASE))
    assert [entry.updated[:10] for entry in parsed.entries] == [
        "2025-10-29",
        "2025-09-23",
        "2025-09-23",
    ]
    # Ties on a date in id order: best-buy before home-depot.
    assert [entry.id.split(":")[3] for entry in parsed.entries] == [
        "amazon",
        "best-buy",
        "home-depot",
    ]


def test_built_feeds_are_kept_per_version_file_scope_and_base(seed_store):
    path = current(seed_store).path
    one = feeds.build_feed(path, FeedScope("brand", "lorex"), base_url=BASE)
    assert feeds.build_feed(path, FeedScope("brand", "lorex"), base_url=BASE + "/") is one
    other = feeds.build_feed(path, FeedScope("brand", "lorex"), base_url="http://elsewhere")
    assert other is not one and b"http://elsewhere/explore?" in other
    for number in range(feeds.CACHE_ENTRIES + 10):
        feeds.build_feed(path, FeedScope(), base_url=f"http://host-{number}")
    assert feeds._cached.cache_info().currsize == feeds.CACHE_ENTRIES


def test_hostile_data_stays_text(seed_store, tmp_path):
    target = hostile.make_hostile_store(seed_store, tmp_path / "store")
    path = current(target).path
    con = duckdb.connect(str(path))
    try:  # control characters and text XML cannot hold, in the same quote
        con.execute(
            "update observations set quote = $quote where source_url = $url",
            {"quote": hostile.QUOTE + "\x1b[31m ]]> \ufffe\u202e", "url": hostile.SOURCE_URL},
        )
        con.execute("checkpoint")
    finally:
        con.close()
    body = feeds.build_feed(path, FeedScope("brand", "lorex"), base_url=BASE)
    parsed = parse(body)
    tree = ET.fromstring(body)
    [entry] = [e for e in tree.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id") == HOME_DEPOT_LOREX]
    # Titles are text: the names as written; the content is HTML with the names escaped.
    assert (
        entry.findtext(f"{ATOM}title")
        == f"{hostile.RETAILER_NAME} stopped selling {hostile.BRAND_NAME}"
    )
    assert tree.findtext(f"{ATOM}title") == f"Shelfwatch: {hostile.BRAND_NAME}"
    content = entry.findtext(f"{ATOM}content")
    assert "<img" not in content and "&lt;img src=x onerror=alert(1)&gt;" in content
    assert 'href="javascript' not in content and "javascript:alert(1)" in content
    assert "\x1b" not in content and "\ufffe" not in content and "\u202e" not in content
    assert "]]&gt;" in content
    assert all("javascript" not in link.href for e in parsed.entries for link in e.links)


# --- the server's route ----------------------------------------------------------------------


@pytest.fixture
def server(monkeypatch):
    """The Shelfwatch server module, for its route; importing it marks the routes mounted for
    the whole process, so the flag is put back."""
    mounted = downloads.ROUTE_MOUNTED
    module = importlib.import_module("shelfwatch.ui.server")
    downloads.ROUTE_MOUNTED = mounted
    monkeypatch.delenv(feeds.PUBLIC_URL_ENV, raising=False)
    return module


def fetch(server, path: str):
    """What the route answers for ``/feeds/<path>``, asked of http://shelfwatch.test."""
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("shelfwatch.test", 80),
        "root_path": "",
        "path": f"/feeds/{path}",
        "path_params": {"path": path},
        "headers": [(b"host", b"shelfwatch.test")],
        "query_string": b"",
    }
    # On a thread of its own, as tests/test_app_packs.py does: Playwright's sync API may keep
    # an event loop running in the main thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, server.serve_feed, Request(scope)).result()


def test_the_route_serves_a_feed(monkeypatch, seed_store, server):
    monkeypatch.setenv("SHELFWATCH_STORE", str(seed_store))
    response = fetch(server, "brand/lorex.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["cache-control"] == "max-age=300"
    parsed = parse(response.body)
    assert {link.rel: link.href for link in parsed.feed.links}["self"] == (
        "http://shelfwatch.test/feeds/brand/lorex.atom"
    )
    assert by_id(parsed)[HOME_DEPOT_LOREX].link == HOME_DEPOT_PERMALINK.replace(
        BASE, "http://shelfwatch.test"
    )
    monkeypatch.setenv(feeds.PUBLIC_URL_ENV, BASE)
    public = parse(fetch(server, "all.atom").body)
    assert by_id(public)[HOME_DEPOT_LOREX].link == HOME_DEPOT_PERMALINK


@pytest.mark.parametrize(
    "path", ["brand/no-such-brand.atom", "parent/lorex.atom", "brand/Lorex.atom", "all", "x/y.atom"]
)
def test_the_route_answers_404_for_no_such_feed(monkeypatch, seed_store, server, path):
    monkeypatch.setenv("SHELFWATCH_STORE", str(seed_store))
    response = fetch(server, path)
    assert response.status_code == 404
    assert response.body.decode().startswith("No such feed: ")


def test_the_route_without_published_data(monkeypatch, server, tmp_path):
    monkeypatch.setenv("SHELFWATCH_STORE", str(tmp_path / "empty"))
    response = fetch(server, "all.atom")
    assert response.status_code == 503 and "Retry-After" in response.headers


def test_the_route_is_mounted_and_the_pages_link_to_it(monkeypatch, seed_store, server):
    assert any(getattr(route, "path", "") == "/feeds/{path:path}" for route in server.ROUTES)
    monkeypatch.setattr(downloads, "ROUTE_MOUNTED", True)
    at = run_page(monkeypatch, seed_store, "pages/profiles.py", brand="lorex")
    captions = [str(caption.value) for caption in at.caption]
    assert ":material/rss_feed: [Follow Lorex (Atom feed)](feeds/brand/lorex.atom)" in captions
    at = run_page(
        monkeypatch, seed_store, "pages/profiles.py", profile="retailer", retailer="costco"
    )
    captions = [str(caption.value) for caption in at.caption]
    assert any("(feeds/retailer/costco.atom)" in caption for caption in captions)
    at = run_page(monkeypatch, seed_store, "pages/overview.py")
    captions = [str(caption.value) for caption in at.caption]
    assert [c for c in captions if "Atom feed" in c] == [
        ":material/rss_feed: [Follow every change (Atom feed)](feeds/all.atom)"
    ]


def test_no_feed_link_without_the_server(monkeypatch, seed_store):
    monkeypatch.setattr(downloads, "ROUTE_MOUNTED", False)
    at = run_page(monkeypatch, seed_store, "pages/profiles.py", brand="lorex")
    assert not [c for c in at.caption if "Atom feed" in str(c.value)]


def test_the_feed_list_for_the_data_page(monkeypatch, seed_store, tmp_path):
    script = tmp_path / "feeds_page.py"
    script.write_text(
        "from shelfwatch.ui import context, follow\n"
        "view = context.current()\n"
        "follow.show_feed_list(view)\n"
    )
    monkeypatch.setenv("SHELFWATCH_STORE", str(seed_store))
    monkeypatch.setenv(feeds.PUBLIC_URL_ENV, "https://news.example")
    at = AppTest.from_file(str(script), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [sub.value for sub in at.subheader] == ["Feeds"]
    codes = [str(code.value) for code in at.code]
    assert codes[0] == "https://news.example/feeds/all.atom"
    assert "https://news.example/feeds/brand/<id>.atom" in codes[1]
    assert "https://news.example/feeds/retailer/<id>.atom" in codes[1]
    assert "https://news.example/feeds/parent/<id>.atom" in codes[1]


# --- a new version -------------------------------------------------------------------------------


def test_an_ingested_change_appears_with_its_version(monkeypatch, seed_store, server, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(seed_store, copy)
    monkeypatch.setenv("SHELFWATCH_STORE", str(copy))
    before = parse(fetch(server, "retailer/walmart.atom").body)
    new_id = "urn:shelfwatch:change:walmart:lorex:2026-03-02:removed"
    assert new_id not in by_id(before)

    batch = tmp_path / "walmart.csv"
    batch.write_text(
        "retailer_id,brand_id,status,effective_on,source_url,source_kind,confidence,quote\n"
        "walmart,lorex,removed,2026-03-02,https://example.org/walmart-lorex,statement,high,"
        '"We no longer carry Lorex"\n',
        encoding="utf-8",
    )
    number = ingest.ingest(batch, copy, today=TODAY)
    assert number == current(seed_store).number + 1

    for path in ("all.atom", "brand/lorex.atom", "retailer/walmart.atom", "parent/skywatch.atom"):
        parsed = parse(fetch(server, path).body)  # CURRENT is read on every request
        entry = parsed.entries[0]
        assert entry.id == new_id, path
        assert entry.title == "Walmart stopped selling Lorex"
        assert f"published in data version {number}" in entry.content[0].value
        assert entry.link == (
            "http://shelfwatch.test/explore?as_of=2026-03-02&brand=lorex&cell=walmart%3Alorex"
            f"&retailer=walmart&v={number}"
        )
        # The older changes keep their own version; the permalinks pin the feed's.
        older = by_id(parsed).get(HOME_DEPOT_LOREX) or parsed.entries[-1]
        assert "published in data version 1" in older.content[0].value
        assert f"v={number}" in older.link
    assert new_id not in by_id(parse(fetch(server, "parent/dahua.atom").body))
    assert new_id not in by_id(parse(fetch(server, "brand/ezviz.atom").body))


def test_a_hostile_name_in_a_follow_link_stays_text(monkeypatch, seed_store, tmp_path):
    target = hostile.make_hostile_store(seed_store, tmp_path / "store")
    monkeypatch.setattr(downloads, "ROUTE_MOUNTED", True)
    at = run_page(monkeypatch, target, "pages/profiles.py", brand="lorex")
    [link] = [str(c.value) for c in at.caption if "Atom feed" in str(c.value)]
    assert "<img" not in link and "&lt;img" in link
    assert link.endswith("(feeds/brand/lorex.atom)")
