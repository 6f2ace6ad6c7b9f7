"""Helpers of the chart image and evidence pack tests: Chromium or a skip, the Overview's two
figures from a store, and the text an SVG image shows.

Without Chromium the tests that draw skip on a developer machine and fail in CI (``CI=true``),
as the browser tests do (tests/browser/conftest.py). Every test in a process shares one kaleido
server: :mod:`shelfwatch.images` starts it on the first image and keeps it.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import duckdb
import plotly.graph_objects as go
import pytest

from shelfwatch import charts, images, queries

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TOP = 25  # the Overview's default "most active" count


def require_chromium() -> None:
    if images.chromium_path() is not None:
        return
    reason = "no Chromium for kaleido (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, where image tests must run, never skip", pytrace=False)
    pytest.skip(reason)


def overview_figures(con: duckdb.DuckDBPyConnection) -> tuple[go.Figure, go.Figure]:
    """The Overview's status grid and coverage chart on the latest date, as the page builds
    them: the most active retailers and brands, every event."""
    bounds = queries.run_query(con, "data_bounds").iloc[0]
    retailer_ids = queries.run_query(con, "most_active_retailers", {"max_rows": TOP})
    brand_ids = queries.run_query(con, "most_active_brands", {"max_rows": TOP})
    names = {
        "retailer": dict(queries.run_query(con, "retailers")[["retailer_id", "name"]].values),
        "brand": dict(queries.run_query(con, "brands")[["brand_id", "name"]].values),
    }
    retailers = sorted((i, names["retailer"][i]) for i in retailer_ids["retailer_id"])
    brands = sorted((i, names["brand"][i]) for i in brand_ids["brand_id"])
    statuses = queries.run_query(
        con,
        "status_grid",
        {
            "as_of": bounds["last_date"],
            "retailers": [i for i, _ in retailers],
            "brands": [i for i, _ in brands],
            "stale_after": 365,
            "any_claim": False,
        },
    )
    grid = charts.status_heatmap(statuses, retailers, brands)
    coverage = queries.run_query(
        con,
        "coverage_over_time",
        {"grain": "month", "start": None, "end": None, "brands": [i for i, _ in brands]},
    )
    events = queries.run_query(con, "events", {"start": None, "end": None, "kinds": None})
    return grid, charts.coverage_chart(coverage, events)


def svg_text(data: bytes) -> list[str]:
    """The text of every ``<text>`` element of an SVG image, tspans joined, entities read."""
    root = ET.fromstring(data)
    return ["".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the PNG's IHDR chunk."""
    assert data.startswith(PNG_SIGNATURE), data[:16]
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
