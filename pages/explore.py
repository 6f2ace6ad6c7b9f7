"""Explore & export: filter the status table, the evidence or the re-listings, check why a
pair has its status, export, share."""

import streamlit as st

from shelfwatch import charts, tables, vocab
from shelfwatch.ui import context, downloads, evidence

# A page of a listing: enough to read and tick, little to send to the browser.
ROWS_PER_PAGE = 1_000
VIEWS = {
    "status": "Status on a date (one row per retailer × brand)",
    "evidence": "Evidence (every observation)",
    "relistings": "Re-listings (sold again after a removal)",
}

view = context.current()
st.caption(
    "Filter, check the source of every row, export a table you can cite, and share a link "
    "that reopens exactly this view."
)

mode = context.choice_filter(
    view, "view", "Show", tuple(VIEWS), default="status", format_func=VIEWS.get
)
observations = mode == "evidence"
relisted = mode == "relistings"

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
        help="Brands owned by this company on the as-of date — the company the strongest "
        "ownership claim names, unless “Count every ownership claim” is on (status view) — or "
        "named by any claim on the observation's own date (evidence).",
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
        vocab.STATUS_NAMES,
        format_func=charts.status_label,
        container=row[1],
    )
    kinds: tuple[str, ...] = ()
    confidences: tuple[str, ...] = ()
    start = end = None
    window: tuple | None = (None, None)
    q = ""
    if observations:
        kinds = context.multi_filter(
            view,
            "kind",
            "Source kind",
            vocab.SOURCE_KIND_NAMES,
            format_func=lambda k: k.replace("_", " "),
            container=row[2],
        )
        row = st.columns([1, 1, 1, 2])
        confidences = context.multi_filter(
            view, "confidence", "Confidence", vocab.CONFIDENCE_NAMES, container=row[0]
        )
        window = context.date_window(
            view,
            ("start", "end"),
            ("From", "To"),
            defaults=(view.first_date, view.last_date),
            containers=(row[1], row[2]),
            helps=(
                "Observations effective on or after this date.",
                "Observations effective on or before this date.",
            ),
            keep_default_in_url=False,
        )
        start, end = window or (None, None)
        q = context.text_filter(
            view,
            "q",
            "Search quotes and notes",
            container=row[3],
            help="Case-insensitive text in the quote, the note or the source URL.",
        )
    elif relisted:
        row[2].caption(
            f"Re-listings up to **{view.as_of:%Y-%m-%d}** (the as-of date in the sidebar), with "
            "the sources of both sides. Parent, list and status filters apply to the status "
            "view and the evidence."
        )
    else:
        row[2].caption(
            f"Status of each pair on **{view.as_of:%Y-%m-%d}** (the as-of date in the sidebar). "
            "Source kind, confidence, dates and text search filter the evidence view."
        )

# The filters this view applies, and the query that reads them (one Filters value turns
# the widgets into query parameters and the export's provenance, as the CLI does).
scope = view.filters()
FILTERED = ("retailers", "brands", "parents", "lists", "statuses")
if observations:
    name, as_of, title = "explorer_observations", end, "Shelfwatch evidence"
    cited = (*FILTERED, "kinds", "confidences", "start", "end", "q")
elif relisted:
    name, as_of, title = "relistings", view.as_of, "Shelfwatch re-listings"
    cited = ("retailers", "brands")
else:
    name, as_of, title = "status_as_of", view.as_of, "Shelfwatch status"
    cited = (*FILTERED, "any_claim", "stale_after")
params = scope.query_params(name)
filters = scope.provenance(*cited, view=mode)

if window is None:  # the evidence window's dates conflict: the page said so above
    context.stop()

# Long listings come a page at a time: counted in SQL, and only the page shown is read, its
# wide text (sources, quotes) included; the export reads every row.
with st.spinner("Reading the data…"):
    if relisted:
        frame = view.query(name, **params)
        total = len(frame)
    else:
        counted = f"{name}_count"
        total = int(view.query(counted, **scope.query_params(counted))["rows"].iloc[0])

noun = {"evidence": "observations", "relistings": "re-listings"}.get(mode, "retailer × brand pairs")
order = {"evidence": "newest first", "relistings": "newest first"}.get(
    mode, "by retailer, then brand"
)
if total == 0:
    if observations:
        st.info(
            "No observation matches these filters. Try fewer filters, a wider date range or "
            "a shorter search text."
        )
    elif relisted:
        st.info(
            f"No pair matching these filters was sold again after a removal, up to "
            f"{view.as_of:%Y-%m-%d}."
        )
    else:
        st.info(
            f"No retailer × brand pair matches these filters on {view.as_of:%Y-%m-%d}. Pairs "
            "with no observation up to that date have no data and are not listed; try a later "
            "as-of date or fewer filters."
        )
