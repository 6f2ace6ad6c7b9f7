"""The Overview's way into the story in a real Chromium: the featured views open exactly as the
data defines them, inside one session, and each headline card opens the rows it counts."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest

from bench import app_driver as harness
from bench.app_driver import act, open_page
from shelfwatch import featured, headline
from tests.conftest import SEED_DATA

pytestmark = pytest.mark.browser

CARDS = {  # card -> (as-of date, rows its list holds: the KPI it counts)
    "pairs_sold": ("2021-11-30", 6),
    "pairs_not_sold": ("2021-11-30", 4),
    "relistings": ("2025-10-29", 2),  # Best Buy and Home Depot re-list Lorex
    "exposed_retailers": ("2021-11-30", 6),  # one row per parent × retailer × brand: 3 retailers
    "disputed_pairs": ("2021-11-30", 1),
}


def seed_views() -> list[featured.FeaturedView]:
    rows = pd.read_csv(SEED_DATA / "views.csv", keep_default_na=False).to_dict("records")
    return featured.from_rows(
        [{**row, "page": row["page"] or featured.DEFAULT_PAGE} for row in rows]
    )


def url_params(page) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(page.url).query))


def headline_of(page) -> str:
    return page.locator(".st-key-headline h5").inner_text().strip()


def test_each_featured_view_opens_as_defined(seed_server, tab):
    page = tab.page
    open_page(page, harness.page_url(seed_server, "overview", "as_of=2020-01-01&top=10"))
    for item in seed_views():
        # From the Overview the reader is on (the last view's), as a reader clicks through.
        link = page.get_by_role("link", name=item.title)
        act(page, link.click)
        assert not harness.problems(page)
        wanted = dict(item.params)
        shown = url_params(page)
        for name, value in wanted.items():
            assert shown.get(name) == value, (item.title, name, shown)
        assert "top" not in shown  # the previous view's parameter is gone
        as_of = dt.date.fromisoformat(wanted["as_of"])
        assert (
            page.locator('[data-testid="stDateInput"] input').first.input_value()
            == (wanted["as_of"])
        )
        assert headline_of(page).startswith(f"As of {headline.day_text(as_of)},")
        assert (
            not page.locator('[data-testid="stAlertContentInfo"]')
            .filter(has_text="Ignored")
            .count()
        )
        if wanted.get("card"):
            assert page.locator(".st-key-card_list").count() == 1


@pytest.mark.parametrize("metric", list(CARDS))
def test_each_headline_card_opens_its_rows(seed_server, tab, metric):
    from playwright.sync_api import expect

    page = tab.page
    day, expected = CARDS[metric]
    open_page(page, harness.page_url(seed_server, "overview", f"as_of={day}"))
    button = page.locator(f".st-key-card_{metric} button")
    act(page, button.click)
    assert url_params(page).get("card") == metric
    box = page.locator(".st-key-card_list")
    assert box.count() == 1
    # The grid's accessible table fills in after the run ends: waited for, not polled once.
    expect(box.locator('table[role="grid"] tbody tr')).to_have_count(expected)
    # The permalink reopens the same list.
    reopened = page.context.new_page()
    open_page(reopened, page.url)
    rows = reopened.locator(".st-key-card_list table[role='grid'] tbody tr")
    expect(rows).to_have_count(expected)
    reopened.close()
