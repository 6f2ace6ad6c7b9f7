"""Overview: who sells which brand on a date, what changed since another date, and the sources.

For executives: headline numbers with deltas, a retailer × brand status grid (click a cell, or
pick it below, for its evidence), coverage over time with events, and exposure to brands of
listed parent companies. Data reaches the screen as text only (dataframes, st.text, plotly
strings escaped in shelfwatch.charts).
"""

import datetime as dt
import functools
import hashlib

import streamlit as st

from shelfwatch import charts, tables, urlstate, vocab
from shelfwatch.ui import context, data, downloads, evidence, follow, story

TOP_MIN, TOP_DEFAULT, TOP_MAX = 5, 25, 60  # the grid never shows more than 60 × 60 cells
CELL_KEYS = ("cell_retailer", "cell_brand")
# The sections under the evidence, one tab each (URL parameter ``section``): value -> label.
SECTIONS = {
    "coverage": "Footprint over time",
    "exposure": "Listed parents",
    "relistings": "Re-listings",
}
# Which events the coverage chart draws (URL parameter ``events``; ``all`` = every event).
EVENT_SCOPES = {
    "relevant": "About these brands and their owners",
    "all": "Show every event",
}
# The exposure and re-listing tables are lists to read, not dumps: at scale they would hold
# every sold pair; their downloads hold every row.
EXPOSURE_ROWS = 1_000
RELISTING_ROWS = 1_000
# Short card titles (the query's labels are long); the help says exactly what is counted.
KPI_CARDS = {
    "pairs_sold": ("Pairs sold", f"Retailer × brand pairs whose status is {vocab.SOLD_WORDS}."),
    "pairs_not_sold": ("Pairs not sold", f"Pairs whose status is {vocab.NOT_SOLD_WORDS}."),
    "relistings": (
        "Re-listings",
        f"Times a pair that was {vocab.NOT_SOLD_WORDS} was sold again, so far.",
    ),
    "exposed_retailers": (
        "Retailers exposed",
        "Retailers selling at least one brand whose parent company is on a designation list on "
        "the date. The parent is the one the strongest ownership claim names, unless “Count "
        "every ownership claim” is on in the sidebar.",
    ),
    "disputed_pairs": (
        "Disputed pairs",
        "Pairs whose status is disputed: a source dated in the status's run disagrees on "
        "whether the brand is sold, or a stronger one dated within "
        f"{vocab.DISPUTE_WINDOW_DAYS} days before the run does.",
    ),
}


def _kpi_caption(metric: str, counts: dict[str, int], view: context.View) -> str:
    """What a card counts out of what, so a rise from new coverage is not read as a change."""
    with_data = counts["pairs_with_data"]
    if metric == "pairs_sold":
        stale = counts["pairs_sold_stale"]
        return (
            f"of {with_data:,} pairs with data; {counts['pairs_sold'] - stale:,} on fresh "
            f"evidence, {stale:,} {charts.STALE_MARK} stale"
        )
    if metric in ("pairs_not_sold", "disputed_pairs"):
        return f"of {with_data:,} pairs with data"
    if metric == "relistings":
        return "sold again after a removal, up to this date"
    if metric == "exposed_retailers":
        claim = "any ownership claim" if view.any_claim else "strongest ownership claim"
        return f"of {len(view.retailer_names):,} retailers tracked; by the {claim}"
    return ""


