"""A full export as a job: which catalog query on which version file, and its provenance.

The command line and the app's download route both run an :class:`ExportJob`: the query
streams Arrow record batches out of DuckDB into one of :mod:`shelfwatch.exports`' writers,
which writes them to a temporary file beside the target, renamed into place only when
complete. Memory stays bounded by a batch (and DuckDB's own reader limit, beyond which it
spills), whatever the number of rows; nothing half-written is ever left under the target name.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from shelfwatch import exports, queries, store

# Full exports at once per server: each holds a DuckDB scan and a batch, and writes a file;
# one more is refused with "busy, try again" rather than queued behind the others.
MAX_CONCURRENT_EXPORTS = int(os.environ.get("SHELFWATCH_MAX_EXPORTS", "2"))
_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_EXPORTS)


class ExportsBusy(Exception):
    """Every export slot of this server is taken."""

    def __init__(self) -> None:
        super().__init__(
            f"the server is already writing {MAX_CONCURRENT_EXPORTS} full downloads; "
            "try again in a minute"
        )


@contextmanager
def export_slot() -> Iterator[None]:
    """Hold one of the server's export slots for the block, or raise :class:`ExportsBusy`."""
    if not _SLOTS.acquire(blocking=False):
        raise ExportsBusy
    try:
        yield
    finally:
        _SLOTS.release()


@dataclass(frozen=True)
class ExportJob:
    """Every row of catalog query ``query`` with ``params`` on one version file."""

    version_file: Path
    query: str
    params: Mapping[str, object]
    data_version: int
    as_of: dt.date | None
    filters: Mapping[str, object] = field(default_factory=dict)
    title: str = exports.DEFAULT_TITLE
    permalink: str | None = None

    def provenance(self, generated_at: dt.datetime | None = None) -> exports.Provenance:
        return exports.Provenance(
            data_version=self.data_version,
            as_of=self.as_of,
            filters=dict(self.filters),
            generated_at=generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
            title=self.title,
            permalink=self.permalink,
        )

    def file_name(self, fmt: str) -> str:
        # Only the time differs between provenances, and the name does not use it.
        return exports.file_name(self.provenance(), fmt)

    def write(self, fmt: str, out: BinaryIO, generated_at: dt.datetime | None = None) -> int:
        """Stream every row into ``out`` in format ``fmt``; returns the number of rows."""
        con = store.connect_reader(self.version_file)
        try:
            with queries.stream_query(con, self.query, self.params) as batches:
                return exports.write_export(batches, self.provenance(generated_at), fmt, out)
        finally:
            con.close()

    def write_file(self, fmt: str, target: Path, generated_at: dt.datetime | None = None) -> int:
        """Write the export to ``target`` whole or not at all (temporary file, then rename)."""
        target = Path(target)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed, not closed, on success
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        )
        try:
            with handle:
                rows = self.write(fmt, cast(BinaryIO, handle), generated_at)
            os.replace(handle.name, target)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return rows
