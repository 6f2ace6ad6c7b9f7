"""The query catalog, rows in -> rows out, on the mini fixture (tests/fixtures/mini).

Every expected row below is written out by hand from the fixture CSVs and the status rule of
docs/design.md; the comments say why a row is what it is. What the fixture holds (obs_id = CSV
order):

    obs retailer brand status       effective_on kind / confidence            notes
    1   r-a      b-x   stocked      2021-01-01   brand_claim / medium
    2   r-a      b-x   removed      2021-10-25   statement / high             wins the day (kind)
    3   r-a      b-x   stocked      2021-10-25   listing_check / high         loses: day disputed
    4   r-a      b-x   stocked      2023-05-01   legal_filing / low           the re-listing
    5   r-b      b-x   stocked      2021-01-01   news_report / medium
    6   r-b      b-x   exiting      2021-10-25   statement / high
    7   r-b      b-x   removed      2021-12-01   listing_check / high
    8   r-b      b-y   unavailable  2021-10-25   listing_check / medium       two-line quote
    9   r-c      b-x   stocked      2021-10-25   news_report / medium         reported 10-26
    10  r-c      b-x   removed      2021-10-25   news_report / medium         reported 10-27: wins
    11  r-c      b-y   stocked      2020-01-01   news_report / medium
    12  r-c      b-y   stocked      2022-01-01   news_report / high           same run as obs 11

Ownership: b-x -> p-one from 2019-01-01 until 2022-06-01 (own1, high) or 2022-09-01 (own2,
medium), then p-two (from 2022-06-01 per own1, 2022-09-01 per own2); b-y -> p-one from 2018.
Designations: p-one on entity-list since 2019-10-09 and fcc-covered-list since 2021-03-12.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import shutil

import duckdb
import pandas as pd
import pytest

import shelfwatch
from shelfwatch import store
from shelfwatch.demo import write_demo
from shelfwatch.queries import (
    QUERY_DIR,
    catalog_markdown,
    documented_catalog,
    header_of,
    load_catalog,
    parameters_of,
    run_query,
)
from tests.conftest import MINI_DATA, TODAY, build_store


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def src(n: int | str) -> str:
    return f"https://src.example/{n}"


LISTS = "entity-list,fcc-covered-list"
QUOTE_2 = '"We stopped", she said'
QUOTE_8 = "all products\nlisted as unavailable"
C = "Retailer C, Inc."


def plain(value: object) -> object:
    """One DataFrame cell as a plain Python value (NULL -> None, DATE -> date)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime() if value.tzinfo else value.date()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def records(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(plain(v) for v in row) for row in frame.astype(object).itertuples(index=False)]


