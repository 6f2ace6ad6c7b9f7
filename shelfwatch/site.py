"""The pages of the dashboard, in menu order: one registry read by ``app.py`` (which turns each
into an ``st.Page``), by the tests and by the benchmark. Plain data: no streamlit here.

``PAGES`` are the readers' pages, which anyone may open; ``EDITOR_PAGES`` are registered in
the navigation only for a signed-in editor (``shelfwatch.ui.auth``), so a link to one opens
nothing for anyone else; ``ALL_PAGES`` is both, every script under ``pages/`` once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class PageSpec:
    """One page: its script under ``pages/``, its address and what the reader sees."""

    url_path: str  # the page's address: /<url_path>, what permalinks name
    script: str  # relative to the repository root
    menu_title: str  # in the navigation menu and the browser tab
    heading: str  # the page's h1
    icon: str  # a Material Symbol: emoji render as empty boxes where no emoji font is installed
    permalink: bool = True  # a permalink under the page (not on a page with no filters)
    # The URL parameters the page reads beside the frame's (as_of, stale, claims, v): the
    # filters it offers (shelfwatch.filters' names) and its own. A featured view
    # (data/views.csv) may set these and no others.
    filters: tuple[str, ...] = ()
    own_params: tuple[str, ...] = ()
    # Only a signed-in editor has it in the navigation (EDITOR_PAGES); never a featured view.
    editor: bool = False

    @property
    def params(self) -> tuple[str, ...]:
        return (*FRAME_PARAMS, *self.filters, *self.own_params)


# Read by the frame on every page (the sidebar's date and rule settings, the pinned version).
FRAME_PARAMS: Final = ("as_of", "stale", "claims", "v")


# The readers' pages: what anyone may open, what a featured view or a permalink may name.
PAGES: Final[tuple[PageSpec, ...]] = (
    PageSpec(
        "overview",
        "pages/overview.py",
        "Overview",
        "Overview",
        ":material/dashboard:",
        filters=("retailer", "brand"),
        own_params=("compare", "top", "cell", "card", "events", "section"),
    ),
    PageSpec(
        "timeline",
        "pages/timeline.py",
        "Timeline",
        "Timeline",
        ":material/timeline:",
        filters=("retailer", "brand", "status", "start", "end"),
    ),
    PageSpec(
        "compare",
        "pages/compare.py",
        "Compare dates",
        "Compare two dates",
        ":material/compare_arrows:",
        filters=("retailer", "brand", "start", "end"),
        own_params=("changes",),
    ),
    PageSpec(
        "profiles",
        "pages/profiles.py",
        "Profiles",
        "Profiles",
        ":material/sell:",
        filters=("retailer", "brand"),
        own_params=("profile", "cell"),
    ),
    PageSpec(
        "explore",
        "pages/explore.py",
        "Explore & export",
        "Explore & export",
        ":material/manage_search:",
        filters=(
            "retailer",
            "brand",
            "parent",
            "list",
            "status",
            "kind",
            "confidence",
            "start",
            "end",
            "q",
        ),
        own_params=("view", "page", "cell"),
    ),
    PageSpec(
        "data",
        "pages/data.py",
        "Data & method",
        "Data & method",
        ":material/menu_book:",
        permalink=False,
    ),
)
# The editors' pages, after the readers' in the menu.
EDITOR_PAGES: Final[tuple[PageSpec, ...]] = (
    PageSpec(
        "contribute",
        "pages/contribute.py",
        "Contribute",
        "Contribute",
        ":material/edit_note:",
        permalink=False,
        editor=True,
    ),
)
ALL_PAGES: Final[tuple[PageSpec, ...]] = (*PAGES, *EDITOR_PAGES)
# "/" opens this page (app.py forwards it, query string and all).
HOME: Final = PAGES[0]


def page(url_path: str) -> PageSpec:
    """The page at ``/<url_path>`` (a reader's or an editor's)."""
    for spec in ALL_PAGES:
        if spec.url_path == url_path:
            return spec
    raise KeyError(f"no page at /{url_path}")
