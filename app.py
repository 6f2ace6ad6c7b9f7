"""Shelfwatch dashboard: which retailers sell which brands, since when, and says who."""

import streamlit as st

st.set_page_config(page_title="Shelfwatch", page_icon="🛒", layout="wide")

OVERVIEW = st.Page("pages/overview.py", title="Overview", icon="📊", url_path="overview")
PAGES = [
    OVERVIEW,
    st.Page("pages/timeline.py", title="Timeline", icon="📅", url_path="timeline"),
    st.Page("pages/compare.py", title="Compare dates", icon="↔️", url_path="compare"),
    st.Page("pages/profiles.py", title="Profiles", icon="🏷️", url_path="profiles"),
    st.Page("pages/explore.py", title="Explore & export", icon="🔎", url_path="explore"),
    st.Page("pages/data.py", title="Data & method", icon="📚", url_path="data"),
]


def _home() -> None:
    # Streamlit serves its default page at "/"; sending "/" on to /overview keeps every page,
    # the overview included, at the address docs/design.md gives it, so permalinks name their page.
    st.switch_page(OVERVIEW, query_params=dict(st.query_params))


HOME = st.Page(_home, title="Shelfwatch", url_path="home", default=True, visibility="hidden")

page = st.navigation([HOME, *PAGES])
page.run()  # each page draws the shared sidebar through shelfwatch.ui.context.current()
