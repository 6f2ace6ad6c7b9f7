"""The status rule of DESIGN.md: the SQL materialisation against a plain-Python reference."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelfwatch import ingest, store
from shelfwatch.queries import run_query

CONFIDENCE_RANK = {"low": 1, "medium": 2, "high": 3}
SOURCE_KIND_RANK = {
    "brand_claim": 1,
    "news_report": 2,
    "legal_filing": 3,
    "listing_check": 4,
    "statement": 5,
}
SOLD = {"stocked", "exiting"}
DAY0 = dt.date(2021, 1, 1)


@dataclass(frozen=True)
class Obs:
    obs_id: int
    retailer_id: str
    brand_id: str
    status: str
    effective_on: dt.date
    source_kind: str
    confidence: str
    reported_on: dt.date | None


@dataclass(frozen=True)
class Expected:
    status: str
    since: dt.date
    disputed: bool
    obs_id: int


def reference_status(log: list[Obs], retailer: str, brand: str, day: dt.date) -> Expected | None:
    """DESIGN.md's status rule, written the obvious way."""
    seen = [o for o in log if (o.retailer_id, o.brand_id) == (retailer, brand)]
    seen = [o for o in seen if o.effective_on <= day]
    if not seen:
        return None  # rule 1: no data

    def winner(date: dt.date) -> Obs:  # rule 2
        return max(
            (o for o in seen if o.effective_on == date),
            key=lambda o: (
                CONFIDENCE_RANK[o.confidence],
                SOURCE_KIND_RANK[o.source_kind],
                o.reported_on or dt.date.min,
                o.obs_id,
            ),
        )

    dates = sorted({o.effective_on for o in seen})
    current = winner(dates[-1])  # rule 3
    since = dates[-1]
    for date in reversed(dates[:-1]):  # rule 4: the unbroken run of that status
        if winner(date).status != current.status:
            break
        since = date
    disputed = any(  # rule 5
        abs((o.effective_on - current.effective_on).days) <= 30
        and (o.status in SOLD) != (current.status in SOLD)
        for o in seen
    )
    return Expected(current.status, since, disputed, current.obs_id)


def store_from_log(log: list[Obs]) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the store's schema and derived tables."""
    con = duckdb.connect()
    con.execute(store.sql_text("schema"))
    con.execute(
        "insert into retailers values "
        "('r-a', 'A', null, null, null), ('r-b', 'B', null, null, null)"
    )
    con.execute("insert into brands values ('b-x', 'X', null), ('b-y', 'Y', null)")
    for o in log:
        con.execute(
            "insert into observations values ($obs_id, $retailer_id, $brand_id, $status, "
            "$effective_on, 'https://s.example/' || $obs_id, $source_kind, $confidence, "
            "$reported_on, 'all', null, null, null, 1, $obs_id + 1)",
            {
                "obs_id": o.obs_id,
                "retailer_id": o.retailer_id,
                "brand_id": o.brand_id,
                "status": o.status,
                "effective_on": o.effective_on,
                "source_kind": o.source_kind,
                "confidence": o.confidence,
                "reported_on": o.reported_on,
            },
        )
    store.derive_status(con)
    return con


def segment_status(con, retailer: str, brand: str, day: dt.date) -> Expected | None:
    rows = con.execute(
        """
        select status, since, disputed, obs_id from status_segments
        where retailer_id = $r and brand_id = $b
          and seg_from <= $d and (seg_to is null or seg_to > $d)
        """,
        {"r": retailer, "b": brand, "d": day},
    ).fetchall()
    assert len(rows) <= 1, "at most one segment may hold on a date"
    return Expected(*rows[0]) if rows else None


# Few pairs, a short span of days and coarse choices: many same-day ties and 30-day overlaps.
observation = st.tuples(
    st.sampled_from(["r-a", "r-b"]),
    st.sampled_from(["b-x", "b-y"]),
    st.sampled_from(["stocked", "exiting", "unavailable", "removed"]),
    st.integers(0, 120),
    st.sampled_from(list(SOURCE_KIND_RANK)),
    st.sampled_from(list(CONFIDENCE_RANK)),
    st.one_of(st.none(), st.integers(0, 3)),
)