def _coverage_line(counts: dict[str, int], view: context.View) -> str:
    retailers, brands = len(view.retailer_names), len(view.brand_names)
    return (
        f"On {view.as_of:%Y-%m-%d}, {counts['pairs_with_data']:,} of the "
        f"{retailers * brands:,} possible retailer × brand pairs have data "
        f"({retailers:,} retailers × {brands:,} brands tracked); the others have no data, "
        "never counted as sold or not. Stale = latest evidence more than "
        f"{view.stale_after:,} days old."
    )


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _top_slider(view: context.View, container) -> int:
    """The 'most active N' slider, bound to URL parameter ``top``."""
    raw = st.query_params.get("top")
    wanted = TOP_DEFAULT
    if raw:
        number = urlstate.parse_count(raw)  # ASCII digits only: int() refuses some isdigit()s
        if number is not None and TOP_MIN <= number <= TOP_MAX:
            wanted = number
        else:
            view.params.notices.append(
                f"Ignored top={urlstate.printable(raw)[:20]!r}: expected a whole number from "
                f"{TOP_MIN} to {TOP_MAX}."
            )
    if "url_top" not in st.session_state:
        st.session_state["url_top"] = wanted
    value = container.slider(
        "Most active to show",
        TOP_MIN,
        TOP_MAX,
        key="url_top",
        help="Without a retailer or brand filter the grid shows this many of the most active "
        "retailers and brands (those with the most observations).",
    )
    context.set_param(view, "top", None if value == TOP_DEFAULT else value)
    return value


def _grid_key(cell: tuple[str | None, str | None], retailer_ids, brand_ids) -> str:
    """The grid's widget key, one per chosen cell and per set of rows and columns: the browser
    keeps a selection by position, so a new widget (opening with the chosen cell selected,
    its ``selection_default``) is drawn whenever either changes, and the grid never shows a
    cell the pickers have left or a position that now holds another pair."""
    shape = repr((cell, tuple(retailer_ids), tuple(brand_ids))).encode()
    return f"status_grid_{hashlib.sha1(shape, usedforsecurity=False).hexdigest()[:12]}"


def _on_cell_click(key: str, retailer_ids: list[str], brand_ids: list[str]) -> None:
    # A click on a cell of the grid: (row position, column = brand id); the names column and
    # a click that clears the selection choose nothing.
    for row, column in st.session_state[key].selection.cells:
        if 0 <= row < len(retailer_ids) and column in brand_ids:
            st.session_state[CELL_KEYS[0]], st.session_state[CELL_KEYS[1]] = (
                retailer_ids[row],
                column,
            )
            return


def _status_grid(view, statuses, retailers, brands) -> None:
    """The retailer × brand grid as a data grid: a row per retailer, a column per brand, the
    chosen cell selected; a click on a cell chooses it."""
    cell = (st.session_state.get(CELL_KEYS[0]), st.session_state.get(CELL_KEYS[1]))
    retailer_ids, brand_ids = [r for r, _ in retailers], [b for b, _ in brands]
    compact = len(brands) > charts.GRID_COMPACT_ABOVE
    chosen = (
        [(retailer_ids.index(cell[0]), cell[1])]
        if cell[0] in retailer_ids and cell[1] in brand_ids
        else []
    )
    key = _grid_key(cell, retailer_ids, brand_ids)
    st.dataframe(
        charts.status_grid_table(statuses, retailers, brands, compact=compact),
        key=key,
        width="content",  # fixed columns: a cell is where the same column put it on every date
        hide_index=True,
        column_order=[charts.GRID_RETAILER_COLUMN, *brand_ids],
        column_config={
            charts.GRID_RETAILER_COLUMN: st.column_config.TextColumn(
                "Retailer", pinned=True, width=charts.GRID_NAME_WIDTH
            ),
            **{
                brand_id: st.column_config.TextColumn(
                    name,
                    width=charts.GRID_COMPACT_WIDTH if compact else charts.GRID_CELL_WIDTH,
                    help=urlstate.data_markdown(name),  # help is Markdown: shown as written
                )
                for brand_id, name in brands
            },
        },
        height=charts.GRID_ROW_HEIGHT * (len(retailers) + 1) + 3,
        on_select=functools.partial(_on_cell_click, key, retailer_ids, brand_ids),
        selection_mode="single-cell",
        selection_default={"selection": {"rows": [], "columns": [], "cells": chosen}},
        lazy=False,
        alt=f"Status grid of {len(retailers)} retailers by {len(brands)} brands on "
        f"{view.as_of:%Y-%m-%d}: a row per retailer, a column per brand; choose a cell below "
        "to read its status and evidence.",
    )
    if compact:  # the cells show symbols only: say what each one means
        st.caption(charts.status_key())


