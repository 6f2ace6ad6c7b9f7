"""Representative parameters for every catalog query, derived from the data being measured.

Parameters are filled by name (``as_of`` is always the same date, ``brand`` the most observed
brand, list filters NULL = the unfiltered default view), with per-query overrides where a page
uses a query in a specific way. A catalog query with a parameter this table does not know still
runs, with that parameter NULL, and the results file says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from shelfwatch import feeds, queries

# How far back "changes since" and the KPI comparison look (the app's usual question: a year).
COMPARE_DAYS = 365
# The as-of date: near the end of the data but not its last day, so recent segments are closed.
AS_OF_BEFORE_END = dt.timedelta(days=14)
TOP = 25  # the overview's grid: the 25 most active retailers × the 25 most active brands


@dataclass(frozen=True)
class Workload:
    first_date: dt.date
    last_date: dt.date
    as_of: dt.date
    compare: dt.date
    retailer: str  # of the most observed pair
    brand: str
    top_retailers: tuple[str, ...]
    top_brands: tuple[str, ...]

    def describe(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "compare": self.compare.isoformat(),
            "first_date": self.first_date.isoformat(),
            "last_date": self.last_date.isoformat(),
            "retailer": self.retailer,
            "brand": self.brand,
            "top_retailers": list(self.top_retailers),
            "top_brands": list(self.top_brands),
        }


def workload_for(con: duckdb.DuckDBPyConnection) -> Workload:
    first, last = con.sql(
        "select min(effective_on), max(effective_on) from observations"
    ).fetchall()[0]
    retailer, brand = con.sql(
        "select retailer_id, brand_id from observations group by all "
        "order by count(*) desc, retailer_id, brand_id limit 1"
    ).fetchall()[0]
    top = {
        column: tuple(
            row[0]
            for row in con.execute(
                # Column names from this fixed pair, never from input.
                f"select {column} from observations group by {column} "  # noqa: S608
                f"order by count(*) desc, {column} limit $n",
                {"n": TOP},
            ).fetchall()
        )
        for column in ("retailer_id", "brand_id")
    }
    as_of = max(first, last - AS_OF_BEFORE_END)
    return Workload(
        first_date=first,
        last_date=last,
        as_of=as_of,
        compare=as_of - dt.timedelta(days=COMPARE_DAYS),
        retailer=retailer,
        brand=brand,
        top_retailers=top["retailer_id"],
        top_brands=top["brand_id"],
    )


def _by_name(w: Workload) -> dict[str, object]:
    """The default value of each parameter name across the catalog."""
    return {
        "as_of": w.as_of,
        "compare": w.compare,
        "start": None,
        "end": None,
        "retailer": w.retailer,
        "brand": w.brand,
        "retailers": None,
        "brands": None,
        "statuses": None,
        "parents": None,
        "lists": None,
        "kinds": None,
        "source_kinds": None,
        "confidences": None,
        "q": None,
        "grain": "month",
        "max_rows": None,
        "skip_rows": None,
        "any_claim": False,
        "stale_after": 365,
    }


def _overrides(w: Workload) -> dict[str, dict[str, object]]:
    """Per query (or ``query[variant]``): how the pages call it."""
    return {
        "changes_between": {"start": w.compare, "end": w.as_of, "max_rows": 2_001},
        "changes_between[all rows]": {"start": w.compare, "end": w.as_of},
        "net_changes_between": {"start": w.compare, "end": w.as_of},
        "changes_summary": {"start": w.compare, "end": w.as_of},
        "status_explained": {"retailer": w.retailer, "brand": w.brand},
        "relistings": {"max_rows": 1_000},
        "coverage_over_time": {"grain": "month", "start": None, "end": w.as_of},
        "coverage_over_time[overview grid]": {
            "grain": "month",
            "start": w.compare,
            "end": w.as_of,
            "brands": w.top_brands,
        },
        # Explore's status listing: the first page, and one deep in (a page of a listing).
        "status_as_of[explore page]": {"max_rows": 1_000},
        "status_as_of[explore page 300]": {"max_rows": 1_000, "skip_rows": 299_000},
        "status_as_of[one brand]": {"brands": (w.brand,)},
        "status_as_of[overview grid]": {"retailers": w.top_retailers, "brands": w.top_brands},
        "status_grid": {"retailers": w.top_retailers, "brands": w.top_brands},
        # The Overview's headline: every retailer of the grid's brands, narrow columns.
        "status_grid[headline]": {"brands": w.top_brands},
        "sources": {"max_rows": 1_000},
        # A feed lists its newest transitions only; every transition at once is no request.
        "feed_transitions": {"max_rows": feeds.MAX_ENTRIES},
        "exposure_by_parent": {"max_rows": 1_000},
        "exposure_by_parent[all rows]": {"max_rows": None},
        "explorer_observations": {"max_rows": 1_000},
        "explorer_observations[search]": {"max_rows": 1_000, "q": "spokesperson"},
        "timeline_intervals": {"brands": (w.brand,), "max_rows": 2_001},
        "pair_status_history": {"retailers": (w.retailer,), "brands": (w.brand,)},
        "most_active_brands": {"max_rows": 20},
        "most_active_retailers": {"max_rows": 20},
    }


@dataclass
class QueryCase:
    label: str  # the query name, or "name[variant]"
    query: str
    params: dict[str, object]
    guessed: list[str] = field(default_factory=list)  # parameters bound to NULL for lack of a rule


def query_cases(w: Workload) -> list[QueryCase]:
    """Every catalog query once (plus the variants above), in catalog order."""
    defaults = _by_name(w)
    overrides = _overrides(w)
    cases = []
    for name, sql in sorted(queries.load_catalog().items()):
        wanted = sorted(queries.parameters_of(sql))
        labels = [name] + sorted(k for k in overrides if k.startswith(f"{name}["))
        for label in labels:
            chosen = {**defaults, **overrides.get(label, {})}
            params = {p: chosen.get(p) for p in wanted}
            guessed = [p for p in wanted if p not in chosen]
            cases.append(QueryCase(label, name, params, guessed))
    return cases
