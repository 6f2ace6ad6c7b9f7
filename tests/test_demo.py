"""shelfwatch.demo: deterministic synthetic data in exactly the input CSV schema.

Small sizes only (the whole module runs in a few seconds); the scale figures (1M / 10M rows)
are measured by the benchmark harness, not here.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pytest

from shelfwatch import demo
from shelfwatch.demo import COLUMNS, write_demo

TODAY = dt.date(2026, 11, 29)
SIZE = {"retailers": 200, "brands": 500, "observations": 20_000}

STATUSES = ("stocked", "exiting", "unavailable", "removed")
SOURCE_KINDS = ("statement", "listing_check", "legal_filing", "news_report", "brand_claim")
CONFIDENCES = ("high", "medium", "low")
CHANNELS = ("all", "store", "online", "marketplace")
LISTS = ("entity-list", "fcc-covered-list", "ndaa-889")
EVENT_KINDS = ("regulatory", "reporting", "legal", "context")


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def connect(folder: Path) -> duckdb.DuckDBPyConnection:
    """Every file as an all-text table named after it, plus `line` = file order."""
    con = duckdb.connect()
    for name in COLUMNS:
        con.execute(
            f"create table {name.removesuffix('.csv')} as "
            "select *, row_number() over () as line from read_csv($path, header = true, "
            "all_varchar = true, delim = ',', quote = '\"', escape = '\"', strict_mode = true)",
            {"path": str(folder / name)},
        )
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo")
    return out, write_demo(out, **SIZE, seed=7, today=TODAY)


@pytest.fixture(scope="module")
def con(medium: tuple[Path, dict[str, int]]) -> duckdb.DuckDBPyConnection:
    return connect(medium[0])


# --- bytes ---------------------------------------------------------------------------------------


def test_same_arguments_give_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    args = {"retailers": 30, "brands": 60, "observations": 3_000, "today": TODAY}
    write_demo(tmp_path / "a", seed=1, **args)
    write_demo(tmp_path / "b", seed=1, **args)
    write_demo(tmp_path / "c", seed=2, **args)
    a, b, c = digests(tmp_path / "a"), digests(tmp_path / "b"), digests(tmp_path / "c")
    assert a == b
    assert sorted(a) == sorted(COLUMNS)
    assert a["observations.csv"] != c["observations.csv"]
    assert a["ownership.csv"] != c["ownership.csv"]


def test_chunked_writing_is_deterministic_and_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "_CHUNK_ROWS", 700)  # many chunks, each appended to the file
    messages: list[str] = []
    args = {"retailers": 40, "brands": 80, "observations": 5_000, "today": TODAY}
    counts = write_demo(tmp_path / "a", seed=3, progress=messages.append, **args)
    write_demo(tmp_path / "b", seed=3, **args)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert counts["observations.csv"] == 5_000
    chunk_messages = [m for m in messages if m.startswith("observations.csv")]
    assert len(chunk_messages) >= 5  # one per chunk
    assert chunk_messages[-1].startswith("observations.csv: 5,000 / 5,000")
    con = connect(tmp_path / "a")
    assert one(con, "select count(distinct source_url) from observations") == 5_000
    # Chunks hold whole pairs: a pair's rows are contiguous in time within one chunk, so each
    # pair's dates never go backwards in file order.
    assert (
        one(
            con,
            "select count(*) from (select effective_on < lag(effective_on) over "
            "(partition by retailer_id, brand_id order by line) as back from observations) "
            "where back",
        )
        == 0
    )


def test_headers_encoding_and_line_endings(medium: tuple[Path, dict[str, int]]) -> None:
    folder, counts = medium
    for name, columns in COLUMNS.items():
        data = (folder / name).read_bytes()
        text = data.decode("utf-8")  # strict: raises on anything not UTF-8
        assert not text.startswith("\ufeff")
        assert "\r" not in text
        assert text.endswith("\n")
        lines = text.split("\n")[:-1]
        assert lines[0] == ",".join(columns)
        # Every record is one line (quotes never span lines) and has every column.
        assert len(lines) == counts[name] + 1
        records = list(csv.reader(lines))
        assert {len(r) for r in records} == {len(columns)}


def test_row_counts_as_requested(
    medium: tuple[Path, dict[str, int]], con: duckdb.DuckDBPyConnection
) -> None:
    _, counts = medium
    assert counts["retailers.csv"] == SIZE["retailers"]
    assert counts["brands.csv"] == SIZE["brands"]
    assert counts["observations.csv"] == SIZE["observations"]
    assert counts["companies.csv"] == SIZE["brands"] // 10
    for name, rows in counts.items():
        assert one(con, f"select count(*) from {name.removesuffix('.csv')}") == rows
    assert 20 <= counts["events.csv"] <= 60  # a few dozen
    assert counts["ownership.csv"] > counts["brands.csv"]  # changes and conflicting claims


def test_quotes_with_commas_and_double_quotes_round_trip(con: duckdb.DuckDBPyConnection) -> None:
    quotes = [r[0] for r in con.execute("select distinct quote from observations").fetchall()]
    assert any(q and "," in q and '"' in q for q in quotes)
    assert any(q and not q.isascii() for q in quotes)
    assert all(q is None or "\n" not in q for q in quotes)


# --- values --------------------------------------------------------------------------------------


def test_ids_are_slugs_and_unique(con: duckdb.DuckDBPyConnection) -> None:
    for table, column, pattern in [
        ("retailers", "retailer_id", "r-[0-9]{6}"),
        ("brands", "brand_id", "b-[0-9]{6}"),
        ("companies", "company_id", "c-[0-9]{5}"),
    ]:
        assert (
            one(
                con,
                f"select count(*) from {table} where not regexp_full_match({column}, '{pattern}')",
            )
            == 0
        )
        assert one(con, f"select count(*) - count(distinct {column}) from {table}") == 0
        assert one(con, f"select count(*) from {table} where name is null") == 0


def test_observation_values(con: duckdb.DuckDBPyConnection) -> None:
    def bad(where: str) -> int:
        return one(con, f"select count(*) from observations where {where}")

    assert bad(f"status not in {STATUSES}") == 0
    assert bad(f"source_kind not in {SOURCE_KINDS}") == 0
    assert bad(f"confidence not in {CONFIDENCES}") == 0
    assert bad(f"channel not in {CHANNELS}") == 0
    assert bad("not regexp_full_match(effective_on, '\\d{4}-\\d{2}-\\d{2}')") == 0
    assert (
        bad(
            "reported_on is not null and not regexp_full_match(reported_on, '\\d{4}-\\d{2}-\\d{2}')"
        )
        == 0
    )
    assert bad(f"effective_on::date > date '{TODAY}' or effective_on < '2015-01-01'") == 0
    assert bad(f"reported_on::date > date '{TODAY}'") == 0
    assert bad("reported_on < effective_on") == 0
    assert bad("not starts_with(source_url, 'https://example.org/')") == 0
    assert bad("archive_url is not null and not starts_with(archive_url, 'https://')") == 0
    # Optional columns are really optional: some empty, some not.
    for column in ("reported_on", "quote", "note", "archive_url"):
        assert 0 < bad(f"{column} is null") < 20_000, column
    # Dates spread over the whole range.
    assert one(con, "select min(effective_on) from observations") < "2015-03-01"
    assert one(con, "select max(effective_on) from observations") > str(TODAY.replace(month=1))


def test_no_two_observation_rows_identical(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "select count(distinct source_url) from observations") == 20_000
    assert (
        one(con, "select count(*) from (select distinct * exclude (line) from observations)")
        == 20_000
    )


def test_references_resolve(con: duckdb.DuckDBPyConnection) -> None:
    checks = [
        ("observations", "retailer_id", "retailers"),
        ("observations", "brand_id", "brands"),
        ("ownership", "brand_id", "brands"),
        ("ownership", "company_id", "companies"),
        ("designations", "company_id", "companies"),
        ("events", "company_id", "companies"),
        ("events", "brand_id", "brands"),
    ]
    for table, column, target in checks:
        dangling = one(
            con,
            f"select count(*) from {table} t anti join {target} x using ({column}) "
            f"where t.{column} is not null",
        )
        assert dangling == 0, (table, column)
    assert (
        one(con, "select count(*) from ownership where brand_id is null or company_id is null") == 0
    )


def test_ownership_designations_events(con: duckdb.DuckDBPyConnection) -> None:
    today = f"date '{TODAY}'"
    # Every brand has an owner; some change hands (valid_to = the next valid_from).
    assert one(con, "select count(distinct brand_id) from ownership") == SIZE["brands"]
    assert one(con, "select count(*) from ownership where valid_to::date <= valid_from::date") == 0
    assert (
        one(
            con,
            f"select count(*) from ownership where valid_from::date > {today} "
            f"or valid_to::date > {today}",
        )
        == 0
    )
    changes = one(
        con,
        "select count(*) from ownership a join ownership b on a.brand_id = b.brand_id "
        "and a.valid_to = b.valid_from and a.company_id <> b.company_id",
    )
    assert changes > 0
    conflicts = one(
        con,
        "select count(*) from ownership a join ownership b on a.brand_id = b.brand_id "
        "and a.line < b.line and a.company_id <> b.company_id "
        "and coalesce(a.valid_to, '9999') > b.valid_from "
        "and coalesce(b.valid_to, '9999') > a.valid_from",
    )
    assert conflicts > 0
    assert (
        one(
            con,
            "select count(*) from ownership where not starts_with(source_url, "
            "'https://example.org/')",
        )
        == 0
    )
    # ~10 % of companies designated, only on the three known lists.
    designated = one(con, "select count(distinct company_id) from designations")
    assert 0.05 * (SIZE["brands"] // 10) <= designated <= 0.2 * (SIZE["brands"] // 10)
    assert one(con, f"select count(*) from designations where list not in {LISTS}") == 0
    assert one(con, "select count(*) from designations where ended_on < effective_on") == 0
    assert (
        one(
            con,
            f"select count(*) from designations where effective_on::date > {today} "
            f"or ended_on::date > {today}",
        )
        == 0
    )
    assert one(con, f"select count(*) from events where kind not in {EVENT_KINDS}") == 0
    assert one(con, f"select count(*) from events where date::date > {today}") == 0
    assert (
        one(
            con,
            "select count(*) from events where url is not null "
            "and not starts_with(url, 'https://')",
        )
        == 0
    )
    assert one(con, "select count(*) from events where title is null") == 0


# --- shape ---------------------------------------------------------------------------------------


def test_pairs_are_sparse_and_heavy_tailed(con: duckdb.DuckDBPyConnection) -> None:
    pairs = one(con, "select count(distinct (retailer_id, brand_id)) from observations")
    assert pairs < 0.05 * SIZE["retailers"] * SIZE["brands"]
    longest, median = con.execute(
        "select max(n), median(n) from "
        "(select count(*) as n from observations group by retailer_id, brand_id)"
    ).fetchone()
    assert longest >= 100  # a few pairs with hundreds of observations
    assert median <= 10  # most pairs short


def test_same_day_ties_some_disagreeing(con: duckdb.DuckDBPyConnection) -> None:
    ties, disagreeing = con.execute(
        """
        select count(*), count(*) filter (where sold_and_not)
        from (
            select bool_or(status in ('stocked', 'exiting'))
                   and bool_or(status in ('unavailable', 'removed')) as sold_and_not
            from observations group by retailer_id, brand_id, effective_on
            having count(*) > 1
        )
        """
    ).fetchone()
    assert ties > 1_000
    assert 0 < disagreeing < ties


def test_histories_have_removals_relistings_and_announced_exits(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Winner per pair and date by the status rule, then the status changes between dates.
    transitions = dict(
        con.execute(
            """
            with winners as (
                select retailer_id, brand_id, effective_on, status
                from observations
                qualify row_number() over (
                    partition by retailer_id, brand_id, effective_on
                    order by list_position(['high', 'medium', 'low'], confidence),
                             list_position(['statement', 'listing_check', 'legal_filing',
                                            'news_report', 'brand_claim'], source_kind),
                             coalesce(reported_on, '') desc, line desc
                ) = 1
            ),
            steps as (
                select lag(status) over (partition by retailer_id, brand_id
                                         order by effective_on) as before, status as after
                from winners
            )
            select before || '>' || after, count(*) from steps
            where before <> after group by all
            """
        ).fetchall()
    )
    assert transitions.get("removed>stocked", 0) > 10  # re-listings
    assert transitions.get("stocked>exiting", 0) > 10
    assert transitions.get("exiting>removed", 0) > transitions.get("stocked>removed", 0) / 2
    assert transitions.get("stocked>unavailable", 0) > 0


# --- edges ---------------------------------------------------------------------------------------


def test_zero_observations_writes_headers(tmp_path: Path) -> None:
    counts = write_demo(tmp_path, retailers=3, brands=4, observations=0, today=TODAY)
    assert counts["observations.csv"] == 0
    assert (tmp_path / "observations.csv").read_text() == (
        ",".join(COLUMNS["observations.csv"]) + "\n"
    )
    assert counts["companies.csv"] == 3  # at least three companies


def test_tiny_universe_and_early_today(tmp_path: Path) -> None:
    early = dt.date(2015, 1, 10)
    counts = write_demo(tmp_path, retailers=1, brands=1, observations=500, seed=5, today=early)
    assert counts["observations.csv"] == 500
    con = connect(tmp_path)
    assert one(con, "select count(distinct (retailer_id, brand_id)) from observations") == 1
    for table, column in [
        ("observations", "effective_on"),
        ("observations", "reported_on"),
        ("ownership", "valid_from"),
        ("ownership", "valid_to"),
        ("designations", "effective_on"),
        ("designations", "ended_on"),
        ("events", "date"),
    ]:
        assert one(con, f"select count(*) from {table} where {column}::date > date '{early}'") == 0


def test_today_before_2015_still_writes_valid_dates(tmp_path: Path) -> None:
    counts = write_demo(tmp_path, retailers=5, brands=5, observations=50, today=dt.date(2014, 6, 1))
    con = connect(tmp_path)
    assert counts["observations.csv"] == 50
    assert one(con, "select max(effective_on) from observations") <= "2014-06-01"


@pytest.mark.parametrize(
    "args",
    [
        {"retailers": 0, "brands": 5, "observations": 5},
        {"retailers": 5, "brands": 0, "observations": 5},
        {"retailers": 5, "brands": 5, "observations": -1},
    ],
)
def test_rejects_impossible_sizes(tmp_path: Path, args: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        write_demo(tmp_path, **args)
