"""Profiles: one brand (owners, their designations, where it is sold) or one retailer."""

import streamlit as st

from shelfwatch import charts, tables
from shelfwatch.filters import Filters
from shelfwatch.ui import context, downloads, evidence, follow

MAX_INTERVALS = 2_000
MAX_CHART_ROWS = 60
MAX_EVIDENCE = 500

view = context.current()


def select_one(name: str, label: str, names: dict[str, str], default: str | None) -> str | None:
    """A selectbox bound to list parameter ``name`` (already validated): one id at a time."""
    wanted = view.params.lists.get(name, ())
    if len(wanted) > 1:
        view.params.notices.append(
            f"A profile shows one {name} at a time; showing the first of the {len(wanted)} "
            "in the link."
        )
    key = f"profile_{name}"
    if key not in st.session_state:
        st.session_state[key] = wanted[0] if wanted else default
    value = st.selectbox(
        label, list(names), key=key, format_func=lambda item: names.get(item, item)
    )
    context.set_param(view, name, value)
    return value


def evidence_table(observations, key: str) -> None:
    downloads.show_table(
        observations.assign(status_shown=tables.evidence_statuses(observations)),
        {
            "effective_on": st.column_config.DateColumn("Effective on", format="YYYY-MM-DD"),
            "retailer_name": "Retailer",
            "brand_name": "Brand",
            "status_shown": "Status",
            "retraction": st.column_config.TextColumn("Retracted", width="medium"),
            "source_kind": "Source kind",
            "confidence": "Confidence",
            "source_url": "Source",
            "quote": "Quote",
            "channel": "Channel",
            "reported_on": st.column_config.DateColumn("Reported on", format="YYYY-MM-DD"),
            "note": "Note",
            "parent_names": "Parent(s) then",
            "archive_url": "Archive",
        },
        key=key,
    )


def status_section(retailers, brands, rows: str, what: str) -> None:
    """The timeline of the profile's pairs, then their statuses on the as-of date."""
    end = max(view.last_date, view.as_of)
    st.subheader(f"Status at every {what} over time")
    intervals = view.query(
        "timeline_intervals",
        retailers=retailers,
        brands=brands,
        statuses=None,
        start=None,
        end=None,
        max_rows=MAX_INTERVALS,
    )
    if intervals.empty:
        st.info("No observations of this profile yet: no data.")
        return
    first = min(view.first_date, intervals["valid_from"].min().date())
    events = view.query("events", start=first, end=end, kinds=None)
    pairs = intervals[["retailer_id", "brand_id"]].drop_duplicates()
    drawn = intervals
    if len(pairs) > MAX_CHART_ROWS:
        drawn = intervals.merge(pairs.head(MAX_CHART_ROWS), on=["retailer_id", "brand_id"])
        st.caption(
            f"The chart draws the first {MAX_CHART_ROWS} of {len(pairs):,} {what}s (by name); "
            "the Timeline page can filter them."
        )
    if len(intervals) == MAX_INTERVALS:
        st.caption(f"Only the first {MAX_INTERVALS:,} intervals are drawn.")
    figure = charts.timeline_chart(drawn, events, start=first, end=end, rows=rows)
    st.plotly_chart(figure, config={"displaylogo": False})
    downloads.chart_downloads(
        view,
        figure,
        key="profile_timeline",
        title=f"Status at every {what} over time",
    )

    st.subheader(f"Status on {view.as_of:%Y-%m-%d}")
    current = view.query(
        "status_as_of",
        as_of=view.as_of,
        retailers=retailers,
        brands=brands,
        statuses=None,
        parents=None,
        lists=None,
        any_claim=view.any_claim,
        stale_after=view.stale_after,
        max_rows=None,
        skip_rows=None,
    )
    if current.empty:
        st.info(f"No data on {view.as_of:%Y-%m-%d}: no observation up to that date.")
        return

    def status_table(selected: int | None, key: str) -> int | None:
        return downloads.show_table(
            current.assign(
                status_shown=current["status"].map(charts.status_label),
                disputed_shown=current["disputed"].map({True: "yes", False: ""}),
                stale_shown=current["stale"].map({True: "stale", False: ""}),
            ),
            {
                "retailer_name": "Retailer",
                "brand_name": "Brand",
                "status_shown": "Status",
                "since": st.column_config.DateColumn("Since", format="YYYY-MM-DD"),
                "disputed_shown": "Disputed",
                "source_kind": "Source kind",
                "confidence": "Confidence",
                "source_url": "Source",
                "last_evidence_on": st.column_config.DateColumn(
                    "Latest evidence", format="YYYY-MM-DD"
                ),
                "stale_shown": st.column_config.TextColumn(
                    "Stale", help=f"The latest evidence is over {view.stale_after:,} days old."
                ),
                "parent_names": "Parent on that date",
                "contested_parents": "Ownership contested by",
                "lists": "Parent on lists",
                "quote": "Quote",
            },
            key=key,
            selectable=True,
            selected=selected,
        )

    chosen = evidence.pick_pair(view, current, status_table, state=f"profile_cell_{what}")
    st.caption(
        f"Pairs not listed have no data on {view.as_of:%Y-%m-%d}. Tick a row for why it has "
        "its status."
    )
    if chosen:
        evidence.show_why(view, *chosen, key=f"profile_{what}")


