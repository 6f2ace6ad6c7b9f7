"""The page registry is the one list of pages: app.py, the tests and the benchmark read it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bench import app_driver as harness
from bench import pages as bench_pages
from shelfwatch import featured, site

PROJECT = Path(__file__).resolve().parent.parent


def test_every_page_script_is_registered_once() -> None:
    scripts = sorted(f"pages/{path.name}" for path in (PROJECT / "pages").glob("*.py"))
    assert sorted(spec.script for spec in site.ALL_PAGES) == scripts
    assert len({spec.url_path for spec in site.ALL_PAGES}) == len(site.ALL_PAGES)


def test_readers_and_editors_pages_are_apart() -> None:
    # PAGES is what anyone may open; the editors' pages come after them, in their own list.
    assert (*site.PAGES, *site.EDITOR_PAGES) == site.ALL_PAGES
    assert not any(spec.editor for spec in site.PAGES)
    assert all(spec.editor for spec in site.EDITOR_PAGES)
    assert site.HOME in site.PAGES
    contribute = site.page("contribute")
    assert contribute in site.EDITOR_PAGES and site.ALL_PAGES[-1] == contribute
    assert (contribute.script, contribute.menu_title, contribute.heading) == (
        "pages/contribute.py",
        "Contribute",
        "Contribute",
    )
    assert contribute.icon == ":material/edit_note:" and not contribute.permalink


def test_a_featured_view_cannot_open_an_editor_page() -> None:
    rows = [{"title": "Upload", "page": "contribute", "params": "", "note": ""}]
    found = featured.problems(rows, {}, today=dt.date(2026, 1, 1))
    assert [(column, row) for row, column, _, _ in found] == [("page", 0)]


@pytest.mark.parametrize("spec", site.ALL_PAGES, ids=lambda spec: spec.url_path)
def test_a_page_leaves_its_frame_to_the_frame(spec: site.PageSpec) -> None:
    # Heading, notices, ending early and the permalink belong to shelfwatch.ui.context's frame
    # (tests/test_app_frame.py shows it drawn); a page that drew them itself would drift.
    text = (PROJECT / spec.script).read_text(encoding="utf-8")
    for drawn_by_the_frame in ("st.title(", "st.stop(", "show_notices", "show_permalink"):
        assert drawn_by_the_frame not in text, f"{spec.script} calls {drawn_by_the_frame}"
    assert text.count("context.current()") == 1


def test_the_benchmark_times_the_readers_pages() -> None:
    assert bench_pages.registered_pages() == [spec.script for spec in site.PAGES]
    assert "pages/contribute.py" not in bench_pages.registered_pages()
    # The browser checks open every reader's page, anonymously.
    assert list(harness.PAGE_TITLES) == [spec.url_path for spec in site.PAGES]


def test_an_unknown_address_is_refused() -> None:
    assert site.page("explore").script == "pages/explore.py"
    assert site.page("contribute").editor
    with pytest.raises(KeyError, match="no page at /nowhere"):
        site.page("nowhere")
