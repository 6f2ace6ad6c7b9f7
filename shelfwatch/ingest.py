"""Read and validate input files; publish them as a new store version or not at all.

Every problem is reported as ``FILE:LINE:COLUMN: what is wrong`` (LINE counts the header as
line 1; for Parquet it is the row number plus one, as if there were a header line). Files are
read by DuckDB's own readers as text, checked by the SQL in ``shelfwatch/sql/validate_*.sql``
and only then inserted, so a 10-million-row file is validated without a Python loop per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from shelfwatch import store as store_mod

# Input files of a build, in load order (references point backwards).
ROLES = ("retailers", "brands", "companies", "ownership", "designations", "events", "observations")
REQUIRED_ROLES = ("retailers", "brands", "observations")

COLUMNS: dict[str, tuple[str, ...]] = {
    "retailers": ("retailer_id", "name", "country", "kind", "website"),
    "brands": ("brand_id", "name", "category"),
    "companies": ("company_id", "name", "country"),
    "ownership": (
        "brand_id",
        "company_id",
        "valid_from",
        "valid_to",
        "source_url",
        "confidence",
        "note",
    ),
    "designations": ("company_id", "list", "effective_on", "ended_on", "source_url", "note"),
    "events": ("date", "title", "kind", "url", "company_id", "brand_id"),
    "observations": (
        "retailer_id",
        "brand_id",
        "status",
        "effective_on",
        "source_url",
        "source_kind",
        "confidence",
        "reported_on",
        "channel",
        "quote",
        "note",
        "archive_url",
    ),
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "retailers": ("retailer_id", "name"),
    "brands": ("brand_id", "name"),
    "companies": ("company_id", "name"),
    "ownership": ("brand_id", "company_id", "valid_from", "source_url"),
    "designations": ("company_id", "list", "effective_on", "source_url"),
    "events": ("date", "title", "kind"),
    "observations": ("retailer_id", "brand_id", "status", "effective_on", "source_url"),
}

STATUSES = ("stocked", "exiting", "unavailable", "removed")
SOLD_STATUSES = ("stocked", "exiting")
SOURCE_KINDS = ("statement", "listing_check", "legal_filing", "news_report", "brand_claim")
CONFIDENCES = ("high", "medium", "low")
CHANNELS = ("all", "store", "online", "marketplace")
EVENT_KINDS = ("regulatory", "reporting", "legal", "context")

_CHUNK = 16 * 1024 * 1024
# Optional columns a file left out are added empty; the names come from COLUMNS, not input.
_ADD_COLUMN = {
    column: 'alter table staged_raw add column "' + column + '" varchar'
    for columns in COLUMNS.values()
    for column in columns
}
ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class Rejected(Exception):
    """Input refused; nothing was published."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the input")


@dataclass
class ScannedFile:
    """What one pass over the raw bytes learned before DuckDB reads the file."""

    path: Path
    sha256: str
    size: int
    newlines: int
    ends_with_newline: bool
    problems: list[Problem] = field(default_factory=list)


def _display(path: Path) -> str:
    return str(path)


def scan_bytes(path: Path, progress: ProgressFn | None = None) -> ScannedFile:
    """Hash the file and refuse what DuckDB should never see: empty, binary, not UTF-8."""
    digest = hashlib.sha256()
    name = _display(path)
    problems: list[Problem] = []
    size = newlines = 0
    last_byte = b""
    carry = b""  # an incomplete last line, decoded with the next chunk
    line_base = 1
    is_parquet = path.suffix.lower() == ".parquet"
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            last_byte = chunk[-1:]
            if progress:
                progress("scan", size, path.stat().st_size)
            if is_parquet:
                continue
            newlines += chunk.count(b"\n")
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            complete, carry = data[:cut], data[cut:]
            problems += _text_problems(name, complete, line_base)
            line_base += complete.count(b"\n")
        if carry and not is_parquet:
            problems += _text_problems(name, carry, line_base)
    binary = [p for p in problems if p.message.startswith("binary")]
    if binary:
        problems = binary[:1]  # one NUL means the whole file is not text: say it once
    if size == 0:
        problems.append(Problem(name, 1, "-", "empty file: no header and no rows"))
    return ScannedFile(path, digest.hexdigest(), size, newlines, last_byte == b"\n", problems)


def _text_problems(name: str, data: bytes, first_line: int) -> list[Problem]:
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
            return []
        except UnicodeDecodeError:
            pass
    # Slow path, only for bad input: find every offending line.
    problems = []
    for offset, line in enumerate(data.split(b"\n")):
        if b"\x00" in line:
            problems.append(
                Problem(name, first_line + offset, "-", "binary content (NUL byte): not a text CSV")
            )
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    name,
                    first_line + offset,
                    "-",
                    f"bytes that are not UTF-8 at byte {exc.start + 1} of the line "
                    "(save the file as UTF-8)",
                )
            )
    return problems


