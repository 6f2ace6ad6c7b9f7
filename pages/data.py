"""Data & method: what the data is, how a status is decided, where it comes from, how to cite."""

import datetime as dt

import pandas as pd
import streamlit as st

from shelfwatch import charts, explain, exports, headline, store, urlstate, vocab
from shelfwatch.filters import Filters
from shelfwatch.ui import changes, context, data, downloads, follow

# A page, not a dump: at scale every observation may cite its own URL.
SOURCES_SHOWN = 1_000
TOP_BARS = 15

view = context.current()
st.caption(
    "What the data is, how a status is decided, where every fact comes from, and how to cite it."
)

with st.spinner("Reading the data…"):
    bounds = view.query("data_bounds").iloc[0]
    versions = view.query("versions_published")
    inputs = view.query("version_inputs")
    coverage = view.query("coverage_counts")
    sources = view.query("sources", max_rows=SOURCES_SHOWN)

cells = st.columns(5)
cells[0].metric("Data version", view.version)
cells[1].metric("Observations", f"{int(bounds['observations']):,}")
cells[2].metric("Retailer × brand pairs", f"{int(bounds['pairs']):,}")
cells[3].metric("Sources", f"{int(bounds['sources']):,}")
cells[4].metric("Span", f"{view.first_date:%Y} – {view.last_date:%Y}")

# --- How to cite, and the whole dataset ---------------------------------------------------
cite, full = st.columns(2, gap="large")
with cite:
    st.subheader("How to cite")
    dataset = downloads.Download(
        source=downloads.QuerySource(
            view.path,
            "explorer_observations",
            Filters().query_params("explorer_observations"),  # every observation
        ),
        data_version=view.version,
        as_of=None,
        title="Shelfwatch all observations",
        permalink=context.permalink(view),
    )
    st.code(dataset.provenance().citation(), language=None, wrap_lines=True)
    st.caption(
        "Name the data version: it never changes once published, so anyone can check your "
        "figures against it. A table exported from Explore & export carries its own citation "
        "with the date and the filters, and a permalink that reopens the same view."
    )
with full:
    st.subheader("Download the full dataset")
    st.caption(
        f"All {int(bounds['observations']):,} observations of data version {view.version}, "
        "each with its source, its brand's parent companies at the time, and the provenance "
        "block. The file is made when you click."
    )
    downloads.download_buttons(dataset, key="dataset", rows=int(bounds["observations"]))

# --- Statuses and the rule -----------------------------------------------------------------
st.header("What a status means")
legend = pd.DataFrame(
    {
        "Status": [charts.status_label(s) for s in charts.STATUS_ORDER],
        "Colour": [charts.STATUS_STYLES[s].colour for s in charts.STATUS_ORDER],
        "Meaning": [charts.STATUS_STYLES[s].meaning for s in charts.STATUS_ORDER],
    }
)
st.table(
    legend.style.map(
        lambda colour: f"background-color: {colour}; color: {colour}", subset=["Colour"]
    ),
    hide_index=True,
)
st.caption(
    "One palette on every page, chosen to be readable with colour-blindness, and never the only "
    "cue: each status also has its symbol and its name."
)

st.subheader("The status rule")
st.caption("As the project's design document (docs/design.md) states it.")
# Our own document, not data: Markdown is safe here.
st.markdown(explain.status_rule_text())
st.caption(
    "The channel (store, online, marketplace) is kept as evidence detail; the status is per "
    "retailer × brand. Each version stores these statuses when it is published, so every page, "
    "export and the command line give the same answer."
)

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Kinds of source, strongest first")
    st.table(
        pd.DataFrame(
            {
                "Kind": [k.label for k in vocab.SOURCE_KINDS],
                "Meaning": [k.meaning for k in vocab.SOURCE_KINDS],
            },
            index=range(1, len(vocab.SOURCE_KINDS) + 1),
        )
    )
with right:
    st.subheader("Confidence, strongest first")
    st.table(
        pd.DataFrame(
            {
                "Confidence": [c.label for c in vocab.CONFIDENCES],
                "Meaning": [c.meaning for c in vocab.CONFIDENCES],
            },
            index=range(1, len(vocab.CONFIDENCES) + 1),
        )
    )
st.caption(
    "Confidence decides first, then the kind of source: a high-confidence news report beats a "
    "medium-confidence statement made on the same date. Missing values default to a news "
    "report of medium confidence."
)

