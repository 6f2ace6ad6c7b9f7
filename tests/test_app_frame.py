"""The page frame: a data version that cannot be read ends every page with a message, never a
traceback — here the version file is removed under a running app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from shelfwatch import site, store

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
    st.cache_resource.clear()
    at.run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any("Could not read the published data (v000001.duckdb)" in m for m in messages)
