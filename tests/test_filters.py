"""One Filters value: from a link, a page or the CLI, to query parameters, provenance and a link."""

from __future__ import annotations

import datetime as dt

import pytest

from shelfwatch import queries, vocab
from shelfwatch.filters import Filters, WindowError, is_filter_param

KNOWN = {"brand": ["lorex", "ezviz"], "retailer": ["home-depot", "walmart"]}


def test_a_link_becomes_filters_with_a_notice_per_ignored_value():
    chosen, notices = Filters.from_url(
        {"brand": "lorex,nonesuch", "as_of": "2021-11-30", "stale": "90", "claims": "any"}, KNOWN
    )
    assert chosen == Filters(
        as_of=dt.date(2021, 11, 30), brands=("lorex",), stale_after=90, any_claim=True
    )
    assert len(notices) == 1 and "nonesuch" in notices[0]


def test_the_canonical_link_leaves_defaults_out_and_round_trips():
    chosen = Filters(
        as_of=dt.date(2021, 11, 30), brands=["lorex", "ezviz"], q="recall", any_claim=True
    )
    assert chosen.url_params() == {
        "as_of": "2021-11-30",
        "brand": "lorex,ezviz",
        "q": "recall",
        "claims": "any",
    }
    link = chosen.permalink("http://x/explore", 3, {"view": "evidence"})
    assert (
        link
        == "http://x/explore?as_of=2021-11-30&brand=lorex%2Cezviz&claims=any&q=recall&v=3&view=evidence"
    )
    again, notices = Filters.from_url(chosen.url_params(), KNOWN)
    assert again == chosen and notices == []


def test_query_parameters_are_what_the_query_declares():
    chosen = Filters(as_of=dt.date(2021, 11, 30), brands=("lorex",), kinds=("statement",))
    params = chosen.query_params("explorer_observations", max_rows=10)
    assert set(params) == queries.parameters_of(queries.query_text("explorer_observations"))
    assert params["source_kinds"] == ("statement",) and params["q"] is None
    assert params["max_rows"] == 10
    status = chosen.query_params("status_as_of")
    assert status["stale_after"] == vocab.STALE_AFTER_DAYS
    assert status["max_rows"] is None and status["skip_rows"] is None  # every row
    page = chosen.query_params("status_as_of", max_rows=100, skip_rows=200)
    assert (page["max_rows"], page["skip_rows"]) == (100, 200)
    assert "skip_rows" not in chosen.query_params("kpis")
    assert chosen.query_params("kpis", compare=dt.date(2021, 1, 1))["compare"] == dt.date(
        2021, 1, 1
    )


def test_provenance_cites_what_is_set_by_url_name():
    chosen = Filters(brands=("lorex",), stale_after=90, any_claim=True, start=dt.date(2021, 1, 1))
    assert chosen.provenance("brands", "statuses", "stale_after", "any_claim", view="status") == {
        "view": "status",
        "brand": ("lorex",),
        "stale_after": 90,
        "claims": "any",
    }


def test_the_window_rule_is_decided_once():
    fine = Filters(start=dt.date(2021, 1, 1), end=dt.date(2021, 1, 1))
    assert fine.window_problem() is None and fine.check_window() is fine
    empty = fine.replace(start=dt.date(2021, 2, 1))
    assert "is after the end" in (empty.window_problem() or "")
    with pytest.raises(WindowError):
        empty.check_window()


def test_widget_values_and_page_parameters():
    chosen = Filters.from_url_values(
        {"brand": ["lorex"], "view": "evidence", "claims": True, "stale": 30, "kind": None}
    )
    assert chosen == Filters(brands=("lorex",), any_claim=True, stale_after=30)
    assert is_filter_param("brand") and is_filter_param("v") and not is_filter_param("view")
