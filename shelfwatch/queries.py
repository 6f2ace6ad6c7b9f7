"""The query catalog: one DuckDB query per ``queries/*.sql`` file, the file name is its name.

Queries take ``$named`` parameters only; values are bound by DuckDB, never spliced into text.
Each run uses its own cursor so one read-only connection can serve many threads.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

if TYPE_CHECKING:
    # Imported where a frame is built: a streamed export needs no pandas (half a second).
    import pandas as pd

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
_PARAMETER = re.compile(r"(?<![:$\w])\$([a-z_][a-z0-9_]*)")


class QueryCatalogError(Exception):
    """The catalog on disk is broken (duplicate or unknown query names)."""


def load_catalog(directory: Path = QUERY_DIR) -> dict[str, str]:
    """Every query by name. Fails on two files that would share a name (e.g. case only)."""
    catalog: dict[str, str] = {}
    for path in sorted(directory.glob("*.sql")):
        name = path.stem.lower()
        if name in catalog:
            raise QueryCatalogError(f"duplicate query name {name!r} in {directory}")
        catalog[name] = path.read_text(encoding="utf-8")
    return catalog


@cache
def catalog() -> dict[str, str]:
    return load_catalog()


def query_text(name: str) -> str:
    try:
        return catalog()[name]
    except KeyError:
        raise QueryCatalogError(f"no query named {name!r} in {QUERY_DIR}") from None


def header_of(sql: str) -> str:
    """The query's leading ``--`` comment block, its contract, without the comment marks."""
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[3:] if line.startswith("-- ") else line[2:])
    return "\n".join(lines).strip()


CATALOG_DOC = QUERY_DIR.parent / "docs" / "queries.md"
_DOC_START, _DOC_END = "<!-- catalog:start -->", "<!-- catalog:end -->"


def catalog_markdown(directory: Path = QUERY_DIR) -> str:
    """The catalog section of docs/queries.md, generated from every query's header."""
    parts = []
    for name, sql in load_catalog(directory).items():
        parts.append(f"### `{name}`\n\n```text\n{header_of(sql)}\n```\n")
    return "\n".join(parts)


def write_catalog_doc(path: Path = CATALOG_DOC) -> bool:
    """Regenerate the catalog section of ``path`` in place; True if it changed."""
    text = path.read_text(encoding="utf-8")
    start = text.index(_DOC_START) + len(_DOC_START)
    end = text.index(_DOC_END)
    new = text[:start] + "\n" + catalog_markdown() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def documented_catalog(path: Path = CATALOG_DOC) -> str:
    """The catalog section as docs/queries.md holds it now."""
    text = path.read_text(encoding="utf-8")
    return text[text.index(_DOC_START) + len(_DOC_START) : text.index(_DOC_END)].strip()


def parameters_of(sql: str) -> set[str]:
    """The ``$names`` a query takes (comments excluded)."""
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return set(_PARAMETER.findall(code))


