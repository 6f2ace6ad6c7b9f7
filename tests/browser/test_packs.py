"""Chart images and evidence packs clicked in a real Chromium: the files the route serves are
what the page showed, carry their citation, and the pack checks out with ``sha256sum -c``."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest

from bench import app_driver as harness
from bench.app_driver import open_page
from shelfwatch import exports, packs
from tests.imaging import PNG_SIGNATURE, svg_text

pytestmark = pytest.mark.browser


def test_the_explore_pack_holds_the_rows_the_csv_export_holds(tab, seed_server, tmp_path):
    page = tab.page
    open_page(page, f"{seed_server}/explore?as_of=2021-11-30&brand=lorex")
    _, csv = harness.download(page, "explore_csv")
    name, data = harness.download(page, "pack_explore_zip")
    assert name == "shelfwatch-status-v1-2021-11-30-evidence-pack.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
        names = archive.namelist()
    checked = subprocess.run(
        ["sha256sum", "-c", packs.SUMS_FILE], cwd=tmp_path, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    exported, rows = exports.read_csv_export(csv)
    packed, pack_rows = exports.read_csv_export((tmp_path / names[0]).read_bytes())
    assert pack_rows.equals(rows) and packed["permalink"] == exported["permalink"]
    assert sum(n.endswith((".png", ".svg")) for n in names) == 2  # the coverage chart
    assert "brand=lorex" in packed["filters"]


def test_the_overview_grid_downloads_as_a_cited_image(tab, seed_server):
    page = tab.page
    open_page(page, f"{seed_server}/overview?as_of=2021-11-30")
    name, svg = harness.download(page, "chart_heatmap_svg")
    assert name == "shelfwatch-who-sells-what-on-2021-11-30-v1-2021-11-30.svg"
    shown = "\n".join(svg_text(svg))
    assert "Source: Shelfwatch data v1, CC BY 4.0" in shown and "As of 2021-11-30" in shown
    assert "as_of=2021-11-30" in shown and "v=1" in shown  # the permalink
    _, png = harness.download(page, "chart_coverage_png")
    assert png.startswith(PNG_SIGNATURE)
