"""Full exports stream: the job's file equals the in-memory export of the same rows, byte for
byte; it is written whole or not at all; the server's export slots are bounded."""

from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from shelfwatch import exports, queries, store
from shelfwatch.export_jobs import ExportJob, ExportsBusy, export_slot

GENERATED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
EVIDENCE_PARAMS = {
    "retailers": None,
    "brands": None,
    "parents": None,
    "lists": None,
    "statuses": None,
    "source_kinds": None,
    "confidences": None,
    "start": None,
    "end": dt.date(2025, 10, 29),
    "q": None,
    "max_rows": None,
    "skip_rows": None,
}
STATUS_PARAMS = {
    "as_of": dt.date(2021, 11, 30),
    "retailers": None,
    "brands": None,
    "statuses": None,
    "parents": None,
    "lists": None,
    "any_claim": False,
    "stale_after": 365,
    "max_rows": None,
    "skip_rows": None,
}


def job_for(seed_store: Path, query: str, params: dict) -> ExportJob:
    version = store.resolve_version(seed_store)
    return ExportJob(
        version_file=version.path,
        query=query,
        params=params,
        data_version=version.number,
        as_of=dt.date(2025, 10, 29),
        filters={"view": query},
    )


@pytest.mark.parametrize("fmt", exports.FORMATS)
@pytest.mark.parametrize(
    ("query", "params"),
    [("explorer_observations", EVIDENCE_PARAMS), ("status_as_of", STATUS_PARAMS)],
)
def test_streamed_export_equals_the_in_memory_one(seed_store, seed_con, fmt, query, params):
    job = job_for(seed_store, query, params)
    out = io.BytesIO()
    rows = job.write(fmt, out, GENERATED)
    frame = queries.run_query(seed_con, query, params)
    assert rows == len(frame) >= 10
    assert out.getvalue() == exports.export_bytes(frame, job.provenance(GENERATED), fmt)


def test_many_batches_stream_in_order(seed_store, monkeypatch):
    monkeypatch.setattr(queries, "BATCH_ROWS", 7)  # the seed's rows in many small batches
    job = job_for(seed_store, "explorer_observations", EVIDENCE_PARAMS)
    small = io.BytesIO()
    job.write("csv", small, GENERATED)
    monkeypatch.setattr(queries, "BATCH_ROWS", 65_536)
    whole = io.BytesIO()
    job.write("csv", whole, GENERATED)
    assert small.getvalue() == whole.getvalue()
    _, back = exports.read_csv_export(small.getvalue())
    assert len(back) > 7 * 3


@pytest.mark.parametrize("max_rows", [None, 1, 10, 11])
def test_a_date_ordered_query_streams_by_day_ranges_in_the_same_order(
    seed_con, monkeypatch, max_rows
):
    # Ranges of a few observations each: many ranges, some days alone in theirs.
    monkeypatch.setattr(queries, "RANGE_ROWS", 3)
    params = {**EVIDENCE_PARAMS, "start": dt.date(2021, 1, 1), "max_rows": max_rows}
    ranges = queries.day_ranges(seed_con, params["start"], params["end"])
    assert len(ranges) > 3
    assert all(oldest <= newest for oldest, newest in ranges)
    assert all(newer[0] > older[1] for newer, older in zip(ranges, ranges[1:], strict=False))
    monkeypatch.setattr(queries, "BATCH_ROWS", 2)
    with queries.stream_query(seed_con, "explorer_observations", params) as batches:
        streamed = batches.read_all()
    whole = queries.run_query(seed_con, "explorer_observations", params)
    assert len(whole) == max_rows if max_rows else len(whole) > 11
    assert queries.to_frame(streamed).equals(whole)


def test_an_empty_date_ordered_stream_still_has_its_columns(seed_con):
    params = {**EVIDENCE_PARAMS, "start": dt.date(2030, 1, 1), "end": dt.date(2030, 12, 31)}
    with queries.stream_query(seed_con, "explorer_observations", params) as batches:
        table = batches.read_all()
    assert table.num_rows == 0
    assert table.schema.names == list(queries.run_query(seed_con, "explorer_observations", params))


def test_a_failure_while_reading_ahead_reaches_the_writer() -> None:
    schema = pa.schema([("quote", pa.string()), ("source_url", pa.string())])

    def failing():
        yield pa.record_batch([pa.array(["a"]), pa.array(["u"])], schema=schema)
        raise duckdb.OutOfMemoryException("out of memory")

    reader = pa.RecordBatchReader.from_batches(schema, failing())
    provenance = exports.Provenance(1, None, {}, GENERATED)
    with pytest.raises(duckdb.OutOfMemoryException):
        exports.write_export(reader, provenance, "csv", io.BytesIO())


def test_a_failed_export_leaves_nothing(seed_store, tmp_path, monkeypatch):
    target = tmp_path / "export.xlsx"
    target.write_bytes(b"the previous file")
    monkeypatch.setattr(exports, "_XLSX_MAX_ROWS", 5)
    job = job_for(seed_store, "explorer_observations", EVIDENCE_PARAMS)
    with pytest.raises(exports.TooManyRows, match="export CSV or Parquet instead"):
        job.write_file("xlsx", target)
    assert target.read_bytes() == b"the previous file"
    assert [p.name for p in tmp_path.iterdir()] == ["export.xlsx"]


def test_xlsx_cuts_an_overlong_cell_visibly() -> None:
    frame = pd.DataFrame({"quote": ["x" * 40_000, "short"], "source_url": ["u", "u"]})
    provenance = exports.Provenance(1, None, {}, GENERATED)
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(frame, provenance)))
    cell = book["Data"]["A2"].value
    assert len(cell) == 32_767 and cell.endswith("[…cut: longer than an Excel cell holds]")
    assert book["Data"]["A3"].value == "short"
    notes = [row[1].value for row in book["About"].iter_rows() if row[1].value]
    assert any(note.startswith("1 cell(s) held more than Excel's 32,767") for note in notes)


def test_export_slots_are_bounded() -> None:
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with export_slot():
            held.set()
            release.wait(10)

    threads = []
    from shelfwatch import export_jobs

    for _ in range(export_jobs.MAX_CONCURRENT_EXPORTS):
        held.clear()
        thread = threading.Thread(target=hold)
        thread.start()
        held.wait(10)
        threads.append(thread)
    with pytest.raises(ExportsBusy, match="try again"), export_slot():
        pass
    release.set()
    for thread in threads:
        thread.join()
    with export_slot():  # free again
        pass