def run(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> list[tuple]:
    frame = run_query(con, name, params)
    assert list(frame.columns) == COLUMNS[name], name
    return records(frame)


def pick(con, name: str, columns: list[str], **params: object) -> list[tuple]:
    """Only some columns, for tests about one aspect of a query."""
    frame = run_query(con, name, params)
    assert list(frame.columns) == COLUMNS[name], name
    return records(frame[columns])


# The contract the dashboard and the CLI rely on: parameters and column order of each query.
PARAMETERS: dict[str, set[str]] = {
    "brands": set(),
    "changes_between": {"start", "end", "retailers", "brands", "max_rows"},
    "changes_summary": {"start", "end", "retailers", "brands"},
    "companies": set(),
    "coverage_counts": set(),
    "coverage_over_time": {"grain", "start", "end", "brands"},
    "data_bounds": set(),
    "designation_lists": set(),
    "designations_for_brand": {"brand"},
    "events": {"start", "end", "kinds"},
    "events_for_brands": {"start", "end", "kinds", "brands"},
    "featured_views": set(),
    "feed_transitions": {"retailers", "brands", "parents", "max_rows"},
    "pairs_on_date": {"as_of", "sold", "disputed", "stale_after", "max_rows"},
    "evidence_for_pair": {"retailer", "brand"},
    "observation_days": {"start", "end"},
    "explorer_observations": {
        "retailers",
        "brands",
        "parents",
        "lists",
        "statuses",
        "source_kinds",
        "confidences",
        "start",
        "end",
        "q",
        "max_rows",
        "skip_rows",
    },
    "explorer_observations_count": {
        "retailers",
        "brands",
        "parents",
        "lists",
        "statuses",
        "source_kinds",
        "confidences",
        "start",
        "end",
        "q",
    },
    "exposure_by_parent": {"as_of", "lists", "any_claim", "stale_after", "max_rows"},
    "kpis": {"as_of", "compare", "any_claim", "stale_after"},
    "most_active_brands": {"max_rows"},
    "most_active_retailers": {"max_rows"},
    "net_changes_between": {"start", "end", "retailers", "brands", "max_rows"},
    "ownership_for_brand": {"brand"},
    "pair_status_history": {"retailers", "brands", "start", "end"},
    "relistings": {"retailers", "brands", "as_of", "max_rows"},
    "retailers": set(),
    "sources": {"max_rows"},
    "status_as_of": {
        "as_of",
        "retailers",
        "brands",
        "statuses",
        "parents",
        "lists",
        "any_claim",
        "stale_after",
        "max_rows",
        "skip_rows",
    },
    "status_as_of_count": {
        "as_of",
        "retailers",
        "brands",
        "statuses",
        "parents",
        "lists",
        "any_claim",
    },
    "status_explained": {"retailer", "brand", "as_of"},
    "status_grid": {"as_of", "retailers", "brands", "stale_after", "any_claim"},
    "timeline_intervals": {"retailers", "brands", "statuses", "start", "end", "max_rows"},
    "version_inputs": set(),
    "versions_published": set(),
    "diff_observations": {"max_rows"},
    "diff_statuses": {"as_of", "stale_after", "max_rows"},
    "diff_tables": set(),
    "diff_transitions": {"max_rows"},
}

COLUMNS: dict[str, list[str]] = {
    "featured_views": ["title", "page", "params", "note"],
    "feed_transitions": [
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "from_status",
        "to_status",
        "changed_on",
        "first_evidence",
        "parent_id",
        "parent_name",
        "source_url",
        "source_kind",
        "confidence",
        "quote",
        "obs_id",
        "published_in",
        "published_at",
    ],
    "pairs_on_date": [
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "status",
        "since",
        "disputed",
        "last_evidence_on",
        "stale",
        "source_url",
        "source_kind",
        "confidence",
        "quote",
    ],
    "status_grid": [
        "retailer_id",
        "brand_id",
        "status",
        "since",
        "disputed",
        "last_evidence_on",
        "stale",
        "source_kind",
        "confidence",
        "lists",
    ],
    "status_as_of": [
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "status",
        "since",
        "disputed",
        "last_evidence_on",
        "stale",
        "source_url",
        "source_kind",
        "confidence",
        "reported_on",
        "channel",
        "quote",
        "note",
        "archive_url",
        "obs_id",
        "parent_ids",
        "parent_names",
        "ownership_confidence",
        "ownership_contested",
        "contested_parents",
        "lists",
    ],
    "status_explained": [
        "obs_id",
        "effective_on",
        "status",
        "source_kind",
        "confidence",
        "reported_on",
        "channel",
        "source_url",
        "archive_url",
        "quote",
        "note",
        "role",
        "step",
        "disputes",
        "dispute_reason",
        "won_day",
        "since",
        "current_status",
        "disputed",
    ],
    "changes_between": [
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "from_status",
        "to_status",
        "changed_on",
        "first_evidence",
        "source_url",
        "source_kind",
        "confidence",
        "quote",
        "disputed",
    ],
    "net_changes_between": [
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "from_status",
        "to_status",
        "changed_on",
        "source_url",
        "source_kind",
        "confidence",
        "quote",
        "disputed",
    ],
    "changes_summary": ["view", "from_status", "to_status", "changes"],
    "timeline_intervals": [
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "status",
        "since",
        "valid_from",
        "valid_to",
        "disputed",
        "segments",
        "source_url",
        "source_kind",
        "confidence",
        "quote",
    ],
    "coverage_over_time": ["brand_id", "brand_name", "period", "retailers_selling"],
    "evidence_for_pair": [
        "obs_id",
        "effective_on",
        "status",
        "source_kind",
        "confidence",
        "reported_on",
        "channel",
        "source_url",
        "archive_url",
        "quote",
        "note",
        "won_day",
        "disputed",
        "input_file",
        "line_no",
        "retracted_in",
        "retraction_reason",
        "retracted_by",
    ],
    "exposure_by_parent": [
        "company_id",
        "company_name",
        "list",
        "designated_on",
        "brand_id",
        "brand_name",
        "retailer_id",
        "retailer_name",
        "status",
        "since",
        "last_evidence_on",
        "stale",
        "disputed",
        "ownership_confidence",
        "ownership_source_url",
        "ownership_contested",
        "contested_parents",
        "source_url",
    ],
    "relistings": [
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "not_sold_status",
        "not_sold_from",
        "not_sold_source_url",
        "not_sold_source_kind",
        "not_sold_confidence",
        "relisted_on",
        "relisted_status",
        "source_url",
        "source_kind",
        "confidence",
        "quote",
        "disputed",
    ],
    "kpis": ["metric", "label", "value", "compare_value", "delta"],
    "explorer_observations": [
        "obs_id",
        "effective_on",
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "status",
        "source_kind",
        "confidence",
        "reported_on",
        "channel",
        "quote",
        "note",
        "source_url",
        "archive_url",
        "parent_names",
        "retraction",
    ],
    "explorer_observations_count": ["rows"],
    "status_as_of_count": ["rows"],
    "retailers": ["retailer_id", "name", "country", "kind", "website", "observations"],
    "brands": ["brand_id", "name", "category", "observations"],
    "companies": ["company_id", "name", "country", "brands"],
    "designation_lists": ["list", "companies", "first_effective_on"],
    "events": ["date", "title", "kind", "url", "company_id", "brand_id"],
    "events_for_brands": [
        "date",
        "title",
        "kind",
        "url",
        "company_id",
        "company_name",
        "brand_id",
        "brand_name",
    ],
    "ownership_for_brand": [
        "brand_id",
        "company_id",
        "company_name",
        "valid_from",
        "valid_to",
        "confidence",
        "source_url",
        "note",
        "lists",
    ],
    "designations_for_brand": [
        "company_id",
        "company_name",
        "list",
        "effective_on",
        "ended_on",
        "source_url",
        "note",
    ],
    "observation_days": ["effective_on", "observations"],
    "data_bounds": [
        "first_date",
        "last_date",
        "observations",
        "pairs",
        "retailers",
        "brands",
        "sources",
    ],
    "version_inputs": [
        "version",
        "published_at",
        "action",
        "file_name",
        "role",
        "sha256",
        "rows",
        "bytes",
    ],
    "versions_published": [
        "version",
        "published_at",
        "action",
        "parent_version",
        "observations",
        "pairs",
        "shelfwatch",
        "editor",
        "note",
    ],
    "diff_observations": [
        "rows_in_all",
        "change",
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "status",
        "effective_on",
        "source_url",
        "source_kind",
        "confidence",
        "quote",
        "reason",
        "editor",
    ],
    "diff_statuses": [
        "rows_in_all",
        "change",
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "old_status",
        "new_status",
        "old_disputed",
        "new_disputed",
        "old_last_evidence_on",
        "new_last_evidence_on",
        "old_stale",
        "new_stale",
        "source_url",
    ],
    "diff_tables": ["table_name", "old_rows", "new_rows"],
    "diff_transitions": [
        "rows_in_all",
        "change",
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "changed_on",
        "old_from_status",
        "old_to_status",
        "new_from_status",
        "new_to_status",
        "source_url",
        "source_kind",
        "confidence",
    ],
    "coverage_counts": ["dimension", "key", "label", "observations"],
    "sources": [
        "source_url",
        "source_kinds",
        "observations",
        "first_date",
        "last_date",
        "retailers",
        "brands",
    ],
    "most_active_retailers": ["retailer_id", "retailer_name", "observations", "pairs"],
    "most_active_brands": ["brand_id", "brand_name", "observations", "pairs"],
    "pair_status_history": [
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "status",
        "seg_from",
        "seg_to",
        "since",
        "disputed",
        "obs_id",
    ],
}

# Every query in queries/ must appear here, and each has at least one test below.
TESTED_QUERIES = sorted(PARAMETERS)


# --- the catalog itself ----------------------------------------------------------------------


def test_every_catalog_query_is_tested():
    assert sorted(load_catalog()) == TESTED_QUERIES
    assert sorted(COLUMNS) == TESTED_QUERIES


@pytest.mark.parametrize("name", TESTED_QUERIES)
def test_query_declares_its_contract_parameters(name):
    assert parameters_of(load_catalog()[name]) == PARAMETERS[name]


@pytest.mark.parametrize("name", TESTED_QUERIES)
def test_query_file_follows_the_house_style(name):
    sql = load_catalog()[name]
    first = sql.splitlines()[0]
    assert first.startswith(f"-- {name}: "), "header comment names the query and what it returns"
    header = "\n".join(line for line in sql.splitlines() if line.startswith("--"))
    for parameter in PARAMETERS[name]:
        assert f"${parameter}" in header, f"${parameter} is not documented in the header"
    if not PARAMETERS[name]:
        assert "Parameters: none." in header
    assert "select * from final" in sql or "select * exclude" in sql
    assert "{" not in sql and "%s" not in sql  # nothing to splice text into


def test_docs_describe_every_query():
    text = (QUERY_DIR.parent / "docs" / "queries.md").read_text(encoding="utf-8")
    for name in TESTED_QUERIES:
        assert f"`{name}`" in text, name


def test_the_catalog_doc_is_generated_from_the_sql_headers():
    """docs/queries.md's catalog is each query's header: regenerate it with `make docs`."""
    assert documented_catalog() == catalog_markdown().strip(), "run `make docs`"


def test_every_header_names_its_parameters_and_columns():
    for name, sql in load_catalog().items():
        header = header_of(sql)
        assert header.startswith(f"{name}:"), name
        for parameter in parameters_of(sql):
            assert f"${parameter}" in header, (name, parameter)
        assert "Columns:" in header or "Columns " in header, name


@pytest.mark.parametrize("name", TESTED_QUERIES)
def test_query_rejects_missing_and_extra_parameters(mini_con, name):
    with pytest.raises(TypeError):
        run_query(mini_con, name, {"not_a_parameter": None})


# --- status_as_of ----------------------------------------------------------------------------

NO_STATUS_FILTER = {
    "retailers": None,
    "brands": None,
    "statuses": None,
    "parents": None,
    "lists": None,
    "any_claim": False,
    "stale_after": 365,
    "max_rows": None,
    "skip_rows": None,
}
# b-x's two claims both name p-one until 2022-06-01: they agree, so nothing is contested.
ONE = ("p-one", "Parent One", "high", False, "")


def status(con, day: str, **filters: object) -> list[tuple]:
    return run(con, "status_as_of", **{**NO_STATUS_FILTER, "as_of": D(day), **filters})


def status_count(con, day: str, **filters: object) -> int:
    params = {**NO_STATUS_FILTER, "as_of": D(day), **filters}
    for paging in ("max_rows", "skip_rows", "stale_after"):
        params.pop(paging)
    ((count,),) = run(con, "status_as_of_count", **params)
    return count


def status_columns(con, day: str, columns: list[str], **filters: object) -> list[tuple]:
    rows = pick(con, "status_as_of", columns, **{**NO_STATUS_FILTER, "as_of": D(day), **filters})
    if not {"max_rows", "skip_rows"} & filters.keys():
        assert status_count(con, day, **filters) == len(rows), "the count agrees with the list"
    return rows


def test_status_as_of_pages_are_slices_of_the_whole_listing(mini_con):
    columns = ["retailer_id", "brand_id", "status"]
    day = "2022-07-01"
    whole = status_columns(mini_con, day, columns)
    assert len(whole) == 5 and status_count(mini_con, day) == 5
    pages = [
        status_columns(mini_con, day, columns, max_rows=2, skip_rows=skip) for skip in (0, 2, 4)
    ]
    assert pages == [whole[0:2], whole[2:4], whole[4:5]]
    assert status_columns(mini_con, day, columns, max_rows=2, skip_rows=None) == whole[0:2]
    assert status_columns(mini_con, day, columns, max_rows=2, skip_rows=5) == []
    # A page of a filtered listing is a slice of that listing, and the count is the filter's.
    owned = status_columns(mini_con, day, columns, parents=["p-one"], any_claim=True)
    assert (
        status_columns(
            mini_con, day, columns, parents=["p-one"], any_claim=True, max_rows=2, skip_rows=3
        )
        == owned[3:5]
    )
    assert status_count(mini_con, day, parents=["p-one"], any_claim=True) == len(owned) == 5
    assert status_count(mini_con, day, parents=["p-one"]) == 2
    assert status_count(mini_con, "2019-12-31") == 0


def test_status_as_of_after_the_story(mini_con):
    # fmt: off
    assert status(mini_con, "2021-11-30") == [
        # obs 2 (statement) beats obs 3 (listing_check) on 10-25; obs 3 disagrees and was dated
        # within the run (it lost its date's contest): disputed.
        ("r-a", "Retailer A", "b-x", "Brand X", "removed", D("2021-10-25"), True,
         D("2021-10-25"), False, src(2), "statement", "high", D("2021-10-25"), "all", QUOTE_2,
         None, None, 2, *ONE, LISTS),
        # Exiting still counts as sold; the 12-01 removal is later than the date.
        ("r-b", "Retailer B", "b-x", "Brand X", "exiting", D("2021-10-25"), False,
         D("2021-10-25"), False, src(6), "statement", "high", None, "all", None, None, None, 6,
         *ONE, LISTS),
        ("r-b", "Retailer B", "b-y", "Brand Y", "unavailable", D("2021-10-25"), False,
         D("2021-10-25"), False, src(8), "listing_check", "medium", None, "online", QUOTE_8,
         None, None, 8, *ONE, LISTS),
        # Same confidence and kind: the later reported_on (obs 10) wins; obs 9 disputes it.
        ("r-c", C, "b-x", "Brand X", "removed", D("2021-10-25"), True, D("2021-10-25"), False,
         src(10), "news_report", "medium", D("2021-10-27"), "all", None, "later report wins",
         None, 10, *ONE, LISTS),
        # The latest evidence is from 2020-01-01, 699 days before: stale.
        ("r-c", C, "b-y", "Brand Y", "stocked", D("2020-01-01"), False, D("2020-01-01"), True,
         src(11), "news_report", "medium", None, "all", None, None, None, 11, *ONE, LISTS),
    ]
    # fmt: on


def test_status_as_of_stale_threshold(mini_con):
    columns = ["retailer_id", "brand_id", "last_evidence_on", "stale"]
    # r-c × b-y's evidence (2020-01-01) is 699 days old on 2021-11-30.
    rows = status_columns(mini_con, "2021-11-30", columns, brands=["b-y"], stale_after=699)
    assert rows == [("r-b", "b-y", D("2021-10-25"), False), ("r-c", "b-y", D("2020-01-01"), False)]
    rows = status_columns(mini_con, "2021-11-30", columns, brands=["b-y"], stale_after=698)
    assert rows == [("r-b", "b-y", D("2021-10-25"), False), ("r-c", "b-y", D("2020-01-01"), True)]
    # A newer observation of the same run refreshes the evidence without changing since.
    rows = status_columns(
        mini_con,
        "2022-03-01",
        ["since", "last_evidence_on", "stale"],
        retailers=["r-c"],
        brands=["b-y"],
    )
    assert rows == [(D("2020-01-01"), D("2022-01-01"), False)]


def test_status_grid_is_status_as_of_with_the_cells_columns(mini_con):
    columns = COLUMNS["status_grid"]
    seen = 0
    for day in ("2019-12-31", "2020-01-01", "2021-10-24", "2021-10-25", "2021-11-30",
                "2022-01-01", "2023-05-01", "2026-11-29"):  # fmt: skip
        for filters in (
            {},
            {"retailers": ["r-a", "r-c"]},
            {"brands": ["b-y"]},
            {"retailers": ["r-b"], "brands": ["b-x", "b-y"]},
            {"retailers": ["r-nobody"]},
            {"brands": ["b-x"], "any_claim": True},
            {"any_claim": True},
        ):
            want = sorted(status_columns(mini_con, day, columns, **filters))
            got = run(
                mini_con,
                "status_grid",
                as_of=D(day),
                retailers=filters.get("retailers"),
                brands=filters.get("brands"),
                stale_after=365,
                any_claim=filters.get("any_claim", False),
            )
            assert got == want, (day, filters)
            seen += len(got)
    assert seen > 20


def test_status_as_of_keeps_the_run_start_as_since(mini_con):
    # r-c × b-y: obs 12 wins from 2022-01-01 but the stocked run began with obs 11.
    rows = pick(
        mini_con,
        "status_as_of",
        ["retailer_id", "brand_id", "status", "since", "last_evidence_on", "obs_id", "source_url"],
        **{**NO_STATUS_FILTER, "as_of": D("2022-03-01"), "brands": ["b-y"]},
    )
    assert rows == [
        ("r-b", "b-y", "unavailable", D("2021-10-25"), D("2021-10-25"), 8, src(8)),
        ("r-c", "b-y", "stocked", D("2020-01-01"), D("2022-01-01"), 12, src(12)),
    ]


def test_status_as_of_day_boundaries(mini_con):
    columns = ["retailer_id", "brand_id", "status", "since"]
    params = {**NO_STATUS_FILTER}
    assert pick(mini_con, "status_as_of", columns, as_of=D("2019-12-31"), **params) == []
    assert pick(mini_con, "status_as_of", columns, as_of=D("2020-01-01"), **params) == [
        ("r-c", "b-y", "stocked", D("2020-01-01")),
    ]
    # The day before the story: nobody has removed anything; r-b × b-y, r-c × b-x: no data.
    assert pick(mini_con, "status_as_of", columns, as_of=D("2021-10-24"), **params) == [
        ("r-a", "b-x", "stocked", D("2021-01-01")),
        ("r-b", "b-x", "stocked", D("2021-01-01")),
        ("r-c", "b-y", "stocked", D("2020-01-01")),
    ]
    # The re-listing day itself.
    assert pick(mini_con, "status_as_of", columns, as_of=D("2023-05-01"), **params) == [
        ("r-a", "b-x", "stocked", D("2023-05-01")),
        ("r-b", "b-x", "removed", D("2021-12-01")),
        ("r-b", "b-y", "unavailable", D("2021-10-25")),
        ("r-c", "b-x", "removed", D("2021-10-25")),
        ("r-c", "b-y", "stocked", D("2020-01-01")),
    ]


def test_status_as_of_filters(mini_con):
    columns = ["retailer_id", "brand_id", "status"]
    day = "2021-11-30"
    assert status_columns(mini_con, day, columns, statuses=["removed"]) == [
        ("r-a", "b-x", "removed"),
        ("r-c", "b-x", "removed"),
    ]
    assert status_columns(mini_con, day, columns, retailers=["r-b"], brands=["b-y", "b-z"]) == [
        ("r-b", "b-y", "unavailable"),
    ]
    # Empty lists mean "no filter", like NULL.
    assert pick(
        mini_con,
        "status_as_of",
        columns,
        as_of=D(day),
        retailers=[],
        brands=[],
        statuses=[],
        parents=[],
        lists=[],
        any_claim=False,
        stale_after=365,
        max_rows=None,
        skip_rows=None,
    ) == status_columns(mini_con, day, columns)


OWNERSHIP_COLUMNS = [
    "retailer_id",
    "brand_id",
    "parent_ids",
    "parent_names",
    "ownership_confidence",
    "ownership_contested",
    "contested_parents",
    "lists",
]


def test_status_as_of_ownership_follows_the_strongest_claim(mini_con):
    columns = OWNERSHIP_COLUMNS
    # 2022-07-01: own1 (high) says p-two since 06-01, own2 (medium) says p-one until 09-01. The
    # strongest claim names p-two, on no list; p-one contests it and is not counted.
    contested = ("p-two", "Parent Two", "high", True, "Parent One (medium)", "")
    assert status_columns(mini_con, "2022-07-01", columns) == [
        ("r-a", "b-x", *contested),
        ("r-b", "b-x", *contested),
        ("r-b", "b-y", *ONE, LISTS),
        ("r-c", "b-x", *contested),
        ("r-c", "b-y", *ONE, LISTS),
    ]
    # Every claim counted: both parents, and p-one's lists.
    both = ("p-one,p-two", "Parent One, Parent Two", "high", True, "", LISTS)
    assert status_columns(mini_con, "2022-07-01", columns, brands=["b-x"], any_claim=True) == [
        ("r-a", "b-x", *both),
        ("r-b", "b-x", *both),
        ("r-c", "b-x", *both),
    ]
    # 2023-01-01: both claims agree on p-two: not contested.
    assert status_columns(mini_con, "2023-01-01", columns, brands=["b-x"]) == [
        ("r-a", "b-x", "p-two", "Parent Two", "high", False, "", ""),
        ("r-b", "b-x", "p-two", "Parent Two", "high", False, "", ""),
        ("r-c", "b-x", "p-two", "Parent Two", "high", False, "", ""),
    ]


def test_status_as_of_parent_and_list_filters(mini_con):
    columns = ["retailer_id", "brand_id"]
    assert status_columns(mini_con, "2022-07-01", columns, parents=["p-two"]) == [
        ("r-a", "b-x"),
        ("r-b", "b-x"),
        ("r-c", "b-x"),
    ]
    # p-one's claim on b-x is contested by a stronger one: it counts only on request.
    assert status_columns(mini_con, "2022-07-01", columns, parents=["p-one"]) == [
        ("r-b", "b-y"),
        ("r-c", "b-y"),
    ]
    assert status_columns(mini_con, "2022-07-01", columns, parents=["p-one"], any_claim=True) == [
        ("r-a", "b-x"),
        ("r-b", "b-x"),
        ("r-b", "b-y"),
        ("r-c", "b-x"),
        ("r-c", "b-y"),
    ]
    assert status_columns(mini_con, "2023-01-01", columns, lists=["entity-list"]) == [
        ("r-b", "b-y"),
        ("r-c", "b-y"),
    ]
    # p-one joined the FCC list on 2021-03-12, not before.
    assert status_columns(mini_con, "2021-03-11", columns, lists=["fcc-covered-list"]) == []
    assert status_columns(mini_con, "2021-03-12", columns, lists=["fcc-covered-list"]) == [
        ("r-a", "b-x"),
        ("r-b", "b-x"),
        ("r-c", "b-y"),
    ]


# --- changes_between (every transition) and net_changes_between (the two dates) -------------


def changes(con, start: str, end: str, **filters: object) -> list[tuple]:
    return run(
        con,
        "changes_between",
        start=D(start),
        end=D(end),
        **{"retailers": None, "brands": None, "max_rows": None, **filters},
    )


def net_changes(con, start: str, end: str, **filters: object) -> list[tuple]:
    return run(
        con,
        "net_changes_between",
        start=D(start),
        end=D(end),
        **{"retailers": None, "brands": None, "max_rows": None, **filters},
    )


def test_changes_between_across_the_story(mini_con):
    # fmt: off
    assert changes(mini_con, "2021-06-01", "2021-11-30") == [
        ("r-a", "Retailer A", "b-x", "Brand X", "stocked", "removed", D("2021-10-25"), False,
         src(2), "statement", "high", QUOTE_2, True),
        ("r-b", "Retailer B", "b-x", "Brand X", "stocked", "exiting", D("2021-10-25"), False,
         src(6), "statement", "high", None, False),
        # A pair's first evidence in the window: no earlier status, flagged as such.
        ("r-b", "Retailer B", "b-y", "Brand Y", None, "unavailable", D("2021-10-25"), True,
         src(8), "listing_check", "medium", QUOTE_8, False),
        ("r-c", C, "b-x", "Brand X", None, "removed", D("2021-10-25"), True, src(10),
         "news_report", "medium", None, True),
        # r-c × b-y: stocked all along, no transition.
    ]
    # fmt: on


def test_changes_between_lists_a_round_trip_twice_and_net_does_not(mini_con):
    columns = ["retailer_id", "brand_id", "from_status", "to_status", "changed_on"]
    rows = run_query(
        mini_con,
        "changes_between",
        {"start": D("2021-06-01"), "end": D("2023-06-01"), "retailers": ["r-a"], "brands": None,
         "max_rows": None},
    )  # fmt: skip
    # r-a × b-x was removed on 2021-10-25 and sold again on 2023-05-01: two rows.
    assert records(rows[columns]) == [
        ("r-a", "b-x", "stocked", "removed", D("2021-10-25")),
        ("r-a", "b-x", "removed", "stocked", D("2023-05-01")),
    ]
    # Stocked on both end dates: the net view does not list it.
    assert net_changes(mini_con, "2021-06-01", "2023-06-01", retailers=["r-a"]) == []


def test_changes_between_window_excludes_its_start_and_includes_its_end(mini_con):
    columns = ["retailer_id", "brand_id", "changed_on"]
    on_start = pick(
        mini_con, "changes_between", columns, start=D("2021-10-25"), end=D("2021-12-01"),
        retailers=None, brands=None, max_rows=None,
    )  # fmt: skip
    assert on_start == [("r-b", "b-x", D("2021-12-01"))]
    limited = pick(
        mini_con, "changes_between", columns, start=D("2020-01-01"), end=D("2023-06-01"),
        retailers=None, brands=None, max_rows=2,
    )  # fmt: skip
    # r-c × b-y's first evidence is on the start day itself: left out.
    assert limited == [("r-a", "b-x", D("2021-01-01")), ("r-b", "b-x", D("2021-01-01"))]


def test_changes_between_after_the_story(mini_con):
    # fmt: off
    assert changes(mini_con, "2021-11-30", "2023-06-01") == [
        ("r-b", "Retailer B", "b-x", "Brand X", "exiting", "removed", D("2021-12-01"), False,
         src(7), "listing_check", "high", None, False),
        ("r-a", "Retailer A", "b-x", "Brand X", "removed", "stocked", D("2023-05-01"), False,
         src(4), "legal_filing", "low", None, False),
    ]
    # fmt: on


def test_changes_between_cites_the_observation_that_opened_the_run(mini_con):
    # r-c × b-y's stocked run holds obs 11 (2020) and obs 12 (2022): the change is dated and
    # sourced by obs 11, not by the later winner.
    # fmt: off
    assert changes(mini_con, "2019-06-01", "2023-06-01", retailers=["r-c"]) == [
        ("r-c", C, "b-y", "Brand Y", None, "stocked", D("2020-01-01"), True, src(11),
         "news_report", "medium", None, False),
        ("r-c", C, "b-x", "Brand X", None, "removed", D("2021-10-25"), True, src(10),
         "news_report", "medium", None, True),
    ]
    # fmt: on


def test_changes_between_same_date_is_empty(mini_con):
    assert changes(mini_con, "2021-11-30", "2021-11-30") == []
    assert net_changes(mini_con, "2021-11-30", "2021-11-30") == []


# --- feed_transitions (the Atom feeds' rows) --------------------------------------------------


def feed_rows(con, **filters: object) -> list[tuple]:
    """feed_transitions without published_at (when the fixture was built)."""
    params = {"retailers": None, "brands": None, "parents": None, "max_rows": None, **filters}
    return [row[:-1] for row in run(con, "feed_transitions", **params)]


def test_feed_transitions_newest_first_with_the_parent_then(mini_con):
    P1, P2 = ("p-one", "Parent One"), ("p-two", "Parent Two")
    # fmt: off
    assert feed_rows(mini_con) == [
        # b-x's strongest claim names p-two from 2022-06-01 (own1, high).
        ("r-a", "Retailer A", "b-x", "Brand X", "removed", "stocked", D("2023-05-01"), False,
         *P2, src(4), "legal_filing", "low", None, 4, 1),
        ("r-b", "Retailer B", "b-x", "Brand X", "exiting", "removed", D("2021-12-01"), False,
         *P1, src(7), "listing_check", "high", None, 7, 1),
        # One date: in retailer then brand id order.
        ("r-a", "Retailer A", "b-x", "Brand X", "stocked", "removed", D("2021-10-25"), False,
         *P1, src(2), "statement", "high", QUOTE_2, 2, 1),
        ("r-b", "Retailer B", "b-x", "Brand X", "stocked", "exiting", D("2021-10-25"), False,
         *P1, src(6), "statement", "high", None, 6, 1),
        ("r-b", "Retailer B", "b-y", "Brand Y", None, "unavailable", D("2021-10-25"), True,
         *P1, src(8), "listing_check", "medium", QUOTE_8, 8, 1),
        ("r-c", C, "b-x", "Brand X", None, "removed", D("2021-10-25"), True,
         *P1, src(10), "news_report", "medium", None, 10, 1),
        ("r-a", "Retailer A", "b-x", "Brand X", None, "stocked", D("2021-01-01"), True,
         *P1, src(1), "brand_claim", "medium", None, 1, 1),
        ("r-b", "Retailer B", "b-x", "Brand X", None, "stocked", D("2021-01-01"), True,
         *P1, src(5), "news_report", "medium", None, 5, 1),
        # r-c × b-y's run holds obs 11 and 12: obs 11 opened it.
        ("r-c", C, "b-y", "Brand Y", None, "stocked", D("2020-01-01"), True,
         *P1, src(11), "news_report", "medium", None, 11, 1),
    ]
    # fmt: on
    published = run(mini_con, "versions_published")[0][1]
    rows = run_query(
        mini_con,
        "feed_transitions",
        {"retailers": None, "brands": None, "parents": None, "max_rows": None},
    )
    assert {plain(value) for value in rows["published_at"]} == {published}


def test_feed_transitions_filters_and_limit(mini_con):
    def ids(**filters: object) -> list[tuple]:
        return [(row[0], row[2], row[6]) for row in feed_rows(mini_con, **filters)]

    assert ids(max_rows=2) == [("r-a", "b-x", D("2023-05-01")), ("r-b", "b-x", D("2021-12-01"))]
    assert ids(brands=["b-y"]) == [("r-b", "b-y", D("2021-10-25")), ("r-c", "b-y", D("2020-01-01"))]
    assert ids(retailers=["r-c"], brands=["b-x"]) == [("r-c", "b-x", D("2021-10-25"))]
    # The parent on the change's date: b-x is p-two's from 2022-06-01 only.
    assert ids(parents=["p-two"]) == [("r-a", "b-x", D("2023-05-01"))]
    assert len(ids(parents=["p-one"])) == 8
    assert ids(parents=["p-one", "p-two"]) == ids()
    assert ids(brands=["b-z"]) == [] and ids(parents=["no-such-company"]) == []


@pytest.mark.parametrize("fixture", ["mini_con", "seed_con"])
def test_feed_transitions_are_the_changes_of_all_time(fixture, request):
    con = request.getfixturevalue(fixture)
    columns = ["retailer_id", "brand_id", "from_status", "to_status", "changed_on",
               "first_evidence", "source_url", "source_kind", "confidence", "quote"]  # fmt: skip
    everything = {"retailers": None, "brands": None, "max_rows": None}
    changes_frame = run_query(
        con, "changes_between", {"start": D("1900-01-01"), "end": TODAY, **everything}
    )
    feed_frame = run_query(con, "feed_transitions", {**everything, "parents": None})
    assert sorted(records(feed_frame[columns]), key=repr) == sorted(
        records(changes_frame[columns]), key=repr
    )


def test_net_changes_between_across_the_story(mini_con):
    # fmt: off
    assert net_changes(mini_con, "2021-06-01", "2021-11-30") == [
        ("r-a", "Retailer A", "b-x", "Brand X", "stocked", "removed", D("2021-10-25"), src(2),
         "statement", "high", QUOTE_2, True),
        ("r-b", "Retailer B", "b-x", "Brand X", "stocked", "exiting", D("2021-10-25"), src(6),
         "statement", "high", None, False),
        # No data on the start date is a state of its own.
        ("r-b", "Retailer B", "b-y", "Brand Y", None, "unavailable", D("2021-10-25"), src(8),
         "listing_check", "medium", QUOTE_8, False),
        ("r-c", C, "b-x", "Brand X", None, "removed", D("2021-10-25"), src(10), "news_report",
         "medium", None, True),
        # r-c × b-y: stocked on both dates, left out.
    ]
    # fmt: on


def test_changes_summary_counts_both_views(mini_con):
    summary = run(
        mini_con, "changes_summary", start=D("2021-06-01"), end=D("2023-06-01"), retailers=None,
        brands=None,
    )  # fmt: skip
    assert summary == [
        ("transitions", None, "removed", 1),
        ("transitions", None, "unavailable", 1),
        ("transitions", "exiting", "removed", 1),
        ("transitions", "removed", "stocked", 1),
        ("transitions", "stocked", "exiting", 1),
        ("transitions", "stocked", "removed", 1),
        # r-a × b-x's round trip leaves no net change; r-b × b-x nets stocked -> removed.
        ("net", None, "removed", 1),
        ("net", None, "unavailable", 1),
        ("net", "stocked", "removed", 1),
    ]
    transitions = changes(mini_con, "2021-06-01", "2023-06-01")
    net = net_changes(mini_con, "2021-06-01", "2023-06-01")
    assert sum(n for view, *_, n in summary if view == "transitions") == len(transitions)
    assert sum(n for view, *_, n in summary if view == "net") == len(net)


# --- timeline_intervals ----------------------------------------------------------------------

# fmt: off
_INTERVALS = [
    ("r-a", "Retailer A", "b-x", "Brand X", "stocked", D("2021-01-01"), D("2021-10-25"), False,
     1, src(1), "brand_claim", "medium", None),
    ("r-a", "Retailer A", "b-x", "Brand X", "removed", D("2021-10-25"), D("2023-05-01"), True,
     1, src(2), "statement", "high", QUOTE_2),
    ("r-a", "Retailer A", "b-x", "Brand X", "stocked", D("2023-05-01"), None, False, 1, src(4),
     "legal_filing", "low", None),
    ("r-b", "Retailer B", "b-x", "Brand X", "stocked", D("2021-01-01"), D("2021-10-25"), False,
     1, src(5), "news_report", "medium", None),
    ("r-b", "Retailer B", "b-x", "Brand X", "exiting", D("2021-10-25"), D("2021-12-01"), False,
     1, src(6), "statement", "high", None),
    ("r-b", "Retailer B", "b-x", "Brand X", "removed", D("2021-12-01"), None, False, 1, src(7),
     "listing_check", "high", None),
    ("r-c", C, "b-x", "Brand X", "removed", D("2021-10-25"), None, True, 1, src(10),
     "news_report", "medium", None),
    ("r-b", "Retailer B", "b-y", "Brand Y", "unavailable", D("2021-10-25"), None, False, 1,
     src(8), "listing_check", "medium", QUOTE_8),
    # Two stocked days merged into one interval, cited by its first observation.
    ("r-c", C, "b-y", "Brand Y", "stocked", D("2020-01-01"), None, False, 2, src(11),
     "news_report", "medium", None),
]
# fmt: on
# since (the run's first day) follows status: each run here is one interval, so it is valid_from.
ALL_INTERVALS = [row[:5] + (row[5],) + row[5:] for row in _INTERVALS]

NO_TIMELINE_FILTER = {
    "retailers": None,
    "brands": None,
    "statuses": None,
    "start": None,
    "end": None,
    "max_rows": None,
}


def test_timeline_intervals_all(mini_con):
    assert run(mini_con, "timeline_intervals", **NO_TIMELINE_FILTER) == ALL_INTERVALS


def test_timeline_intervals_window_is_inclusive_and_valid_to_exclusive(mini_con):
    one_day = run(
        mini_con,
        "timeline_intervals",
        **{**NO_TIMELINE_FILTER, "start": D("2021-10-25"), "end": D("2021-10-25")},
    )
    # The stocked intervals ending (exclusive) on 10-25 do not overlap 10-25.
    assert one_day == [ALL_INTERVALS[i] for i in (1, 4, 6, 7, 8)]
    from_relisting = run(
        mini_con, "timeline_intervals", **{**NO_TIMELINE_FILTER, "start": D("2023-05-01")}
    )
    assert from_relisting == [ALL_INTERVALS[i] for i in (2, 5, 6, 7, 8)]
    before_anything = run(
        mini_con, "timeline_intervals", **{**NO_TIMELINE_FILTER, "end": D("2019-12-31")}
    )
    assert before_anything == []


def test_timeline_intervals_filters_and_limit(mini_con):
    stocked = run(
        mini_con,
        "timeline_intervals",
        **{**NO_TIMELINE_FILTER, "statuses": ["stocked"], "max_rows": 2},
    )
    assert stocked == [ALL_INTERVALS[0], ALL_INTERVALS[2]]
    pair = run(
        mini_con,
        "timeline_intervals",
        **{**NO_TIMELINE_FILTER, "retailers": ["r-b"], "brands": ["b-x"]},
    )
    assert pair == ALL_INTERVALS[3:6]


# --- coverage_over_time ----------------------------------------------------------------------


def coverage(
    con, grain: str, start: str | None, end: str | None, brands: list[str] | None = None
) -> list[tuple]:
    return run(
        con,
        "coverage_over_time",
        grain=grain,
        start=start and D(start),
        end=end and D(end),
        brands=brands,
    )


def test_coverage_over_time_by_month(mini_con):
    # b-x sold by r-a and r-b from 2021-01-01; on 10-25 r-a removes it and r-b moves to
    # exiting (still sold); r-b removes it on 12-01. b-y: only r-c sells it, from 2020.
    assert coverage(mini_con, "month", "2021-09-15", "2022-01-31") == [
        ("b-x", "Brand X", D("2021-09-01"), 2),
        ("b-x", "Brand X", D("2021-10-01"), 2),
        ("b-x", "Brand X", D("2021-11-01"), 1),
        ("b-x", "Brand X", D("2021-12-01"), 0),
        ("b-x", "Brand X", D("2022-01-01"), 0),
        ("b-y", "Brand Y", D("2021-09-01"), 1),
        ("b-y", "Brand Y", D("2021-10-01"), 1),
        ("b-y", "Brand Y", D("2021-11-01"), 1),
        ("b-y", "Brand Y", D("2021-12-01"), 1),
        ("b-y", "Brand Y", D("2022-01-01"), 1),
    ]


def test_coverage_over_time_by_week_and_day(mini_con):
    # ISO weeks start on Monday: 2021-10-20 is a Wednesday, its week starts on 10-18.
    assert coverage(mini_con, "week", "2021-10-20", "2021-11-03", ["b-x"]) == [
        ("b-x", "Brand X", D("2021-10-18"), 2),
        ("b-x", "Brand X", D("2021-10-25"), 1),
        ("b-x", "Brand X", D("2021-11-01"), 1),
    ]
    assert coverage(mini_con, "day", "2021-11-30", "2021-12-01", ["b-x"]) == [
        ("b-x", "Brand X", D("2021-11-30"), 1),
        ("b-x", "Brand X", D("2021-12-01"), 0),
    ]


def test_coverage_over_time_by_year_defaults_to_the_data_bounds(mini_con):
    # No start/end: from the year of the first observation (2020) to the last (2023-05-01).
    # b-x has no observation up to 2020-01-01: no data (NULL), not 0; from 2022 its pairs have
    # data but none sells it: 0.
    assert coverage(mini_con, "year", None, None) == [
        ("b-x", "Brand X", D("2020-01-01"), None),
        ("b-x", "Brand X", D("2021-01-01"), 2),
        ("b-x", "Brand X", D("2022-01-01"), 0),
        ("b-x", "Brand X", D("2023-01-01"), 0),  # the re-listing is on 05-01
        ("b-y", "Brand Y", D("2020-01-01"), 1),
        ("b-y", "Brand Y", D("2021-01-01"), 1),
        ("b-y", "Brand Y", D("2022-01-01"), 1),
        ("b-y", "Brand Y", D("2023-01-01"), 1),
    ]
    assert coverage(mini_con, "year", "2023-06-01", "2024-01-01", ["b-x"]) == [
        ("b-x", "Brand X", D("2023-01-01"), 0),
        ("b-x", "Brand X", D("2024-01-01"), 1),
    ]


def test_coverage_over_time_leaves_out_brands_without_observations(mini_con):
    assert coverage(mini_con, "month", "2021-01-01", "2021-02-01", ["b-z"]) == []


def test_coverage_over_time_rejects_an_unknown_grain(mini_con):
    with pytest.raises(duckdb.Error, match="grain must be"):
        coverage(mini_con, "fortnight", "2021-01-01", "2021-02-01")


# --- evidence_for_pair -----------------------------------------------------------------------


def test_evidence_for_pair_marks_the_winners(mini_con):
    # fmt: off
    assert run(mini_con, "evidence_for_pair", retailer="r-a", brand="b-x") == [
        (4, D("2023-05-01"), "stocked", "legal_filing", "low", None, "online", src(4), None,
         None, "relisted", True, False, "observations.csv", 5, None, None, None),
        (3, D("2021-10-25"), "stocked", "listing_check", "high", D("2021-10-25"), "online",
         src(3), None, None, None, False, True, "observations.csv", 4, None, None, None),
        (2, D("2021-10-25"), "removed", "statement", "high", D("2021-10-25"), "all", src(2),
         None, QUOTE_2, None, True, True, "observations.csv", 3, None, None, None),
        (1, D("2021-01-01"), "stocked", "brand_claim", "medium", None, "all", src(1), None,
         None, None, True, False, "observations.csv", 2, None, None, None),
    ]
    # fmt: on


def test_evidence_for_pair_line_numbers_count_quoted_newlines(mini_con):
    # obs 8's quote spans lines 9-10 of the CSV, so r-c's rows are on lines 11 and 12.
    assert pick(
        mini_con,
        "evidence_for_pair",
        ["obs_id", "won_day", "disputed", "line_no"],
        retailer="r-c",
        brand="b-x",
    ) == [(10, True, True, 12), (9, False, True, 11)]
    assert pick(
        mini_con, "evidence_for_pair", ["obs_id", "quote", "line_no"], retailer="r-b", brand="b-y"
    ) == [(8, QUOTE_8, 9)]


def test_evidence_for_pair_unknown_pair(mini_con):
    assert run(mini_con, "evidence_for_pair", retailer="r-a", brand="b-y") == []


# --- exposure_by_parent ----------------------------------------------------------------------


def exposure(con, day: str, **params: object) -> list[tuple]:
    defaults = {"lists": None, "any_claim": False, "stale_after": 365, "max_rows": None}
    return run(con, "exposure_by_parent", as_of=D(day), **{**defaults, **params})


def test_exposure_by_parent_after_the_story(mini_con):
    # Sold on 2021-11-30: r-b × b-x (exiting) and r-c × b-y (stocked on evidence from 2020:
    # stale, still counted). Both brands belong to p-one, on two lists: one row per list. b-x
    # has two p-one claims, which agree: the high-confidence one is cited, nothing contested.
    # fmt: off
    x = ("b-x", "Brand X", "r-b", "Retailer B", "exiting", D("2021-10-25"), D("2021-10-25"),
         False, False, "high", src("own1"), False, "", src(6))
    y = ("b-y", "Brand Y", "r-c", C, "stocked", D("2020-01-01"), D("2020-01-01"), True, False,
         "high", src("own3"), False, "", src(11))
    entity = ("p-one", "Parent One", "entity-list", D("2019-10-09"))
    fcc = ("p-one", "Parent One", "fcc-covered-list", D("2021-03-12"))
    assert exposure(mini_con, "2021-11-30") == [entity + x, fcc + x, entity + y, fcc + y]
    assert exposure(mini_con, "2021-11-30", lists=["fcc-covered-list"]) == [fcc + x, fcc + y]
    assert exposure(mini_con, "2021-11-30", max_rows=1) == [entity + x]
    # fmt: on


def test_exposure_by_parent_before_the_fcc_list(mini_con):
    assert exposure(mini_con, "2021-03-01", lists=["fcc-covered-list"]) == []
    # fmt: off
    entity = ("p-one", "Parent One", "entity-list", D("2019-10-09"))
    assert exposure(mini_con, "2021-03-01", lists=["entity-list"]) == [
        entity + ("b-x", "Brand X", "r-a", "Retailer A", "stocked", D("2021-01-01"),
                  D("2021-01-01"), False, False, "high", src("own1"), False, "", src(1)),
        entity + ("b-x", "Brand X", "r-b", "Retailer B", "stocked", D("2021-01-01"),
                  D("2021-01-01"), False, False, "high", src("own1"), False, "", src(5)),
        entity + ("b-y", "Brand Y", "r-c", C, "stocked", D("2020-01-01"), D("2020-01-01"), True,
                  False, "high", src("own3"), False, "", src(11)),
    ]
    # fmt: on


def test_exposure_by_parent_follows_ownership_changes(mini_con):
    # 2023-06-01: r-a sells b-x again, but b-x now belongs to p-two, on no list.
    assert pick(
        mini_con,
        "exposure_by_parent",
        ["list", "brand_id", "retailer_id"],
        as_of=D("2023-06-01"),
        lists=None,
        any_claim=False,
        stale_after=365,
        max_rows=None,
    ) == [
        ("entity-list", "b-y", "r-c"),
        ("fcc-covered-list", "b-y", "r-c"),
    ]


def test_exposure_by_parent_counts_the_strongest_claim_on_the_seed(seed_con):
    columns = ["company_id", "brand_id", "retailer_id", "ownership_confidence"]
    columns += ["ownership_contested", "contested_parents"]

    def rows(day: str, **params: object) -> set[tuple]:
        found = exposure(seed_con, day, **params)
        names = COLUMNS["exposure_by_parent"]
        return {tuple(row[names.index(c)] for c in columns) for row in found}

    # 2025-10-29: the strongest claim names Skywatch (the 2022 sale, high); Dahua's 2012
    # claim (low, open-ended) contests it and is not counted.
    assert not {row for row in rows("2025-10-29") if row[1] == "lorex"}
    dahua = {row for row in rows("2025-10-29", any_claim=True) if row[1] == "lorex"}
    assert dahua and all(row[0] == "dahua" and row[3] == "low" for row in dahua)
    assert all(row[4] and row[5] == "Skywatch (high)" for row in dahua)
    # 2021-11-30: every claim names Dahua; Walmart sells Lorex: exposed, nothing contested.
    assert ("dahua", "lorex", "walmart", "high", False, "") in rows("2021-11-30")


# --- relistings ------------------------------------------------------------------------------

# fmt: off
RELISTING = ("r-a", "Retailer A", "b-x", "Brand X", "removed", D("2021-10-25"), src(2),
             "statement", "high", D("2023-05-01"), "stocked", src(4), "legal_filing", "low",
             None, False)
# fmt: on


def relistings(con, **params: object) -> list[tuple]:
    defaults = {"retailers": None, "brands": None, "as_of": None, "max_rows": None}
    return run(con, "relistings", **{**defaults, **params})


def test_relistings(mini_con):
    assert relistings(mini_con) == [RELISTING]
    assert relistings(mini_con, as_of=D("2023-05-01")) == [RELISTING]
    assert relistings(mini_con, as_of=D("2023-04-30")) == []
    # r-b's stocked -> exiting -> removed is no re-listing, and r-b has none.
    assert relistings(mini_con, retailers=["r-b"]) == []
    assert relistings(mini_con, brands=["b-y"]) == []
    assert relistings(mini_con, max_rows=0) == []


# --- kpis ------------------------------------------------------------------------------------


def kpis(con, day: str, compare: str | None, **params: object) -> list[tuple]:
    defaults = {"any_claim": False, "stale_after": 365}
    return run(con, "kpis", as_of=D(day), compare=compare and D(compare), **{**defaults, **params})


def test_kpis_with_a_comparison_date(mini_con):
    # 2021-11-30: sold r-b×b-x, r-c×b-y (on 2020 evidence: stale); not sold r-a×b-x, r-b×b-y,
    # r-c×b-x (the r-a and r-c b-x statuses are disputed); both sellers sell p-one brands.
    # 2021-06-01: sold r-a×b-x, r-b×b-x, r-c×b-y (stale: 2020); all p-one brands.
    assert kpis(mini_con, "2021-11-30", "2021-06-01") == [
        ("pairs_sold", "Retailer × brand pairs sold", 2, 3, -1),
        ("pairs_sold_stale", "Pairs sold on stale evidence", 1, 1, 0),
        ("pairs_not_sold", "Pairs not sold", 3, 0, 3),
        ("pairs_with_data", "Pairs with data", 5, 3, 2),
        ("relistings", "Re-listings so far", 0, 0, 0),
        ("exposed_retailers", "Retailers selling brands of listed parents", 2, 3, -1),
        ("disputed_pairs", "Pairs with disputed status", 2, 0, 2),
    ]


def test_kpis_without_a_comparison_date(mini_con):
    # 2023-06-01: r-a sells b-x again (now p-two's, unlisted); r-c × b-x's removal stays
    # disputed while its segment lasts; r-c × b-y's latest evidence is from 2022-01-01.
    assert kpis(mini_con, "2023-06-01", None) == [
        ("pairs_sold", "Retailer × brand pairs sold", 2, None, None),
        ("pairs_sold_stale", "Pairs sold on stale evidence", 1, None, None),
        ("pairs_not_sold", "Pairs not sold", 3, None, None),
        ("pairs_with_data", "Pairs with data", 5, None, None),
        ("relistings", "Re-listings so far", 1, None, None),
        ("exposed_retailers", "Retailers selling brands of listed parents", 1, None, None),
        ("disputed_pairs", "Pairs with disputed status", 1, None, None),
    ]
    # A longer threshold: r-c × b-y's 516-day-old evidence is no longer stale.
    assert kpis(mini_con, "2023-06-01", None, stale_after=516)[1][2] == 0


def test_kpis_before_any_data(mini_con):
    assert [row[2:] for row in kpis(mini_con, "2019-01-01", "2019-01-01")] == [(0, 0, 0)] * 7


def test_kpis_exposure_by_any_claim_on_the_seed(seed_con):
    # 2025-10-29: Ezviz's sellers (Best Buy, Walmart, Costco) by the strongest claims; every
    # Lorex seller too when Dahua's contested 2012 claim counts.
    exposed = {row[0]: row[2] for row in kpis(seed_con, "2025-10-29", None)}
    assert exposed["exposed_retailers"] == 3
    exposed = {row[0]: row[2] for row in kpis(seed_con, "2025-10-29", None, any_claim=True)}
    assert exposed["exposed_retailers"] == 6


def _kpis_by_definition(
    con, day: dt.date, any_claim: bool, stale_after: int = 365
) -> dict[str, int]:
    """The headline numbers counted from status_as_of and relistings, as kpis.sql defines them."""
    pairs = run_query(
        con,
        "status_as_of",
        {**NO_STATUS_FILTER, "as_of": day, "any_claim": any_claim, "stale_after": stale_after},
    )
    sold = pairs["status"].isin(["stocked", "exiting"])
    relisted = run_query(
        con, "relistings", {"retailers": None, "brands": None, "as_of": day, "max_rows": None}
    )
    return {
        "pairs_sold": int(sold.sum()),
        "pairs_sold_stale": int((sold & pairs["stale"]).sum()),
        "pairs_not_sold": int((~sold).sum()),
        "pairs_with_data": len(pairs),
        "relistings": len(relisted),
        "exposed_retailers": pairs.loc[sold & (pairs["lists"] != ""), "retailer_id"].nunique(),
        "disputed_pairs": int(pairs["disputed"].sum()),
    }


@pytest.fixture(scope="module")
def exposure_con(tmp_path_factory: pytest.TempPathFactory):
    """The mini fixture plus r-q, the only seller of b-q, whose exposure hangs on one
    designation's dates: b-q's parent p-q is listed 2022-07-01..2022-12-31 (inclusive); its
    claim by p-p began (2020) after p-p's listing ended (2019), so that claim lists nothing."""
    data = tmp_path_factory.mktemp("exposure") / "data"
    shutil.copytree(MINI_DATA, data)
    rows = {
        "retailers": "r-q,Retailer Q,US,general-merchandise,https://q.example\n",
        "brands": "b-q,Brand Q,security-cameras\n",
        "companies": "p-q,Parent Q,CN\np-p,Parent P,CN\n",
        "ownership": "b-q,p-q,2020-01-01,,https://src.example/own-q,high,\n"
        "b-q,p-p,2020-01-01,2021-01-01,https://src.example/own-p,high,\n",
        "designations": "p-q,entity-list,2022-07-01,2022-12-31,https://src.example/el-q,\n"
        "p-p,entity-list,2019-01-01,2019-12-31,https://src.example/el-p,\n",
        "observations": "r-q,b-q,stocked,2020-06-01,https://src.example/q1,statement,high,,all,,,\n",
    }
    for name, text in rows.items():
        with open(data / f"{name}.csv", "a", encoding="utf-8") as handle:
            handle.write(text)
    con = store.open_version(build_store(data, data.parent / "store"))
    yield con
    con.close()


def test_exposure_fixture_turns_on_the_designation_dates(exposure_con):
    # What the kpis check below leans on: r-q sells a listed brand on exactly these days.
    def lists_of_r_q(day: str) -> list[tuple]:
        filters = {**NO_STATUS_FILTER, "as_of": D(day), "retailers": ["r-q"]}
        return pick(exposure_con, "status_as_of", ["status", "lists"], **filters)

    for day, lists in (
        ("2020-06-01", ""),  # p-p's claim began after its listing ended: lists nothing
        ("2022-06-30", ""),
        ("2022-07-01", "entity-list"),
        ("2022-12-31", "entity-list"),  # ended_on is inclusive
        ("2023-01-01", ""),
    ):
        assert lists_of_r_q(day) == [("stocked", lists)], day


@pytest.fixture(scope="module")
def demo_con(tmp_path_factory: pytest.TempPathFactory):
    """Synthetic data with claims that end, designations that end, and many overlaps."""
    data = tmp_path_factory.mktemp("demo") / "csv"
    write_demo(data, retailers=100, brands=300, observations=20_000, seed=11, today=TODAY)
    con = store.open_version(build_store(data, data.parent / "store"))
    yield con
    con.close()


@pytest.mark.parametrize(
    "fixture", ["mini_con", "ended_con", "exposure_con", "seed_con", "demo_con"]
)
def test_kpis_agree_with_status_as_of_around_every_change(fixture, request):
    # kpis reads counts precomputed at publish; the day before, of and after a boundary is where
    # an off-by-one would show: every segment, claim and designation boundary of the small
    # fixtures; of the demo's, its claim and designation boundaries (where exposure turns),
    # 150 of them spread evenly, each query ~30 ms.
    con = request.getfixturevalue(fixture)
    days: set[dt.date] = set()
    for boundaries in (
        "select seg_from, seg_to from status_segments" if fixture != "demo_con" else None,
        # where the default threshold turns a sold segment stale
        "select seg_from + 366, seg_to from status_segments where sold"
        if fixture != "demo_con"
        else None,
        "select valid_from, valid_to from ownership",
        "select effective_on, ended_on from designations",
    ):
        for row in con.execute(boundaries).fetchall() if boundaries else ():
            days |= {day + dt.timedelta(days=k) for day in row if day for k in (-1, 0, 1)}
    if len(days) > 150:
        ordered = sorted(days)
        days = {ordered[round(i * (len(ordered) - 1) / 149)] for i in range(150)}
    assert len(days) > 20
    # The default stale threshold is precomputed at publish, any other counted at query time;
    # the other settings on every third date (each check is two queries).
    for k, day in enumerate(sorted(days)):
        settings = ((False, 365), (True, 365), (False, 200)) if k % 3 == 0 else ((False, 365),)
        for any_claim, stale_after in settings:
            got = run_query(
                con,
                "kpis",
                {"as_of": day, "compare": None, "any_claim": any_claim, "stale_after": stale_after},
            )
            assert dict(zip(got["metric"], got["value"], strict=True)) == _kpis_by_definition(
                con, day, any_claim, stale_after
            ), (day, any_claim, stale_after)


# --- explorer_observations / explorer_observations_count -------------------------------------

NO_EXPLORER_FILTER = {
    "retailers": None,
    "brands": None,
    "parents": None,
    "lists": None,
    "statuses": None,
    "source_kinds": None,
    "confidences": None,
    "start": None,
    "end": None,
    "q": None,
}


def explore(con, max_rows: int | None = None, **filters: object) -> list[tuple]:
    params = {**NO_EXPLORER_FILTER, **filters}
    rows = run(con, "explorer_observations", **params, max_rows=max_rows, skip_rows=None)
    (count,) = run(con, "explorer_observations_count", **params)
    if max_rows is None:
        assert count == (len(rows),), "the count query agrees with the list"
    return rows


def obs_ids(con, **filters: object) -> list[int]:
    return [row[0] for row in explore(con, **filters)]


def test_explorer_observations_all_rows(mini_con):
    one = "Parent One"
    # fmt: off
    assert explore(mini_con) == [
        # b-x belongs to p-two by 2023 (both claims agree), to p-one before 2022-06-01.
        (4, D("2023-05-01"), "r-a", "Retailer A", "b-x", "Brand X", "stocked", "legal_filing",
         "low", None, "online", None, "relisted", src(4), None, "Parent Two", None),
        (12, D("2022-01-01"), "r-c", C, "b-y", "Brand Y", "stocked", "news_report", "high",
         None, "all", None, None, src(12), None, one, None),
        (7, D("2021-12-01"), "r-b", "Retailer B", "b-x", "Brand X", "removed", "listing_check",
         "high", None, "all", None, None, src(7), None, one, None),
        (10, D("2021-10-25"), "r-c", C, "b-x", "Brand X", "removed", "news_report", "medium",
         D("2021-10-27"), "all", None, "later report wins", src(10), None, one, None),
        (9, D("2021-10-25"), "r-c", C, "b-x", "Brand X", "stocked", "news_report", "medium",
         D("2021-10-26"), "all", None, None, src(9), None, one, None),
        (8, D("2021-10-25"), "r-b", "Retailer B", "b-y", "Brand Y", "unavailable",
         "listing_check", "medium", None, "online", QUOTE_8, None, src(8), None, one, None),
        (6, D("2021-10-25"), "r-b", "Retailer B", "b-x", "Brand X", "exiting", "statement",
         "high", None, "all", None, None, src(6), None, one, None),
        (3, D("2021-10-25"), "r-a", "Retailer A", "b-x", "Brand X", "stocked", "listing_check",
         "high", D("2021-10-25"), "online", None, None, src(3), None, one, None),
        (2, D("2021-10-25"), "r-a", "Retailer A", "b-x", "Brand X", "removed", "statement",
         "high", D("2021-10-25"), "all", QUOTE_2, None, src(2), None, one, None),
        (5, D("2021-01-01"), "r-b", "Retailer B", "b-x", "Brand X", "stocked", "news_report",
         "medium", None, "all", None, None, src(5), None, one, None),
        (1, D("2021-01-01"), "r-a", "Retailer A", "b-x", "Brand X", "stocked", "brand_claim",
         "medium", None, "all", None, None, src(1), None, one, None),
        (11, D("2020-01-01"), "r-c", C, "b-y", "Brand Y", "stocked", "news_report", "medium",
         None, "all", None, None, src(11), None, one, None),
    ]
    # fmt: on


def test_explorer_observations_limit_keeps_the_newest(mini_con):
    assert [row[0] for row in explore(mini_con, max_rows=3)] == [4, 12, 7]
    (count,) = run(mini_con, "explorer_observations_count", **NO_EXPLORER_FILTER)
    assert count == (12,)


def test_explorer_observations_simple_filters(mini_con):
    assert obs_ids(mini_con, retailers=["r-c"]) == [12, 10, 9, 11]
    assert obs_ids(mini_con, brands=["b-y"], statuses=["stocked"]) == [12, 11]
    assert obs_ids(mini_con, source_kinds=["statement"], confidences=["high"]) == [6, 2]
    assert obs_ids(mini_con, start=D("2021-10-25"), end=D("2021-12-01")) == [
        7,
        10,
        9,
        8,
        6,
        3,
        2,
    ]
    assert obs_ids(mini_con, start=D("2023-05-02")) == []


def test_explorer_observations_text_search(mini_con):
    assert obs_ids(mini_con, q="we STOPPED") == [2]  # quote, any case
    assert obs_ids(mini_con, q="Relisted") == [4]  # note
    assert obs_ids(mini_con, q="src.example/1") == [12, 10, 1, 11]  # source_url
    assert obs_ids(mini_con, q="products\nlisted") == [8]
    # Literal text, not a LIKE pattern.
    assert obs_ids(mini_con, q="%") == []
    assert obs_ids(mini_con, q="_") == []
    assert obs_ids(mini_con, q="") == obs_ids(mini_con)  # "" binds as NULL: no filter


def test_explorer_observations_parents_as_of_each_observation(mini_con):
    # Only obs 4 (2023) falls after b-x passed to p-two.
    assert obs_ids(mini_con, parents=["p-two"]) == [4]
    assert obs_ids(mini_con, parents=["p-one"]) == [12, 7, 10, 9, 8, 6, 3, 2, 5, 1, 11]
    assert obs_ids(mini_con, lists=["entity-list"]) == [12, 7, 10, 9, 8, 6, 3, 2, 5, 1, 11]
    # The FCC designation starts on 2021-03-12: the 2020 and January 2021 rows predate it.
    assert obs_ids(mini_con, lists=["fcc-covered-list"]) == [12, 7, 10, 9, 8, 6, 3, 2]
    assert obs_ids(mini_con, parents=["p-two"], lists=["entity-list"]) == []
    assert obs_ids(mini_con, parents=["p-one"], retailers=["r-a"], max_rows=2) == [3, 2]


# --- reference lists -------------------------------------------------------------------------


def test_retailers(mini_con):
    assert run(mini_con, "retailers") == [
        ("r-a", "Retailer A", "US", "general-merchandise", "https://a.example", 4),
        ("r-b", "Retailer B", "US", "electronics", None, 4),
        ("r-c", C, "US", None, None, 4),
    ]


def test_brands(mini_con):
    assert run(mini_con, "brands") == [
        ("b-x", "Brand X", "security-cameras", 9),
        ("b-y", "Brand Y", "security-cameras", 3),
        ("b-z", "Brand Z", None, 0),
    ]


def test_companies(mini_con):
    assert run(mini_con, "companies") == [
        ("p-one", "Parent One", "CN", 2),
        ("p-two", "Parent Two", "TW", 1),
    ]


def test_designation_lists(mini_con):
    assert run(mini_con, "designation_lists") == [
        ("entity-list", 1, D("2019-10-09")),
        ("fcc-covered-list", 1, D("2021-03-12")),
    ]


def test_events(mini_con):
    listed = (
        D("2019-10-09"),
        "Parent One on the Entity List",
        "regulatory",
        src("el"),
        "p-one",
        None,
    )
    story = (D("2021-10-25"), "Story breaks", "reporting", src("story"), None, "b-x")
    assert run(mini_con, "events", start=None, end=None, kinds=None) == [listed, story]
    assert run(mini_con, "events", start=D("2019-10-10"), end=None, kinds=None) == [story]
    assert run(mini_con, "events", start=None, end=D("2021-10-25"), kinds=["regulatory"]) == [
        listed
    ]
    assert run(mini_con, "events", start=D("2019-10-09"), end=D("2021-10-25"), kinds=None) == [
        listed,
        story,
    ]


def test_events_for_brands_keeps_the_brands_their_parents_and_general_events(mini_con):
    listed = (
        D("2019-10-09"),
        "Parent One on the Entity List",
        "regulatory",
        src("el"),
        "p-one",
        "Parent One",
        None,
        None,
    )
    story = (
        D("2021-10-25"),
        "Story breaks",
        "reporting",
        src("story"),
        None,
        None,
        "b-x",
        "Brand X",
    )

    def events(**params: object) -> list[tuple]:
        return run(
            mini_con, "events_for_brands", **{"start": None, "end": None, "kinds": None, **params}
        )

    assert events(brands=None) == [listed, story]  # NULL: every event
    # b-x: its own story, and p-one's listing (p-one owns b-x by some claim).
    assert events(brands=["b-x"]) == [listed, story]
    # b-y: p-one owns it too, but the story is about b-x.
    assert events(brands=["b-y"]) == [listed]
    # b-z: no claim names its parent and nothing names it.
    assert events(brands=["b-z"]) == []
    assert events(brands=["b-x"], kinds=["reporting"], start=D("2020-01-01")) == [story]


def test_events_for_brands_keeps_general_events_for_every_brand(seed_con):
    frame = run_query(
        seed_con,
        "events_for_brands",
        {"start": None, "end": None, "kinds": None, "brands": ["ezviz"]},
    )
    everything = run_query(seed_con, "events", {"start": None, "end": None, "kinds": None})
    general = everything[everything["brand_id"].isna() & everything["company_id"].isna()]
    assert len(general) > 0
    assert set(general["title"]) <= set(frame["title"])
    # Lorex's lawsuits and Dahua's exit (Dahua owned Lorex, not Ezviz) are about other brands.
    assert not frame["brand_id"].isin(["lorex"]).any()
    assert not frame["company_id"].isin(["dahua"]).any()
    lorex = run_query(
        seed_con,
        "events_for_brands",
        {"start": None, "end": None, "kinds": None, "brands": ["lorex"]},
    )
    assert "dahua" in set(lorex["company_id"]) and "lorex" in set(lorex["brand_id"])


def test_ownership_for_brand(mini_con):
    # fmt: off
    assert run(mini_con, "ownership_for_brand", brand="b-x") == [
        ("b-x", "p-one", "Parent One", D("2019-01-01"), D("2022-06-01"), "high", src("own1"),
         None, LISTS),
        ("b-x", "p-one", "Parent One", D("2019-01-01"), D("2022-09-01"), "medium",
         src("own2"), "conflicting sale date", LISTS),
        ("b-x", "p-two", "Parent Two", D("2022-06-01"), None, "high", src("own1"), None, ""),
        ("b-x", "p-two", "Parent Two", D("2022-09-01"), None, "medium", src("own2"),
         "conflicting sale date", ""),
    ]
    assert run(mini_con, "ownership_for_brand", brand="b-z") == []
    # fmt: on


def test_designations_for_brand(mini_con):
    expected = [
        ("p-one", "Parent One", "entity-list", D("2019-10-09"), None, src("el"), None),
        ("p-one", "Parent One", "fcc-covered-list", D("2021-03-12"), None, src("fcc"), None),
    ]
    # b-x was p-one's once: its designations count even though p-two owns b-x now.
    assert run(mini_con, "designations_for_brand", brand="b-x") == expected
    assert run(mini_con, "designations_for_brand", brand="b-y") == expected
    assert run(mini_con, "designations_for_brand", brand="b-z") == []


# --- the data page ---------------------------------------------------------------------------


def test_data_bounds(mini_con):
    assert run(mini_con, "data_bounds") == [
        (D("2020-01-01"), D("2023-05-01"), 12, 5, 3, 2, 12),
    ]


def test_observation_days(mini_con):
    days = run(mini_con, "observation_days", start=None, end=None)
    assert sum(count for _, count in days) == 12
    assert [day for day, _ in days] == sorted({day for day, _ in days}, reverse=True)
    assert days[0][0] == D("2023-05-01") and days[-1][0] == D("2020-01-01")
    inside = run(mini_con, "observation_days", start="2021-01-01", end="2022-12-31")
    assert inside == [(day, n) for day, n in days if D("2021-01-01") <= day <= D("2022-12-31")]


FILES = ["retailers", "brands", "companies", "ownership", "designations", "events", "observations"]
ROWS = {
    "retailers": 3,
    "brands": 3,
    "companies": 2,
    "ownership": 5,
    "designations": 2,
    "events": 2,
    "observations": 12,
}


def test_version_inputs(mini_con):
    rows = run(mini_con, "version_inputs")
    (published_at,) = {row[1] for row in rows}
    assert isinstance(published_at, dt.datetime) and published_at.tzinfo is not None
    expected = []
    for role in FILES:
        data = (MINI_DATA / f"{role}.csv").read_bytes()
        expected.append(
            (
                1,
                published_at,
                "build",
                f"{role}.csv",
                role,
                hashlib.sha256(data).hexdigest(),
                ROWS[role],
                len(data),
            )
        )
    assert rows == expected


def test_versions_published(mini_con):
    ((version, published_at, *rest),) = run(mini_con, "versions_published")
    assert version == 1 and isinstance(published_at, dt.datetime)
    assert rest == ["build", None, 12, 5, shelfwatch.__version__, None, None]


def test_coverage_counts(mini_con):
    assert run(mini_con, "coverage_counts") == [
        ("brand", "b-x", "Brand X", 9),
        ("brand", "b-y", "Brand Y", 3),
        ("retailer", "r-a", "Retailer A", 4),
        ("retailer", "r-b", "Retailer B", 4),
        ("retailer", "r-c", C, 4),
        ("year", "2021", "2021", 9),
        ("year", "2020", "2020", 1),
        ("year", "2022", "2022", 1),
        ("year", "2023", "2023", 1),
    ]


def test_sources(mini_con):
    # Every observation of the fixture has its own URL: sorted as text, 1 < 10 < 11 < 12 < 2.
    # fmt: off
    kinds = {1: "brand_claim", 2: "statement", 3: "listing_check", 4: "legal_filing",
             5: "news_report", 6: "statement", 7: "listing_check", 8: "listing_check",
             9: "news_report", 10: "news_report", 11: "news_report", 12: "news_report"}
    days = {1: "2021-01-01", 2: "2021-10-25", 3: "2021-10-25", 4: "2023-05-01",
            5: "2021-01-01", 6: "2021-10-25", 7: "2021-12-01", 8: "2021-10-25",
            9: "2021-10-25", 10: "2021-10-25", 11: "2020-01-01", 12: "2022-01-01"}
    order = [1, 10, 11, 12, 2, 3, 4, 5, 6, 7, 8, 9]
    assert run(mini_con, "sources", max_rows=None) == [
        (src(n), kinds[n], 1, D(days[n]), D(days[n]), 1, 1) for n in order
    ]
    assert run(mini_con, "sources", max_rows=2) == [
        (src(n), kinds[n], 1, D(days[n]), D(days[n]), 1, 1) for n in order[:2]
    ]
    # fmt: on


def test_most_active(mini_con):
    # Four observations each: ties broken by id. Pairs = distinct brands (or retailers).
    assert run(mini_con, "most_active_retailers", max_rows=2) == [
        ("r-a", "Retailer A", 4, 1),
        ("r-b", "Retailer B", 4, 2),
    ]
    assert run(mini_con, "most_active_retailers", max_rows=None) == [
        ("r-a", "Retailer A", 4, 1),
        ("r-b", "Retailer B", 4, 2),
        ("r-c", C, 4, 2),
    ]
    assert run(mini_con, "most_active_brands", max_rows=None) == [
        ("b-x", "Brand X", 9, 3),
        ("b-y", "Brand Y", 3, 2),  # b-z has no observation: left out
    ]


# --- pair_status_history ---------------------------------------------------------------------


def test_pair_status_history_keeps_segments_unmerged(mini_con):
    # fmt: off
    assert run(mini_con, "pair_status_history", retailers=["r-c"], brands=None, start=None,
               end=None) == [
        ("r-c", C, "b-x", "Brand X", "removed", D("2021-10-25"), None, D("2021-10-25"), True,
         10),
        ("r-c", C, "b-y", "Brand Y", "stocked", D("2020-01-01"), D("2022-01-01"),
         D("2020-01-01"), False, 11),
        ("r-c", C, "b-y", "Brand Y", "stocked", D("2022-01-01"), None, D("2020-01-01"), False,
         12),
    ]
    # fmt: on


def test_pair_status_history_window(mini_con):
    columns = ["retailer_id", "brand_id", "status", "seg_from"]
    # seg_to is exclusive: the segment ending on 2022-01-01 does not overlap it.
    assert pick(
        mini_con,
        "pair_status_history",
        columns,
        retailers=None,
        brands=["b-y"],
        start=D("2022-01-01"),
        end=D("2022-12-31"),
    ) == [
        ("r-b", "b-y", "unavailable", D("2021-10-25")),
        ("r-c", "b-y", "stocked", D("2022-01-01")),
    ]
    assert pick(
        mini_con,
        "pair_status_history",
        columns,
        retailers=["r-a"],
        brands=None,
        start=D("2021-01-01"),
        end=D("2021-10-24"),
    ) == [
        ("r-a", "b-x", "stocked", D("2021-01-01")),
    ]


# --- designations that end: a variant of the mini fixture ------------------------------------


@pytest.fixture(scope="module")
def ended_con(tmp_path_factory: pytest.TempPathFactory):
    """The mini fixture plus p-two on the entity list for 2022-07-01..2022-12-31 (inclusive)
    and one more r-a × b-x observation on the last day of that designation."""
    data = tmp_path_factory.mktemp("ended") / "data"
    shutil.copytree(MINI_DATA, data)
    with open(data / "designations.csv", "a", encoding="utf-8") as handle:
        handle.write("p-two,entity-list,2022-07-01,2022-12-31,https://src.example/el2,\n")
    with open(data / "observations.csv", "a", encoding="utf-8") as handle:
        handle.write(
            "r-a,b-x,removed,2022-12-31,https://src.example/13,news_report,medium,,all,,,\n"
        )
    con = store.open_version(build_store(data, data.parent / "store"))
    yield con
    con.close()


def test_designation_end_date_is_inclusive(ended_con):
    def lists_on(day: str) -> list[tuple]:
        return pick(
            ended_con,
            "status_as_of",
            ["retailer_id", "parent_ids", "lists"],
            **{**NO_STATUS_FILTER, "as_of": D(day), "retailers": ["r-a"]},
        )

    assert lists_on("2022-12-31") == [("r-a", "p-two", "entity-list")]
    assert lists_on("2023-01-01") == [("r-a", "p-two", "")]
    # The observation dated 2022-12-31 matches; the 2023 re-listing does not.
    assert obs_ids(ended_con, parents=["p-two"], lists=["entity-list"]) == [13]
    assert pick(
        ended_con, "designations_for_brand", ["company_id", "list", "ended_on"], brand="b-x"
    ) == [
        ("p-one", "entity-list", None),
        ("p-one", "fcc-covered-list", None),
        ("p-two", "entity-list", D("2022-12-31")),
    ]
    assert pick(ended_con, "ownership_for_brand", ["company_id", "lists"], brand="b-x") == [
        ("p-one", LISTS),
        ("p-one", LISTS),
        ("p-two", "entity-list"),
        ("p-two", "entity-list"),
    ]


# --- the seed data tells the story -----------------------------------------------------------


def test_seed_status_after_the_october_2021_story(seed_con):
    """Home Depot, Best Buy and Lowe's pulled Lorex and Ezviz; Walmart and Costco kept them."""
    rows = run(seed_con, "status_as_of", **{**NO_STATUS_FILTER, "as_of": D("2021-11-30")})
    got = {(row[0], row[2]): row[4] for row in rows}
    for brand in ("lorex", "ezviz"):
        assert got[("home-depot", brand)] in NOT_SOLD
        assert got[("best-buy", brand)] in ("exiting", "removed")
        assert got[("lowes", brand)] in NOT_SOLD
        assert got[("walmart", brand)] == "stocked"
        assert got[("costco", brand)] == "stocked"


NOT_SOLD = ("removed", "unavailable")


def test_featured_views_keep_the_files_order(seed_con, mini_con):
    rows = run(seed_con, "featured_views")
    assert [row[0] for row in rows] == [
        "October 2021 removals",
        "Costco still selling, 2023",
        "The 2025 re-listings",
    ]
    assert rows[0][1:3] == ("overview", "as_of=2021-11-30&compare=2021-10-01&brand=lorex%2Cezviz")
    assert run(mini_con, "featured_views") == []  # the file is optional


def test_pairs_on_date_lists_what_the_cards_count(seed_con):
    day = D("2021-11-30")
    kpis = {
        row[0]: row[2]
        for row in records(
            run_query(
                seed_con,
                "kpis",
                {"as_of": day, "compare": None, "any_claim": False, "stale_after": 365},
            )
        )
    }

    def pairs(**params: object) -> list[tuple]:
        return pick(
            seed_con,
            "pairs_on_date",
            ["retailer_id", "brand_id", "status", "disputed"],
            **{"as_of": day, "stale_after": 365, "max_rows": None, **params},
        )

    sold = pairs(sold=True, disputed=None)
    assert len(sold) == kpis["pairs_sold"] == 6
    assert {row[2] for row in sold} == {"stocked", "exiting"}
    not_sold = pairs(sold=False, disputed=None)
    assert len(not_sold) == kpis["pairs_not_sold"] == 4
    assert pairs(sold=None, disputed=True) == [("best-buy", "ezviz", "exiting", True)]
    assert len(pairs(sold=None, disputed=None)) == kpis["pairs_with_data"]
    # Ordered by retailer then brand name, cut after the order.
    assert pairs(sold=True, disputed=None, max_rows=2) == sold[:2]
    assert sold[:2] == [
        ("best-buy", "ezviz", "exiting", True),
        ("best-buy", "lorex", "exiting", False),
    ]
    assert pairs(sold=None, disputed=None, as_of=D("2015-01-01")) == []  # no data: no pairs