def _cell_picker(view, retailers, brands) -> tuple[str, str] | None:
    """Two selectboxes (the keyboard way to choose a cell), bound to URL parameter ``cell``."""
    left, right = st.columns(2)
    chosen = []
    for column, key, label, shown, names in (
        (left, CELL_KEYS[0], "Retailer", retailers, view.retailer_names),
        (right, CELL_KEYS[1], "Brand", brands, view.brand_names),
    ):
        options = [item_id for item_id, _ in shown]
        current = st.session_state.get(key)
        if current is not None and current not in options and current in names:
            options.append(current)  # a cell from the link outside the grid's subset
        chosen.append(
            column.selectbox(
                label,
                options,
                key=key,
                index=None,
                placeholder=f"Choose a {label.lower()}",
                format_func=lambda item_id, names=names: names.get(item_id, item_id),
            )
        )
    cell = (chosen[0], chosen[1]) if all(chosen) else None
    context.set_param(view, "cell", urlstate.cell_key(*cell) if cell else None)
    return cell


def _coverage_events(version_path, start, end, brand_ids, every_event: bool):
    """The events the coverage chart draws and lists: those about its brands, their owners
    (any ownership claim) or no brand in particular; every event when the reader asks."""
    return data.run(
        version_path,
        "events_for_brands",
        {"start": start, "end": end, "kinds": None, "brands": None if every_event else brand_ids},
    )


@st.cache_resource(max_entries=32, show_spinner=False)
def _coverage_figure(version_path, grain, start, end, brand_ids, every_event: bool):
    """Built once per version, brands and events shown (nothing in it depends on the as-of
    date); one object serves every session because st.plotly_chart copies a figure and never
    changes it."""
    coverage = data.run(
        version_path,
        "coverage_over_time",
        {"grain": grain, "start": start, "end": end, "brands": brand_ids},
    )
    if coverage.empty:
        return None
    events = _coverage_events(version_path, start, end, brand_ids, every_event)
    return charts.coverage_chart(coverage, events, end=end)


def _events_table(events) -> None:
    """The events the coverage chart draws: date, kind, title, what it is about, its source."""
    if events.empty:
        st.caption("No events recorded for these brands in this period.")
        return
    about = events["brand_name"].fillna(events["company_name"]).fillna("all brands")
    downloads.show_table(
        events.assign(kind_shown=events["kind"].map(vocab.event_kind_label), about=about),
        {
            "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
            "kind_shown": "Kind",
            "title": "Event",
            "about": st.column_config.TextColumn(
                "About", help="The brand or company the event names; “all brands” if neither."
            ),
            "url": "Source",
        },
        links=("url",),
        key="coverage_events",
    )


def _relistings_section(view) -> None:
    """Pairs sold again after a removal, up to the date, with the source of each side."""
    st.subheader(f"Re-listings up to {view.as_of:%Y-%m-%d}")
    scope = view.filters()
    relistings = view.query(
        "relistings", **scope.query_params("relistings", max_rows=RELISTING_ROWS)
    )
    if relistings.empty:
        st.info(f"No pair was sold again after being {vocab.NOT_SOLD_WORDS}, up to this date.")
    else:
        st.caption(
            "A pair removed (or unavailable) and later sold again, newest first, with the source "
            "of each side. A re-listing resting on low-confidence evidence is worth checking "
            "before citing."
            + (
                f" The first {RELISTING_ROWS:,} are shown; the downloads hold every one."
                if len(relistings) >= RELISTING_ROWS
                else ""
            )
        )
        evidence.show_relistings(relistings, key="relistings_table")
        downloads.download_buttons(
            downloads.Download(
                source=downloads.QuerySource(
                    view.path, "relistings", scope.query_params("relistings")
                ),
                data_version=view.version,
                as_of=view.as_of,
                filters=scope.provenance("retailers", "brands"),
                title="Shelfwatch re-listings",
                permalink=context.permalink(view),
            ),
            key="relistings",
        )


