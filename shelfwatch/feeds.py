"""Atom feeds of status transitions a reader can subscribe to (docs/design.md, "Feeds").

One feed per scope — every change, one brand, one retailer, or the brands of one parent
company (the strongest ownership claim's company on the change's date) — at a stable address:
``/feeds/all.atom``, ``/feeds/brand/<id>.atom``, ``/feeds/retailer/<id>.atom``,
``/feeds/parent/<id>.atom``. Each entry is one transition of the ``feed_transitions`` query:
its pair, the status before and after, the date, the source with its kind and confidence, the
data version that first published that source, and a permalink that reopens the pair's
evidence on that date with the feed's version pinned.

Built with feedgen, which writes every text as XML text (escaped); the entry's HTML escapes
the data's text and links only http(s) sources. Built feeds are kept per process (LRU, keyed
by the immutable version file, the scope and the base URL). Pure: no streamlit.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
from feedgen.feed import FeedGenerator

from shelfwatch import __version__, queries, site, store, urlstate, vocab
from shelfwatch.citations import credit_line
from shelfwatch.filters import Filters
from shelfwatch.headline import as_day, change_phrase, day_text
from shelfwatch.tables import web_link

ROUTE = "/feeds"
KINDS = ("all", "brand", "retailer", "parent")
MAX_ENTRIES = 100  # the newest transitions a feed lists
CACHE_ENTRIES = 64  # built feeds kept per process (a few tens of kilobytes each)
MAX_QUOTE = 500  # characters of a source's quote shown in an entry
# Where the app is reached from outside, for the feeds' links; else each request's own base.
PUBLIC_URL_ENV = "SHELFWATCH_PUBLIC_URL"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"

_SLUG = re.compile(r"[a-z0-9-]+")
_PATH = re.compile(r"/feeds/(?:all|(brand|retailer|parent)/([a-z0-9-]{1,200}))\.atom")
_NOUN = {"brand": "brand", "retailer": "retailer", "parent": "parent company"}
_NAMES_QUERY = {
    "brand": ("brands", "brand_id"),
    "retailer": ("retailers", "retailer_id"),
    "parent": ("companies", "company_id"),
}
_FILTER = {"brand": "brands", "retailer": "retailers", "parent": "parents"}


class UnknownFeed(LookupError):
    """No such feed: an address that is not a feed's, or an id this data version lacks."""


class BadFeedPath(UnknownFeed):
    """An address that is not one of the four feed forms (ids are slugs ``[a-z0-9-]+``)."""


@dataclass(frozen=True)
class FeedScope:
    """What a feed holds: every change (``all``) or one brand's, retailer's or parent's."""

    kind: str = "all"
    id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"a feed's kind is one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.kind == "all":
            if self.id is not None:
                raise ValueError("the feed of every change takes no id")
        elif self.id is None or not _SLUG.fullmatch(self.id):
            raise ValueError(f"a {self.kind} feed's id is a slug [a-z0-9-]+, not {self.id!r}")


def feed_path(scope: FeedScope) -> str:
    """The feed's address on the server: ``/feeds/all.atom``, ``/feeds/brand/lorex.atom``…"""
    if scope.kind == "all":
        return f"{ROUTE}/all.atom"
    return f"{ROUTE}/{scope.kind}/{scope.id}.atom"


def parse_feed_path(path: str) -> FeedScope:
    """The scope of a feed address (as :func:`feed_path` writes it); anything else is
    :class:`BadFeedPath`."""
    match = _PATH.fullmatch(path) if len(path) <= 300 else None
    if match is None:
        raise BadFeedPath(
            "not a feed address: expected /feeds/all.atom or /feeds/brand|retailer|parent/"
            "<id>.atom, an id of lowercase letters, digits and hyphens"
        )
    kind, item = match.groups()
    return FeedScope() if kind is None else FeedScope(kind, item)


def public_base_url(request_base: str) -> str:
    """The base of the feeds' links: ``$SHELFWATCH_PUBLIC_URL`` if set, else the request's
    own base URL; without a trailing slash."""
    return (os.environ.get(PUBLIC_URL_ENV, "").strip() or request_base).rstrip("/")


def build_feed(
    source: duckdb.DuckDBPyConnection | str | os.PathLike[str],
    scope: FeedScope,
    *,
    base_url: str,
    version: int | None = None,
    published_at: dt.datetime | None = None,
) -> bytes:
    """The Atom feed of ``scope`` as UTF-8 bytes, from a published version.

    ``source`` is a version file (opened read-only through :func:`store.connect_reader`; the
    built feed is kept per process, :data:`CACHE_ENTRIES` at most) or an open connection to
    one (built every time). ``version`` and ``published_at`` default to the file's own: its
    number and when it was published, the feed's ``updated``. ``base_url`` is where the app is
    reached (:func:`public_base_url`). An id this version does not know is :class:`UnknownFeed`.
    """
    base = base_url.rstrip("/")
    if isinstance(source, duckdb.DuckDBPyConnection):
        return _build(source, scope, base, version, published_at)
    return _cached(str(Path(source)), scope, base, version, published_at)


