"""The status rule of docs/design.md: the SQL materialisation against a plain-Python reference."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelfwatch import ingest, store, vocab
from shelfwatch.queries import run_query

# Written out again on purpose: the reference must not share the code it checks.
CONFIDENCE_RANK = {"low": 1, "medium": 2, "high": 3}
SOURCE_KIND_RANK = {
    "brand_claim": 1,
    "news_report": 2,
    "legal_filing": 3,
    "listing_check": 4,
    "statement": 5,
}
SOLD = {"stocked", "exiting"}
WINDOW = dt.timedelta(days=30)
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
    last_evidence_on: dt.date


def reference_status(log: list[Obs], retailer: str, brand: str, day: dt.date) -> Expected | None:
    """docs/design.md's status rule, written the obvious way."""
    found = reference_with_disputes(log, retailer, brand, day)
    return found[0] if found else None


def reference_with_disputes(
    log: list[Obs], retailer: str, brand: str, day: dt.date
) -> tuple[Expected, set[int]] | None:
    """The status and the obs_ids of the observations that make it disputed."""
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

    def strength(o: Obs) -> tuple[int, int]:
        return CONFIDENCE_RANK[o.confidence], SOURCE_KIND_RANK[o.source_kind]

    dates = sorted({o.effective_on for o in seen})
    current = winner(dates[-1])  # rule 3
    since = dates[-1]
    for date in reversed(dates[:-1]):  # rule 4: the unbroken run of that status
        if winner(date).status != current.status:
            break
        since = date

    def disagrees(o: Obs) -> bool:
        return (o.status in SOLD) != (current.status in SOLD)

    in_run = [o for o in seen if since <= o.effective_on]
    before_run = [o for o in seen if since - WINDOW <= o.effective_on < since]
    disputing = {o.obs_id for o in in_run if disagrees(o)} | {  # rule 5
        o.obs_id
        for o in before_run
        if disagrees(o) and all(strength(o) > strength(p) for p in in_run)
    }
    expected = Expected(current.status, since, bool(disputing), current.obs_id, dates[-1])
    return expected, disputing  # rule 6: the latest date is the last evidence


@cache
def _rule_connection() -> duckdb.DuckDBPyConnection:
    """One in-memory database with the store's schema, reused by every example."""
    con = duckdb.connect()
    con.execute(store.sql_text("schema"))
    con.execute(
        "insert into retailers values "
        "('r-a', 'A', null, null, null), ('r-b', 'B', null, null, null)"
    )
    con.execute("insert into brands values ('b-x', 'X', null), ('b-y', 'Y', null)")
    vocab.write_tables(con)
    return con


def store_from_log(log: list[Obs]) -> duckdb.DuckDBPyConnection:
    """The shared database holding just ``log``, with the status tables derived from it."""
    con = _rule_connection()
    con.execute("delete from observations")
    frame = pd.DataFrame(
        {
            "obs_id": [o.obs_id for o in log],
            "retailer_id": [o.retailer_id for o in log],
            "brand_id": [o.brand_id for o in log],
            "status": [o.status for o in log],
            "effective_on": [o.effective_on for o in log],
            "source_kind": [o.source_kind for o in log],
            "confidence": [o.confidence for o in log],
            "reported_on": pd.Series([o.reported_on for o in log], dtype=object),
        }
    )
    con.register("log_frame", frame)
    con.execute(
        "insert into observations select obs_id, retailer_id, brand_id, status, "
        "effective_on::date, 'https://s.example/' || obs_id, source_kind, confidence, "
        "reported_on::date, 'all', null, null, null, 1, obs_id + 1 from log_frame"
    )
    con.unregister("log_frame")
    for name in ("derive_segments", "derive_intervals"):  # what the checks read, in order
        store.derive(con, name)
    return con


def _covering(rows: list[tuple], day: dt.date) -> list[tuple]:
    """Rows (valid_from, valid_to exclusive or None, …) that hold on ``day``."""
    return [row for row in rows if row[0] <= day and (row[1] is None or row[1] > day)]


def segment_status(con, retailer: str, brand: str, day: dt.date) -> Expected | None:
    rows = con.execute(
        """
        select seg_from, seg_to, status, since, disputed, obs_id, seg_from from status_segments
        where retailer_id = $r and brand_id = $b
        """,
        {"r": retailer, "b": brand},
    ).fetchall()
    (covering,) = _covering(rows, day) or [None]
    return Expected(*covering[2:]) if covering else None


