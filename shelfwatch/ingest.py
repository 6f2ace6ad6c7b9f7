"""Read and validate input files; publish them as a new store version or not at all.

Every problem is reported as ``FILE:LINE:COLUMN: what is wrong``. LINE counts the header as
line 1 and every line break (LF, CRLF or a lone CR) as one, whatever the row's quoted fields
hold; for Parquet it is the row number plus one, as if there were a header line. Files are
read by DuckDB's own readers as text, checked by the SQL in ``shelfwatch/sql/validate_*.sql``
and only then inserted, so a 10-million-row file is validated without a Python loop per row.
At most :data:`PROBLEM_CAP` problems are kept (the first in file order) with the count of all
of them, so a file of a million bad rows costs no more memory than one of a thousand.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import os
import stat
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import duckdb
import numpy as np
import pyarrow as pa

from shelfwatch import featured, vocab
from shelfwatch import store as store_mod
from shelfwatch.store import StoreError

if TYPE_CHECKING:
    from shelfwatch.diff import VersionDiff

# Input files of a build, in load order (references point backwards).
ROLES = (
    "retailers",
    "brands",
    "companies",
    "ownership",
    "designations",
    "events",
    "observations",
    "views",
)
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
    "views": ("title", "page", "params", "note"),
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
    "views": ("title",),
    "observations": ("retailer_id", "brand_id", "status", "effective_on", "source_url"),
}


# How many problems a rejection lists: the first ones in file order, then the total count.
PROBLEM_CAP = 1_000
# The longest row a file may hold, in bytes: DuckDB's CSV reader refuses longer lines (this is
# its default, stated so the reader is told it) and Parquet rows are held to the same.
MAX_RECORD_BYTES = 2_000_000

# Bytes read at a time. Small on purpose: each chunk is copied a few times on its way (the
# line carried over, the UTF-8 check), and with 16 MiB chunks glibc's heap fragmented into
# 0.8 GiB of resident memory while scanning a 1.4 GB file, held for the rest of the build;
# with 1 MiB chunks it stays under 0.1 GiB, and the scan is no slower.
_CHUNK = 1024 * 1024
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


class Problems:
    """The first ``cap`` problems in file order, and how many there were in all.

    Files keep the order they were noted in (the load order); within a file, line order.
    Memory stays bounded whatever the input: at most twice ``cap`` problems are ever held.
    """

    def __init__(self, cap: int = PROBLEM_CAP) -> None:
        self.cap = cap
        self.total = 0
        self._kept: list[Problem] = []
        self._files: dict[str, int] = {}

    def note_file(self, name: str) -> None:
        self._files.setdefault(name, len(self._files))

    def _key(self, problem: Problem) -> tuple:
        return (self._files.setdefault(problem.file, len(self._files)), problem)

    def add(self, problem: Problem) -> None:
        self.total += 1
        self._kept.append(problem)
        if len(self._kept) >= 2 * self.cap:
            self._trim()

    def add_all(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def count_unlisted(self, count: int) -> None:
        """Problems counted where they were found (in SQL) but beyond the first ``cap`` of
        their source, so never among the first ``cap`` of the file."""
        self.total += count

    def merge(self, other: Problems) -> None:
        self.add_all(other.listed)
        self.count_unlisted(other.total - len(other.listed))

    def _trim(self) -> None:
        self._kept.sort(key=self._key)
        del self._kept[self.cap :]

    @property
    def listed(self) -> list[Problem]:
        self._trim()
        return list(self._kept)

    def __bool__(self) -> bool:
        return self.total > 0


class Rejected(Exception):
    """Input refused; nothing was published. ``problems``: the first ones, ``total``: all."""

    def __init__(self, problems: Problems | Iterable[Problem]):
        if not isinstance(problems, Problems):
            collected = Problems()
            collected.add_all(problems)
            problems = collected
        self.problems = problems.listed
        self.total = problems.total
        super().__init__(f"{self.total} problem(s) in the input")


# StoreError subclasses: every caller that reports a store error in one line reports these.
class InputUnusable(StoreError):
    """An input path that is not a readable regular file, refused before it is read."""


class PublishFailed(StoreError):
    """The new version could not be written (disk full, read-only store, out of memory)."""


@dataclass
class ScannedFile:
    """What one pass over the raw bytes learned before DuckDB reads the file."""

    path: Path  # as given: problems carry its name
    read_path: Path  # what DuckDB reads: the file, or a copy of it with every line break LF
    sha256: str
    size: int
    lines: int  # lines of read_path (a last line without a line break counts)
    parquet: bool


def _display(path: Path) -> str:
    return str(path)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


_NOT_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path: Path, mode: int) -> InputUnusable:
    kind = next((what for test, what in _NOT_REGULAR if test(mode)), "not a regular file")
    return InputUnusable(
        f"{path} is {kind}, not a regular file: give the path of a CSV or Parquet file"
    )


def check_input_file(path: Path) -> None:
    """Refuse what is not a readable regular file by its metadata alone, before opening it:
    a FIFO would block the reader for ever and /dev/zero never ends."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputUnusable(f"{path} does not exist: check the path and try again") from None
    except OSError as exc:
        raise InputUnusable(f"cannot read {path}: {exc.strerror}; check it and try again") from None
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)