def clear_cache() -> None:
    """Forget every built feed (tests; the cache is keyed by immutable files)."""
    _cached.cache_clear()


@lru_cache(maxsize=CACHE_ENTRIES)
def _cached(
    path: str,
    scope: FeedScope,
    base: str,
    version: int | None,
    published_at: dt.datetime | None,
) -> bytes:
    con = store.connect_reader(Path(path))
    try:
        return _build(con, scope, base, version, published_at, check=True)
    finally:
        con.close()


def _build(
    con: duckdb.DuckDBPyConnection,
    scope: FeedScope,
    base: str,
    version: int | None,
    published_at: dt.datetime | None,
    *,
    check: bool = False,
) -> bytes:
    versions = queries.run_query_arrow(con, "versions_published").to_pylist()
    own = versions[-1] if versions else {}
    number = int(version if version is not None else own.get("version") or 0)
    if check:
        store.check_format(con, number)
    if published_at is None:
        published_at = next(
            (row["published_at"] for row in versions if row["version"] == number), None
        )
    published_at = _aware(published_at or dt.datetime.now(dt.UTC))
    name = _scope_name(con, scope)
    params: dict[str, object] = {
        "retailers": None,
        "brands": None,
        "parents": None,
        "max_rows": MAX_ENTRIES,
    }
    if scope.kind != "all":
        params[_FILTER[scope.kind]] = [scope.id]
    rows = queries.run_query_arrow(con, "feed_transitions", params).to_pylist()

    feed = FeedGenerator()
    feed.id(_feed_id(scope))
    feed.title(_text(_title(scope, name)))
    feed.subtitle(_text(_subtitle(scope, name, number)))
    feed.author({"name": "Shelfwatch"})
    feed.link(href=base + feed_path(scope), rel="self", type="application/atom+xml")
    feed.link(href=_page_link(base, scope, number), rel="alternate", type="text/html")
    feed.updated(published_at)
    feed.rights(credit_line(number))
    feed.generator("Shelfwatch", version=__version__)
    feed.language("en")
    for row in rows:
        _add_entry(feed, row, base, number)
    return feed.atom_str(pretty=True)


def _scope_name(con: duckdb.DuckDBPyConnection, scope: FeedScope) -> str:
    """The scope's name in this version ('' for every change); :class:`UnknownFeed` if its id
    is not in it."""
    if scope.kind == "all":
        return ""
    query, key = _NAMES_QUERY[scope.kind]
    table = queries.run_query_arrow(con, query)
    for item, name in zip(
        table.column(key).to_pylist(), table.column("name").to_pylist(), strict=True
    ):
        if item == scope.id:
            return str(name or item)
    raise UnknownFeed(f"no {_NOUN[scope.kind]} {scope.id!r} in this data version")


def _feed_id(scope: FeedScope) -> str:
    return "urn:shelfwatch:feed:" + (scope.kind if scope.id is None else f"{scope.kind}:{scope.id}")


def entry_id(row: Mapping[str, object]) -> str:
    """A transition's stable id: its pair, date and new status, the same in every feed and
    every data version that holds it."""
    return (
        f"urn:shelfwatch:change:{row['retailer_id']}:{row['brand_id']}:"
        f"{as_day(row['changed_on']).isoformat()}:{row['to_status']}"
    )


def _title(scope: FeedScope, name: str) -> str:
    if scope.kind == "all":
        return "Shelfwatch: every status change"
    return f"Shelfwatch: brands of {name}" if scope.kind == "parent" else f"Shelfwatch: {name}"


def _subtitle(scope: FeedScope, name: str, number: int) -> str:
    what = {
        "all": "Every status change of a brand at a retailer",
        "brand": f"Every status change of {name} at a retailer",
        "retailer": f"Every status change of a brand at {name}",
        "parent": f"Every status change of a brand of {name} (its owner by the strongest "
        "ownership claim on the change's date) at a retailer",
    }[scope.kind]
    return (
        f"{what}, with its source: the newest {MAX_ENTRIES} by date of change, as of data "
        f"version {number}."
    )


def _page_link(base: str, scope: FeedScope, number: int) -> str:
    """The app's page about the scope: the brand's or retailer's profile, the evidence of a
    parent's brands, the Compare page for every change."""
    profiles, explore = _page("profiles", base), _page("explore", base)
    if scope.kind == "brand":
        return Filters(brands=(str(scope.id),)).permalink(profiles, number)
    if scope.kind == "retailer":
        return Filters(retailers=(str(scope.id),)).permalink(
            profiles, number, {"profile": "retailer"}
        )
    if scope.kind == "parent":
        return Filters(parents=(str(scope.id),)).permalink(explore, number, {"view": "evidence"})
    return Filters().permalink(_page("compare", base), number)


