"""The page frame: a data version that cannot be read ends every page with a message, never a
traceback — here the version file is removed under a running app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from shelfwatch import site, store
from shelfwatch.ui import data

PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("spec", site.PAGES, ids=lambda spec: spec.url_path)
def test_a_removed_version_file_is_a_message_on_every_page(
    monkeypatch, seed_store: Path, tmp_path: Path, spec: site.PageSpec
):
    target = tmp_path / "store"
    shutil.copytree(seed_store, target)
    monkeypatch.setenv("SHELFWATCH_STORE", str(target))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    at.switch_page(spec.script)
    at.run()
    assert not at.exception and not at.error  # the page works first

    store.version_path(target, store.current_version(target)).unlink()
    # As after a restart or once the caches let go of the old handle: nothing cached.
    st.cache_data.clear()
    data.clear_results()
    st.cache_resource.clear()
    at.run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any("Could not read the published data (v000001.duckdb)" in m for m in messages)


@pytest.mark.parametrize("spec", site.PAGES, ids=lambda spec: spec.url_path)
def test_the_frame_draws_heading_notices_and_permalink_once(
    monkeypatch, seed_store: Path, spec: site.PageSpec
):
    monkeypatch.setenv("SHELFWATCH_STORE", str(seed_store))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    at.switch_page(spec.script)
    at.query_params["brand"] = "nonesuch"
    at.query_params["stale"] = "soon"
    at.run()
    assert not at.exception and not at.error
    assert [title.value for title in at.title] == [spec.heading]
    notices = [info.value for info in at.info]
    assert sum("nonesuch" in notice for notice in notices) == 1
    assert sum("stale=" in notice for notice in notices) == 1
    # Rejected values leave the address bar; the permalink is under the page unless it has none.
    assert at.query_params.get("brand") != "nonesuch" and "stale" not in at.query_params
    links = [c.value for c in at.caption if c.value.startswith("Permalink to this exact view")]
    assert len(links) == (1 if spec.permalink else 0)
    if spec.permalink:
        assert "nonesuch" not in at.code[-1].value and "v=1" in at.code[-1].value
