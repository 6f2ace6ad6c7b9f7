"""The versioned store: publish, read-only readers, one writer, crash safety."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from shelfwatch import ingest, store
from tests.conftest import MINI_DATA, TODAY, build_store

PROJECT = Path(__file__).resolve().parent.parent


def observation_count(store_dir: Path) -> tuple[int, int]:
    con = store.open_version(store_dir)
    try:
        version = con.execute("select max(version) from version_info").fetchall()[0][0]
        rows = con.execute("select count(*) from observations").fetchall()[0][0]
        segments = con.execute("select count(*) from status_segments").fetchall()[0][0]
        assert segments > 0
        return version, rows
    finally:
        con.close()


def test_publish_writes_version_and_current(tmp_path: Path):
    store_dir = build_store(MINI_DATA, tmp_path / "store")
    assert (store_dir / "CURRENT").read_text().strip() == "v000001.duckdb"
    assert store.list_versions(store_dir) == [1]
    con = store.open_version(store_dir)
    inputs = con.execute("select file_name, rows, length(sha256) from input_files").fetchall()
    assert ("observations.csv", 12, 64) in inputs
    info = con.execute("select version, action, observations from version_info").fetchall()
    assert info == [(1, "build", 12)]
    con.close()


def test_readers_are_read_only_and_sealed(mini_store: Path, tmp_path: Path):
    con = store.open_version(mini_store)
    outside = tmp_path / "outside.csv"
    outside.write_text("a\n1\n")
    with pytest.raises(duckdb.Error):
        con.execute("create table intruder (a int)")
    with pytest.raises(duckdb.Error):
        con.execute("select * from read_csv($p)", {"p": str(outside)})
    with pytest.raises(duckdb.Error):
        con.execute("set enable_external_access = true")
    with pytest.raises(duckdb.Error):
        con.execute("copy observations to $p", {"p": str(tmp_path / "leak.csv")})
    con.close()


def test_pinned_versions_and_unknown_version(tmp_path: Path):
    store_dir = build_store(MINI_DATA, tmp_path / "store")
    build_store(MINI_DATA, store_dir)
    assert store.list_versions(store_dir) == [1, 2]
    assert store.resolve_version(store_dir, 1).number == 1
    with pytest.raises(store.UnknownVersion):
        store.resolve_version(store_dir, 3)
    with pytest.raises(store.NoPublishedVersion):
        store.resolve_version(tmp_path / "empty")


def test_second_writer_gets_a_clear_busy_message(tmp_path: Path):
    store_dir = build_store(MINI_DATA, tmp_path / "store")
    with store.writer_lock(store_dir):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "shelfwatch",
                "build",
                "--data",
                str(MINI_DATA),
                "--store",
                str(store_dir),
            ],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert "is busy" in result.stderr and "Traceback" not in result.stderr
    assert store.list_versions(store_dir) == [1]


def test_a_waiting_writer_proceeds_when_the_lock_is_released(tmp_path: Path):
    store_dir = build_store(MINI_DATA, tmp_path / "store")
    with store.writer_lock(store_dir):
        waiting = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shelfwatch",
                "build",
                "--data",
                str(MINI_DATA),
                "--store",
                str(store_dir),
                "--wait",
                "30",
            ],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)
        assert waiting.poll() is None, "the second writer must wait, not fail"
    assert waiting.wait(timeout=60) == 0
    assert store.list_versions(store_dir) == [1, 2]


def test_a_failed_stage_publishes_nothing(tmp_path: Path):
    store_dir = build_store(MINI_DATA, tmp_path / "store")

    def explode(con, number):
        con.execute("delete from observations")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.publish(store_dir, explode, action="ingest")
    assert store.list_versions(store_dir) == [1]
    assert observation_count(store_dir) == (1, 12)
    assert [p.name for p in store_dir.iterdir() if p.name.startswith(".v")] == []


def test_a_failure_while_deriving_publishes_nothing(tmp_path: Path, monkeypatch):
    """The change commits before the derivations run (so the staging copies are freed), but in
    the unpublished file only: a failure after that still publishes nothing."""
    store_dir = build_store(MINI_DATA, tmp_path / "store")
    seen: dict[str, list] = {}

    def stage(con, number):
        con.execute("create temp table staged_raw as select 1 as x")
        con.execute("create temp view staged as select * from staged_raw")
        con.execute("delete from observations")

    def explode(con, upto=None):
        seen["temp"] = con.execute(
            "select table_name from duckdb_tables() where temporary union all "
            "select view_name from duckdb_views() where temporary and not internal"
        ).fetchall()
        raise RuntimeError("boom")

    monkeypatch.setattr(store, "derive_status", explode)
    with pytest.raises(RuntimeError):
        store.publish(store_dir, stage, action="ingest")
    assert seen["temp"] == []  # the staging was dropped before deriving
    assert store.list_versions(store_dir) == [1]
    assert observation_count(store_dir) == (1, 12)
    assert [p.name for p in store_dir.iterdir() if p.name.startswith(".v")] == []


def test_a_publish_logs_its_phases(tmp_path: Path, caplog):
    with caplog.at_level("INFO", logger="shelfwatch.store"):
        build_store(MINI_DATA, tmp_path / "store")
    phases = [m.split(":")[0].removeprefix("phase ") for m in caplog.messages]
    assert all(m.endswith(" GiB") and m.startswith("phase ") for m in caplog.messages)
    assert phases[0] == "scan retailers"
    assert {"read observations", "validate observations", "load observations"} <= set(phases)
    assert phases[-len(store.DERIVATIONS) - 3 :] == [
        "inputs",
        "drop staging",
        *store.DERIVATIONS,
        "checkpoint",
    ]


def _big_observations(path: Path, rows: int) -> None:
    retailers = ["r-a", "r-b", "r-c"]
    brands = ["b-x", "b-y", "b-z"]
    rng = random.Random(7)
    lines = ["retailer_id,brand_id,status,effective_on,source_url,quote"]
    for i in range(rows):
        day = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3000))
        lines.append(
            f"{rng.choice(retailers)},{rng.choice(brands)},"
            f"{rng.choice(['stocked', 'removed', 'exiting', 'unavailable'])},{day},"
            f'https://s.example/{i},"quote {i}, with a comma"'
        )
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.slow
def test_sigkill_during_ingest_never_breaks_the_store(tmp_path: Path):
    """Kill the writer at random moments; the store always opens at a complete version."""
    store_dir = build_store(MINI_DATA, tmp_path / "store")
    batch = tmp_path / "batch.csv"
    _big_observations(batch, 150_000)
    command = [sys.executable, "-m", "shelfwatch", "ingest", str(batch), "--store", str(store_dir)]

    started = time.monotonic()
    subprocess.run(command + ["--dry-run"], cwd=PROJECT, check=True, capture_output=True)
    full_run = time.monotonic() - started  # how long a run takes, to spread the kills over it

    rng = random.Random(20211025)
    versions_seen = set()
    for _attempt in range(8):
        before = observation_count(store_dir)
        process = subprocess.Popen(
            command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        time.sleep(rng.uniform(0.05, full_run * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = observation_count(store_dir)  # opens, or the test fails
        versions_seen.add(after[0])
        assert after in (before, (before[0] + 1, before[1] + 150_000))
        if after != before:
            # It finished before the kill: the batch is now a duplicate; start a fresh lineage.
            build_store(MINI_DATA, store_dir)
    # The store still accepts a writer after all those crashes, and cleans their leftovers.
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    leftovers = [p.name for p in store_dir.iterdir() if p.name.startswith(".v")]
    assert leftovers == []
    assert observation_count(store_dir)[1] == 12 + 150_000


def test_build_is_deterministic_in_content(tmp_path: Path):
    one = build_store(MINI_DATA, tmp_path / "one")
    two = build_store(MINI_DATA, tmp_path / "two")
    query = "select * from status_segments order by retailer_id, brand_id, seg_from"
    a, b = store.open_version(one), store.open_version(two)
    assert a.execute(query).fetchall() == b.execute(query).fetchall()
    a.close()
    b.close()


def test_day_ranges_cut_whole_days_in_fill_order():
    d = [dt.date(2020, 1, day) for day in range(1, 6)]
    assert store.day_ranges([], most=10) == []
    assert store.day_ranges([(d[0], 3), (d[1], 3), (d[2], 5), (d[3], 20), (d[4], 1)], most=10) == [
        (d[0], d[1]),
        (d[2], d[2]),
        (d[3], d[3]),  # a day bigger than a range is a range of its own
        (d[4], d[4]),
    ]
    newest_first = [(d[4], 4), (d[3], 4), (d[2], 4), (d[1], 4)]
    assert store.day_ranges(newest_first, most=8) == [(d[3], d[4]), (d[1], d[2])]


def _physical_rows(store_dir: Path, table: str) -> list[tuple]:
    con = store.open_version(store_dir)
    try:
        return con.execute(f"select rowid, * from {table}").fetchall()  # noqa: S608 - constant
    finally:
        con.close()


def test_range_fills_store_each_range_sorted_in_range_order(tmp_path: Path, monkeypatch):
    """Filled a few hundred rows at a time, the segments and the evidence hold the same rows as
    filled in one range, stored range after range, each range in its fill's order (for the
    evidence, whose order starts with the day, that is one ORDER BY over the whole table)."""
    from shelfwatch.demo import write_demo

    data = tmp_path / "input"
    write_demo(data, retailers=30, brands=60, observations=5_000, seed=3, today=TODAY)
    one = tmp_path / "one"
    ingest.build(data, one, today=TODAY)
    monkeypatch.setattr(store, "FILL_RANGE_ROWS", 300)
    many = tmp_path / "many"
    ingest.build(data, many, today=TODAY)
    for name in ("derive_segments", "derive_evidence"):
        fill = store.RANGE_FILLS[name]
        rows = _physical_rows(many, fill.table)
        assert len(rows) > 3 * 300  # many ranges
        assert sorted(row[1:] for row in rows) == sorted(
            row[1:] for row in _physical_rows(one, fill.table)
        )
        con = store.open_version(many)
        try:
            direction = "desc" if fill.newest_first else "asc"
            counts = con.execute(
                f"select {fill.day}, count(*) from {fill.table} group by all "  # noqa: S608
                f"order by 1 {direction}"
            ).fetchall()
            ranges = store.day_ranges(counts, most=300)
            assert len(ranges) > 3
            expected = []
            for first, last in ranges:
                expected += con.execute(
                    f"select * from {fill.table} where {fill.day} between $first and $last "  # noqa: S608
                    f"order by {fill.order_by}",
                    {"first": first, "last": last},
                ).fetchall()
        finally:
            con.close()
        assert [row[1:] for row in rows] == expected
    evidence = _physical_rows(many, "evidence")
    assert evidence == _physical_rows(one, "evidence")
    # No scratch left behind in the published file.
    con = store.open_version(many)
    try:
        names = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert "segment_rules" not in names and "status_segments" in names


def test_store_defaults_to_env_then_data_store(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SHELFWATCH_STORE", str(tmp_path))
    assert store.resolve_store(None) == tmp_path
    assert store.resolve_store(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("SHELFWATCH_STORE")
    assert store.resolve_store(None) == PROJECT / "data" / "store"
    assert os.fspath(store.resolve_store(None)).endswith("data/store")


def test_ingest_needs_a_built_store(tmp_path: Path):
    with pytest.raises(store.NoPublishedVersion):
        ingest.ingest(MINI_DATA / "observations.csv", tmp_path / "nothing", today=TODAY)


def _spilling(store_dir: Path) -> bool:
    spill = store_dir / store.SPILL_DIR
    try:
        return any(spill.iterdir())
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_sigkill_while_spilling_never_wedges_the_store(tmp_path: Path):
    """A publish with a low memory limit spills into the store's own folder; kill it there,
    again and again: the store opens at a complete version, the next ingest succeeds and
    nothing of the crashed writers is left (DuckDB's spill is a folder, not a file)."""
    store_dir = build_store(MINI_DATA, tmp_path / "store")
    batch = tmp_path / "batch.csv"
    _big_observations(batch, 150_000)
    command = [sys.executable, "-m", "shelfwatch", "ingest", str(batch), "--store", str(store_dir)]
    env = {**os.environ, "SHELFWATCH_PUBLISH_MEMORY_LIMIT": "60MB"}

    rng = random.Random(20211026)
    kills_while_spilling = 0
    for _attempt in range(20):
        before = observation_count(store_dir)
        process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while not _spilling(store_dir) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.5))  # a random moment of the spilling phase
        kills_while_spilling += _spilling(store_dir)
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = observation_count(store_dir)  # opens at a complete version, or the test fails
        assert after in (before, (before[0] + 1, before[1] + 150_000))
        if after != before:
            build_store(MINI_DATA, store_dir)  # it finished first: the batch is now a duplicate
    assert kills_while_spilling >= 10, "the publishes did not spill: raise the batch size"

    result = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert observation_count(store_dir)[1] == 12 + 150_000
    published = {store.version_path(store_dir, n).name for n in store.list_versions(store_dir)}
    assert {p.name for p in store_dir.iterdir()} == published | {"CURRENT", store.LOCK_FILE}