class LineMap:
    """Maps a staged row (0-based, file order) to its line in the file.

    Cheap when every record is one line; otherwise (quoted newlines, blank lines, rejected
    ragged rows) one csv pass records where each accepted record starts.
    """

    def __init__(self, scanned: ScannedFile, rows: int, rejected_lines: set[int]):
        self._scanned = scanned
        self.rows = rows
        lines = scanned.newlines + (0 if scanned.ends_with_newline or not scanned.size else 1)
        parquet = scanned.path.suffix.lower() == ".parquet"
        self.simple = parquet or (not rejected_lines and lines == rows + 1)
        self._rejected = rejected_lines
        self._starts: list[int] | None = None

    def line(self, row: int) -> int:
        if self.simple:
            return row + 2
        if self._starts is None:
            self._starts = self._record_starts()
        return self._starts[row] if row < len(self._starts) else row + 2

    def _record_starts(self) -> list[int]:
        starts = []
        with open(self._scanned.path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            previous_end = 0
            for record in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                if start == 1 or not record or start in self._rejected:
                    continue  # header, blank line, or a row DuckDB rejected
                starts.append(start)
        return starts


def _stage(
    con: duckdb.DuckDBPyConnection, role: str, scanned: ScannedFile
) -> tuple[list[Problem], LineMap | None]:
    """Read the file into temp table ``staged``: all text, every column, file order."""
    name = _display(scanned.path)
    path = str(scanned.path)
    con.execute("drop view if exists staged")
    con.execute("drop table if exists staged_raw")
    con.execute("drop table if exists reject_errors")
    con.execute("drop table if exists reject_scans")
    try:
        if scanned.path.suffix.lower() == ".parquet":
            con.execute(
                "create temp table staged_raw as "
                "select columns(*)::varchar from read_parquet($path)",
                {"path": path},
            )
            rejects: list[tuple] = []
        else:
            con.execute(
                """
                create temp table staged_raw as
                select * from read_csv($path, header = true, all_varchar = true, delim = ',',
                                       quote = '"', escape = '"', strict_mode = true,
                                       store_rejects = true)
                """,
                {"path": path},
            )
            rejects = con.execute(
                "select line, coalesce(column_name, 'field ' || (column_idx + 1)), error_type, "
                "error_message from reject_errors order by line"
            ).fetchall()
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0]
        return [Problem(name, 1, "-", f"cannot read the file: {first_line}")], None

    header = [row[0] for row in con.execute("describe staged_raw").fetchall()]
    problems = [
        Problem(
            name,
            int(line),
            f"field {len(header) + 1}" if kind == "TOO MANY COLUMNS" else column,
            _reject_message(kind, message),
        )
        for line, column, kind, message in rejects
    ]
    expected = COLUMNS[role]
    for column in REQUIRED_COLUMNS[role]:
        if column not in header:
            problems.append(Problem(name, 1, column, "missing required column"))
    for column in header:
        if column not in expected:
            problems.append(
                Problem(name, 1, column, f"unknown column (expected: {', '.join(expected)})")
            )
    if any(p.line == 1 for p in problems):
        return problems, None

    for column in expected:
        if column not in header:
            con.execute(_ADD_COLUMN[column])
    # A view, not a copy: row ids inside an open transaction start at an offset but follow
    # insertion (= file) order, so _row is the 0-based record number.
    con.execute("drop view if exists staged")
    con.execute(
        "create temp view staged as "
        "select rowid - (select min(rowid) from staged_raw) as _row, * from staged_raw"
    )
    rows = _staged_rows(con)
    if rows == 0:
        problems.append(Problem(name, 2, "-", "empty file: a header but no rows"))
    return problems, LineMap(scanned, rows, {p.line for p in problems})


def _reject_message(error_type: str, message: str) -> str:
    message = " ".join(message.split())
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        return f"ragged row: {message}"
    return f"unreadable row ({error_type.lower()}): {message}"


