"""Links to the Atom feeds (:mod:`shelfwatch.feeds`): "Follow Lorex (Atom feed)" on a page, and
the list of feed addresses for the Data & method page.

The feeds are served by the Shelfwatch server's own route (``shelfwatch/ui/server.py``, run by
``make run``), mounted with the downloads' route (``downloads.ROUTE_MOUNTED``); without it
(AppTest, ``streamlit run app.py``) there is no feed to link to, so no link is drawn. A link
is relative to the page (every page sits at the top level, so a base path still works) unless
``$SHELFWATCH_PUBLIC_URL`` says where the app is reached.
"""

from __future__ import annotations

import os

import streamlit as st

from shelfwatch import feeds, urlstate
from shelfwatch.ui import context, downloads

ICON = ":material/rss_feed:"


def feed_href(scope: feeds.FeedScope) -> str:
    """Where a page links to the feed: ``$SHELFWATCH_PUBLIC_URL``'s address, else the path
    relative to the page (``feeds/brand/lorex.atom``)."""
    public = os.environ.get(feeds.PUBLIC_URL_ENV, "").strip()
    path = feeds.feed_path(scope)
    return public.rstrip("/") + path if public else path.lstrip("/")


def site_base() -> str:
    """Where the app is reached: ``$SHELFWATCH_PUBLIC_URL``, else the address of the page the
    reader has open without the page's own name (every page sits at the top level)."""
    page = str(st.context.url or "").split("?", 1)[0].split("#", 1)[0]
    return feeds.public_base_url(page.rsplit("/", 1)[0] if page.count("/") > 2 else page)


def feed_url(scope: feeds.FeedScope) -> str:
    """The feed's full address, to show and copy."""
    return site_base() + feeds.feed_path(scope)


def follow_link(kind: str, id: str | None, name: str, *, container=None) -> None:
    """A compact "Follow <name> (Atom feed)" link to the feed of a brand, a retailer, a parent
    company or every change (``kind`` ``all``, ``id`` None). Nothing without the server."""
    if not downloads.ROUTE_MOUNTED:
        return
    try:
        scope = feeds.FeedScope(kind, id)
    except ValueError:  # not an id a feed address can hold (ids are slugs): no feed to follow
        return
    target = container or st
    # The name comes from the data: escaped, so it is shown as written and never a link.
    target.caption(
        f"{ICON} [Follow {urlstate.data_markdown(name)} (Atom feed)]({feed_href(scope)})",
        help="Subscribe in a feed reader: each status change, with its date, its source and a "
        f"link to its evidence (the newest {feeds.MAX_ENTRIES}).",
    )


def show_feed_list(view: context.View) -> None:
    """The Data & method page's "Feeds" section: the all-changes feed's address and how the
    brand, retailer and parent company feeds' addresses look."""
    st.subheader("Feeds")
    st.markdown(
        "Follow the changes in a feed reader: each Atom feed lists the newest "
        f"{feeds.MAX_ENTRIES} status transitions, newest first — the pair, the status before "
        "and after, the date, the source with its kind and confidence, the data version that "
        "first published the source, and a permalink to the pair's evidence on that date "
        "(data version pinned). A feed follows the latest published version."
    )
    st.caption("Every change:")
    st.code(feed_url(feeds.FeedScope()), language=None)
    examples = [
        ("One brand", "brand", view.brand_names),
        ("One retailer", "retailer", view.retailer_names),
        ("The brands of one parent company (its strongest ownership claim)", "parent",
         view.company_names),
    ]  # fmt: skip
    lines = []
    base = site_base()
    for label, kind, names in examples:
        lines.append(f"{label}:\n  {base}{feeds.ROUTE}/{kind}/<id>.atom")
        example = next(iter(names), None)
        if example is not None:
            lines.append(f"  e.g. {feed_url(feeds.FeedScope(kind, example))}")
    # st.code shows text verbatim: ids are slugs, the address is the server's.
    st.code("\n".join(lines), language=None)
    st.caption(
        "The ids are those of the data files (the Profiles page links to its brand's or "
        "retailer's feed). A newsletter digest of the same changes: "
        "`python -m shelfwatch digest --since YYYY-MM-DD`."
    )
    if not downloads.ROUTE_MOUNTED:
        st.caption(
            "The feeds are served by the Shelfwatch server (`make run`); this app was started "
            "without it."
        )
