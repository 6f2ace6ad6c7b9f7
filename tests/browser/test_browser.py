"""The app in a real Chromium on the seed store: render, filter, click, download, permalink.

What AppTest cannot do: click a cell of the status grid, type into the date field, receive the bytes
of a download, open a copied link in another browser. Everything is read from what the browser
draws: the DOM, the plotly figure, the data grids' accessible tables, downloaded files.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pandas as pd
import pytest

from bench import app_driver as harness  # the same server and Chromium for tests and bench
from bench.app_driver import act, open_page
from shelfwatch import exports

pytestmark = pytest.mark.browser

YAHOO = "https://news.yahoo.com/us-retail-giants-pull-chinese-150045714.html"


def type_date(page, label: str, day: dt.date) -> None:
    """Type a date into a date field the keyboard way: year, month, day, then Enter.

    Streamlit's date field sends its value when the focus leaves it (Enter alone does not),
    so the focus then moves to the page title, as a user clicking elsewhere would.
    """
    field = page.locator('[data-testid="stDateInput"]').filter(
        has=page.get_by_text(label, exact=True)
    )
    field.get_by_role("spinbutton", name="year").click()
    page.keyboard.type(day.strftime("%Y%m%d"))
    page.keyboard.press("Enter")
    act(page, lambda: page.locator('[data-testid="stMain"] h1').click())
    assert field.locator('input[type="date"]').input_value() == day.isoformat()


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the multiselect labelled ``label`` by typing it, as a user would."""
    box = page.locator('[data-testid="stMultiSelect"]').filter(
        has=page.get_by_text(label, exact=True)
    )
    box.locator("input").click()
    page.keyboard.type(option)
    act(page, lambda: page.keyboard.press("Enter"))
    page.keyboard.press("Escape")


def shown_pairs(page) -> int:
    """The row count Explore says it shows ('5 retailer × brand pairs with data on …')."""
    caption = page.get_by_text(re.compile(r"retailer × brand pairs with data on")).inner_text()
    return int(caption.split(" ", 1)[0].replace(",", ""))


def evidence_grid(page) -> list[dict[str, str]]:
    grids = [g for g in harness.data_grids(page) if "Won its date" in g["columns"]]
    if not grids:  # the evidence grid's accessible table lists the columns in view
        grids = [g for g in harness.data_grids(page) if "Source (not a web link)" in g["columns"]]
    assert grids, "no evidence table"
    return harness.grid_records(grids[0])


# --- Overview -----------------------------------------------------------------------------------


def test_home_forwards_to_the_overview(tab, seed_server):
    page = tab.page
    open_page(page, f"{seed_server}/")
    assert page.url.startswith(f"{seed_server}/overview")
    assert harness.main_title(page) == "Overview"
    assert not harness.problems(page)
    open_page(page, f"{seed_server}/overview")
    assert harness.main_title(page) == "Overview"
    statuses = harness.grid_statuses(page)
    assert statuses[("Walmart", "Lorex")][0] == "stocked"
    assert not harness.problems(page)


def test_typing_the_as_of_date_changes_the_grid(tab, seed_server):
    page = tab.page
    open_page(page, f"{seed_server}/overview")
    type_date(page, "Status as of", dt.date(2021, 11, 30))

    assert "as_of=2021-11-30" in page.url
    page.get_by_text("Who sells what on 2021-11-30").wait_for()
    statuses = harness.grid_statuses(page)
    assert statuses[("Home Depot", "Lorex")] == ("removed", "✕ Removed")
    assert statuses[("Walmart", "Lorex")] == ("stocked", "● Stocked")
    assert not harness.problems(page)


def test_clicking_a_cell_shows_its_evidence_and_sources(tab, seed_server):
    page = tab.page
    open_page(page, f"{seed_server}/overview?as_of=2021-11-30")
    x, y = harness.grid_cell_position(page, "Home Depot", "Lorex")
    act(page, lambda: page.mouse.click(x, y))

    assert "cell=home-depot%3Alorex" in page.url
    why = page.locator(".st-key-why_overview")
    why.get_by_text("Why this status").wait_for()
    assert why.get_by_text("✕ Removed since 2021-10-25 (on 2021-11-30)", exact=False).count()
    assert why.get_by_text("Not disputed", exact=False).count()
    rows = evidence_grid(page)
    sources = [row["Source"] for row in rows]
    assert YAHOO in sources, sources
    assert all(source.startswith("https://") for source in sources if source)

    # The Source column is a link: clicking it opens the source (stubbed: no network here).
    link = harness.link_in_first_row(page, page.locator(".st-key-evidence_table").first)
    assert link, "no clickable source link in the evidence table's first row"
    with tab.context.expect_page() as opened:
        page.mouse.click(*link)
    assert opened.value.url == rows[0]["Source"]
    assert not tab.dialogs and not harness.problems(page)


def test_compare_shows_the_round_trip_and_the_cell_says_why(tab, seed_server):
    """Home Depot removed Lorex in October 2021 and listed it again in 2025: Compare lists both
    changes, and the Overview cell explains the status it has now."""
    page = tab.page
    open_page(page, f"{seed_server}/compare?start=2021-10-01&end=2025-10-29&retailer=home-depot")
    page.get_by_text(re.compile(r"changes? between 2021-10-01 and 2025-10-29")).wait_for()
    grids = [g for g in harness.data_grids(page) if "Changed on" in g["columns"]]
    assert grids, "no changes table"
    rows = [r for r in harness.grid_records(grids[0]) if r.get("Brand") == "Lorex"]
    assert [(r["From"], r["To"], r["Changed on"]) for r in rows] == [
        ("● Stocked", "✕ Removed", "2021-10-25"),
        ("✕ Removed", "● Stocked", "2025-09-23"),
    ]
    assert not harness.problems(page)

    open_page(page, f"{seed_server}/overview?as_of=2025-10-29")
    x, y = harness.grid_cell_position(page, "Home Depot", "Lorex")
    act(page, lambda: page.mouse.click(x, y))
    why = page.locator(".st-key-why_overview")
    why.get_by_text("Why this status").wait_for()
    text = why.inner_text()
    assert "● Stocked since 2025-09-23 (on 2025-10-29)" in text
    assert "Decided by a legal filing, low confidence, dated 2025-09-23" in text
    assert not harness.problems(page)


