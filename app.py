"""Shelfwatch dashboard: which retailers sell which brands, since when, and says who."""

import streamlit as st

from shelfwatch import site
from shelfwatch.ui import auth, context

st.set_page_config(page_title="Shelfwatch", page_icon="🛒", layout="wide")


def _page(spec: site.PageSpec) -> st.Page:
    return st.Page(spec.script, title=spec.menu_title, icon=spec.icon, url_path=spec.url_path)


# One st.Page per entry of the page registry (shelfwatch/site.py), in menu order.
PAGES = [_page(spec) for spec in site.PAGES]
OVERVIEW = PAGES[site.PAGES.index(site.HOME)]
# The editors' pages exist only for a signed-in editor (the configuration says who, read on
# the server): for anyone else /contribute is an unknown page, whoever links to it.
if auth.current_editor() is not None:
    PAGES += [_page(spec) for spec in site.EDITOR_PAGES]


def _home() -> None:
    # Streamlit serves its default page at "/"; sending "/" on to /overview keeps every page,
    # the overview included, at the address docs/design.md gives it, so permalinks name their page.
    st.switch_page(OVERVIEW, query_params=dict(st.query_params))


HOME = st.Page(_home, title="Shelfwatch", url_path="home", default=True, visibility="hidden")

page = st.navigation([HOME, *PAGES])
# Each page draws the shared sidebar through context.current(); the frame catches read errors.
context.run_page(page)
