"""AppTest of the chart image and evidence pack downloads: what the Explore and Overview pages
offer, the PNG and SVG buttons under every chart, and the Shelfwatch server's download route
serving an image and a pack the page registered.

AppTest cannot follow a link or read download bytes: the offered image (``chart_<key>``) and
pack (``pack_<key>``) are read from session state and made by calling them, the same code a
click runs; the route is called directly with the token the page's link carries.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import importlib
import io
import subprocess
import zipfile
from pathlib import Path

import anyio
import plotly.graph_objects as go
import pytest
from starlette.requests import Request
from streamlit.testing.v1 import AppTest

from shelfwatch import exports, images, packs
from shelfwatch.citations import credit_line
from shelfwatch.ui import downloads
from tests.imaging import PNG_SIGNATURE, require_chromium, svg_text
from tests.test_app_explore import run_page

EXPLORE, OVERVIEW = "pages/explore.py", "pages/overview.py"
GENERATED_AT = dt.datetime(2026, 1, 2, 3, 4, 6, tzinfo=dt.UTC)
CHART_PAGES = [
    ("pages/overview.py", {}, ("heatmap", "coverage")),
    ("pages/timeline.py", {}, ("timeline",)),
    ("pages/compare.py", {"start": "2021-10-01"}, ("changes_summary",)),
    ("pages/profiles.py", {}, ("profile_timeline", "profile_ownership")),
    ("pages/profiles.py", {"profile": "retailer"}, ("profile_timeline",)),
]


def buttons(at: AppTest, kind: str = "download_button") -> dict[str, object]:
    return {button.key: button for button in at.get(kind)}


# --- what the pages offer -----------------------------------------------------------------------


def test_explore_offers_an_evidence_pack_of_its_own_export(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, EXPLORE, brand="lorex")
    offer: downloads.Download = at.session_state["download_explore"]
    pack: packs.EvidencePack = at.session_state["pack_explore"]
    assert pack.export == offer.job
    # The coverage chart of the filtered brands, read and built only when the pack is made.
    [(title, chart)] = pack.charts
    assert isinstance(chart, packs.CoverageChart) and chart.brands == ("lorex",)
    assert title == chart.title
    button = buttons(at)["pack_explore_zip"]
    assert not button.proto.disabled and "SHA256SUMS" in button.proto.help
    # The pack's CSV is the page's CSV export, byte for byte (charts left out: no Chromium).
    out = io.BytesIO()
    dataclasses.replace(pack, charts=()).write(out, GENERATED_AT)
    with zipfile.ZipFile(out) as archive:
        csv = archive.read(offer.file_name("csv"))
    assert csv == offer.make_bytes("csv", generated_at=GENERATED_AT)


def test_explore_offers_no_pack_beyond_the_row_cap(monkeypatch, seed_store):
    monkeypatch.setattr(packs, "MAX_PACK_ROWS", 3)
    at = run_page(monkeypatch, seed_store, EXPLORE, view="evidence")
    button = buttons(at)["pack_explore_zip"]
    assert button.proto.disabled
    assert "python -m shelfwatch export" in button.proto.help
    assert not buttons(at)["explore_csv"].proto.disabled  # the full export stays on offer


def test_overview_offers_its_grid_and_coverage_as_images_and_one_pack(monkeypatch, seed_store):
    at = run_page(monkeypatch, seed_store, OVERVIEW)
    offered = buttons(at)
    for key in ("chart_heatmap_png", "chart_heatmap_svg", "chart_coverage_png"):
        assert key in offered
    assert "pack_overview_zip" in offered
    grid: images.ChartImage = at.session_state["chart_heatmap"]
    coverage: images.ChartImage = at.session_state["chart_coverage"]
    assert grid.citation.title.startswith("Who sells what on ")
    assert grid.citation.data_version == 1 and grid.citation.as_of == dt.date(2025, 10, 29)
    assert grid.citation.filters == "top=25"  # no retailer or brand chosen: the most active
    assert grid.citation.permalink and "v=1" in grid.citation.permalink
    assert coverage.citation.title == "How many retailers sell each brand"
    pack: packs.EvidencePack = at.session_state["pack_overview"]
    # The grid's rows: status_as_of for exactly the retailers and brands it shows.
    assert pack.export.query == "status_as_of"
    assert pack.export.title == "Shelfwatch status grid"
    assert set(pack.export.params["brands"]) and set(pack.export.params["retailers"])
    assert [title for title, _ in pack.charts] == [
        grid.citation.title,
        "How many retailers sell each brand",
    ]
    assert pack.charts[0][1] is grid.figure  # the grid as drawn, not drawn again
    out = io.BytesIO()
    dataclasses.replace(pack, charts=()).write(out, GENERATED_AT)
    with zipfile.ZipFile(out) as archive:
        _, rows = exports.read_csv_export(archive.read(pack.export.file_name("csv")))
    assert set(rows["brand_id"]) <= set(pack.export.params["brands"])
    assert len(rows) == len(set(zip(rows["retailer_id"], rows["brand_id"], strict=True)))


@pytest.mark.parametrize(("page", "params", "keys"), CHART_PAGES)
def test_every_chart_offers_png_and_svg_of_a_figure_it_can_build(
    monkeypatch, seed_store, page, params, keys
):
    at = run_page(monkeypatch, seed_store, page, **params)
    offered = buttons(at)
    for key in keys:
        assert {f"chart_{key}_png", f"chart_{key}_svg"} <= set(offered)
        image: images.ChartImage = at.session_state[f"chart_{key}"]
        assert isinstance(images.figure_of(image.figure), go.Figure)  # built on click
        assert image.citation.data_version == 1 and "v=1" in (image.citation.permalink or "")
        assert "PNG" in offered[f"chart_{key}_png"].proto.help


# --- the server's route -------------------------------------------------------------------------


@pytest.fixture
def server(monkeypatch):
    """The Shelfwatch server module, for its route; the pages link to it while a test runs."""
    mounted = downloads.ROUTE_MOUNTED
    module = importlib.import_module("shelfwatch.ui.server")
    downloads.ROUTE_MOUNTED = mounted  # importing it mounts the route for the whole process
    monkeypatch.setattr(downloads, "ROUTE_MOUNTED", True)
    return module


def fetch(server, url: str):
    """What the route answers for a page's download link ``downloads/<token>/<name>``."""
    _, token, name = url.split("/")
    scope = {
        "type": "http",
        "method": "GET",
        "path": f"/{url}",
        "path_params": {"token": token, "name": name},
        "headers": [],
        "query_string": b"",
    }
    # On a thread of its own: in the whole suite Playwright's sync API (the browser tests'
    # session-wide Chromium) keeps an event loop running in the main thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, server.serve_download, Request(scope)).result()


