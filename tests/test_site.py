"""The page registry is the one list of pages: app.py, the tests and the benchmark read it."""

from __future__ import annotations

import re
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
def test_a_page_shows_the_heading_the_registry_gives(spec: site.PageSpec) -> None:
    text = (PROJECT / spec.script).read_text(encoding="utf-8")
    assert re.findall(r'^st\.title\("([^"]+)"\)', text, flags=re.MULTILINE) == [spec.heading]


def test_the_benchmark_times_the_registered_pages() -> None:
    assert bench_pages.registered_pages() == [spec.script for spec in site.PAGES]


def test_an_unknown_address_is_refused() -> None:
    assert site.page("explore").script == "pages/explore.py"
    with pytest.raises(KeyError, match="no page at /nowhere"):
        site.page("nowhere")