def _open_input(path: Path) -> BinaryIO:
    check_input_file(path)
    try:
        # Non-blocking: should a FIFO replace the file after the check, opening cannot hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except PermissionError:
        raise InputUnusable(
            f"cannot read {path}: permission denied; make it readable (chmod u+r) and try again"
        ) from None
    except OSError as exc:
        raise InputUnusable(f"cannot read {path}: {exc.strerror}; check it and try again") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _not_regular(path, mode)
    return open(fd, "rb")  # noqa: SIM115 - the caller's with block closes it


class _LfCopy:
    """A temporary copy of a CSV with every line break LF, started at its first CR: DuckDB's
    reader cannot read mixed line endings (or a lone CR beside LFs)."""

    def __init__(self, source: BinaryIO, upto: int, name: str) -> None:
        self._name = name
        try:
            self._handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by close()
                prefix="shelfwatch-", suffix=".csv", delete=False
            )
        except OSError as exc:
            raise self._failed(exc) from None
        self.path = Path(self._handle.name)
        offset = 0
        while offset < upto:  # nothing before the first CR changes: copy it as it is
            block = os.pread(source.fileno(), min(_CHUNK, upto - offset), offset)
            if not block:
                break
            self.write(block)
            offset += len(block)

    def write(self, data: bytes) -> None:
        try:
            self._handle.write(data)
        except OSError as exc:
            self.discard()
            raise self._failed(exc) from None

    def _failed(self, exc: OSError) -> PublishFailed:
        return PublishFailed(
            f"cannot write a copy of {self._name} with its line breaks made LF in "
            f"{tempfile.gettempdir()} ({exc.strerror}): free disk space there (or set TMPDIR "
            "to another folder) and try again; nothing was published"
        )

    def close(self) -> None:
        self._handle.close()

    def discard(self) -> None:
        self._handle.close()
        self.path.unlink(missing_ok=True)


def scan_bytes(
    path: Path, problems: Problems, progress: ProgressFn | None = None
) -> ScannedFile | None:
    """Hash the file and refuse what DuckDB should never see: empty, binary, not UTF-8.

    Line breaks are made LF on the way (in a temporary copy, only for a file that has a CR),
    and every line count below is of that text. None when the file was refused."""
    digest = hashlib.sha256()
    name = _display(path)
    parquet = _is_parquet(path)
    found = Problems(problems.cap)  # this file's, replaced by one line if it turns out binary
    binary: Problem | None = None
    size = emitted = newlines = 0
    last_byte = b""
    carry = b""  # an incomplete last line, checked with the next chunk
    held = b""  # a CR ending a chunk: the next chunk says whether it was CRLF
    line_base = 1
    copy: _LfCopy | None = None
    try:
        with _open_input(path) as handle:
            total = os.fstat(handle.fileno()).st_size
            while True:
                try:
                    chunk = handle.read(_CHUNK)
                except OSError as exc:
                    raise InputUnusable(f"cannot read {path}: {exc.strerror}") from None
                digest.update(chunk)
                size += len(chunk)
                if progress and chunk:
                    progress("scan", size, total)
                if parquet:
                    if not chunk:
                        break
                    continue
                data, held = held + chunk, b""
                if chunk and data.endswith(b"\r"):
                    data, held = data[:-1], b"\r"
                if b"\r" in data:
                    if copy is None:
                        copy = _LfCopy(handle, emitted, name)
                    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                emitted += len(data)  # of the original bytes only while there is no copy
                if copy is not None:
                    copy.write(data)
                if data:
                    newlines += data.count(b"\n")
                    last_byte = data[-1:]
                if binary is None:
                    text = carry + data
                    cut = text.rfind(b"\n") + 1 if chunk else len(text)
                    complete, carry = text[:cut], text[cut:]
                    binary = _text_problems(name, complete, line_base, found)
                    line_base += complete.count(b"\n")
                if not chunk or binary is not None:
                    break
    except BaseException:
        if copy is not None:
            copy.discard()
        raise
    if copy is not None:
        copy.close()
    if binary is not None:
        problems.add(binary)  # one NUL means the whole file is not text: say it once
    else:
        problems.merge(found)
    if size == 0:
        problems.add(Problem(name, 1, "-", "empty file: no header and no rows"))
    if binary is not None or found or size == 0:
        if copy is not None:
            copy.discard()
        return None
    lines = newlines + (0 if last_byte == b"\n" else 1)
    read_path = copy.path if copy is not None else path
    return ScannedFile(path, read_path, digest.hexdigest(), size, lines, parquet)


