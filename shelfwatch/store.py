"""Versioned, immutable store snapshots.

``STORE/vNNNNNN.duckdb`` files are never modified once published; ``STORE/CURRENT`` names the
latest. A publish copies the current version (or starts empty) into an unpublished file,
applies its change in one transaction, then rebuilds the derived status tables, checkpoints,
fsyncs, renames the file into place and only then swaps ``CURRENT`` (write temp + rename). A
crash at any point leaves the previous version intact and current.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import logging
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from shelfwatch import __version__, vocab

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STORE = PROJECT_ROOT / "data" / "store"
CURRENT_FILE = "CURRENT"
LOCK_FILE = ".writer.lock"
_VERSION_FILE = re.compile(r"^v(\d{6})\.duckdb$")

SPILL_DIR = ".spill"
# Memory DuckDB may hold per process before it spills to disk (DuckDB size strings). Readers
# share one database instance per version file, so this bounds every request of the app
# together; a publish reads and derives the whole dataset and gets more. DuckDB counts only
# its own buffers: a build's peak RSS is this plus a few hundred MB (3.4 GiB at 30M
# observations under 3GB; bench/results/*-build-growth.md), and a bigger limit spills less
# but costs the same CPU (the 30M segments: 212 CPU-seconds under 3GB and under 6GB).
READER_MEMORY_LIMIT = os.environ.get("SHELFWATCH_READER_MEMORY_LIMIT", "768MB")
PUBLISH_MEMORY_LIMIT = os.environ.get("SHELFWATCH_PUBLISH_MEMORY_LIMIT", "4GB")


class StoreError(Exception):
    """A store problem with a message meant for the user."""


class StoreBusy(StoreError):
    """Another writer holds the lock."""


class NoPublishedVersion(StoreError):
    """The store has no CURRENT version yet."""


class UnknownVersion(StoreError):
    """A pinned version does not exist."""


class RemovedVersion(UnknownVersion):
    """A pinned version was published once and its file has since been removed."""


@dataclass(frozen=True)
class PublishedVersion:
    number: int
    path: Path


def resolve_store(store: str | os.PathLike[str] | None = None) -> Path:
    """``--store`` if given, else ``$SHELFWATCH_STORE``, else ``data/store`` of the project."""
    if store:
        return Path(store)
    env = os.environ.get("SHELFWATCH_STORE")
    return Path(env) if env else DEFAULT_STORE


def version_path(store: Path, number: int) -> Path:
    return store / f"v{number:06d}.duckdb"


def current_version(store: Path) -> int | None:
    try:
        text = (store / CURRENT_FILE).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    match = _VERSION_FILE.match(text)
    if not match:
        raise StoreError(f"{store / CURRENT_FILE}: does not name a version file: {text!r}")
    return int(match.group(1))


def list_versions(store: Path) -> list[int]:
    """Published versions, oldest first (files past CURRENT are unpublished crash leftovers)."""
    current = current_version(store)
    if current is None or not store.is_dir():
        return []
    numbers = []
    for entry in store.iterdir():
        match = _VERSION_FILE.match(entry.name)
        if match and int(match.group(1)) <= current:
            numbers.append(int(match.group(1)))
    return sorted(numbers)


def resolve_version(store: Path, number: int | None = None) -> PublishedVersion:
    """The pinned version if given (and published), else the current one."""
    current = current_version(store)
    if current is None:
        raise NoPublishedVersion(
            f"no published version in {store}: run `python -m shelfwatch build` first"
        )
    if number is None:
        number = current
    path = version_path(store, number)
    if number < 1 or number > current:
        raise UnknownVersion(f"data version {number} does not exist in this store")
    if not path.exists():
        # Published once, since removed by the store's operator (docs/design.md, retention).
        raise RemovedVersion(
            f"data version {number} was published but is no longer kept in this store (its "
            f"file was removed under the retention rule); the latest is version {current}. "
            "Ask the publisher for an archived copy to check a figure that cites it."
        )
    return PublishedVersion(number, path)


def open_version(
    store: Path, number: int | None = None, *, threads: int | None = None, any_format: bool = False
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a published version; use one ``.cursor()`` per query.

    A version in another store format is refused (:class:`OldStoreFormat`) unless
    ``any_format``: only the provenance tables, which every format has, may be read then."""
    version = resolve_version(store, number)
    con = connect_reader(version.path, threads=threads)
    if not any_format:
        try:
            check_format(con, version.number)
        except OldStoreFormat:
            con.close()
            raise
    return con


def reader_spill_dir() -> Path:
    """Where readers of a store spill big sorts: one folder per process, under the system's
    temp directory (the store itself may be read-only to the app)."""
    return Path(tempfile.gettempdir()) / f"shelfwatch-spill-{os.getpid()}"


