"""Shared fixtures: real stores built from text CSV fixtures through the real build path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import settings

from shelfwatch import ingest, store

# Tests check correctness; speed is the benchmark's (bench/). A per-example deadline is a timed
# assertion that fails on a loaded machine (CI, or browser tests running beside): none.
settings.register_profile("shelfwatch", deadline=None)
settings.load_profile("shelfwatch")

FIXTURES = Path(__file__).parent / "fixtures"
MINI_DATA = FIXTURES / "mini"
SEED_DATA = Path(__file__).resolve().parent.parent / "data"
TODAY = dt.date(2026, 11, 29)


def build_store(data_dir: Path, store_dir: Path, today: dt.date = TODAY) -> Path:
    ingest.build(data_dir, store_dir, today=today)
    return store_dir


@pytest.fixture(scope="session")
def mini_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small hand-written fixture (tests/fixtures/mini), built once per session."""
    return build_store(MINI_DATA, tmp_path_factory.mktemp("mini") / "store")


@pytest.fixture(scope="session")
def mini_con(mini_store: Path):
    con = store.open_version(mini_store)
    yield con
    con.close()


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real seed dataset of data/, built once per session."""
    return build_store(SEED_DATA, tmp_path_factory.mktemp("seed") / "store")


@pytest.fixture(scope="session")
def seed_con(seed_store: Path):
    con = store.open_version(seed_store)
    yield con
    con.close()