else:
    pages = 1 if relisted else -(-total // ROWS_PER_PAGE)
    said, pager = st.columns([5, 1], vertical_alignment="bottom")
    page = 1
    if pages > 1:
        page = context.page_number(view, pages, listing=(name, repr(params)), container=pager)
    if not relisted:
        skip = (page - 1) * ROWS_PER_PAGE
        with st.spinner("Reading the data…"):
            frame = view.query(
                name, **scope.query_params(name, max_rows=ROWS_PER_PAGE, skip_rows=skip)
            )
    when = (
        "" if observations else f" {'up to' if relisted else 'with data on'} {view.as_of:%Y-%m-%d}"
    )
    tick = " Tick a row for why it has its status." if mode == "status" else ""
    if pages > 1:
        first = (page - 1) * ROWS_PER_PAGE + 1
        said.caption(
            f"Rows {first:,}–{first + len(frame) - 1:,} of {total:,} {noun}{when}, {order} "
            f"(page {page:,} of {pages:,}).{tick} The export below holds every row."
        )
    else:
        said.caption(f"{total:,} {noun}{when}, {order}.{tick}")

    date_column = st.column_config.DateColumn
    if relisted:
        evidence.show_relistings(frame, key="explore_table")
    elif observations:
        shown = frame.assign(status=tables.evidence_statuses(frame))
        downloads.show_table(
            shown,
            {
                "effective_on": date_column("Effective", format="YYYY-MM-DD"),
                "retailer_name": "Retailer",
                "brand_name": "Brand",
                "status": "Status",
                "retraction": st.column_config.TextColumn("Retracted", width="medium"),
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
            },
            key="explore_table",
        )
    else:
        shown = frame.assign(status=frame["status"].map(charts.status_label))

        def status_table(selected: int | None, key: str) -> int | None:
            return downloads.show_table(
                shown,
                {
                    "retailer_name": "Retailer",
                    "brand_name": "Brand",
                    "status": "Status",
                    "since": date_column("Since", format="YYYY-MM-DD"),
                    "disputed": st.column_config.CheckboxColumn(
                        "Disputed",
                        help="A source dated in the status's run disagrees on whether the brand is "
                        f"sold, or a stronger one dated within {vocab.DISPUTE_WINDOW_DAYS} days "
                        "before it does.",
                    ),
                    "last_evidence_on": date_column(
                        "Latest evidence",
                        format="YYYY-MM-DD",
                        help="The latest observation of the pair up to the as-of date.",
                    ),
                    "stale": st.column_config.CheckboxColumn(
                        "Stale",
                        help=f"The latest evidence is over {view.stale_after:,} days old on the "
                        "as-of date.",
                    ),
                    "source_url": "Source",
                    "source_kind": "Source kind",
                    "confidence": "Confidence",
                    "quote": st.column_config.TextColumn("Quote", width="large"),
                    "parent_names": "Parent on date",
                    "ownership_confidence": "Ownership confidence",
                    "contested_parents": "Ownership contested by",
                    "lists": "Parent's lists",
                    "note": st.column_config.TextColumn("Note", width="large"),
                    "archive_url": "Archive",
                },
                key=key,
                selectable=True,
                selected=selected,
            )

        chosen = evidence.pick_pair(view, frame, status_table, state="explore_cell")
        if chosen:
            evidence.show_why(view, *chosen, key="explore")

    st.subheader("Export")
    st.caption(
        f"Every matching row ({total:,}), every column, with its source, the data version, "
        "the date, the filters and a citation. The file is made when you click."
    )
    export_params = scope.query_params(name, max_rows=None)
    offer = downloads.Download(
        source=downloads.QuerySource(view.path, name, export_params),
        data_version=view.version,
        as_of=as_of,
        filters=filters,
        title=title,
        permalink=context.permalink(view),
    )
    downloads.download_buttons(offer, key="explore", rows=total)
    downloads.pack_button(
        offer, [downloads.coverage_for_pack(view, brands)], key="explore", rows=total
    )
    st.caption("Suggested citation (each file carries its own):")
    st.code(offer.provenance().citation(), language=None, wrap_lines=True)
