"""The Overview's way into the story: the headline sentence, the featured views, and the list
behind each headline card.

The sentence's words come from ``shelfwatch.headline`` and reach the screen escaped; the
featured views are the data's own (``data/views.csv``, checked at publish); every card's list
is a catalog query with the page's date and rule settings, shown as text cells and exported
with provenance like any other table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from shelfwatch import charts, featured, headline, site, tables, urlstate, vocab
from shelfwatch.ui import context, downloads, evidence

CARD_KEY = "url_card"
CARD_ROWS = 1_000  # the list on screen; its downloads hold every row
_PAIR_COLUMNS = {
    "retailer_name": "Retailer",
    "brand_name": "Brand",
    "status": "Status",
    "since": st.column_config.DateColumn("Since", format="YYYY-MM-DD"),
    "disputed": st.column_config.CheckboxColumn("Disputed"),
    "last_evidence_on": st.column_config.DateColumn("Latest evidence", format="YYYY-MM-DD"),
    "stale": st.column_config.CheckboxColumn("Stale"),
    "source_url": "Source",
    "source_kind": "Source kind",
    "confidence": "Confidence",
    "quote": st.column_config.TextColumn("Quote", width="large"),
}


@dataclass(frozen=True)
class CardList:
    """What a headline card counts, as a catalog query over the page's date and settings."""

    query: str
    title: str  # of the list and of its export
    extra: tuple[tuple[str, object], ...] = ()


CARD_LISTS: dict[str, CardList] = {
    "pairs_sold": CardList("pairs_on_date", "Pairs sold", (("sold", True), ("disputed", None))),
    "pairs_not_sold": CardList(
        "pairs_on_date", "Pairs not sold", (("sold", False), ("disputed", None))
    ),
    "relistings": CardList("relistings", "Re-listings"),
    "exposed_retailers": CardList("exposure_by_parent", "Retailers exposed", (("lists", None),)),
    "disputed_pairs": CardList(
        "pairs_on_date", "Disputed pairs", (("sold", None), ("disputed", True))
    ),
}


def headline_statuses(
    view: context.View, *, brand_ids: Sequence[str], chosen_retailers: Sequence[str]
) -> pd.DataFrame:
    """The narrow status rows (``status_grid``, no evidence text) the headline reads: every
    retailer in scope (the chosen ones, else all) of the grid's brands. The grid's cells are
    a subset of these rows (its retailers are in scope), so the page takes them from here."""
    scope = view.filters().replace(retailers=tuple(chosen_retailers), brands=tuple(brand_ids))
    return view.query("status_grid", **scope.query_params("status_grid"))


def show_headline(
    view: context.View,
    *,
    compare: dt.date,
    brand_ids: Sequence[str],
    chosen_retailers: Sequence[str],
    statuses: pd.DataFrame,
) -> headline.Headline:
    """The sentence for the grid's brands (and chosen retailers), with links to its rows;
    ``statuses``: :func:`headline_statuses` of the same brands and retailers."""
    scope = view.filters().replace(retailers=tuple(chosen_retailers), brands=tuple(brand_ids))
    window = scope.replace(start=compare, end=view.as_of)
    changes = (
        view.query("changes_between", **window.query_params("changes_between"))
        if compare < view.as_of
        else None
    )
    names = sorted(
        ((b, view.brand_names.get(b, b)) for b in brand_ids),
        key=lambda pair: (pair[1].casefold(), pair[0]),
    )
    said = headline.build(
        as_of=view.as_of,
        compare=compare,
        brands=names,
        retailer_names=view.retailer_names,
        retailers_in_scope=len(chosen_retailers) or len(view.retailer_names),
        scope="chosen" if chosen_retailers else "tracked",
        statuses=statuses,
        changes=() if changes is None else changes,
        stale_after=view.stale_after,
    )
    with st.container(border=True, key="headline"):
        # Names come from the data: escaped, so the sentence is text whatever they hold.
        st.markdown(f"##### {urlstate.data_markdown(said.sentence)}")
        links = st.columns(3)
        links[0].page_link(
            site.page("explore").script,
            label=f"The {len(said.selling):,} retailers selling, with sources",
            icon=":material/table_view:",
            query_params={
                **scope.replace(statuses=vocab.SOLD).url_params(),
                "view": "status",
                **_pin(view),
            },
        )
        if compare < view.as_of:
            links[1].page_link(
                site.page("compare").script,
                label=f"Every change since {headline.day_text(compare)}",
                icon=":material/compare_arrows:",
                query_params={**window.url_params(), **_pin(view)},
            )
        links[2].page_link(
            site.page("explore").script,
            label="Re-listings with both sources",
            icon=":material/history:",
            query_params={**scope.url_params(), "view": "relistings", **_pin(view)},
        )
    return said


