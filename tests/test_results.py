"""The app's shared results cache (shelfwatch.results): bounded in bytes, least recently used
out first, a big result never kept, a kept frame never changed by what a caller does."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from shelfwatch import queries
from shelfwatch.results import ResultCache


def table(rows: int, width: int = 8) -> pa.Table:
    return pa.table({"text": ["x" * width] * rows, "n": list(range(rows))})


def test_a_hit_is_served_from_memory_and_counted():
    cache = ResultCache(max_bytes=10_000, max_entry_bytes=5_000)
    calls = []

    def compute() -> pa.Table:
        calls.append(1)
        return table(10)

    first = cache.get("a", compute, queries.to_frame)
    second = cache.get("a", compute, queries.to_frame)
    assert len(calls) == 1 and (cache.hits, cache.misses) == (1, 1)
    pd.testing.assert_frame_equal(first, second)


def test_the_cache_never_holds_more_than_its_bytes():
    one = table(50).nbytes
    cache = ResultCache(max_bytes=3 * one, max_entry_bytes=one)
    for key in "abcde":
        cache.get(key, lambda: table(50), queries.to_frame)
        assert cache.bytes_held <= 3 * one
    assert len(cache) == 3
    cache.get("c", lambda: table(50), queries.to_frame)  # c is now the most recent
    cache.get("f", lambda: table(50), queries.to_frame)
    hits = cache.hits
    cache.get("c", lambda: table(50), queries.to_frame)
    assert cache.hits == hits + 1  # c stayed; the least recently used (d) went
    misses = cache.misses
    cache.get("d", lambda: table(50), queries.to_frame)
    assert cache.misses == misses + 1


def test_a_result_too_big_to_keep_is_returned_and_not_kept():
    cache = ResultCache(max_bytes=100_000, max_entry_bytes=100)
    frame = cache.get("big", lambda: table(1_000), queries.to_frame)
    assert len(frame) == 1_000 and len(cache) == 0 and cache.bytes_held == 0
    assert cache.too_big == 1


def test_what_a_caller_does_to_its_frame_never_reaches_the_kept_one():
    cache = ResultCache(max_bytes=100_000, max_entry_bytes=50_000)
    mine = cache.get("k", lambda: table(5), queries.to_frame)
    mine["n"] = -1
    mine.loc[0, "text"] = "changed"
    del mine["text"]
    again = cache.get("k", lambda: table(5), queries.to_frame)
    assert list(again["n"]) == [0, 1, 2, 3, 4] and again.loc[0, "text"] == "xxxxxxxx"