default_kind = (
    "retailer" if "retailer" in view.params.lists and "brand" not in view.params.lists else "brand"
)
kind = context.choice_filter(
    view,
    "profile",
    "Profile of a",
    ("brand", "retailer"),
    default=default_kind,
    format_func=str.capitalize,
)

if kind == "brand":
    context.set_param(view, "retailer", None)
    if not view.brand_names:
        st.info("No brands in this data version.")
        context.stop()
    active = view.query("most_active_brands", max_rows=1)
    default = active["brand_id"].iloc[0] if not active.empty else next(iter(view.brand_names))
    brand = select_one("brand", "Brand", view.brand_names, default)
    follow.follow_link("brand", brand, view.brand_names.get(brand, brand))

    with st.spinner("Reading the brand's history…"):
        details = view.query("brands")
        ownership = view.query("ownership_for_brand", brand=brand)
        designations = view.query("designations_for_brand", brand=brand)
    downloads.show_table(
        details[details["brand_id"] == brand],
        {"name": "Brand", "category": "Category", "observations": "Observations"},
        key="profile_brand_details",
    )

    st.subheader("Ownership over time")
    if ownership.empty:
        st.info("No ownership claims recorded for this brand.")
    else:
        claims, sources = len(ownership), ownership["source_url"].nunique()
        st.caption(
            f"{claims} ownership claim{'s' if claims != 1 else ''} from {sources} "
            f"source{'s' if sources != 1 else ''}. Conflicting claims are kept side by side, one "
            "row each, labelled company · confidence; greyer bars are lower confidence."
        )
        figure = charts.ownership_chart(ownership, end=max(view.last_date, view.as_of))
        st.plotly_chart(figure, config={"displaylogo": False})
        downloads.chart_downloads(
            view,
            figure,
            key="profile_ownership",
            title=f"Ownership of {view.brand_names.get(brand, brand)} over time",
        )
        downloads.show_table(
            ownership.assign(
                until_shown=ownership["valid_to"].dt.strftime("%Y-%m-%d").fillna("still"),
            ),
            {
                "company_name": "Company",
                "valid_from": st.column_config.DateColumn("From", format="YYYY-MM-DD"),
                "until_shown": st.column_config.TextColumn(
                    "Until", help="“still” = still the owner according to this claim."
                ),
                "confidence": "Confidence",
                "source_url": "Source",
                "lists": "Company ever on lists",
                "note": "Note",
            },
            key="profile_ownership",
        )

    st.subheader("Designations of its owners")
    if designations.empty:
        st.info("None of the companies ever claimed to own this brand is on a tracked list.")
    else:
        downloads.show_table(
            designations.assign(
                ended_shown=designations["ended_on"].dt.strftime("%Y-%m-%d").fillna("still"),
            ),
            {
                "company_name": "Company",
                "list": "List",
                "effective_on": st.column_config.DateColumn("Effective on", format="YYYY-MM-DD"),
                "ended_shown": st.column_config.TextColumn(
                    "Ended on", help="Last day on the list (inclusive); “still” = still on it."
                ),
                "source_url": "Source",
                "note": "Note",
            },
            key="profile_designations",
        )

    with st.spinner("Reading statuses…"):
        status_section(None, (brand,), rows="retailer", what="retailer")

    st.subheader("Evidence")
    evidence_of = Filters(brands=(brand,))
else:
    context.set_param(view, "brand", None)
    if not view.retailer_names:
        st.info("No retailers in this data version.")
        context.stop()
    active = view.query("most_active_retailers", max_rows=1)
    default = active["retailer_id"].iloc[0] if not active.empty else next(iter(view.retailer_names))
    retailer = select_one("retailer", "Retailer", view.retailer_names, default)
    follow.follow_link("retailer", retailer, view.retailer_names.get(retailer, retailer))

    details = view.query("retailers")
    downloads.show_table(
        details[details["retailer_id"] == retailer],
        {
            "name": "Retailer",
            "country": "Country",
            "kind": "Kind",
            "observations": "Observations",
            "website": "Website",
        },
        links=("website",),
        key="profile_retailer_details",
    )
    with st.spinner("Reading statuses…"):
        status_section((retailer,), None, rows="brand", what="brand")

    st.subheader("Evidence")
    evidence_of = Filters(retailers=(retailer,))

with st.spinner("Reading the evidence…"):
    listed = evidence_of.query_params("explorer_observations", max_rows=MAX_EVIDENCE)
    observations = view.query("explorer_observations", **listed)
    counted = evidence_of.query_params("explorer_observations_count")
    total = int(view.query("explorer_observations_count", **counted).iloc[0]["rows"])
if observations.empty:
    st.info("No observations recorded.")
else:
    shown = (
        f"all {total:,}"
        if total <= len(observations)
        else f"the newest {len(observations):,} of {total:,}"
    )
    st.caption(f"Every observation, winners and losers, newest first ({shown}).")
    evidence_table(observations, key="profile_evidence")
