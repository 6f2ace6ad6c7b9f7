"""Compare dates: every status change in a window (round trips included), or the net change
between its two end dates, with the source of each change."""

import datetime as dt

import streamlit as st

from shelfwatch import charts
from shelfwatch.ui import context, downloads

# Default "from": a year before the as-of date, but never before the first observation.
DEFAULT_SPAN = dt.timedelta(days=365)
# Rows sent to the browser table; the chart, the counts and the downloads cover every change.
SHOWN_ROWS = 2_000
VIEWS = {
    "every": "Every change in the window",
    "net": "Net: the first date against the last",
}


def _from_shown(status: object, first_evidence: object) -> str:
    # A missing status (no observation up to that date) reads "– No data", never blank; a
    # pair's first evidence says so, so it is not read as a new listing.
    shown = charts.status_label(status if isinstance(status, str) else None)
    return f"{shown} (first evidence)" if first_evidence is True else shown


view = context.current()
st.caption(
    "Every status change of a retailer × brand pair between two dates, with the source that "
    "made it — a pair removed and later sold again is listed twice. The net view compares "
    "the two dates alone. “No data” means no observation up to that date."
)

left, right = st.columns(2)
window = context.date_window(
    view,
    ("start", "end"),
    ("From", "To"),
    defaults=(max(view.first_date, view.as_of - DEFAULT_SPAN), view.as_of),
    containers=(left, right),
    helps=(
        "Changes dated after this day count. Default: a year before the “Status as of” date.",
        "Changes dated up to and including this day count. Default: the “Status as of” date.",
    ),
)
left, right = st.columns(2)
retailers = context.named_filter(view, "retailer", "Retailers", view.retailer_names, container=left)
brands = context.named_filter(view, "brand", "Brands", view.brand_names, container=right)
mode = context.choice_filter(
    view, "changes", "Show", tuple(VIEWS), default="every", format_func=VIEWS.get
)

if window is not None and window[0] == window[1]:
    st.info("Pick two different dates to see what changed between them.")
elif window is not None:
    start, end = window
    chosen = view.filters()
    net = mode == "net"
    name = "net_changes_between" if net else "changes_between"
    with st.spinner("Comparing…"):
        summary = view.query("changes_summary", **chosen.query_params("changes_summary"))
        changes = view.query(name, **chosen.query_params(name, max_rows=SHOWN_ROWS + 1))
    totals = summary.groupby("view")["changes"].sum().to_dict()
    every, differ = int(totals.get("transitions", 0)), int(totals.get("net", 0))
    if every == 0:
        st.info(
            f"Nothing changed between {start:%Y-%m-%d} and {end:%Y-%m-%d} for these filters: "
            "no pair's status changed in the window."
        )
    else:
        st.subheader(
            f"{every:,} change{'s' if every != 1 else ''} between {start:%Y-%m-%d} and "
            f"{end:%Y-%m-%d}; {differ:,} pair{'s' if differ != 1 else ''} differ between the "
            "two dates"
        )
        st.caption(
            "Solid bars count every change in the window, hatched bars the net comparison of "
            "the two dates: a change with no net bar was undone inside the window."
        )
        figure = charts.changes_summary_chart(summary)
        st.plotly_chart(figure, config={"displaylogo": False}, key="changes_summary")
        downloads.chart_downloads(
            view,
            figure,
            key="changes_summary",
            title=f"Status changes between {start:%Y-%m-%d} and {end:%Y-%m-%d}",
        )
        total = differ if net else every
        if changes.empty:
            st.info(
                "Every change in the window was undone by its end: no pair's status differs "
                "between the two dates. Choose “Every change in the window” to list them."
            )
        else:
            shown = changes.head(SHOWN_ROWS)
            if total > SHOWN_ROWS:
                st.caption(
                    f"The table shows the first {SHOWN_ROWS:,} of {total:,} rows (by date of "
                    "change); the chart counts them all and the downloads hold every row."
                )
            first = shown["first_evidence"] if "first_evidence" in shown else [None] * len(shown)
            table = shown.assign(
                from_shown=[
                    _from_shown(s, f) for s, f in zip(shown["from_status"], first, strict=True)
                ],
                to_shown=[charts.status_label(s) for s in shown["to_status"]],
                disputed_shown=shown["disputed"].map({True: "yes", False: ""}),
            )
            downloads.show_table(
                table,
                {
                    "retailer_name": "Retailer",
                    "brand_name": "Brand",
                    "from_shown": f"On {start:%Y-%m-%d}" if net else "From",
                    "to_shown": f"On {end:%Y-%m-%d}" if net else "To",
                    "changed_on": st.column_config.DateColumn(
                        "Changed on",
                        format="YYYY-MM-DD",
                        help="First day of the new status (the date of its first source).",
                    ),
                    "disputed_shown": "Disputed",
                    "source_kind": "Source kind",
                    "confidence": "Confidence",
                    "source_url": "Source",
                    "quote": "Quote",
                },
                key="compare_changes_table",
            )
            downloads.download_buttons(
                downloads.Download(
                    source=downloads.QuerySource(view.path, name, chosen.query_params(name)),
                    data_version=view.version,
                    as_of=end,
                    filters=chosen.provenance("start", "end", "retailers", "brands", changes=mode),
                    title="Shelfwatch net changes between two dates"
                    if net
                    else "Shelfwatch changes in a window",
                    permalink=context.permalink(view),
                ),
                key="compare",
                rows=total,
            )