def connect_reader(version_file: Path, *, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only, locked-down connection to one version file with bounded memory.

    Every connection to the same file in a process must use the same settings (DuckDB shares
    one instance per file), so every reader opens through here."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "memory_limit": READER_MEMORY_LIMIT,
        "temp_directory": str(reader_spill_dir()),
        # Text as Arrow large_string, the form every export writer takes: no cast per batch.
        "arrow_large_buffer_size": True,
    }
    if threads:
        config["threads"] = threads
    con = duckdb.connect(str(version_file), read_only=True, config=config)
    _lock_down(con)
    return con


def _lock_down(con: duckdb.DuckDBPyConnection) -> None:
    # Connections to one file in a process share its instance: a second one finds it locked.
    if con.execute("select current_setting('lock_configuration')").fetchall()[0][0]:
        return
    # What a reader may do: nothing outside the file, and it cannot switch that back on. Set
    # after connecting: DuckDB refuses a temp_directory once external access is off.
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


@contextmanager
def writer_lock(store: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """One writer at a time: an flock on STORE/.writer.lock, released when the process dies."""
    store.mkdir(parents=True, exist_ok=True)
    path = store / LOCK_FILE
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole block
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise StoreBusy(
                        f"store {store} is busy: {holder} is publishing a version; "
                        "try again when it has finished (or pass --wait SECONDS)"
                    ) from None
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%SZ}")
        handle.flush()
        yield
    finally:
        handle.close()


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_current(store: Path, number: int) -> None:
    tmp = store / f".{CURRENT_FILE}.tmp"
    with open(tmp, "w", encoding="ascii") as handle:
        handle.write(version_path(store, number).name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, store / CURRENT_FILE)
    _fsync_path(store)


def _remove_leftovers(store: Path, current: int | None) -> None:
    """Drop what a crashed writer left, files and folders alike (called under the writer lock):
    temp files, DuckDB's spill and WAL, versions never made current."""
    for entry in store.iterdir():
        match = _VERSION_FILE.match(entry.name)
        unpublished = match is not None and int(match.group(1)) > (current or 0)
        leftover = entry.name.startswith(".v") or entry.name in (
            f".{CURRENT_FILE}.tmp",
            SPILL_DIR,
        )
        if unpublished or leftover:
            _remove(entry)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def sql_text(name: str) -> str:
    """Internal DDL/derivation SQL shipped with the package (not part of the query catalog)."""
    return resources.files("shelfwatch").joinpath("sql", f"{name}.sql").read_text("utf-8")


# What the queries expect of a version file. Bump it when a publish adds or changes tables or
# columns the catalog reads: a version published in another format is refused with a clear
# message (its file is never rewritten; the next build or ingest publishes the new format).
STORE_FORMAT = 5


class OldStoreFormat(StoreError):
    """A version was published by an older Shelfwatch, in a format the queries cannot read."""


def store_format_of(con: duckdb.DuckDBPyConnection) -> int:
    """The format a version file was published in (1: before formats were recorded)."""
    # fetchall, never fetchone: a half-read result blocks the connection's next query.
    found = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'store_format'"
    ).fetchall()[0][0]
    if not found:
        return 1
    return int(con.execute("select max(format) from store_format").fetchall()[0][0])


def check_format(con: duckdb.DuckDBPyConnection, number: int) -> None:
    found = store_format_of(con)
    if found != STORE_FORMAT:
        raise OldStoreFormat(
            f"data version {number} was published in store format {found}; this Shelfwatch "
            f"reads format {STORE_FORMAT}. Publish a new version to read it: "
            "`python -m shelfwatch build` (or `ingest` a file). Published files are never "
            "rewritten."
        )


# The derived tables, in build order (each reads only the input tables and those before it).
DERIVATIONS = (
    "derive_segments",
    "derive_intervals",
    "derive_relistings",
    "derive_owners",
    "derive_kpis",
    "derive_summary",
    "derive_evidence",
)


@dataclass(frozen=True)
class RangeFill:
    """A derived table its SQL creates empty, filled here a range of days at a time.

    ``rows`` (a temp view) holds the table's rows; each range of ``day`` is inserted sorted by
    ``order_by``, the ranges in ``day`` order, so DuckDB sorts one range in memory at a time
    instead of every wide row at once (which spills to disk and, at 30M observations, took a
    third of the build). When ``order_by`` starts with ``day`` the table is stored exactly as
    one ORDER BY over all of it would store it. ``counted`` has as many rows per ``day`` as
    ``rows`` (cheap to count: no joins). ``scratch``: temp tables to drop once filled."""

    table: str
    rows: str
    counted: str
    day: str
    order_by: str
    newest_first: bool = False
    scratch: tuple[str, ...] = ()