class DerivedTables:
    """Every segment and interval of the shared database, read once per example."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.segments: dict[tuple[str, str], list[tuple]] = {}
        self.intervals: dict[tuple[str, str], list[tuple]] = {}
        for target, sql in (
            (
                self.segments,
                "select retailer_id, brand_id, seg_from, seg_to, status, since, disputed, "
                "obs_id, seg_from from status_segments",
            ),
            (
                self.intervals,
                "select retailer_id, brand_id, valid_from, valid_to, status, disputed "
                "from status_intervals",
            ),
        ):
            for row in con.execute(sql).fetchall():
                target.setdefault(row[:2], []).append(row[2:])

    def status(self, retailer: str, brand: str, day: dt.date) -> Expected | None:
        covering = _covering(self.segments.get((retailer, brand), []), day)
        assert len(covering) <= 1, "at most one segment may hold on a date"
        return Expected(*covering[0][2:]) if covering else None

    def interval(self, retailer: str, brand: str, day: dt.date) -> tuple[str, bool] | None:
        """The timeline interval covering ``day``: its status and disputed flag."""
        covering = _covering(self.intervals.get((retailer, brand), []), day)
        assert len(covering) <= 1, "at most one interval may hold on a date"
        return tuple(covering[0][2:]) if covering else None


# Few pairs, a short span of days and coarse choices: many same-day ties and 30-day overlaps;
# half the dates from a handful 29, 30 and 31 days apart, so the dispute window's edges recur.
observation = st.tuples(
    st.sampled_from(["r-a", "r-b"]),
    st.sampled_from(["b-x", "b-y"]),
    st.sampled_from(["stocked", "exiting", "unavailable", "removed"]),
    st.one_of(st.sampled_from([0, 29, 30, 31, 60, 61]), st.integers(0, 120)),
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
    """Status, since, disputed and last_evidence_on of every pair on random dates; the
    timeline's intervals carry the same status and disputed flag."""
    log = as_log(raw)
    derived = DerivedTables(store_from_log(log))
    for offset in days:
        day = DAY0 + dt.timedelta(days=offset)
        for retailer in ("r-a", "r-b"):
            for brand in ("b-x", "b-y"):
                expected = reference_status(log, retailer, brand, day)
                assert derived.status(retailer, brand, day) == expected, (day, retailer)
                flags = derived.interval(retailer, brand, day)
                assert flags == (
                    None if expected is None else (expected.status, expected.disputed)
                ), (day, retailer, brand)


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
    con.execute(store.sql_text("derive_owners"))  # the query reads the owners' table too
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
            "any_claim": False,
            "stale_after": vocab.STALE_AFTER_DAYS,
            "max_rows": None,
            "skip_rows": None,
        },
    )
    got = {
        (row.retailer_id, row.brand_id): Expected(
            row.status,
            pd_date(row.since),
            bool(row.disputed),
            int(row.obs_id),
            pd_date(row.last_evidence_on),
        )
        for row in frame.itertuples()
    }
    want = {}
    for retailer in ("r-a", "r-b"):
        for brand in ("b-x", "b-y"):
            expected = reference_status(log, retailer, brand, day)
            if expected is not None:
                want[(retailer, brand)] = expected
    assert got == want
    for row in frame.itertuples():
        age = (day - pd_date(row.last_evidence_on)).days
        assert bool(row.stale) == (age > vocab.STALE_AFTER_DAYS)

    # "Why this status" names the deciding observation and exactly the disputing ones.
    for retailer in ("r-a", "r-b"):
        for brand in ("b-x", "b-y"):
            found = reference_with_disputes(log, retailer, brand, day)
            why = run_query(
                con, "status_explained", {"retailer": retailer, "brand": brand, "as_of": day}
            )
            if found is None:
                assert why.empty
                continue
            expected, disputing = found
            assert why["obs_id"][why["role"] == "deciding"].tolist() == [expected.obs_id]
            assert set(why["obs_id"][why["disputes"]].tolist()) == disputing
            assert why["disputed"].eq(expected.disputed).all()


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
    assert got == Expected("removed", dt.date(2021, 5, 1), True, 2, dt.date(2021, 5, 1))

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


def test_the_sql_uses_the_vocabularys_constants():
    """The rule's numbers live in shelfwatch/vocab.py; the SQL that cannot read them (window
    frames and folded filters need literals) must spell the same ones."""
    from shelfwatch.queries import query_text

    segments = store.sql_text("derive_segments")
    assert f"range between {vocab.DISPUTE_WINDOW_DAYS} preceding and 1 preceding" in segments
    assert f"c.rank * {vocab.STRENGTH_BASE} + k.rank" in segments
    explained = query_text("status_explained")
    assert f"c.since - {vocab.DISPUTE_WINDOW_DAYS}" in explained
    assert f"confidence_rank * {vocab.STRENGTH_BASE} + o.kind_rank" in explained
    assert f"seg_from + {vocab.STALE_AFTER_DAYS + 1}" in store.sql_text("derive_kpis")
    assert f"$stale_after <> {vocab.STALE_AFTER_DAYS}" in query_text("kpis")
