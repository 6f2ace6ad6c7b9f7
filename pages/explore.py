"""Explore & export: filter the status table or the evidence, check sources, export, share."""

import duckdb
import streamlit as st

from shelfwatch import charts, queries, store
from shelfwatch.ui import context, downloads

SHOWN_ROWS = 5_000
VIEWS = {
    "status": "Status on a date (one row per retailer × brand)",
    "evidence": "Evidence (every observation)",
}

view = context.current()

st.title("Explore & export")
st.caption(
    "Filter, check the source of every row, export a table you can cite, and share a link "
    "that reopens exactly this view."
)
notices = st.container()  # filled after every URL value has been read

mode = context.choice_filter(
    view, "view", "Show", tuple(VIEWS), default="status", format_func=VIEWS.get
)
evidence = mode == "evidence"

with st.container(border=True):
    row = st.columns(3)
    retailers = context.named_filter(
        view,
        "retailer",
        "Retailer",
        view.retailer_names,
        container=row[0],
    )
    brands = context.named_filter(
        view,
        "brand",
        "Brand",
        view.brand_names,
        container=row[1],
    )
    parents = context.named_filter(
        view,
        "parent",
        "Parent company",
        view.company_names,
        container=row[2],
        help="Brands owned by this company on the date (status view) or on the observation's "
        "date (evidence).",
    )
    row = st.columns(3)
    lists = context.multi_filter(
        view,
        "list",
        "Parent on a list",
        view.lists,
        container=row[0],
        help="Brands whose parent is designated on this list on that date.",
    )
    statuses = context.multi_filter(
        view,
        "status",
        "Status",
        context.STATUS_OPTIONS,
        format_func=charts.status_label,
        container=row[1],
    )
    kinds: tuple[str, ...] = ()
    confidences: tuple[str, ...] = ()
    start = end = None
    q = ""
    if evidence:
        kinds = context.multi_filter(
            view,
            "kind",
            "Source kind",
            context.SOURCE_KIND_OPTIONS,
            format_func=lambda k: k.replace("_", " "),
            container=row[2],
        )
        row = st.columns([1, 1, 1, 2])
        confidences = context.multi_filter(
            view, "confidence", "Confidence", context.CONFIDENCE_OPTIONS, container=row[0]
        )
        start = context.date_filter(
            view,
            "start",
            "From",
            default=view.first_date,
            container=row[1],
            help="Observations effective on or after this date.",
            keep_default_in_url=False,
        )
        end = context.date_filter(
            view,
            "end",
            "To",
            default=view.last_date,
            container=row[2],
            help="Observations effective on or before this date.",
            keep_default_in_url=False,
        )
        q = context.text_filter(
            view,
            "q",
            "Search quotes and notes",
            container=row[3],
            help="Case-insensitive text in the quote, the note or the source URL.",
        )
    else:
        row[2].caption(
            f"Status of each pair on **{view.as_of:%Y-%m-%d}** (the as-of date in the sidebar). "
            "Source kind, confidence, dates and text search filter the evidence view."
        )

with notices:
    context.show_notices(view)

filters: dict[str, object] = {
    "view": mode,
    "retailer": retailers,
    "brand": brands,
    "parent": parents,
    "list": lists,
    "status": statuses,
}
if evidence:
    filters.update(kind=kinds, confidence=confidences, start=start, end=end, q=q or None)
    params: dict[str, object] = {
        "retailers": retailers,
        "brands": brands,
        "parents": parents,
        "lists": lists,
        "statuses": statuses,
        "source_kinds": kinds,
        "confidences": confidences,
        "start": start,
        "end": end,
        "q": q or None,
    }
    name, as_of, title = "explorer_observations", end, "Shelfwatch evidence"
else:
    params = {
        "as_of": view.as_of,
        "retailers": retailers,
        "brands": brands,
        "statuses": statuses,
        "parents": parents,
        "lists": lists,
    }
    name, as_of, title = "status_as_of", view.as_of, "Shelfwatch status"