RANGE_FILLS = {
    "derive_segments": RangeFill(
        "status_segments",
        rows="segment_rows",
        counted="segment_rules",
        day="seg_from",
        # Within a range, by how long a segment lasts (whole powers of two days; open ones
        # last), then start: each row group then spans a narrow band of both seg_from and
        # seg_to, and open segments (seg_to null) sit in row groups of their own, so zone maps
        # prune "covers D" (seg_from <= D < seg_to) from both ends instead of reading every
        # row group (a null in each made "seg_to is null or seg_to > D" unprunable).
        order_by="coalesce(floor(log2(seg_to - seg_from)), 64), seg_from, retailer_id, brand_id",
        scratch=("segment_rules",),
    ),
    "derive_evidence": RangeFill(
        "evidence",
        rows="evidence_rows",
        counted="observations",
        day="effective_on",
        order_by="effective_on desc, obs_id desc",
        newest_first=True,
    ),
}
# Rows per range (whole days: a bigger day is a range of its own). Two million wide rows sort
# in well under a publish's memory limit.
FILL_RANGE_ROWS = 2_000_000


def day_ranges(
    counts: list[tuple[dt.date, int]], most: int = FILL_RANGE_ROWS
) -> list[tuple[dt.date, dt.date]]:
    """Consecutive (first, last) day ranges of at most ``most`` rows each (a day with more is a
    range alone), from (day, rows) in fill order; first <= last whatever that order."""
    ranges: list[tuple[dt.date, dt.date]] = []
    days: list[dt.date] = []  # of the range being gathered
    rows = 0
    for day, n in counts:
        if days and rows + n > most:
            ranges.append((min(days[0], days[-1]), max(days[0], days[-1])))
            days, rows = [], 0
        days.append(day)
        rows += n
    if days:
        ranges.append((min(days[0], days[-1]), max(days[0], days[-1])))
    return ranges


def _fill_by_days(con: duckdb.DuckDBPyConnection, fill: RangeFill) -> None:
    direction = "desc" if fill.newest_first else "asc"
    # Names from RANGE_FILLS above, never from input.
    counts = con.execute(
        f"select {fill.day}, count(*) from {fill.counted} group by all order by 1 {direction}"  # noqa: S608
    ).fetchall()
    insert = (
        f"insert into {fill.table} select * from {fill.rows} "  # noqa: S608
        f"where {fill.day} between $first and $last order by {fill.order_by}"
    )
    # One transaction for all the ranges: each appends to the row group the one before left
    # open, so the table is stored in full row groups, as one insert would store it.
    con.execute("begin transaction")
    for first, last in day_ranges(counts, FILL_RANGE_ROWS):  # read here: tests lower it
        con.execute(insert, {"first": first, "last": last})
    con.execute("commit")
    con.execute(f"drop view if exists {fill.rows}")
    for table in fill.scratch:
        con.execute(f"drop table if exists {table}")