def served(response) -> bytes:
    path = Path(response.path)
    try:
        return path.read_bytes()
    finally:
        path.unlink()


def test_the_route_serves_the_overview_images_and_pack(monkeypatch, seed_store, server, tmp_path):
    require_chromium()
    at = run_page(monkeypatch, seed_store, OVERVIEW)
    links = {button.key: button.proto.url for button in at.get("link_button")}
    svg = fetch(server, links["chart_heatmap_svg"])
    assert svg.status_code == 200 and svg.media_type == "image/svg+xml"
    assert any(credit_line(1) in text for text in svg_text(served(svg)))
    png = fetch(server, links["chart_coverage_png"])
    assert png.media_type == "image/png" and served(png).startswith(PNG_SIGNATURE)
    pack = fetch(server, links["pack_overview_zip"])
    assert pack.status_code == 200 and pack.media_type == "application/zip"
    assert 'filename="shelfwatch-status-grid-v1-' in pack.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(served(pack))) as archive:
        archive.extractall(tmp_path)
        assert sum(name.endswith((".png", ".svg")) for name in archive.namelist()) == 4
    checked = subprocess.run(
        ["sha256sum", "-c", packs.SUMS_FILE], cwd=tmp_path, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_route_says_busy_when_every_image_slot_is_taken(monkeypatch, seed_store, server):
    at = run_page(monkeypatch, seed_store, OVERVIEW)
    links = {button.key: button.proto.url for button in at.get("link_button")}
    held = [images.image_slot() for _ in range(images.MAX_CONCURRENT_IMAGES)]
    for slot in held:
        slot.__enter__()
    try:
        busy = fetch(server, links["chart_heatmap_png"])
    finally:
        for slot in held:
            slot.__exit__(None, None, None)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "30"
    assert b"try again" in busy.body
    gone = fetch(server, "downloads/" + "0" * 32 + "/chart.png")
    assert gone.status_code == 404 and b"expired" in gone.body


def test_the_route_refuses_a_pack_over_the_cap(monkeypatch, seed_store, server):
    monkeypatch.setattr(packs, "MAX_PACK_ROWS", 3)
    monkeypatch.setattr(images, "chromium_path", lambda: "/usr/bin/chromium")  # refused first
    at = run_page(monkeypatch, seed_store, OVERVIEW)
    links = {button.key: button.proto.url for button in at.get("link_button")}
    refused = fetch(server, links["pack_overview_zip"])
    assert refused.status_code == 413
    assert b"python -m shelfwatch export" in refused.body