# --- Coverage --------------------------------------------------------------------------------
st.header("Coverage")
st.caption(
    "How many observations the data holds, per retailer, per brand and per year (of the date "
    "each observation takes effect). Few observations means little is known, not that nothing "
    "happened."
)
panels = st.columns(3, gap="medium")
for panel, (dimension, title) in zip(
    panels,
    (("retailer", "Per retailer"), ("brand", "Per brand"), ("year", "Per year")),
    strict=True,
):
    counts = coverage[coverage["dimension"] == dimension][["key", "label", "observations"]]
    with panel:
        st.subheader(title)
        if counts.empty:
            st.caption("No observations.")
            continue
        if dimension == "year":
            # Every year of the span, so a year without observations shows as a gap, not missing.
            years = counts.set_index(counts["key"].astype(int))["observations"]
            years = years.reindex(range(years.index.min(), years.index.max() + 1), fill_value=0)
            table = pd.DataFrame({"year": years.index.astype(str), "observations": years.values})
            st.bar_chart(
                table,
                x="year",
                y="observations",
                x_label="",
                y_label="observations",
                sort=False,
                height=260,
            )
            st.dataframe(
                table,
                hide_index=True,
                height=min(35 * (len(table) + 1) + 3, 300),
                column_config={"year": "Year", "observations": "Observations"},
            )
            continue
        st.bar_chart(
            counts.head(TOP_BARS),
            x="label",
            y="observations",
            x_label="",
            y_label="observations",
            horizontal=True,
            sort="-observations",
            height=260,
        )
        if len(counts) > TOP_BARS:
            st.caption(f"The {TOP_BARS} with the most observations; all of them in the table.")
        st.dataframe(
            counts,
            hide_index=True,
            height=min(35 * (len(counts) + 1) + 3, 300),
            column_config={"key": "Id", "label": "Name", "observations": "Observations"},
        )

# --- Sources ---------------------------------------------------------------------------------
st.header("Sources")
st.caption(
    f"The sources cited by observations in data version {view.version}, most-cited first "
    f"({len(sources):,} shown of {int(bounds['sources']):,}), with how much each backs. Click one "
    "to open it; the Explore page's evidence view shows the observations it supports (search "
    "its address), and the full-dataset download carries every row's source."
)
downloads.show_table(
    sources,
    {
        "source_url": "Source",
        "source_kinds": "Kinds",
        "observations": "Observations",
        "first_date": st.column_config.DateColumn("First", format="YYYY-MM-DD"),
        "last_date": st.column_config.DateColumn("Last", format="YYYY-MM-DD"),
        "retailers": "Retailers",
        "brands": "Brands",
    },
    show_host=False,
    key="sources_table",
)

# --- Versions --------------------------------------------------------------------------------
st.header("Published versions")
st.caption(
    f"You are reading data version {view.version} (the latest is {view.latest}). A published "
    "version never changes: add `v=` and its number to any link to pin it. Each version "
    "records when it was published and the exact input files it was built from."
)
published_at = st.column_config.DatetimeColumn(
    "Published (UTC)", format="YYYY-MM-DD HH:mm:ss", timezone="UTC"
)
st.dataframe(
    versions,
    hide_index=True,
    column_config={
        "version": st.column_config.NumberColumn("Version", format="%d"),
        "published_at": published_at,
        "action": "Action",
        "parent_version": st.column_config.NumberColumn("Built on version", format="%d"),
        "observations": "Observations",
        "pairs": "Pairs",
        "shelfwatch": "Software",
        "editor": "Published by",
        "note": st.column_config.TextColumn("Note", width="large"),
    },
)
st.subheader("What a version changed")
numbers = [int(n) for n in versions["version"]]
shown_version = st.selectbox(
    "Version",
    list(reversed(numbers)),
    index=list(reversed(numbers)).index(view.version) if view.version in numbers else 0,
    format_func=lambda n: f"Version {n}",
    key="data_diff_version",
)
info = versions.set_index("version").loc[shown_version]
if numbers.index(shown_version) == 0:
    st.caption(f"Version {shown_version} is the first of this lineage: everything in it is new.")
else:
    before = numbers[numbers.index(shown_version) - 1]
    who = info.get("editor")
    why = info.get("note")
    st.caption(
        f"Against version {before}, statuses as of {headline.day_text(view.as_of)}. "
        + (f"Published by {urlstate.data_markdown(who)}. " if isinstance(who, str) else "")
        + (f"Note: {urlstate.data_markdown(why)}" if isinstance(why, str) else "")
    )
    gone = [
        n for n in (before, shown_version) if not store.version_path(view.store_dir, n).exists()
    ]
    if gone:
        st.info(
            f"Version {gone[0]} was published but is no longer kept in this store (retention), "
            "so the two cannot be compared here."
        )
    else:
        try:
            with st.spinner("Comparing the two versions…"):
                changed = data.version_diff(
                    view.store_dir,
                    before,
                    shown_version,
                    as_of=view.as_of,
                    stale_after=view.stale_after,
                )
        except data.DataUnavailable:
            # At millions of observations the comparison needs more memory than the app lets
            # one request hold: the command line, a process of its own, has it.
            st.info(
                "These two versions are too big to compare within what this page may use. "
                f"The command line does it: `python -m shelfwatch diff --from {before} --to "
                f"{shown_version}`."
            )
        else:
            changes.show_diff(changed, key="data_diff")
follow.show_feed_list(view)
st.subheader("Input files")
st.dataframe(
    inputs,
    hide_index=True,
    column_order=["version", "published_at", "file_name", "role", "rows", "bytes", "sha256"],
    column_config={
        "version": st.column_config.NumberColumn("Version", format="%d"),
        "file_name": "File",
        "role": "Role",
        "rows": st.column_config.NumberColumn("Rows", format="%d"),
        "bytes": st.column_config.NumberColumn("Bytes", format="%d"),
        "sha256": st.column_config.TextColumn(
            "SHA-256", width="large", help="Check a copy of the file with `sha256sum FILE`."
        ),
        "published_at": published_at,
    },
)
st.caption(
    f"Page generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Licence: {exports.LICENCE}."
)