def _coverage_section(view, brand_ids, chosen_brands, top) -> None:
    """How many retailers sell each of the grid's brands over the whole data, with events."""
    st.subheader("How many retailers sell each brand")
    start, end = view.first_date, view.last_date  # not the as-of date: the chart stays put
    grain = charts.coverage_grain(start, end)
    events_shown = context.choice_filter(
        view,
        "events",
        "Events on the chart",
        tuple(EVENT_SCOPES),
        default="relevant",
        format_func=EVENT_SCOPES.get,
    )
    every_event = events_shown == "all"
    coverage = _coverage_figure(view.path, grain, start, end, tuple(brand_ids), every_event)
    if coverage is None:
        st.info("No coverage to show for these brands.")
    else:
        st.plotly_chart(
            coverage,
            theme="streamlit",
            key="coverage",
            config={"displayModeBar": False},
            alt=f"Retailers selling each of {len(brand_ids)} brands per {grain}, with events.",
        )
        downloads.chart_downloads(
            view,
            coverage,
            key="coverage",
            title="How many retailers sell each brand",
            filters=view.filters().provenance("brands", **({} if chosen_brands else {"top": top})),
        )
        st.caption(
            f"Retailers selling ({vocab.SOLD_WORDS}) on the first day of each {grain}, for the "
            "brands of the grid; a gap in a line means no data yet (no retailer has an observation "
            "of the brand by then), not zero. Dotted lines mark events, one marker shape per kind "
            "(the legend says which): hover a marker for its titles; the table below lists them."
        )
        _events_table(_coverage_events(view.path, start, end, tuple(brand_ids), every_event))


def _exposure_section(view) -> None:
    """Who sells brands of designated parent companies on the date."""
    st.subheader(f"Retailers selling brands of listed parent companies on {view.as_of:%Y-%m-%d}")
    exposure = tables.exposure_table(
        view.query(
            "exposure_by_parent",
            as_of=view.as_of,
            lists=None,
            any_claim=view.any_claim,
            stale_after=view.stale_after,
            max_rows=EXPOSURE_ROWS,
        )
    )
    if exposure.empty:
        st.info(
            "On this date no retailer is known to sell a brand whose parent company is on a "
            "designation list."
        )
    else:
        st.caption(
            (
                "Every company an ownership claim names on this date counts as a parent (“Count "
                "every ownership claim” is on)."
                if view.any_claim
                else "The parent is the company the strongest ownership claim names (confidence, "
                "then the latest start). Claims naming another company are shown as contested, "
                "not counted; “Count every ownership claim” in the sidebar counts them."
            )
            + " Stale pairs still count, marked stale."
        )
        if len(exposure) >= EXPOSURE_ROWS:
            st.caption(
                f"Showing the first rows by parent, retailer and brand (at most {EXPOSURE_ROWS:,} "
                "list entries); the Explore page filters by parent company or designation list "
                "and exports them all."
            )
        st.dataframe(
            exposure,
            hide_index=True,
            key="exposure",
            column_config={
                "parent": "Parent company",
                "ownership_confidence": st.column_config.TextColumn(
                    "Ownership confidence", help="Confidence of the strongest claim naming it."
                ),
                "contested_parents": st.column_config.TextColumn(
                    "Contested by", help="Other companies ownership claims name on this date."
                ),
                "lists": "Designation lists",
                "brand": "Brand",
                "retailer": "Retailer",
                "status": "Status",
                "since": st.column_config.DateColumn("Since", format="YYYY-MM-DD"),
                "last_evidence_on": st.column_config.DateColumn(
                    "Latest evidence", format="YYYY-MM-DD"
                ),
                "stale": st.column_config.CheckboxColumn(
                    "Stale", help=f"The latest evidence is over {view.stale_after:,} days old."
                ),
                "source_link": st.column_config.LinkColumn("Source of the status"),
                "source_text": "Source (not a web link)",
            },
        )


view = context.current()
st.caption(
    "Which retailers sell which brands on the chosen date, what changed since the comparison "
    "date, and the sources behind every status."
)

# Bound before anything cites this view: the radio is drawn with the coverage chart below.
every_event = context.bind_choice(view, "events", tuple(EVENT_SCOPES), default="relevant") == "all"