def as_log(raw: list[tuple]) -> list[Obs]:
    return [
        Obs(
            obs_id=i + 1,
            retailer_id=r,
            brand_id=b,
            status=s,
            effective_on=DAY0 + dt.timedelta(days=day),
            source_kind=kind,
            confidence=conf,
            reported_on=None if rep is None else DAY0 + dt.timedelta(days=day + rep),
        )
        for i, (r, b, s, day, kind, conf, rep) in enumerate(raw)
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.lists(observation, min_size=1, max_size=40),
    days=st.lists(st.integers(-5, 130), min_size=1, max_size=8),
)
def test_sql_status_rule_matches_reference(raw, days):
    log = as_log(raw)
    con = store_from_log(log)
    try:
        for offset in days:
            day = DAY0 + dt.timedelta(days=offset)
            for retailer in ("r-a", "r-b"):
                for brand in ("b-x", "b-y"):
                    expected = reference_status(log, retailer, brand, day)
                    assert segment_status(con, retailer, brand, day) == expected, (day, retailer)
    finally:
        con.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.lists(observation, min_size=1, max_size=30),
    offset=st.integers(-5, 130),
)
def test_status_as_of_query_matches_reference(raw, offset):
    """The catalog query the CLI and app use gives the reference answer for every pair."""
    log = as_log(raw)
    day = DAY0 + dt.timedelta(days=offset)
    con = store_from_log(log)
    try:
        frame = run_query(
            con,
            "status_as_of",
            {
                "as_of": day,
                "retailers": None,
                "brands": None,
                "statuses": None,
                "parents": None,
                "lists": None,
            },
        )
    finally:
        con.close()
    got = {
        (row.retailer_id, row.brand_id): Expected(
            row.status, row.since, bool(row.disputed), int(row.obs_id)
        )
        for row in frame.itertuples()
    }
    want = {}
    for retailer in ("r-a", "r-b"):
        for brand in ("b-x", "b-y"):
            expected = reference_status(log, retailer, brand, day)
            if expected is not None:
                want[(retailer, brand)] = expected
    normalised = {
        key: Expected(v.status, pd_date(v.since), v.disputed, v.obs_id) for key, v in got.items()
    }
    assert normalised == want


def pd_date(value) -> dt.date:
    return pd.Timestamp(value).date()


def test_later_line_wins_a_full_tie(tmp_path: Path):
    """Within one file, of two otherwise equal observations the later line wins."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "retailers.csv").write_text("retailer_id,name\nr-a,A\n")
    (data / "brands.csv").write_text("brand_id,name\nb-x,X\n")
    (data / "observations.csv").write_text(
        "retailer_id,brand_id,status,effective_on,source_url\n"
        "r-a,b-x,stocked,2021-05-01,https://s.example/1\n"
        "r-a,b-x,removed,2021-05-01,https://s.example/2\n"
    )
    ingest.build(data, tmp_path / "store", today=dt.date(2026, 11, 29))
    con = store.open_version(tmp_path / "store")
    got = segment_status(con, "r-a", "b-x", dt.date(2021, 6, 1))
    assert got == Expected("removed", dt.date(2021, 5, 1), True, 2)

    # A later batch with the same tie wins over both: it was ingested last.
    (tmp_path / "later.csv").write_text(
        "retailer_id,brand_id,status,effective_on,source_url\n"
        "r-a,b-x,stocked,2021-05-01,https://s.example/3\n"
    )
    con.close()
    ingest.ingest(tmp_path / "later.csv", tmp_path / "store", today=dt.date(2026, 11, 29))
    con = store.open_version(tmp_path / "store")
    assert segment_status(con, "r-a", "b-x", dt.date(2021, 6, 1)).status == "stocked"
    con.close()
