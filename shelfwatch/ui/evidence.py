"""The evidence of one retailer × brand pair: why it has its status, then every source.

Shared by the Overview (a grid cell), Explore (a chosen row) and Profiles (a chosen pair), so
the explanation reads the same wherever a reader asks. The words come from
``shelfwatch.explain``; data (names, quotes, URLs) reaches the screen only as plain text or
table cells.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import streamlit as st

from shelfwatch import citations, explain, tables, urlstate, vocab
from shelfwatch.ui import context, downloads

WHY_COLUMNS = {
    "part": "Part in the rule",
    "disputes": st.column_config.TextColumn("Disputes?", width="medium"),
    "effective_on": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
    "status": "Status",
    "source_kind": "Source kind",
    "confidence": "Confidence",
    "step": st.column_config.TextColumn(
        "Decided on", help="The step of the status rule that decided between the two."
    ),
    "source_url": "Source",
    "quote": st.column_config.TextColumn("Quote", width="large"),
}


def show_why(view: context.View, retailer_id: str, brand_id: str, *, key: str) -> None:
    """'Why this status' for the pair on the view's as-of date: the deciding observation, the
    step of the rule that decided its date, what it beat, and any disputing sources."""
    names = (
        f"{view.retailer_names.get(retailer_id, retailer_id)} × "
        f"{view.brand_names.get(brand_id, brand_id)}"
    )
    rows = view.query("status_explained", retailer=retailer_id, brand=brand_id, as_of=view.as_of)
    why = explain.explain(rows, view.as_of, view.stale_after)
    with st.container(border=True, key=f"why_{key}"):
        st.markdown("**Why this status**")
        if why is None:
            st.text(
                f"{names} on {view.as_of:%Y-%m-%d}: no data. No observation of this pair is "
                "dated on or before that date, so no status is shown — never a guess."
            )
            return
        st.text(names)
        head, *rest = why.sentences
        st.text(head)
        for sentence in rest:
            # The sentences hold vocabulary, dates and counts only; escaped all the same.
            if sentence.startswith(("Disputed", "Stale")):
                st.warning(urlstate.escape_markdown(sentence), icon="⚠️")
            else:
                st.text(sentence)
        downloads.show_table(why.table, WHY_COLUMNS, key=f"why_table_{key}")
        cited = explain.fact(
            rows,
            view.as_of,
            view.retailer_names.get(retailer_id, retailer_id),
            view.brand_names.get(brand_id, brand_id),
            view.stale_after,
        )
        if cited is not None:
            st.markdown("**Cite this** (the copy button is at the box's top right)")
            # st.code shows text verbatim (no Markdown), whatever the quotes hold.
            st.code(
                cited.text(citations.credit_line(view.version), context.permalink(view)),
                language=None,
                wrap_lines=True,
            )


def pick_pair(
    view: context.View,
    frame,
    show: Callable[[int | None, str], int | None],
    *,
    state: str,
) -> tuple[str, str] | None:
    """The pair of a status table whose "why" is shown, bound to URL parameter ``cell``.

    From the link at first, then the reader's ticked row; unticking hides it. ``show(selected,
    key)`` draws the table with that row ticked and returns the ticked position. The table's
    key follows its rows, so a tick never lands on another pair when the rows change.
    """
    if state not in st.session_state:
        st.session_state[state] = urlstate.parse_cell_key(
            st.query_params.get("cell"), view.retailer_names, view.brand_names, view.params.notices
        )
    pairs = list(zip(frame["retailer_id"].tolist(), frame["brand_id"].tolist(), strict=True))
    chosen = st.session_state[state]
    if chosen and tuple(chosen) not in pairs:
        # Ids, not names: notices are Markdown, and ids are slugs.
        view.params.notices.append(
            f"cell={urlstate.cell_key(*chosen)} (from the link) is not in this table; tick a "
            "row for why it has its status."
        )
        chosen = None
    selected = pairs.index(tuple(chosen)) if chosen else None
    key = f"{state}_{hashlib.sha256(repr(pairs).encode()).hexdigest()[:12]}"
    picked = show(selected, key)
    if picked is not None:
        chosen = pairs[picked]
    elif st.session_state.get(f"{state}_picked") == key:
        chosen = None  # the reader unticked the row of this same table
    st.session_state[f"{state}_picked"] = key if picked is not None else None
    st.session_state[state] = chosen
    context.set_param(view, "cell", urlstate.cell_key(*chosen) if chosen else None)
    return tuple(chosen) if chosen else None


def show_all_evidence(view: context.View, retailer_id: str, brand_id: str, *, key: str) -> None:
    """Every observation of the pair, newest first, winners and losers, with file and line."""
    evidence = tables.evidence_table(
        view.query("evidence_for_pair", retailer=retailer_id, brand=brand_id)
    )
    if evidence.empty:
        st.info("No observation of this pair on any date: it has no data.")
        return
    st.caption(
        "Every observation of the pair, newest first, including any after the as-of date. "
        "“Won its date” marks the observation the status rule chose on that date. A "
        "retracted observation is struck through, with the reason: it is kept, and no longer "
        "counts."
    )
    st.container(key=f"{key}_table").dataframe(
        evidence,
        hide_index=True,
        key=key,
        column_config={
            "obs_id": st.column_config.NumberColumn(
                "Obs.", format="%d", help="The observation's id (to cite or retract it)."
            ),
            "effective_on": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
            "status": "Status",
            "retraction": st.column_config.TextColumn("Retracted", width="medium"),
            "source_link": st.column_config.LinkColumn("Source"),
            "source_text": st.column_config.TextColumn(
                "Source (not a web link)", help="A source that is not an http(s) address."
            ),
            "quote": st.column_config.TextColumn("Quote", width="large"),
            "source_kind": "Source kind",
            "confidence": "Confidence",
            "won_day": st.column_config.CheckboxColumn("Won its date"),
            "disputed": st.column_config.CheckboxColumn(
                "Disputed", help="The status from that date on was disputed."
            ),
            "reported_on": st.column_config.DateColumn("Reported on", format="YYYY-MM-DD"),
            "channel": "Channel",
            "archive_link": st.column_config.LinkColumn("Archive copy"),
            "note": st.column_config.TextColumn("Note", width="large"),
            "input_file": "Input file",
            "line_no": st.column_config.NumberColumn("Line", format="%d"),
        },
    )


# The relistings query's columns as shown (Overview and Explore): both sides with their source.
RELISTING_COLUMNS = {
    "retailer_name": "Retailer",
    "brand_name": "Brand",
    "not_sold_shown": "Was",
    "not_sold_from": st.column_config.DateColumn("Not sold from", format="YYYY-MM-DD"),
    "not_sold_source_kind": "Its source kind",
    "not_sold_confidence": "Its confidence",
    "not_sold_source_url": "Its source",
    "relisted_shown": "Then",
    "relisted_on": st.column_config.DateColumn("Sold again on", format="YYYY-MM-DD"),
    "source_kind": "Source kind",
    "confidence": "Confidence",
    "source_url": "Source",
    "quote": st.column_config.TextColumn("Quote", width="large"),
}


def show_relistings(rows, *, key: str) -> None:
    """A ``relistings`` result as a table: both sides' statuses with their symbols, and the
    source of each side as a safe link (the Overview, its card and Explore show the same)."""
    downloads.show_table(
        rows.assign(
            not_sold_shown=rows["not_sold_status"].map(vocab.status_label),
            relisted_shown=rows["relisted_status"].map(vocab.status_label),
        ),
        RELISTING_COLUMNS,
        links=("not_sold_source_url", "source_url"),
        key=key,
    )
