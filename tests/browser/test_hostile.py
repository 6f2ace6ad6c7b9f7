"""Hostile values in the store, in a real Chromium: shown as text on every page, never run.

tests/hostile.py plants an ``<img onerror>`` brand name, an HTML ``javascript:`` link as a
retailer name, a formula quote and a ``javascript:`` source past ingestion's checks. On every
page: no dialog opens, no ``<img src=x>`` exists or is requested, no ``javascript:`` link
exists, and the literal text is drawn where the data is shown. The AppTest half (Markdown,
plotly specs, every export's bytes) is tests/test_app_hostile.py.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pytest

from bench import app_driver as harness  # the same server and Chromium for tests and bench
from bench.app_driver import open_page
from shelfwatch import exports
from tests import hostile

pytestmark = pytest.mark.browser

WIDE = {"width": 1920, "height": 1080}  # more grid columns in view, so more cells to read
BRAND, RETAILER, QUOTE, URL = (
    hostile.BRAND_NAME,
    hostile.RETAILER_NAME,
    hostile.QUOTE,
    hostile.SOURCE_URL,
)
# What each page (opened with hostile.PAGE_PARAMS) must show as literal text.
SHOWN = {
    "overview": (BRAND, RETAILER, QUOTE, URL),
    "timeline": (BRAND, RETAILER, QUOTE, URL),
    "compare": (BRAND, RETAILER, QUOTE, URL),
    "profiles": (BRAND, RETAILER, URL),
    "explore": (BRAND, RETAILER, QUOTE, URL),
    "data": (BRAND, RETAILER, URL),
}


@pytest.fixture(scope="module")
def hostile_server(seed_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    target = tmp_path_factory.mktemp("browser_hostile") / "store"
    store_dir = hostile.make_hostile_store(seed_store, target)
    with harness.streamlit_server(store_dir, harness.LOGS / "hostile-server.log") as base:
        yield base


def query(params: dict[str, str]) -> str:
    return "&".join(f"{key}={value}" for key, value in params.items())


def assert_inert(tab) -> None:
    page = tab.page
    assert not tab.dialogs, tab.dialogs
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator('a[href^="javascript:" i]').count() == 0
    assert page.locator('[href^="javascript:" i], [src^="javascript:" i]').count() == 0
    assert not [url for url in tab.requests if urlsplit(url).path.endswith("/x")]
    assert not harness.problems(page), harness.problems(page)


@pytest.mark.parametrize("name", list(SHOWN))
def test_hostile_data_is_plain_text_on_every_page(new_tab, hostile_server, name):
    tab = new_tab(viewport=WIDE)
    page = tab.page
    open_page(page, harness.page_url(hostile_server, name, query(hostile.PAGE_PARAMS[name])))
    assert harness.main_title(page) == harness.PAGE_TITLES[name]

    if name == "overview":  # the grid's row and column names are drawn from data too
        assert any(r == RETAILER and b == BRAND for r, b in harness.grid_statuses(page))

    # A data grid fills its accessible table once its canvas is drawn: read until every value
    # is there (or 20 s have passed), not once.
    deadline = time.monotonic() + 20
    while True:
        texts = harness.page_texts(page)
        missing = [text for text in SHOWN[name] if text not in texts]
        if not missing or time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    assert not missing, f"not shown as text on {name}: {missing}"
    assert_inert(tab)
    harness.save_screenshot(page, harness.ARTIFACTS / f"hostile-{name}.png")
    assert_inert(tab)


def test_hostile_exports_downloaded_in_the_browser_stay_inert(new_tab, hostile_server):
    tab = new_tab(viewport=WIDE)
    page = tab.page
    open_page(
        page, harness.page_url(hostile_server, "explore", query(hostile.PAGE_PARAMS["explore"]))
    )

    _, data = harness.download(page, "explore_csv")
    _, frame = exports.read_csv_export(data)
    (row,) = frame[frame["retailer_id"] == "home-depot"].to_dict("records")
    assert row["quote"] == "'" + QUOTE
    assert row["source_url"] == URL
    assert row["brand_name"] == BRAND and row["retailer_name"] == RETAILER

    _, data = harness.download(page, "explore_xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["Data"]
    header = [cell.value for cell in sheet[1]]
    (cells,) = [
        row
        for row in sheet.iter_rows(min_row=2)
        if row[header.index("retailer_id")].value == "home-depot"
    ]
    quote = cells[header.index("quote")]
    assert quote.data_type == "s" and quote.value == "'" + QUOTE
    assert cells[header.index("source_url")].hyperlink is None
    for sheet in workbook:
        assert not sheet._hyperlinks
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    assert_inert(tab)