def _text_problems(name: str, data: bytes, first_line: int, found: Problems) -> Problem | None:
    """Add each line that is not UTF-8 to ``found``; a NUL byte instead returns its one
    problem (the file is binary) and stops."""
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
            return None
        except UnicodeDecodeError:
            pass
    # Slow path, only for bad input: find every offending line (one at a time, never a list
    # of all the lines of the chunk).
    start, number = 0, first_line
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        line = data[start:end]
        if b"\x00" in line:
            return Problem(name, number, "-", "binary content (NUL byte): not a text CSV")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            found.add(
                Problem(
                    name,
                    number,
                    "-",
                    f"bytes that are not UTF-8 at byte {exc.start + 1} of the line "
                    "(save the file as UTF-8)",
                )
            )
        start, number = end + 1, number + 1
    return None


def _lines_at(path: Path, offsets: list[int]) -> list[int]:
    """The line (1 = first) of each byte offset, ascending, by one pass over the file."""
    lines = []
    with open(path, "rb") as handle:
        start, before, block = 0, 0, handle.read(_CHUNK)
        for offset in offsets:
            while block and offset >= start + len(block):
                before += block.count(b"\n")
                start += len(block)
                block = handle.read(_CHUNK)
            lines.append(before + block.count(b"\n", 0, max(offset - start, 0)) + 1)
    return lines


