"""Compare two dates: which retailer × brand pairs changed status between them, and who says so."""

import datetime as dt

import streamlit as st

from shelfwatch import charts
from shelfwatch.ui import context, downloads

# Default "from": a year before "to", but never before the first observation.
DEFAULT_SPAN = dt.timedelta(days=365)
# Rows sent to the browser table; the chart and downloads cover every change.
SHOWN_ROWS = 2_000


def _status_shown(status: object) -> str:
    # A missing status (no observation up to that date) reads "– No data", never blank.
    return charts.status_label(status if isinstance(status, str) else None)


view = context.current()
st.title("Compare two dates")
st.caption(
    "Every retailer × brand pair whose status on the first date differs from its status on the "
    "second, with the source that opened the new status. “No data” means no observation up "
    "to that date."
)
notices = st.container()

left, right = st.columns(2)
# "To" first: "From" defaults relative to it. Without end= in the link, "To" is the as-of date.
end = context.date_filter(
    view,
    "end",
    "To",
    default=view.as_of,
    container=right,
    help="Defaults to the “Status as of” date in the sidebar.",
)
start = context.date_filter(
    view,
    "start",
    "From",
    default=max(view.first_date, end - DEFAULT_SPAN),
    container=left,
)
left, right = st.columns(2)
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
    container=right,
)
if start > end:
    view.params.notices.append("“From” was after “To”; the two dates were swapped.")
    start, end = end, start

with notices:
    context.show_notices(view)

if start == end:
    st.info("Pick two different dates to see what changed between them.")
else:
    with st.spinner("Comparing…"):
        changes = view.query(
            "changes_between",
            start=start,
            end=end,
            retailers=retailers or None,
            brands=brands or None,
        )
    if changes.empty:
        st.info(
            f"Nothing changed between {start:%Y-%m-%d} and {end:%Y-%m-%d} for these filters: "
            "every pair had the same status (or no data) on both dates."
        )
    else:
        pair_word = "pair" if len(changes) == 1 else "pairs"
        st.subheader(
            f"{len(changes):,} {pair_word} changed between {start:%Y-%m-%d} and {end:%Y-%m-%d}"
        )
        st.plotly_chart(charts.changes_summary_chart(changes), config={"displaylogo": False})

        shown = changes.head(SHOWN_ROWS)
        if len(changes) > SHOWN_ROWS:
            st.caption(
                f"The table shows the first {SHOWN_ROWS:,} of {len(changes):,} changes (by date "
                "of change); the chart counts them all and the downloads hold every row."
            )
        table = shown.assign(
            from_shown=[_status_shown(s) for s in shown["from_status"]],
            to_shown=[_status_shown(s) for s in shown["to_status"]],
            disputed_shown=shown["disputed"].map({True: "yes", False: ""}),
        )
        downloads.show_table(
            table,
            {
                "retailer_name": "Retailer",
                "brand_name": "Brand",
                "from_shown": f"On {start:%Y-%m-%d}",
                "to_shown": f"On {end:%Y-%m-%d}",
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
                fetch=downloads.query_fetcher(
                    view.path,
                    "changes_between",
                    dict(start=start, end=end, retailers=retailers or None, brands=brands or None),
                ),
                data_version=view.version,
                as_of=end,
                filters={"start": start, "end": end, "retailer": retailers, "brand": brands},
                title="Shelfwatch changes between two dates",
                permalink=context.permalink(view),
            ),
            key="compare",
            rows=len(changes),
        )

context.show_permalink(view)
