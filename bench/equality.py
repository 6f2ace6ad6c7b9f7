"""The reference checks: each pandas / polars reference against the catalog query it replaces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd
import polars as pl

from bench import references as ref
from bench.workload import QueryCase, Workload, query_cases
from shelfwatch.queries import run_query


@dataclass(frozen=True)
class ReferenceCheck:
    name: str
    case: str  # label of the QueryCase whose result (and timing) it is compared with
    columns: list[str]
    pandas: Callable[[pd.DataFrame], pd.DataFrame]
    polars: Callable[[pl.DataFrame], pl.DataFrame]


def reference_checks(w: Workload) -> list[ReferenceCheck]:
    cases = {case.label: case for case in query_cases(w)}

    def coverage(label: str) -> ReferenceCheck:
        p = cases[label].params
        return ReferenceCheck(
            label,
            label,
            ref.COVERAGE_COLUMNS,
            lambda obs: ref.coverage_over_time_pandas(
                obs, p["grain"], p["start"], p["end"], p["brands"]
            ),
            lambda obs: ref.coverage_over_time_polars(
                obs, p["grain"], p["start"], p["end"], p["brands"]
            ),
        )

    changes = cases["net_changes_between"].params
    grid = cases["status_as_of[overview grid]"].params
    return [
        ReferenceCheck(
            "status_as_of",
            "status_as_of",
            ref.STATUS_COLUMNS,
            lambda obs: ref.status_as_of_pandas(obs, w.as_of),
            lambda obs: ref.status_as_of_polars(obs, w.as_of),
        ),
        ReferenceCheck(
            "status_as_of[overview grid]",
            "status_as_of[overview grid]",
            ref.STATUS_COLUMNS,
            lambda obs: ref.status_as_of_pandas(
                ref.pairs_pandas(obs, grid["retailers"], grid["brands"]), w.as_of
            ),
            lambda obs: ref.status_as_of_polars(
                ref.pairs_polars(obs, grid["retailers"], grid["brands"]), w.as_of
            ),
        ),
        ReferenceCheck(
            "net_changes_between",
            "net_changes_between",
            ref.CHANGES_COLUMNS,
            lambda obs: ref.net_changes_between_pandas(obs, changes["start"], changes["end"]),
            lambda obs: ref.net_changes_between_polars(obs, changes["start"], changes["end"]),
        ),
        coverage("coverage_over_time"),
        coverage("coverage_over_time[overview grid]"),
    ]


def case_for(check: ReferenceCheck, w: Workload) -> QueryCase:
    return next(case for case in query_cases(w) if case.label == check.case)


def check_all(
    con: duckdb.DuckDBPyConnection,
    w: Workload,
    obs_pandas: pd.DataFrame,
    obs_polars: pl.DataFrame,
) -> dict[str, int]:
    """Assert every reference equals our query; returns the rows compared per check."""
    compared = {}
    for check in reference_checks(w):
        case = case_for(check, w)
        ours = run_query(con, case.query, case.params)
        compared[check.name] = ref.assert_equal(
            ours, check.pandas(obs_pandas), check.columns, f"{check.name} (pandas)"
        )
        ref.assert_equal(ours, check.polars(obs_polars), check.columns, f"{check.name} (polars)")
    return compared
