"""A store holding hostile values that ingestion would refuse, written straight into a copy.

Ingestion rejects a ``javascript:`` source; the app must still never run or link what a store
holds, however it got there. :func:`make_hostile_store` copies a built store and rewrites its
current version file in place (read-write DuckDB), then rebuilds the derived status tables.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from shelfwatch import store

BRAND_NAME = "<img src=x onerror=alert(1)>"  # lorex's name
RETAILER_NAME = '<a href="javascript:alert(2)">Home Depot</a>'  # home-depot's name
QUOTE = '=HYPERLINK("http://x")'
SOURCE_URL = "javascript:alert(1)"
# The observation both values go into: Home Depot's statement that it removed Lorex, the
# winner of the pair from 2021-10-25, so it is the source of its status on most pages.
OBSERVATION = ("home-depot", "lorex", "2021-10-25", "statement")
# Each page's URL parameters for showing the planted observation (the source of Home Depot ×
# Lorex's status from 2021-10-25) and the renamed retailer and brand.
PAGE_PARAMS = {
    "overview": {"as_of": "2021-11-30", "cell": "home-depot:lorex"},
    "timeline": {"brand": "lorex"},
    "compare": {"start": "2021-10-01", "end": "2021-11-30", "brand": "lorex"},
    "profiles": {"brand": "lorex", "as_of": "2021-10-26"},
    "explore": {"as_of": "2021-10-26", "brand": "lorex"},
    "data": {},
}


def make_hostile_store(source: Path, target: Path) -> Path:
    """Copy the built store ``source`` to ``target`` and plant the hostile values in it."""
    shutil.copytree(source, target)
    path = store.version_path(target, store.current_version(target))
    con = duckdb.connect(str(path))
    try:
        con.execute("update brands set name = $name where brand_id = 'lorex'", {"name": BRAND_NAME})
        con.execute(
            "update retailers set name = $name where retailer_id = 'home-depot'",
            {"name": RETAILER_NAME},
        )
        retailer, brand, day, kind = OBSERVATION
        changed = con.execute(
            """
            update observations set source_url = $url, quote = $quote
            where retailer_id = $retailer and brand_id = $brand and effective_on = $day
              and source_kind = $kind
            returning obs_id
            """,
            {
                "url": SOURCE_URL,
                "quote": QUOTE,
                "retailer": retailer,
                "brand": brand,
                "day": day,
                "kind": kind,
            },
        ).fetchall()
        assert len(changed) == 1, f"expected one observation {OBSERVATION}, got {changed}"
        store.derive_status(con)
        con.execute("checkpoint")
    finally:
        con.close()
    return target