# --- Headline -------------------------------------------------------------------------------------
# Drawn here, filled once the grid's filters below are read: the sentence speaks of its brands.
headline_slot = st.container()
story.show_featured(view)

# --- Headline numbers ---------------------------------------------------------------------------
compare = context.date_filter(
    view,
    "compare",
    "Compare with",
    container=view.page_sidebar,
    default=max(_year_before(view.as_of), view.first_date),
    help="The headline and its numbers show the change since this date. Until you set it, it "
    "follows the as-of date: a year before it, or the first date in the data.",
    follows="A year before the as-of date until you set it.",
)
kpis = view.query("kpis", **view.filters().query_params("kpis", compare=compare))
counts = {kpi["metric"]: int(kpi["value"]) for kpi in kpis.to_dict("records")}
cards = [kpi for kpi in kpis.to_dict("records") if kpi["metric"] in KPI_CARDS]
open_card = story.chosen_card(view)
for column, kpi in zip(st.columns(len(cards)), cards, strict=True):
    title, help_text = KPI_CARDS[kpi["metric"]]
    with column.container(border=True, key=f"kpi_{kpi['metric']}"):
        st.metric(
            title,
            f"{int(kpi['value']):,}",
            delta=int(kpi["delta"]),
            delta_color="off",
            delta_description=f"since {compare:%Y-%m-%d}",
            help=help_text,
        )
        st.caption(_kpi_caption(kpi["metric"], counts, view))
        story.card_button(kpi["metric"], int(kpi["value"]), current=open_card)
st.caption(_coverage_line(counts, view))
# Filled at the end of the page, once the grid's filters and the cell are bound: the list's
# downloads then cite the permalink of exactly this view.
card_slot = st.container()

# --- Status grid --------------------------------------------------------------------------------
st.subheader(f"Who sells what on {view.as_of:%Y-%m-%d}")
filters = st.columns([2, 2, 1])
chosen_retailers = context.named_filter(
    view,
    "retailer",
    "Retailers",
    view.retailer_names,
    container=filters[0],
    help="Show only these retailers (default: the most active).",
)
chosen_brands = context.named_filter(
    view,
    "brand",
    "Brands",
    view.brand_names,
    container=filters[1],
    help="Show only these brands (default: the most active).",
)
top = _top_slider(view, filters[2])

retailer_ids = (
    list(chosen_retailers[:TOP_MAX])
    or view.query("most_active_retailers", max_rows=top)["retailer_id"].tolist()
)
brand_ids = (
    list(chosen_brands[:TOP_MAX])
    or view.query("most_active_brands", max_rows=top)["brand_id"].tolist()
)
retailers = sorted(
    ((i, view.retailer_names.get(i, i)) for i in retailer_ids),
    key=lambda pair: (pair[1].casefold(), pair[0]),
)
brands = sorted(
    ((i, view.brand_names.get(i, i)) for i in brand_ids),
    key=lambda pair: (pair[1].casefold(), pair[0]),
)
# One status query for the headline and the grid: the grid's retailers are in the headline's
# scope (every retailer, or the chosen ones), so its cells are a subset of those rows.
scope_statuses = story.headline_statuses(
    view, brand_ids=brand_ids, chosen_retailers=chosen_retailers
)
with headline_slot:
    story.show_headline(
        view,
        compare=compare,
        brand_ids=brand_ids,
        chosen_retailers=chosen_retailers,
        statuses=scope_statuses,
    )
    follow.follow_link("all", None, "every change")

statuses = scope_statuses[scope_statuses["retailer_id"].isin(retailer_ids)]

subset = (
    charts.heatmap_subset_text(
        "retailers", len(retailers), len(view.retailer_names), top, len(chosen_retailers)
    ),
    charts.heatmap_subset_text(
        "brands", len(brands), len(view.brand_names), top, len(chosen_brands)
    ),
)
st.caption(
    f"Showing {subset[0]} × {subset[1]}. "
    f"{charts.DISPUTED_MARK} = disputed: a source dated in the status's run disagrees on "
    "whether the brand is sold, or a stronger one just before it does. "
    f"{charts.STALE_MARK} and a paler colour = stale: the latest evidence is more than "
    f"{view.stale_after:,} days old on this date, so the status may have changed without a "
    "source saying so. Click a cell, or choose it below, for why it has its status."
)