def test_no_table_offers_an_uncited_download(tab, seed_server):
    """The grid toolbar's own "Download as CSV" is off: every download carries provenance."""
    page = tab.page
    open_page(page, f"{seed_server}/explore?as_of=2021-11-30")
    table = page.locator('[data-testid="stDataFrame"]').first
    table.hover()
    page.wait_for_timeout(300)
    toolbar = page.locator('[data-testid="stElementToolbar"]')
    assert toolbar.get_by_role("button", name=re.compile("download", re.I)).count() == 0
    assert (
        page.locator('[data-testid="stElementToolbarButton"]')
        .filter(has_text=re.compile("download", re.I))
        .count()
        == 0
    )


# --- Explore & export ---------------------------------------------------------------------------


def test_explore_exports_what_it_shows_with_provenance(tab, seed_server):
    page = tab.page
    open_page(page, f"{seed_server}/explore?as_of=2021-11-30")
    choose(page, "Brand", "Lorex")
    assert "brand=lorex" in page.url
    shown = shown_pairs(page)
    assert shown == 5

    name, data = harness.download(page, "explore_csv")
    assert name.endswith(".csv")
    provenance, frame = exports.read_csv_export(data)
    assert len(frame) == shown
    assert set(frame["brand_id"]) == {"lorex"}
    assert frame["source_url"].str.startswith("https://").all()
    assert provenance["data_version"] == "1"
    assert provenance["as_of"] == "2021-11-30"
    assert "brand=lorex" in provenance["filters"]
    assert "data version 1" in provenance["citation"]
    assert "2021-11-30" in provenance["citation"] and "lorex" in provenance["citation"]
    assert "brand=lorex" in provenance["permalink"]

    name, data = harness.download(page, "explore_xlsx")
    assert name.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Data", "About"]
    rows = list(workbook["Data"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == shown
    records = [dict(zip(header, row, strict=True)) for row in body]
    assert {record["brand_id"] for record in records} == {"lorex"}
    assert all(str(record["source_url"]).startswith("https://") for record in records)
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True) if row[0]}
    assert about["data_version"] == "1" and about["as_of"] == "2021-11-30"
    assert "brand=lorex" in about["filters"] and "data version 1" in about["citation"]
    for sheet in workbook:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), "a formula in the workbook"
    assert not harness.problems(page)


def test_the_permalink_reopens_the_same_view_in_a_fresh_browser(new_tab, seed_server):
    first = new_tab().page
    open_page(first, f"{seed_server}/explore")
    type_date(first, "Status as of", dt.date(2021, 11, 30))
    choose(first, "Brand", "Lorex")
    choose(first, "Status", "Removed")
    link = harness.permalink_of(first)
    assert link.startswith(f"{seed_server}/explore?")
    for part in ("as_of=2021-11-30", "brand=lorex", "status=removed", "v=1"):
        assert part in link, link
    rows = harness.grid_records(harness.data_grids(first)[0])
    assert {row["Retailer"] for row in rows} == {"Home Depot", "Lowe's"}
    _, before = harness.download(first, "explore_csv")

    second = new_tab().page  # a fresh context: no cookies, no session, only the link
    open_page(second, link)
    assert harness.permalink_of(second) == link
    sidebar_date = second.locator('[data-testid="stSidebar"] input[type="date"]').first
    assert sidebar_date.input_value() == "2021-11-30"
    for label, chip in (("Brand", "Lorex"), ("Status", "✕ Removed")):
        box = second.locator('[data-testid="stMultiSelect"]').filter(
            has=second.get_by_text(label, exact=True)
        )
        assert chip in box.inner_text()
    again = harness.grid_records(harness.data_grids(second)[0])
    # The grid's accessible table holds the columns in view, which may differ by a few pixels.
    shared = [c for c in rows[0] if c in again[0]]
    assert {"Retailer", "Brand", "Status", "Since", "Source"} <= set(shared)
    assert [[row[c] for c in shared] for row in again] == [[row[c] for c in shared] for row in rows]
    _, after = harness.download(second, "explore_csv")
    provenance = [exports.read_csv_export(data)[0] for data in (before, after)]
    frames = [exports.read_csv_export(data)[1] for data in (before, after)]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    for key in ("data_version", "as_of", "filters", "permalink"):
        assert provenance[0][key] == provenance[1][key], key


# --- Every page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(harness.PAGE_TITLES))
def test_every_page_renders(tab, seed_server, name):
    page = tab.page
    seconds = open_page(page, harness.page_url(seed_server, name))
    assert harness.main_title(page) == harness.PAGE_TITLES[name]
    assert not harness.problems(page), harness.problems(page)
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    if name != "data":  # Data & method has no filters, so no permalink of its own
        assert harness.permalink_of(page).startswith(f"{seed_server}/{name}?")
    harness.save_screenshot(page, harness.ARTIFACTS / f"seed-{name}.png")
    print(f"{name}: {seconds:.2f} s")