def _page(url_path: str, base: str) -> str:
    return f"{base}/{site.page(url_path).url_path}"


def entry_permalink(base: str, row: Mapping[str, object], number: int) -> str:
    """Explore on the change's date, filtered to the pair and with its row ticked (``cell``,
    so "why this status" is shown), data version ``number`` pinned."""
    retailer, brand = str(row["retailer_id"]), str(row["brand_id"])
    chosen = Filters(as_of=as_day(row["changed_on"]), retailers=(retailer,), brands=(brand,))
    cell = {"cell": urlstate.cell_key(retailer, brand)}
    return chosen.permalink(_page("explore", base), number, cell)


def _add_entry(feed: FeedGenerator, row: Mapping[str, object], base: str, number: int) -> None:
    day = as_day(row["changed_on"])
    retailer = _text(row.get("retailer_name") or row["retailer_id"])
    brand = _text(row.get("brand_name") or row["brand_id"])
    said = change_phrase(row.get("from_status"), str(row["to_status"]))
    title = f"{retailer} {said} {brand}"
    link = entry_permalink(base, row, number)
    source = web_link(row.get("source_url"))

    entry = feed.add_entry(order="append")
    entry.id(entry_id(row))
    entry.title(title)
    entry.updated(dt.datetime.combine(day, dt.time(), dt.UTC))
    first_published = row.get("published_at")
    if isinstance(first_published, dt.datetime):  # when the source's version was published
        entry.published(_aware(first_published))
    # One link, the permalink. feedgen 1.0 writes an entry's links without their rel and
    # type, so each is an alternate: a second one (the source) would be one too many, and
    # readers would open either; the source is linked in the content instead.
    entry.link(href=link, rel="alternate", type="text/html")
    entry.content(_entry_html(row, title, day, link, source, number), type="html")


def _entry_html(
    row: Mapping[str, object],
    title: str,
    day: dt.date,
    link: str,
    source: str | None,
    number: int,
) -> str:
    """The entry's content: every text from the data escaped, only http(s) sources linked."""

    def esc(value: object) -> str:
        return html.escape(_text(value), quote=True)

    after = _label(row["to_status"])
    if row.get("from_status") is None:
        change = f"no earlier evidence → {esc(after)} (the pair's first evidence)"
    else:
        change = f"{esc(_label(row['from_status']))} → {esc(after)}"
    raw_source = _text(row.get("source_url"))
    if source:
        cited = f'<a href="{esc(source)}">{esc(source)}</a>'
    else:
        cited = esc(raw_source) if raw_source else "none recorded"
    kind = _text(row.get("source_kind")).replace("_", " ")
    strength = f" ({esc(kind)}, {esc(row.get('confidence'))} confidence)" if kind else ""
    items = [
        f"Status: {change}",
        f"Date of the change: {day.isoformat()}",
        f"Source: {cited}{strength}",
    ]
    quote = _text(row.get("quote"))
    if quote:
        if len(quote) > MAX_QUOTE:
            quote = quote[:MAX_QUOTE].rstrip() + "…"
        items.append(f"Quote: “{esc(quote)}”")
    if row.get("parent_id") is not None:
        parent = row.get("parent_name") or row["parent_id"]
        items.append(f"Brand's owner then (strongest ownership claim): {esc(parent)}")
    published_in = row.get("published_in")
    if published_in is not None:
        items.append(f"Source first published in data version {esc(published_in)}")
    listed = "".join(f"<li>{item}</li>" for item in items)
    return (
        f"<p>{esc(title)} on {esc(day_text(day))}.</p><ul>{listed}</ul>"
        f'<p><a href="{esc(link)}">The evidence of this pair on {day.isoformat()}</a> '
        f"(Shelfwatch data version {number}). {esc(credit_line(number))}.</p>"
    )


def _label(status: object) -> str:
    found = vocab.STATUS_BY_NAME.get(str(status))
    return found.label if found else str(status)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _text(value: object) -> str:
    """Text for an XML document: line breaks and tabs as spaces, no control or format
    characters (:func:`urlstate.printable`) and none XML 1.0 forbids (U+FFFE, U+FFFF)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.isprintable():  # the common case: nothing to remove
        return value.strip()
    text = re.sub(r"[\t\n\r\v\f\x85\u2028\u2029]+", " ", str(value))
    return "".join(ch for ch in urlstate.printable(text) if ch not in "\ufffe\uffff").strip()