def normalise(value: object) -> object:
    """Empty filters mean "no filter": bind them as NULL so the SQL's ``IS NULL`` branch applies."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(value) if value else None
    if value == "":
        return None
    return value


def _bound(name: str, params: Mapping[str, object] | None) -> tuple[str, dict[str, object]]:
    sql = query_text(name)
    wanted = parameters_of(sql)
    given = dict(params or {})
    missing = wanted - given.keys()
    extra = given.keys() - wanted
    if missing or extra:
        raise TypeError(
            f"query {name!r} takes {sorted(wanted)}; missing {sorted(missing)}, "
            f"unexpected {sorted(extra)}"
        )
    return sql, {key: normalise(value) for key, value in given.items()}


def run_query(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, object] | None = None
) -> pd.DataFrame:
    """Run catalog query ``name``; every parameter it declares must be given (None = no filter)."""
    return to_frame(run_query_arrow(con, name, params))


def run_query_arrow(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, object] | None = None
) -> pa.Table:
    """:func:`run_query` as an Arrow table, for callers that need no DataFrame."""
    sql, bound = _bound(name, params)
    cursor = con.cursor()
    try:
        return cursor.sql(sql, params=bound or None).to_arrow_table()
    finally:
        cursor.close()


# Rows per record batch of a streamed result: big enough for vectorised writing, small enough
# that a batch of wide evidence rows stays in the tens of megabytes.
BATCH_ROWS = 32_768


# Queries whose rows come newest effective date first, with the parameters that bound that
# date. Streamed, they run one range of days at a time: DuckDB then sorts a range in memory
# instead of the whole result (at 10M evidence rows a sort of ~4 GB that spills to disk and
# took half the export's time); a range's rows are all older than the previous range's.
_STREAMED_BY_DAYS: dict[str, tuple[str, str]] = {"explorer_observations": ("start", "end")}
# Observations per range: sorted in tens of megabytes, and few enough ranges that planning
# each one costs little (41 ranges at 10M).
RANGE_ROWS = 250_000


def day_ranges(
    con: duckdb.DuckDBPyConnection, start: object, end: object, rows: int | None = None
) -> list[tuple[object, object]]:
    """Newest first, ``(first_day, last_day)`` ranges of effective dates within ``start`` and
    ``end`` that each hold at most ``rows`` (:data:`RANGE_ROWS`) observations, or one day."""
    rows = rows or RANGE_ROWS
    days = run_query_arrow(con, "observation_days", {"start": start, "end": end})
    ranges: list[tuple[object, object]] = []
    newest = oldest = None
    held = 0
    dates = days.column("effective_on").to_pylist()
    for day, count in zip(dates, days.column("observations").to_pylist(), strict=True):
        if newest is not None and held + count > rows:
            ranges.append((oldest, newest))
            newest, held = None, 0
        if newest is None:
            newest = day
        oldest = day
        held += int(count)
    if newest is not None:
        ranges.append((oldest, newest))
    return ranges


@contextmanager
def stream_query(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, object] | None = None
) -> Iterator[pa.RecordBatchReader]:
    """Catalog query ``name`` as a stream of Arrow record batches (for full exports): DuckDB
    produces them as they are read, so the whole result is never in Python's memory."""
    sql, bound = _bound(name, params)
    keys = _STREAMED_BY_DAYS.get(name)
    ranges = day_ranges(con, bound[keys[0]], bound[keys[1]]) if keys else []
    cursor = con.cursor()
    try:
        if not ranges:  # one run (also what gives an empty result its columns)
            yield cursor.sql(sql, params=bound or None).to_arrow_reader(BATCH_ROWS)
            return
        assert keys is not None  # ranges come only from a query streamed by days
        first = cursor.sql(sql, params=_in_range(bound, keys, ranges[0])).to_arrow_reader(
            BATCH_ROWS
        )
        batches = _ranged(con, sql, bound, keys, ranges, first)
        try:
            yield pa.RecordBatchReader.from_batches(first.schema, batches)
        finally:
            batches.close()
    finally:
        cursor.close()


def _in_range(
    bound: Mapping[str, object], keys: tuple[str, str], days: tuple[object, object]
) -> dict[str, object]:
    return {**bound, keys[0]: days[0], keys[1]: days[1]}


def _ranged(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    bound: Mapping[str, object],
    keys: tuple[str, str],
    ranges: list[tuple[object, object]],
    first: pa.RecordBatchReader,
) -> Generator[pa.RecordBatch]:
    # $max_rows, where the query takes it, caps the rows of all ranges together: each range
    # is run with what is left of it.
    left = bound.get("max_rows")
    for number, days in enumerate(ranges):
        cursor = None
        reader = first
        if number:
            params = _in_range(bound, keys, days)
            if left is not None:
                params["max_rows"] = left
            cursor = con.cursor()
            reader = cursor.sql(sql, params=params).to_arrow_reader(BATCH_ROWS)
        try:
            for batch in reader:
                if left is not None:
                    left -= batch.num_rows
                yield batch
                if left == 0:
                    return
        finally:
            reader.close()
            if cursor is not None:
                cursor.close()


@cache
def _nullable() -> dict[pa.DataType, object]:
    """Nullable pandas types for columns that hold NULLs, as DuckDB's own ``.df()`` gives them."""
    import pandas as pd

    return {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.uint8(): pd.UInt8Dtype(),
        pa.uint16(): pd.UInt16Dtype(),
        pa.uint32(): pd.UInt32Dtype(),
        pa.uint64(): pd.UInt64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A query result as the DataFrame DuckDB's ``.df()`` would give, built from Arrow.

    Arrow → pandas is a bulk copy; ``.df()`` builds large string results value by value
    (1.5 s for the 833k-row status of every pair at 10M, 0.1–0.3 s this way). Dates become
    ``datetime64[us]`` and integer/boolean columns with NULLs nullable dtypes, as with ``.df()``.
    """
    import pandas as pd

    nullable = _nullable()
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_date(kind):
            columns[name] = column.to_pandas(date_as_object=False).astype("datetime64[us]")
        elif column.null_count and kind in nullable:
            columns[name] = column.to_pandas(types_mapper=nullable.get)
        else:
            columns[name] = column.to_pandas()
    return pd.DataFrame(columns, columns=table.column_names)


if __name__ == "__main__":  # `make docs`: regenerate docs/queries.md from the SQL headers
    print("docs/queries.md", "updated" if write_catalog_doc() else "already up to date")