def derive(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Write one derived table (``name`` of :data:`DERIVATIONS`) from the tables before it."""
    con.execute(sql_text(name))
    if name in RANGE_FILLS:
        _fill_by_days(con, RANGE_FILLS[name])


def derive_status(con: duckdb.DuckDBPyConnection, upto: str = DERIVATIONS[-1]) -> None:
    """Rebuild the derived tables from the input tables, the vocabulary first (the SQL joins
    it). ``upto`` stops after that derivation (tests of the status rule need only the first).

    Call it outside a transaction: each derivation commits on its own, so its temp tables free
    their memory when dropped (a publish derives into an unpublished file: a failure half-way
    publishes nothing)."""
    vocab.write_tables(con)
    for name in DERIVATIONS[: DERIVATIONS.index(upto) + 1]:
        with log_phase(name):
            derive(con, name)
    con.execute(
        "create or replace table store_format as select $format as format", {"format": STORE_FORMAT}
    )


Stage = Callable[[duckdb.DuckDBPyConnection, int], None]

# One INFO line per publish phase (its seconds and the process's peak RSS so far), silent
# unless logging is configured: the build benchmark turns it on to split a build's cost.
_log = logging.getLogger(__name__)


@contextmanager
def log_phase(name: str) -> Iterator[None]:
    """Log how long the block took and the peak RSS so far (nothing when it raises)."""
    started = time.perf_counter()
    yield
    _log.info(
        "phase %s: %.1f s, peak RSS %.2f GiB",
        name,
        time.perf_counter() - started,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    )


@dataclass(frozen=True)
class Publication:
    """Who publishes a version and why (recorded in ``version_info``)."""

    action: str
    editor: str | None = None
    note: str | None = None


def _write_version(
    target: Path,
    spill: Path,
    number: int,
    parent: Path | None,
    stage: Stage,
    publication: Publication,
) -> None:
    """Write version ``number`` into ``target``: a copy of ``parent`` (None: empty) with
    ``stage`` applied and the status rebuilt, committed and checkpointed, not yet published.

    The change is one transaction; the derived tables are written after it, statement by
    statement. In between the staging copies (temp tables: the whole input as text) are
    dropped, which frees their memory only once the transaction that made them has committed.
    ``target`` is unpublished throughout: a failure or a crash at any point leaves it to be
    removed, never made current."""
    if parent is not None:
        shutil.copyfile(parent, target)
    spill.mkdir()
    # The limit makes a big publish spill into the writer's own folder instead of taking the
    # machine.
    con = duckdb.connect(
        str(target),
        config={"memory_limit": PUBLISH_MEMORY_LIMIT, "temp_directory": str(spill)},
    )
    try:
        # DuckDB's own bar shows the long SQL phases of a big build, on a terminal only.
        con.execute("set enable_progress_bar = $on", {"on": sys.stderr.isatty()})
        with log_phase("inputs"):
            con.execute("begin transaction")
            con.execute(sql_text("schema"))
            vocab.write_tables(con)  # validation checks the input against it
            stage(con, number)
            con.execute("commit")
        with log_phase("drop staging"):
            _drop_temp_objects(con)
        derive_status(con)  # statement by statement: its scratch tables are freed as it goes
        con.execute(
            """
            insert into version_info
                (version, published_at, action, parent_version, observations, pairs,
                 shelfwatch, editor, note)
            select $number, $published_at, $action, $parent,
                   (select count(*) from observations),
                   (select count(*) from (select distinct retailer_id, brand_id
                                          from observations)),
                   $shelfwatch, $editor, $note
            """,
            {
                "number": number,
                "published_at": dt.datetime.now(dt.UTC),
                "action": publication.action,
                "parent": None if parent is None else number - 1,
                "shelfwatch": __version__,
                "editor": publication.editor,
                "note": publication.note,
            },
        )
        with log_phase("checkpoint"):
            con.execute("checkpoint")
    finally:
        con.close()


def _drop_temp_objects(con: duckdb.DuckDBPyConnection) -> None:
    """Drop this connection's temp views and tables (the staging of the input files)."""
    views = con.execute(
        "select view_name from duckdb_views() where temporary and not internal"
    ).fetchall()
    tables = con.execute("select table_name from duckdb_tables() where temporary").fetchall()
    for kind, found in (("view", views), ("table", tables)):
        for (name,) in found:
            # Names from DuckDB's own catalog, quoted as identifiers.
            con.execute(f'drop {kind} if exists temp."{name.replace(chr(34), chr(34) * 2)}"')


def publish(
    store: Path,
    stage: Stage,
    *,
    action: str,
    fresh: bool = False,
    wait_seconds: float = 0.0,
    editor: str | None = None,
    note: str | None = None,
) -> int:
    """Publish a new version: ``stage(con, number)`` loads the change inside the transaction.

    ``fresh`` starts from an empty database (a build) instead of a copy of the current version
    (an ingest). Any exception from ``stage`` aborts: nothing is published.
    """
    publication = Publication(action, editor, note)
    with writer_lock(store, wait_seconds):
        current = current_version(store)
        _remove_leftovers(store, current)
        number = (current or 0) + 1
        tmp = store / f".v{number:06d}.duckdb.tmp"
        parent = None if current is None or fresh else version_path(store, current)
        try:
            _write_version(tmp, store / SPILL_DIR, number, parent, stage, publication)
            _fsync_path(tmp)
            os.replace(tmp, version_path(store, number))
            _fsync_path(store)
            _write_current(store, number)
        except BaseException:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)
            raise
        finally:
            _remove(store / SPILL_DIR)
    return number


@contextmanager
def draft(
    store: Path, stage: Stage, *, action: str, wait_seconds: float = 0.0
) -> Iterator[tuple[PublishedVersion, Path]]:
    """What publishing ``stage`` would make, never published: yields the current version and a
    draft of the next one (removed when the block ends), for a preview to compare.

    Holds the writer lock for the whole block, so the draft is the next version exactly: no
    other publish can slip in between (a second editor waits or is told to retry)."""
    with writer_lock(store, wait_seconds):
        current = resolve_version(store)
        _remove_leftovers(store, current.number)
        number = current.number + 1
        target = store / f".v{number:06d}.draft.duckdb"
        try:
            _write_version(
                target, store / SPILL_DIR, number, current.path, stage, Publication(action)
            )
            yield current, target
        finally:
            _remove(store / SPILL_DIR)
            for leftover in (target, target.with_name(target.name + ".wal")):
                leftover.unlink(missing_ok=True)
