"""The page registry is the one list of pages: app.py, the tests and the benchmark read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import pages as bench_pages
from shelfwatch import site

PROJECT = Path(__file__).resolve().parent.parent


def test_every_page_script_is_registered_once() -> None:
    scripts = sorted(f"pages/{path.name}" for path in (PROJECT / "pages").glob("*.py"))
    assert sorted(spec.script for spec in site.PAGES) == scripts
    assert len({spec.url_path for spec in site.PAGES}) == len(site.PAGES)


@pytest.mark.parametrize("spec", site.PAGES, ids=lambda spec: spec.url_path)
def test_a_page_leaves_its_frame_to_the_frame(spec: site.PageSpec) -> None:
    # Heading, notices, ending early and the permalink belong to shelfwatch.ui.context's frame
    # (tests/test_app_frame.py shows it drawn); a page that drew them itself would drift.
    text = (PROJECT / spec.script).read_text(encoding="utf-8")
    for drawn_by_the_frame in ("st.title(", "st.stop(", "show_notices", "show_permalink"):
        assert drawn_by_the_frame not in text, f"{spec.script} calls {drawn_by_the_frame}"
    assert text.count("context.current()") == 1


def test_the_benchmark_times_the_registered_pages() -> None:
    assert bench_pages.registered_pages() == [spec.script for spec in site.PAGES]


def test_an_unknown_address_is_refused() -> None:
    assert site.page("explore").script == "pages/explore.py"
    with pytest.raises(KeyError, match="no page at /nowhere"):
        site.page("nowhere")