class LineMap:
    """Maps a staged row (0-based, file order) to the line its record starts on.

    Cheap when every record is one line; otherwise (quoted line breaks, blank lines, rows
    DuckDB rejected) one csv pass records where each accepted record starts, in an 8-byte
    array per row. A rejected record is the one whose lines hold the reader's error.
    """

    def __init__(self, scanned: ScannedFile, rows: int, rejected_lines: list[int]):
        self._scanned = scanned
        self.rows = rows
        self.simple = scanned.parquet or (not rejected_lines and scanned.lines == rows + 1)
        self._rejected = sorted(rejected_lines)
        self._starts: array | None = None

    def line(self, row: int) -> int:
        if self.simple:
            return row + 2
        starts = self.starts()
        return starts[row] if row < len(starts) else row + 2

    def line_numbers(self) -> np.ndarray:
        """Every row's line, as one int64 array."""
        lines = np.arange(2, self.rows + 2, dtype=np.int64)
        if not self.simple:
            starts = np.frombuffer(self.starts(), dtype=np.int64)[: self.rows]
            lines[: len(starts)] = starts
        return lines

    def starts(self) -> array:
        if self._starts is None:
            self._starts = self._record_starts()
        return self._starts

    def _record_starts(self) -> array:
        # Rows past a reject beyond the first PROBLEM_CAP (whose lines are not known) may map
        # wrong; no problem after those is ever listed, and such a file is never loaded.
        csv.field_size_limit(max(csv.field_size_limit(), sys.maxsize))
        starts = array("q")
        rejected = iter(self._rejected)
        next_rejected = next(rejected, None)
        with open(self._scanned.read_path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            end = 0
            try:
                for record in reader:
                    start, end = end + 1, reader.line_num
                    while next_rejected is not None and next_rejected < start:
                        next_rejected = next(rejected, None)
                    if next_rejected is not None and next_rejected <= end:
                        continue  # a row DuckDB rejected
                    if start == 1 or not record:
                        continue  # the header, a blank line
                    starts.append(start)
            except csv.Error:
                pass  # what DuckDB read ends here too
        return starts


def _read_header(path: Path) -> list[str]:
    with open(path, "rb") as handle:
        first = handle.readline(MAX_RECORD_BYTES + 1)
    text = first.decode("utf-8-sig").rstrip("\n")
    return next(csv.reader([text]), [])


def _header_problems(name: str, role: str, header: list[str]) -> list[Problem]:
    problems = []
    expected = COLUMNS[role]
    seen: set[str] = set()
    for number, column in enumerate(header, start=1):
        if not column.strip():
            problems.append(Problem(name, 1, f"field {number}", "column without a name"))
        elif column in seen:
            problems.append(Problem(name, 1, column, "column named twice in the header"))
        elif column not in expected:
            problems.append(
                Problem(name, 1, column, f"unknown column (expected: {', '.join(expected)})")
            )
        seen.add(column)
    for column in REQUIRED_COLUMNS[role]:
        if column not in header:
            problems.append(Problem(name, 1, column, "missing required column"))
    return problems


def _stage(
    con: duckdb.DuckDBPyConnection, role: str, scanned: ScannedFile, problems: Problems
) -> LineMap | None:
    """Read the file into temp table ``staged``: all text, every column, file order.

    None when nothing can be checked row by row (the header is wrong, the file unreadable)."""
    name = _display(scanned.path)
    path = str(scanned.read_path)
    con.execute("drop view if exists staged")
    con.execute("drop table if exists staged_raw")
    con.execute("drop table if exists reject_errors")
    con.execute("drop table if exists reject_scans")
    if scanned.parquet:
        try:
            con.execute(
                "create temp table staged_raw as "
                "select columns(*)::varchar from read_parquet($path)",
                {"path": path},
            )
        except duckdb.Error as exc:
            problems.add(Problem(name, 1, "-", f"cannot read the file: {_first_line(exc)}"))
            return None
        header = [row[0] for row in con.execute("describe staged_raw").fetchall()]
    else:
        header = _read_header(scanned.read_path)
    header_problems = _header_problems(name, role, header)
    if header_problems:
        problems.add_all(header_problems)
        return None

    rejected_lines: list[int] = []
    if not scanned.parquet:
        try:
            # The header is read above, not sniffed: sniffing fails on a file whose first rows
            # are odd and says only "Error when sniffing file".
            con.execute(
                """
                create temp table staged_raw as
                select * from read_csv($path, header = true, auto_detect = false,
                                       columns = $columns, delim = ',', quote = '"',
                                       escape = '"', strict_mode = true,
                                       max_line_size = $max_line_size, store_rejects = true)
                """,
                {
                    "path": path,
                    "columns": {column: "VARCHAR" for column in header},
                    "max_line_size": MAX_RECORD_BYTES,
                },
            )
        except duckdb.Error as exc:
            problems.add(Problem(name, 1, "-", f"cannot read the file: {_first_line(exc)}"))
            return None
        rejected_lines = _rejects(con, scanned, header, problems)

    for column in COLUMNS[role]:
        if column not in header:
            con.execute(_ADD_COLUMN[column])
    # A view, not a copy: row ids inside an open transaction start at an offset but follow
    # insertion (= file) order, so _row is the 0-based record number.
    con.execute(
        "create temp view staged as "
        "select rowid - (select min(rowid) from staged_raw) as _row, * from staged_raw"
    )
    rows = con.execute("select count(*) from staged").fetchall()[0][0]
    if rows == 0 and not rejected_lines:
        problems.add(Problem(name, 2, "-", "empty file: a header but no rows"))
    return LineMap(scanned, rows, rejected_lines)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _rejects(
    con: duckdb.DuckDBPyConnection, scanned: ScannedFile, header: list[str], problems: Problems
) -> list[int]:
    """Add the rows DuckDB's reader refused; returns their lines (the first PROBLEM_CAP)."""
    found = con.execute(store_mod.sql_text("staged_rejects"), {"limit": problems.cap}).fetchall()
    if not found:
        return []
    # The reader's byte offset points just past the faulty byte: its line is the row's.
    lines = _lines_at(scanned.read_path, [max(int(row[0]) - 1, 0) for row in found])
    name = _display(scanned.path)
    for line, (_, column, kind, message, _total) in zip(lines, found, strict=True):
        if kind == "TOO MANY COLUMNS":
            column = f"field {len(header) + 1}"
        problems.add(Problem(name, line, column or "-", _reject_message(kind, message)))
    problems.count_unlisted(int(found[0][4]) - len(found))
    return lines


def _reject_message(error_type: str, message: str) -> str:
    message = " ".join(message.split())
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        return f"ragged row: {message}"
    if error_type == "LINE SIZE OVER MAXIMUM":
        return f"row longer than the {MAX_RECORD_BYTES:,} bytes a row may hold: {message}"
    return f"unreadable row ({error_type.lower()}): {message}"


def _collect(
    con: duckdb.DuckDBPyConnection,
    query: str,
    params: dict[str, object],
    line_map: LineMap,
    name: str,
    problems: Problems,
) -> None:
    """Run one validate_* query; list its first problems (it returns them in file order) and
    count the rest batch by batch, never holding them all."""
    reader = con.sql(store_mod.sql_text(query), params=params).to_arrow_reader(problems.cap)
    listed = 0
    for batch in reader:
        take = min(problems.cap - listed, batch.num_rows)
        for found in batch.slice(0, take).to_pylist():
            message = found["message"]
            if found["other_row"] is not None:
                message = f"{message} (same as line {line_map.line(int(found['other_row']))})"
            problems.add(
                Problem(name, line_map.line(int(found["_row"])), found["column_name"], message)
            )
        listed += take
        problems.count_unlisted(batch.num_rows - take)


def _check_rows(
    con: duckdb.DuckDBPyConnection,
    role: str,
    scanned: ScannedFile,
    line_map: LineMap,
    today: dt.date,
    problems: Problems,
) -> None:
    name = _display(scanned.path)
    if scanned.parquet:
        _collect(
            con,
            "validate_parquet",
            {"max_record_bytes": MAX_RECORD_BYTES},
            line_map,
            name,
            problems,
        )
    if role == "views":
        _check_views(con, line_map, name, today, problems)
        return
    params: dict[str, object] = {"today": today, "earliest": vocab.EARLIEST_INPUT_DATE}
    _collect(con, f"validate_{role}", params, line_map, name, problems)


def _check_views(
    con: duckdb.DuckDBPyConnection,
    line_map: LineMap,
    name: str,
    today: dt.date,
    problems: Problems,
) -> None:
    # A featured view is a link: the URL parser the pages use checks it, against the ids this
    # build loaded (views load last), so a view never opens on an "ignored" notice.
    rows = [
        dict(zip(("title", "page", "params", "note"), row, strict=True))
        for row in con.execute(
            "select title, page, params, note from staged order by _row limit $limit",
            {"limit": featured.MAX_VIEWS + 1},
        ).fetchall()
    ]
    known = {
        "retailer": _ids(con, "select retailer_id from retailers"),
        "brand": _ids(con, "select brand_id from brands"),
        "parent": _ids(con, "select company_id from companies"),
        "list": _ids(con, "select distinct list from designations"),
        "status": vocab.STATUS_NAMES,
        "kind": vocab.SOURCE_KIND_NAMES,
        "confidence": vocab.CONFIDENCE_NAMES,
    }
    for row, column, message, other in featured.problems(rows, known, today):
        if other is not None:
            message = f"{message} (same as line {line_map.line(other)})"
        problems.add(Problem(name, line_map.line(row), column, message))


def _ids(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [row[0] for row in con.execute(sql).fetchall()]


def _load(con: duckdb.DuckDBPyConnection, role: str, input_file_id: int, line_map: LineMap) -> None:
    if role != "observations":
        con.execute(store_mod.sql_text(f"load_{role}"))
        return
    con.execute("create or replace temp table staged_lines (_row bigint, line_no bigint)")
    if not line_map.simple:
        lines = pa.table(
            {
                "_row": pa.array(np.arange(line_map.rows, dtype=np.int64)),
                "line_no": pa.array(line_map.line_numbers()),
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
        "insert into input_files (input_file_id, version, file_name, role, sha256, rows, bytes) "
        "values ($id, $version, $file_name, $role, $sha256, $rows, $bytes)",
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


def _seen_bytes(con: duckdb.DuckDBPyConnection, scanned: ScannedFile) -> Problem | None:
    seen = con.execute(
        "select file_name, version from input_files where sha256 = $sha256 "
        "order by version, input_file_id limit 1",
        {"sha256": scanned.sha256},
    ).fetchall()
    if not seen:
        return None
    return Problem(
        _display(scanned.path),
        1,
        "-",
        f"duplicate batch: these exact bytes were already ingested as {seen[0][0]} "
        f"in data version {seen[0][1]}",
    )


def _seen_rows(
    con: duckdb.DuckDBPyConnection, scanned: ScannedFile, input_file_id: int, rows: int
) -> Problem | None:
    seen = con.execute(
        """
        select file_name, version from input_files
        where content_sha256 = (select content_sha256 from input_files where input_file_id = $id)
          and input_file_id <> $id
        order by version, input_file_id limit 1
        """,
        {"id": input_file_id},
    ).fetchall()
    if not seen:
        return None
    return Problem(
        _display(scanned.path),
        1,
        "-",
        f"duplicate batch: the same {rows:,} observations were already ingested as "
        f"{seen[0][0]} in data version {seen[0][1]} (whatever their line endings, order, "
        "column order or file format)",
    )


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    number: int,
    role: str,
    path: Path,
    today: dt.date,
    progress: ProgressFn | None,
    problems: Problems,
    refuse_duplicates: bool,
) -> None:
    """Validate one file and load it; its problems go to ``problems`` (nothing loaded then)."""
    problems.note_file(_display(path))
    before = problems.total
    with store_mod.log_phase(f"scan {role}"):
        scanned = scan_bytes(path, problems, progress)
    if scanned is None:
        return
    try:
        if refuse_duplicates and (duplicate := _seen_bytes(con, scanned)):
            problems.add(duplicate)
            return
        if progress:
            progress("validate", 0, 1)
        with store_mod.log_phase(f"read {role}"):
            line_map = _stage(con, role, scanned, problems)
        if line_map is None:
            return
        with store_mod.log_phase(f"validate {role}"):
            _check_rows(con, role, scanned, line_map, today, problems)
        if problems.total > before:
            return
        if progress:
            progress("load", 0, 1)
        with store_mod.log_phase(f"load {role}"):
            input_file_id = _record_input(con, number, role, scanned, line_map.rows)
            _load(con, role, input_file_id, line_map)
        if role == "observations":
            # Also fills the batches of versions published before fingerprints existed.
            with store_mod.log_phase("fingerprint observations"):
                con.execute(store_mod.sql_text("fingerprint_observations"))
            if refuse_duplicates and (
                duplicate := _seen_rows(con, scanned, input_file_id, line_map.rows)
            ):
                problems.add(duplicate)
    finally:
        if scanned.read_path != scanned.path:
            scanned.read_path.unlink(missing_ok=True)


def find_input(data_dir: Path, role: str) -> Path | None:
    for suffix in (".csv", ".parquet") if role == "observations" else (".csv",):
        path = data_dir / f"{role}{suffix}"
        if os.path.lexists(path):
            return path
    return None


def _write_failure(store: Path, code: int | None, detail: str) -> str:
    if code in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"no space left in {store} to publish a new version ({detail}): free disk space "
            "there and try again; nothing was published"
        )
    if code == errno.EROFS:
        return (
            f"store {store} is on a read-only file system ({detail}): make it writable or pass "
            "--store with a writable folder, then try again; nothing was published"
        )
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"cannot write in store {store} ({detail}): give this user write access to it or "
            "pass --store with a writable folder, then try again; nothing was published"
        )
    return (
        f"could not write the new version in {store} ({detail}): check the disk and try "
        "again; nothing was published"
    )


# How DuckDB names the system's errors in its messages (it gives no errno).
_DUCKDB_ERRNO = (
    ("No space left on device", errno.ENOSPC),
    ("Disk quota exceeded", errno.EDQUOT),
    ("Read-only file system", errno.EROFS),
    ("Permission denied", errno.EACCES),
)


def _publish(store: Path, stage: store_mod.Stage, **options: object) -> int:
    """``store.publish``, with a failure to write the new version said in one line."""
    try:
        return store_mod.publish(store, stage, **options)  # type: ignore[arg-type]
    except OSError as exc:
        detail = exc.strerror or str(exc)
        if exc.filename and exc.errno not in (errno.ENOSPC, errno.EDQUOT):  # the disk is named
            detail = f"{detail}: {exc.filename}"
        raise PublishFailed(_write_failure(store, exc.errno, detail)) from None
    except duckdb.OutOfMemoryException as exc:
        limit = getattr(store_mod, "PUBLISH_MEMORY_LIMIT", None)
        limit_note = f" (now {limit})" if limit else ""
        raise PublishFailed(
            f"DuckDB ran out of memory publishing into {store} ({_first_line(exc)}): close "
            f"other programs or raise SHELFWATCH_PUBLISH_MEMORY_LIMIT{limit_note}, then try "
            "again; nothing was published"
        ) from None
    except (duckdb.IOException, duckdb.FatalException) as exc:
        detail = _first_line(exc)
        code = next((number for text, number in _DUCKDB_ERRNO if text in detail), None)
        raise PublishFailed(_write_failure(store, code, detail)) from None


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
            check_input_file(path)
            inputs[role] = path
        elif role in REQUIRED_ROLES:
            missing.append(Problem(str(data_dir / f"{role}.csv"), 1, "-", "required file missing"))
    if missing:
        raise Rejected(missing)

    def stage(con: duckdb.DuckDBPyConnection, number: int) -> None:
        con.execute(store_mod.sql_text("staging"))
        problems = Problems()
        for role, path in inputs.items():
            _ingest_file(con, number, role, path, today, progress, problems, False)
        if problems:
            raise Rejected(problems)

    return _publish(store, stage, action="build", fresh=True, wait_seconds=wait_seconds)


# What an ingest may add to the current version: anything but featured views (editorial
# links, published with a build of data/).
INGEST_ROLES = tuple(role for role in ROLES if role != "views")


class VersionMoved(StoreError):
    """Another version was published after the one a preview was made against."""


def _ingest_stage(
    path: Path,
    role: str,
    today: dt.date,
    progress: ProgressFn | None,
    expect_version: int | None = None,
) -> store_mod.Stage:
    if role not in INGEST_ROLES:
        raise InputUnusable(f"cannot ingest {role!r}: choose one of {', '.join(INGEST_ROLES)}")

    def stage(con: duckdb.DuckDBPyConnection, number: int) -> None:
        # Checked under the writer lock: what was previewed is what gets published.
        if expect_version is not None and number - 1 != expect_version:
            raise VersionMoved(
                f"data version {number - 1} was published after the preview (against version "
                f"{expect_version}): preview again to see what this file changes now; nothing "
                "was published"
            )
        con.execute(store_mod.sql_text("staging"))
        problems = Problems()
        _ingest_file(con, number, role, path, today, progress, problems, True)
        if problems:
            raise Rejected(problems)

    return stage


def ingest(
    path: Path,
    store: Path,
    *,
    role: str = "observations",
    today: dt.date | None = None,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    wait_seconds: float = 0.0,
    editor: str | None = None,
    note: str | None = None,
    expect_version: int | None = None,
) -> int | None:
    """Validate a file of one role (observations by default) and publish it appended to the
    current version; ``editor`` and ``note`` are recorded with the version.

    ``expect_version``: publish only on top of that version (else :class:`VersionMoved`).
    Returns the new version number (None for a dry run, which validates and publishes nothing).
    """
    today = today or dt.date.today()
    check_input_file(path)
    store_mod.resolve_version(store)  # fail early and clearly when nothing was built yet
    validate = _ingest_stage(path, role, today, progress, expect_version)

    class DryRunDone(Exception):
        pass

    def stage(con: duckdb.DuckDBPyConnection, number: int) -> None:
        validate(con, number)
        if dry_run:
            raise DryRunDone

    try:
        return _publish(
            store, stage, action="ingest", wait_seconds=wait_seconds, editor=editor, note=note
        )
    except DryRunDone:
        return None


def preview(
    path: Path,
    store: Path,
    *,
    role: str = "observations",
    today: dt.date | None = None,
    wait_seconds: float = 0.0,
    stale_after: int = vocab.STALE_AFTER_DAYS,
) -> VersionDiff:
    """What ingesting ``path`` would change, as of ``today``: the file is validated exactly as
    :func:`ingest` does (:class:`Rejected` the same way), the next version is drafted and
    compared with the current one, and nothing is published."""
    from shelfwatch import diff  # pandas: not for the command line's streaming paths

    today = today or dt.date.today()
    check_input_file(path)
    store_mod.resolve_version(store)
    stage = _ingest_stage(path, role, today, None)
    try:
        return diff.of_draft(
            store,
            stage,
            action="ingest",
            as_of=today,
            stale_after=stale_after,
            wait_seconds=wait_seconds,
        )
    except (OSError, duckdb.OutOfMemoryException, duckdb.IOException) as exc:
        raise PublishFailed(f"could not draft the preview in {store}: {exc}") from None