for key, value in zip(
    CELL_KEYS,
    urlstate.parse_cell_key(
        st.query_params.get("cell"), view.retailer_names, view.brand_names, view.params.notices
    )
    or (None, None),
    strict=True,
):
    if key not in st.session_state:  # seed from the link once; then the widgets win
        st.session_state[key] = value

if not retailers or not brands:
    st.info("There are no observations in this data version yet, so there is nothing to show.")
elif statuses.empty:
    st.info(
        "No retailer × brand pair has data on this date. Choose a later “Status as of” date in "
        f"the sidebar: the data runs from {view.first_date:%Y-%m-%d} to {view.last_date:%Y-%m-%d}."
    )
statuses_drawn = bool(retailers and brands) and not statuses.empty
if statuses_drawn:
    _status_grid(view, statuses, retailers, brands)
    # The heatmap is the grid's image (PNG, SVG, the evidence pack), drawn only when asked for.
    figure = functools.partial(
        charts.status_heatmap,
        statuses,
        retailers,
        brands,
        selected=(st.session_state.get(CELL_KEYS[0]), st.session_state.get(CELL_KEYS[1])),
        stale_after=view.stale_after,
    )
    # Filled at the end of the page, once every parameter (cell, events) is bound: the
    # images and the pack then carry the permalink of exactly this view.
    grid_downloads = st.container()

# --- Evidence of the chosen cell ----------------------------------------------------------------
st.subheader("Evidence for one retailer × brand")
cell = _cell_picker(view, retailers, brands)
if cell is None:
    st.caption(
        "Choose a retailer and a brand (or click a cell of the grid) to see why it has its "
        "status and every source."
    )
else:
    retailer_id, brand_id = cell
    with st.spinner("Loading the evidence…"):
        evidence.show_why(view, retailer_id, brand_id, key="overview")
        evidence.show_all_evidence(view, retailer_id, brand_id, key="evidence")

# --- Below the evidence: one section at a time -------------------------------------------------
# Only the open tab runs (its queries, its elements): a date change redraws the headline, the
# cards, the grid and the one section shown, not every table below the fold.
sections = context.section_tabs(view, "section", SECTIONS, default="coverage")
with sections["coverage"]:
    if sections["coverage"].open:
        _coverage_section(view, brand_ids, chosen_brands, top)
with sections["exposure"]:
    if sections["exposure"].open:
        _exposure_section(view)
with sections["relistings"]:
    if sections["relistings"].open:
        _relistings_section(view)

# --- The grid's chart images and evidence pack (drawn under the grid) -------------------------
if statuses_drawn:
    with grid_downloads:
        # The grid's filters: the chosen retailers and brands, else the `top` most active.
        grid_filters = view.filters().provenance(
            "retailers",
            "brands",
            "any_claim",
            "stale_after",
            **({} if chosen_retailers and chosen_brands else {"top": top}),
        )
        grid_title = f"Who sells what on {view.as_of:%Y-%m-%d}"
        downloads.chart_downloads(
            view, figure, key="heatmap", title=grid_title, filters=grid_filters
        )
        downloads.pack_button(
            downloads.Download(
                source=downloads.QuerySource(
                    view.path,
                    "status_as_of",
                    view.filters().query_params(
                        "status_as_of", retailers=tuple(retailer_ids), brands=tuple(brand_ids)
                    ),
                ),
                data_version=view.version,
                as_of=view.as_of,
                filters=grid_filters,
                title="Shelfwatch status grid",
                permalink=context.permalink(view),
            ),
            [
                (grid_title, figure),
                downloads.coverage_for_pack(view, brand_ids, every_event=every_event),
            ],
            key="overview",
        )

if open_card is not None:
    with card_slot:
        story.show_card_list(view, open_card, counts.get(open_card, 0))