try:
    with st.spinner("Reading the data…"):
        if evidence:
            total = int(view.query("explorer_observations_count", **params)["rows"].iloc[0])
            frame = view.query(name, **params, max_rows=SHOWN_ROWS)
        else:
            frame = view.query(name, **params)
            total = len(frame)
except (duckdb.Error, queries.QueryCatalogError, store.StoreError, OSError) as exc:
    st.error(
        f"Could not read data version {view.version}. Reload the page; if it persists, "
        "tell the maintainers what you did and the message below."
    )
    st.text(str(exc))  # plain text: the message may quote data
    st.stop()

if total == 0:
    if evidence and start and end and start > end:
        st.warning("The “From” date is after the “To” date, so nothing can match.")
    elif evidence:
        st.info(
            "No observation matches these filters. Try fewer filters, a wider date range or "
            "a shorter search text."
        )
    else:
        st.info(
            f"No retailer × brand pair matches these filters on {view.as_of:%Y-%m-%d}. Pairs "
            "with no observation up to that date have no data and are not listed; try a later "
            "as-of date or fewer filters."
        )
else:
    noun = "observations" if evidence else "retailer × brand pairs"
    if total > SHOWN_ROWS:
        st.caption(
            f"Showing {SHOWN_ROWS:,} of {total:,} {noun} "
            f"({'newest first' if evidence else 'by retailer, then brand'}) — narrow the "
            "filters or export every row below."
        )
        frame = frame.head(SHOWN_ROWS)
    elif evidence:
        st.caption(f"{total:,} {noun}, newest first.")
    else:
        st.caption(f"{total:,} {noun} with data on {view.as_of:%Y-%m-%d}.")

    shown = frame.assign(status=frame["status"].map(charts.status_label))
    date_column = st.column_config.DateColumn
    if evidence:
        columns: dict[str, object] = {
            "effective_on": date_column("Effective", format="YYYY-MM-DD"),
            "retailer_name": "Retailer",
            "brand_name": "Brand",
            "status": "Status",
            "quote": st.column_config.TextColumn("Quote", width="large"),
            "source_url": "Source",
            "source_kind": "Source kind",
            "confidence": "Confidence",
            "reported_on": date_column("Reported", format="YYYY-MM-DD"),
            "channel": "Channel",
            "parent_names": "Parent then",
            "note": st.column_config.TextColumn("Note", width="large"),
            "archive_url": "Archive",
            "obs_id": st.column_config.NumberColumn("Obs. id", format="%d"),
        }
    else:
        columns = {
            "retailer_name": "Retailer",
            "brand_name": "Brand",
            "status": "Status",
            "since": date_column("Since", format="YYYY-MM-DD"),
            "disputed": st.column_config.CheckboxColumn(
                "Disputed",
                help="Another observation within 30 days disagrees on whether the brand is sold.",
            ),
            "source_url": "Source",
            "source_kind": "Source kind",
            "confidence": "Confidence",
            "effective_on": date_column("Evidence date", format="YYYY-MM-DD"),
            "quote": st.column_config.TextColumn("Quote", width="large"),
            "parent_names": "Parent on date",
            "lists": "Parent's lists",
            "note": st.column_config.TextColumn("Note", width="large"),
            "archive_url": "Archive",
        }
    downloads.show_table(shown, columns, key="explore_table")

    st.subheader("Export")
    st.caption(
        f"Every matching row ({total:,}), every column, with its source, the data version, "
        "the date, the filters and a citation. The file is made when you click."
    )
    export_params = {**params, "max_rows": None} if evidence else params
    offer = downloads.Download(
        fetch=downloads.query_fetcher(view.path, name, export_params),
        data_version=view.version,
        as_of=as_of,
        filters=filters,
        title=title,
        permalink=context.permalink(view),
    )
    downloads.download_buttons(offer, key="explore", rows=total)
    st.caption("Suggested citation (each file carries its own):")
    st.code(offer.provenance().citation(), language=None, wrap_lines=True)

context.show_permalink(view)