def _pin(view: context.View) -> dict[str, str]:
    """A link's ``v`` when the reader is on a pinned version: its rows are that version's."""
    return {"v": str(view.version)} if view.pinned else {}


def show_featured(view: context.View) -> None:
    """The data's featured views, each a permalink that opens the page exactly as defined."""
    known = {spec.url_path for spec in site.PAGES}
    views = [  # a page renamed since the version was published is skipped, never a crash
        item
        for item in featured.from_rows(view.query("featured_views").to_dict("records"))
        if item.page in known
    ]
    if not views:
        return
    st.markdown("**Featured views**")
    for column, item in zip(st.columns(len(views)), views, strict=True):
        with column.container(border=True):
            st.page_link(
                item.spec.script,
                label=urlstate.data_markdown(item.title),
                icon=":material/bookmark:",
                query_params={**_pin(view), **dict(item.params)},
            )
            if item.note:
                st.caption(urlstate.data_markdown(item.note))


def chosen_card(view: context.View) -> str | None:
    """The card whose list is open (URL parameter ``card``), or None."""
    if CARD_KEY not in st.session_state:
        raw = st.query_params.get("card")
        chosen = urlstate.parse_choice("card", raw, CARD_LISTS, "", view.params.notices)
        st.session_state[CARD_KEY] = chosen or None
    metric = st.session_state[CARD_KEY]
    context.set_param(view, "card", metric)
    return metric


def _open(metric: str | None) -> None:
    st.session_state[CARD_KEY] = metric


def card_button(metric: str, value: int, *, current: str | None) -> None:
    """Under a card: open (or close) the list of what it counts."""
    is_open = current == metric
    st.button(
        "Hide the list" if is_open else f"List {'them' if value != 1 else 'it'}",
        key=f"card_{metric}",
        icon=":material/expand_less:" if is_open else ":material/list:",
        on_click=_open,
        args=(None if is_open else metric,),
        disabled=value == 0 and not is_open,
        type="tertiary",
    )


def show_card_list(view: context.View, metric: str, total: int) -> None:
    """The rows a card counts, with the page's date and settings, and their downloads."""
    spec = CARD_LISTS[metric]
    # The cards count every pair in the data: the grid's retailer and brand filters do not
    # apply to them, nor to their lists.
    scope = view.filters().replace(retailers=(), brands=())
    extra = dict(spec.extra)
    shown = scope.query_params(spec.query, max_rows=CARD_ROWS, **extra)
    rows = view.query(spec.query, **shown)
    with st.container(border=True, key="card_list"):
        head, close = st.columns([5, 1])
        head.markdown(f"**{spec.title} on {view.as_of:%Y-%m-%d}**")
        close.button(
            "Close", key="card_close", on_click=_open, args=(None,), icon=":material/close:"
        )
        if rows.empty:
            st.info("Nothing to list on this date.")
            return
        if metric == "relistings":
            evidence.show_relistings(rows, key="card_table")
        elif metric == "exposed_retailers":
            exposure = tables.exposure_table(rows)
            st.caption(
                f"{total:,} retailers sell at least one brand of a listed parent: one row per "
                "parent, retailer and brand."
            )
            downloads.show_table(
                exposure,
                {
                    "retailer": "Retailer",
                    "brand": "Brand",
                    "parent": "Parent company",
                    "lists": "Designation lists",
                    "status": "Status",
                    "stale": st.column_config.CheckboxColumn("Stale"),
                    "source_link": st.column_config.LinkColumn("Source of the status"),
                    "source_text": "Source (not a web link)",
                },
                links=(),
                key="card_table",
            )
        else:
            downloads.show_table(
                rows.assign(status=rows["status"].map(charts.status_label)),
                _PAIR_COLUMNS,
                key="card_table",
            )
        if len(rows) >= CARD_ROWS:
            st.caption(f"The first {CARD_ROWS:,} rows are shown; the downloads hold every one.")
        downloads.download_buttons(
            downloads.Download(
                source=downloads.QuerySource(
                    view.path, spec.query, scope.query_params(spec.query, **extra)
                ),
                data_version=view.version,
                as_of=view.as_of,
                filters=scope.provenance("stale_after", "any_claim", card=metric),
                title=f"Shelfwatch {spec.title.lower()}",
                permalink=context.permalink(view),
            ),
            key=f"card_{metric}_download",
        )
