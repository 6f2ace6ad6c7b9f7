"""The pages of the dashboard, in menu order: one registry read by ``app.py`` (which turns each
into an ``st.Page``), by the tests and by the benchmark. Plain data: no streamlit here."""

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
    # URL parameters of the page's own, beside the shared filters (shelfwatch.filters): what a
    # featured view (data/views.csv) may set on it.
    own_params: tuple[str, ...] = ()


PAGES: Final[tuple[PageSpec, ...]] = (
    PageSpec(
        "overview",
        "pages/overview.py",
        "Overview",
        "Overview",
        ":material/dashboard:",
        own_params=("compare", "top", "cell", "card", "events"),
    ),
    PageSpec("timeline", "pages/timeline.py", "Timeline", "Timeline", ":material/timeline:"),
    PageSpec(
        "compare",
        "pages/compare.py",
        "Compare dates",
        "Compare two dates",
        ":material/compare_arrows:",
        own_params=("changes",),
    ),
    PageSpec(
        "profiles",
        "pages/profiles.py",
        "Profiles",
        "Profiles",
        ":material/sell:",
        own_params=("profile",),
    ),
    PageSpec(
        "explore",
        "pages/explore.py",
        "Explore & export",
        "Explore & export",
        ":material/manage_search:",
        own_params=("view",),
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
# "/" opens this page (app.py forwards it, query string and all).
HOME: Final = PAGES[0]


def page(url_path: str) -> PageSpec:
    """The page at ``/<url_path>``."""
    for spec in PAGES:
        if spec.url_path == url_path:
            return spec
    raise KeyError(f"no page at /{url_path}")
