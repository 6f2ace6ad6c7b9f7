"""Timeline: every retailer × brand pair's status over time, with the events around it."""

import streamlit as st

from shelfwatch import charts, vocab
from shelfwatch.ui import context, downloads

MAX_INTERVALS = 2_000  # rows read for the chart and the table
MAX_CHART_ROWS = 60  # pairs drawn; the table below lists every interval read
# Unfiltered at scale: only the most active retailers × brands (at most 40 rows).
TOP_RETAILERS, TOP_BRANDS = 8, 5

view = context.current()
st.caption(
    "Each bar is a run of one status for a retailer × brand pair, from its first source until "
    "the status changed. Blank = no data. Hatched = disputed: a source dated in that run "
    "disagrees on whether the brand is sold, or a stronger one dated within "
    f"{vocab.DISPUTE_WINDOW_DAYS} days before it does; a bar splits where later sources settle "
    "or start a dispute. Dotted lines mark events, a marker shape per kind ("
    + ", ".join(f"{k.glyph} {k.label.lower()}" for k in vocab.EVENT_KIND_STYLES)
    + "); hover them for details."
)

left, middle, right = st.columns(3)
retailers = context.named_filter(
    view,
    "retailer",
    "Retailers",
    view.retailer_names,
    container=left,
)
brands = context.named_filter(
    view,
    "brand",
    "Brands",
    view.brand_names,
    container=middle,
)
statuses = context.multi_filter(
    view,
    "status",
    "Statuses",
    vocab.STATUS_NAMES,
    format_func=charts.status_label,
    container=right,
)
left, right = st.columns(2)
# The whole data range by default, left out of the link until changed.
window = context.date_window(
    view,
    ("start", "end"),
    ("From", "To"),
    defaults=(view.first_date, view.last_date),
    containers=(left, right),
    keep_default_in_url=False,
)

if window is None:
    context.stop()
start, end = window

with st.spinner("Reading the timeline…"):
    pairs_total = int(view.query("data_bounds").iloc[0]["pairs"])
    scope = view.filters()
    restricted = not retailers and not brands and pairs_total > TOP_RETAILERS * TOP_BRANDS
    if restricted:
        top_retailers = view.query("most_active_retailers", max_rows=TOP_RETAILERS)
        top_brands = view.query("most_active_brands", max_rows=TOP_BRANDS)
        scope = scope.replace(
            retailers=tuple(top_retailers["retailer_id"]),
            brands=tuple(top_brands["brand_id"]),
        )
    intervals = view.query(
        "timeline_intervals",
        **scope.query_params("timeline_intervals", max_rows=MAX_INTERVALS + 1),
    )
    events = view.query("events", **scope.query_params("events", kinds=None))

truncated = len(intervals) > MAX_INTERVALS
intervals = intervals.head(MAX_INTERVALS)
pairs = intervals[["retailer_id", "brand_id"]].drop_duplicates()

if intervals.empty:
    st.info(
        f"No status intervals between {start:%Y-%m-%d} and {end:%Y-%m-%d} for these filters. "
        "Widen the dates or remove a filter."
    )
else:
    summary = (
        f"Showing {len(intervals):,} status intervals of {len(pairs):,} retailer × brand "
        f"pairs, {start:%Y-%m-%d} to {end:%Y-%m-%d}, out of {pairs_total:,} pairs with data."
    )
    if restricted:
        summary += (
            f" Without a retailer or brand filter only the {TOP_RETAILERS} most active "
            f"retailers × {TOP_BRANDS} most active brands are read; choose retailers or brands "
            "to see others."
        )
    if truncated:
        summary += (
            f" Only the first {MAX_INTERVALS:,} intervals (by brand, then retailer) are read: "
            "narrow the filters to see the rest."
        )
    st.caption(summary)
    drawn = intervals
    if len(pairs) > MAX_CHART_ROWS:
        keep = pairs.head(MAX_CHART_ROWS)
        drawn = intervals.merge(keep, on=["retailer_id", "brand_id"])
        st.caption(
            f"The chart draws the first {MAX_CHART_ROWS} pairs; the table lists all {len(pairs):,}."
        )
    figure = charts.timeline_chart(drawn, events, start=start, end=end)
    st.plotly_chart(figure, config={"displaylogo": False})
    downloads.chart_downloads(
        view,
        figure,
        key="timeline",
        title=f"Status of each retailer × brand pair, {start:%Y-%m-%d} to {end:%Y-%m-%d}",
    )

    st.subheader("Intervals and their sources")
    table = intervals.assign(
        status_shown=intervals["status"].map(charts.status_label),
        disputed_shown=intervals["disputed"].map({True: "yes", False: ""}),
        until_shown=intervals["valid_to"].dt.strftime("%Y-%m-%d").fillna("still"),
    )
    downloads.show_table(
        table,
        {
            "retailer_name": "Retailer",
            "brand_name": "Brand",
            "status_shown": "Status",
            "valid_from": st.column_config.DateColumn("From", format="YYYY-MM-DD"),
            "until_shown": st.column_config.TextColumn(
                "Until", help="The day the status changed; “still” = no later change recorded."
            ),
            "disputed_shown": "Disputed",
            "source_kind": "Source kind",
            "confidence": "Confidence",
            "source_url": "Source",
            "quote": "Quote",
        },
        key="timeline_intervals_table",
    )
    st.caption("Source: the observation that opened each interval.")
    downloads.download_buttons(
        downloads.Download(
            source=downloads.QuerySource(
                view.path,
                "timeline_intervals",
                scope.query_params("timeline_intervals"),
            ),
            data_version=view.version,
            as_of=None,
            filters=scope.provenance("retailers", "brands", "statuses", "start", "end"),
            title="Shelfwatch status intervals",
            permalink=context.permalink(view),
        ),
        key="timeline",
        rows=None,
    )

if events.empty:
    st.caption("No events recorded in this window.")
