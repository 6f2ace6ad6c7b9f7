"""Query results kept for every session of a process, bounded in bytes.

Streamlit's ``st.cache_data`` counts entries, not bytes, and pickles a result on every hit: at
10M one as-of date's status of every pair is 0.16–0.45 GiB, so 512 entries of them could hold
the whole machine, and unpickling cost more than the query. Here a result is kept once, as it
was built, and shared: a hit hands out a shallow copy (pandas' copy-on-write keeps the kept
frame unchanged whatever the caller does with it). The cache holds at most ``max_bytes`` in
all (least recently used go first), and a result bigger than ``max_entry_bytes`` is never kept:
a page that asks for a whole table again pays the query, not the server's memory.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import pandas as pd
import pyarrow as pa

MB = 1024 * 1024
# What the app's sessions share in one process (SHELFWATCH_RESULTS_MB), and the biggest single
# result worth keeping: a few pages of rows and every summary fit; a 10M full table does not.
MAX_BYTES = int(os.environ.get("SHELFWATCH_RESULTS_MB", "256")) * MB
MAX_ENTRY_BYTES = MAX_BYTES // 8


class ResultCache:
    """A least-recently-used map of query results to DataFrames, bounded by their Arrow size."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_entry_bytes: int = MAX_ENTRY_BYTES):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[Hashable, tuple[pd.DataFrame, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = self.too_big = 0

    @property
    def bytes_held(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(
        self,
        key: Hashable,
        compute: Callable[[], pa.Table],
        to_frame: Callable[[pa.Table], pd.DataFrame],
    ) -> pd.DataFrame:
        """The result for ``key``: kept, or ``to_frame(compute())`` (kept if small enough)."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found[0].copy(deep=False)
            self.misses += 1
        # Outside the lock: other sessions' hits never wait for a query.
        table = compute()
        size = table.nbytes
        frame = to_frame(table)
        if size > self.max_entry_bytes:
            with self._lock:
                self.too_big += 1
            return frame
        with self._lock:
            if key not in self._entries:
                self._entries[key] = (frame, size)
                self._bytes += size
                while self._bytes > self.max_bytes and self._entries:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self._bytes -= dropped
        return frame.copy(deep=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
