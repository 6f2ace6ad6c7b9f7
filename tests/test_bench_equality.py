"""The benchmark's pandas and polars references give exactly our queries' results.

A tiny scale of the harness (equality only, no timing), so `make test` catches a query and a
reference drifting apart long before anyone runs `make bench`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pytest

from bench import datasets, equality, harness
from bench import references as ref
from bench.workload import Workload, query_cases, workload_for
from shelfwatch import ingest, queries, store
from tests.conftest import TODAY


@pytest.fixture(scope="module")
def tiny_con(tmp_path_factory: pytest.TempPathFactory):
    """30 retailers × 60 brands × 5,000 observations of demo data, through the real build."""
    root = tmp_path_factory.mktemp("bench")
    dataset = datasets.prepare(datasets.TINY, root, say=lambda _message: None)
    ingest.build(dataset.input_dir, dataset.store_dir, today=TODAY)
    con = store.open_version(dataset.store_dir)
    yield con
    con.close()


def at(w: Workload, day: dt.date) -> Workload:
    return dataclasses.replace(w, as_of=day, compare=day - dt.timedelta(days=365))


def check_everything(con: duckdb.DuckDBPyConnection, days: list[dt.date]) -> dict[str, int]:
    w = workload_for(con)
    obs_pandas = ref.load_observations_pandas(con)
    obs_polars = ref.load_observations_polars(con)
    compared: dict[str, int] = {}
    for day in days:
        for name, rows in equality.check_all(con, at(w, day), obs_pandas, obs_polars).items():
            compared[name] = compared.get(name, 0) + rows
    return compared


def test_references_equal_our_queries_on_demo_data(tiny_con: duckdb.DuckDBPyConnection):
    w = workload_for(tiny_con)
    days = [
        w.as_of,  # the harness's own date, near the end of the data
        dt.date(2020, 3, 3),  # mid-history: closed runs, relistings, disputes
        w.first_date,  # the very first observations only
        w.first_date - dt.timedelta(days=1),  # no data at all: empty results on both sides
    ]
    compared = check_everything(tiny_con, days)
    # Not vacuous: every check compared real rows.
    assert all(rows > 0 for rows in compared.values()), compared


def test_references_equal_our_queries_on_the_mini_fixture(mini_con: duckdb.DuckDBPyConnection):
    """The hand-written fixture: same-day ties, reported_on tie-breaks, a relisting, a dispute."""
    days = [dt.date(2021, 10, 25), dt.date(2021, 11, 30), dt.date(2022, 6, 1), TODAY]
    compared = check_everything(mini_con, days)
    assert compared["status_as_of"] > 0 and compared["net_changes_between"] > 0


def test_assert_equal_reports_a_difference(tiny_con: duckdb.DuckDBPyConnection):
    w = workload_for(tiny_con)
    case = next(c for c in query_cases(w) if c.label == "status_as_of")
    ours = queries.run_query(tiny_con, case.query, case.params)
    theirs = ref.status_as_of_pandas(ref.load_observations_pandas(tiny_con), w.as_of)
    theirs.loc[theirs.index[0], "disputed"] = not theirs["disputed"].iloc[0]
    with pytest.raises(AssertionError, match="differ"):
        ref.assert_equal(ours, theirs, ref.STATUS_COLUMNS, "status_as_of")


def test_every_catalog_query_gets_parameters(tiny_con: duckdb.DuckDBPyConnection):
    cases = query_cases(workload_for(tiny_con))
    assert {c.query for c in cases} == set(queries.load_catalog())


def test_every_catalog_query_runs_in_the_benchmark(tmp_path):
    """No catalog query is timed as an error: the two-version ones compare a version with
    itself (no differences), and say so; without a version file they say why they are not run."""
    dataset = datasets.prepare(datasets.TINY, tmp_path, say=lambda _message: None)
    ingest.build(dataset.input_dir, dataset.store_dir, today=TODAY)
    con = store.open_version(dataset.store_dir)
    try:
        w = workload_for(con)
        timed = harness.time_queries(con, w, 1, store.version_path(dataset.store_dir, 1))
        skipped = harness.time_queries(con, w, 1)
    finally:
        con.close()
    assert not {label: q["error"] for label, q in timed.items() if "error" in q}
    for name in harness.TWO_VERSION_QUERIES:
        if name != "diff_tables":  # diff_tables counts every table's rows on both sides
            assert timed[name]["rows"] == 0, name
        assert timed[name]["note"] == "the version against itself (old = new)"
        assert skipped[name]["error"] == "needs two versions (no version file given)"
