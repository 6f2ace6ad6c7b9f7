"""Chart images drawn by kaleido: the Overview's status grid and coverage chart from the seed
store as valid PNGs, and as SVGs whose text carries the citation.

One kaleido server serves the whole session (shelfwatch.images starts it on the first image);
without Chromium the drawing tests skip, in CI they fail (tests/imaging.py).
"""

from __future__ import annotations

import datetime as dt
import time

import plotly.graph_objects as go
import pytest

from shelfwatch import images, store
from shelfwatch.citations import ChartCitation, cite, credit_line
from tests.imaging import PNG_SIGNATURE, overview_figures, png_size, require_chromium, svg_text

PERMALINK = "http://localhost:8501/overview?as_of=2025-10-29&v=1"


@pytest.fixture(scope="module")
def cited(seed_store):
    """The seed's status grid and coverage chart, cited as the Overview cites them."""
    require_chromium()
    con = store.open_version(seed_store)
    try:
        grid, coverage = overview_figures(con)
    finally:
        con.close()
    citation = ChartCitation(
        "Who sells what on 2025-10-29", dt.date(2025, 10, 29), "top=25", 1, PERMALINK
    )
    return {"grid": cite(grid, citation), "coverage": cite(coverage, citation)}


@pytest.mark.parametrize("chart", ["grid", "coverage"])
def test_a_png_is_a_png_of_the_layout_size_at_twice_the_pixels(cited, chart):
    data = images.render(cited[chart], "png")
    assert data.startswith(PNG_SIGNATURE)
    width, height = png_size(data)
    layout = cited[chart].layout
    assert (width, height) == (layout.width * images.PNG_SCALE, layout.height * images.PNG_SCALE)


@pytest.mark.parametrize("chart", ["grid", "coverage"])
def test_the_svg_text_carries_title_date_credit_version_and_permalink(cited, chart):
    data = images.render(cited[chart], "svg")
    shown = svg_text(data)
    joined = "\n".join(shown)
    assert any(credit_line(1) in text for text in shown), shown
    assert "v1" in joined and "As of 2025-10-29" in joined and "top=25" in joined
    assert PERMALINK in joined  # drawn as text, & and all
    assert "Who sells what on 2025-10-29" in shown


def test_images_after_the_first_take_well_under_a_second_or_two(cited):
    images.render(cited["grid"], "svg")  # the server is up
    started = time.perf_counter()
    for fmt in images.FORMATS:
        images.render(cited["coverage"], fmt)
    # ~0.3 s each on the project's 2-core machine; a new browser per image would take ~5 s.
    assert (time.perf_counter() - started) / 2 < 2.5


def test_a_chart_image_is_written_whole_under_its_citable_name(cited, seed_store, tmp_path):
    require_chromium()
    con = store.open_version(seed_store)
    try:
        grid, _ = overview_figures(con)
    finally:
        con.close()
    before = grid.to_json()
    image = images.ChartImage(
        lambda: grid, ChartCitation("Status grid", dt.date(2025, 10, 29), "", 1, None)
    )
    assert image.file_name("svg") == "shelfwatch-status-grid-v1-2025-10-29.svg"
    target = tmp_path / image.file_name("png")
    size = image.write_file("png", target)
    assert target.read_bytes().startswith(PNG_SIGNATURE) and target.stat().st_size == size
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left
    assert grid.to_json() == before
    with pytest.raises(ValueError, match="unknown image format"):
        image.file_name("pdf")


# --- without drawing: what happens when kaleido cannot --------------------------------------


def test_without_chromium_an_image_fails_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(images._renderer, "started", False)
    monkeypatch.setattr(images, "chromium_path", lambda: None)
    with pytest.raises(images.ChromiumMissing, match="apt-get install chromium"):
        images.render(cite(go.Figure(), _citation()), "png")


def test_a_renderer_that_stops_answering_is_not_asked_again(monkeypatch):
    # Kaleido's sync call never returns once its server thread has died: the caller gives up
    # after RENDER_TIMEOUT, and later images fail at once instead of queuing behind it.
    import kaleido

    monkeypatch.setattr(images._renderer, "started", True)
    monkeypatch.setattr(images._renderer, "broken", False)
    monkeypatch.setattr(images, "RENDER_TIMEOUT", 0.2)
    monkeypatch.setattr(kaleido, "calc_fig_sync", lambda *args, **kwargs: time.sleep(2))
    figure = cite(go.Figure(), _citation())
    with pytest.raises(images.ImageFailed, match="took more than"):
        images.render(figure, "svg")
    started = time.perf_counter()
    with pytest.raises(images.ImageFailed, match="restart the server"):
        images.render(figure, "svg")
    assert time.perf_counter() - started < 0.1


def test_an_idle_renderer_is_stopped_and_a_busy_one_is_not(monkeypatch):
    # Its Chromium holds about half a gigabyte: stopped after IDLE_SECONDS without an image.
    import kaleido

    stopped = []
    monkeypatch.setattr(kaleido, "stop_sync_server", lambda **kwargs: stopped.append(kwargs))
    monkeypatch.setattr(images._renderer, "started", True)
    monkeypatch.setattr(images._renderer, "broken", False)
    monkeypatch.setattr(images, "IDLE_SECONDS", 60.0)
    monkeypatch.setattr(images._renderer, "last_used", time.monotonic())
    images._stop_if_idle()
    assert stopped == [] and images._renderer.started  # drew an image a moment ago
    monkeypatch.setattr(images._renderer, "last_used", time.monotonic() - 61)
    images._stop_if_idle()
    assert len(stopped) == 1 and not images._renderer.started  # the next image starts it again


def test_image_slots_refuse_one_too_many():
    held = [images.image_slot() for _ in range(images.MAX_CONCURRENT_IMAGES)]
    for slot in held:
        slot.__enter__()
    try:
        with pytest.raises(images.ImagesBusy, match="try again"), images.image_slot():
            pass
    finally:
        for slot in held:
            slot.__exit__(None, None, None)
    with images.image_slot():
        pass


def _citation() -> ChartCitation:
    return ChartCitation("Chart", None, "", 1, None)