def _staged_rows(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from staged").fetchall()[0][0]


def _check_rows(
    con: duckdb.DuckDBPyConnection, role: str, line_map: LineMap, name: str, today: dt.date
) -> list[Problem]:
    found = con.execute(store_mod.sql_text(f"validate_{role}"), {"today": today}).fetchall()
    problems = []
    for row, column, message, other_row in found:
        if other_row is not None:
            message = f"{message} (same as line {line_map.line(int(other_row))})"
        problems.append(Problem(name, line_map.line(int(row)), column, message))
    return problems


def _load(con: duckdb.DuckDBPyConnection, role: str, input_file_id: int, line_map: LineMap) -> None:
    if role != "observations":
        con.execute(store_mod.sql_text(f"load_{role}"))
        return
    con.execute("create or replace temp table staged_lines (_row bigint, line_no bigint)")
    if not line_map.simple:
        lines = pa.table(
            {
                "_row": pa.array(range(line_map.rows), pa.int64()),
                "line_no": pa.array([line_map.line(i) for i in range(line_map.rows)], pa.int64()),
            }
        )
        con.register("staged_lines_arrow", lines)
        con.execute("insert into staged_lines select * from staged_lines_arrow")
        con.unregister("staged_lines_arrow")
    con.execute(
        store_mod.sql_text("load_observations"),
        {"input_file_id": input_file_id, "simple_lines": line_map.simple},
    )


def _record_input(
    con: duckdb.DuckDBPyConnection, number: int, role: str, scanned: ScannedFile, rows: int
) -> int:
    input_file_id = con.execute(
        "select coalesce(max(input_file_id), 0) + 1 from input_files"
    ).fetchall()[0][0]
    con.execute(
        "insert into input_files values ($id, $version, $file_name, $role, $sha256, $rows, $bytes)",
        {
            "id": input_file_id,
            "version": number,
            "file_name": scanned.path.name,
            "role": role,
            "sha256": scanned.sha256,
            "rows": rows,
            "bytes": scanned.size,
        },
    ).fetchall()
    return input_file_id


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    number: int,
    role: str,
    path: Path,
    today: dt.date,
    progress: ProgressFn | None,
    refuse_seen_bytes: bool,
) -> list[Problem]:
    scanned = scan_bytes(path, progress)
    if scanned.problems:
        return scanned.problems
    name = _display(path)
    if refuse_seen_bytes:
        seen = con.execute(
            "select file_name, version from input_files where sha256 = $sha256 "
            "order by version limit 1",
            {"sha256": scanned.sha256},
        ).fetchall()
        if seen:
            seen = seen[0]
            return [
                Problem(
                    name,
                    1,
                    "-",
                    f"duplicate batch: these exact bytes were already ingested as {seen[0]} "
                    f"in data version {seen[1]}",
                )
            ]
    if progress:
        progress("validate", 0, 1)
    problems, line_map = _stage(con, role, scanned)
    if line_map is None:
        return problems
    problems += _check_rows(con, role, line_map, name, today)
    if problems:
        return problems
    if progress:
        progress("load", 0, 1)
    _load(con, role, _record_input(con, number, role, scanned, line_map.rows), line_map)
    return []


def find_input(data_dir: Path, role: str) -> Path | None:
    for suffix in (".csv", ".parquet") if role == "observations" else (".csv",):
        path = data_dir / f"{role}{suffix}"
        if path.exists():
            return path
    return None


def build(
    data_dir: Path,
    store: Path,
    *,
    today: dt.date | None = None,
    progress: ProgressFn | None = None,
    wait_seconds: float = 0.0,
) -> int:
    """Publish a fresh version from every input file in ``data_dir``; returns its number."""
    today = today or dt.date.today()
    inputs: dict[str, Path] = {}
    missing = []
    for role in ROLES:
        path = find_input(data_dir, role)
        if path is not None:
            inputs[role] = path
        elif role in REQUIRED_ROLES:
            missing.append(Problem(str(data_dir / f"{role}.csv"), 1, "-", "required file missing"))
    if missing:
        raise Rejected(missing)

    def stage(con: duckdb.DuckDBPyConnection, number: int) -> None:
        con.execute(store_mod.sql_text("staging"))
        problems: list[Problem] = []
        for role, path in inputs.items():
            problems += _ingest_file(con, number, role, path, today, progress, False)
        if problems:
            raise Rejected(problems)

    return store_mod.publish(store, stage, action="build", fresh=True, wait_seconds=wait_seconds)


def ingest(
    path: Path,
    store: Path,
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    wait_seconds: float = 0.0,
) -> int | None:
    """Validate an observations file and publish it appended to the current version.

    Returns the new version number (None for a dry run, which validates and publishes nothing).
    """
    today = today or dt.date.today()
    store_mod.resolve_version(store)  # fail early and clearly when nothing was built yet

    class DryRunDone(Exception):
        pass

    def stage(con: duckdb.DuckDBPyConnection, number: int) -> None:
        con.execute(store_mod.sql_text("staging"))
        problems = _ingest_file(con, number, "observations", path, today, progress, True)
        if problems:
            raise Rejected(problems)
        if dry_run:
            raise DryRunDone

    try:
        return store_mod.publish(store, stage, action="ingest", wait_seconds=wait_seconds)
    except DryRunDone:
        return None
