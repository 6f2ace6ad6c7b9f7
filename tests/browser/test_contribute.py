"""An editor publishes from the browser, a reader sees it: the whole of issue 12's path, on a
real `streamlit run` server with sign-in against the local OpenID provider (tests/oidc.py), in
Chromium, on a copy of the seed store of its own (this test publishes into it).

The editor signs in, uploads a file with two bad rows and sees both located (file, line,
column), uploads the fixed file, sees the preview naming the changed pair, publishes with a
note; an anonymous reader in another browser context sees Costco's Lorex status change on their
next click; the Data & method page shows the editor, the note and the diff.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import app_driver as harness
from bench.app_driver import open_page
from shelfwatch import store
from tests import oidc
from tests.browser.test_sign_in import NAV
from tests.oidc import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:oidc_provider_mock.*"),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()
HEADER = "retailer_id,brand_id,status,effective_on,source_url,source_kind,confidence\n"
BAD = (
    HEADER
    + f"costco,lorex,gone,{DAY},https://www.costco.com/lorex.html,listing_check,high\n"
    + f"costco,nobody,removed,{DAY},https://www.costco.com/x.html,listing_check,high\n"
)
FIXED = (
    HEADER + f"costco,lorex,removed,{DAY},https://www.costco.com/lorex.html,listing_check,high\n"
)
NOTE = "Checked Costco's site: Lorex cameras no longer listed"


@pytest.fixture(scope="module")
def contribute_server(
    seed_store: Path, oidc_provider: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("contribute")
    store_dir = folder / "store"
    shutil.copytree(seed_store, store_dir)
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    secrets = oidc.write_secrets(
        folder / "secrets.toml", app_base=base, provider_base=oidc_provider
    )
    log = harness.LOGS / "contribute-server.log"
    with harness.streamlit_server(store_dir, log, port=port, secrets=secrets) as started:
        assert started == base
        yield base, store_dir


def upload(page, name: str, text: str) -> None:
    field = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    harness.act(
        page,
        lambda: field.set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
        ),
    )
    page.wait_for_function(
        "() => !document.body.innerText.includes('Checking the file')", timeout=60_000
    )
    harness.wait_idle(page)


def grid_rows(page, column: str) -> list[dict[str, str]]:
    """The records of the first grid with ``column``."""
    for grid in harness.data_grids(page):
        if column in grid["columns"]:
            return harness.grid_records(grid)
    raise AssertionError(f"no table with a {column!r} column: {harness.data_grids(page)}")


def test_an_editor_publishes_and_a_reader_sees_it(new_tab, contribute_server):
    base, store_dir = contribute_server
    reader = new_tab()
    open_page(reader.page, f"{base}/overview?brand=lorex")
    assert harness.grid_statuses(reader.page)[("Costco", "Lorex")][0] == "stocked"

    editor = new_tab()
    page = editor.page
    sign_in(page, base, oidc.EDITOR)
    harness.act(page, lambda: page.locator(NAV).get_by_text("Contribute", exact=True).click())
    assert harness.main_title(page) == "Contribute"

    upload(page, "costco-check.csv", BAD)
    text = harness.page_texts(page)
    assert "2 problem(s) in the file" in text and "Nothing was published" in text
    problems = grid_rows(page, "What is wrong")
    assert [(p["File"], p["Line"], p["Column"]) for p in problems] == [
        ("costco-check.csv", "2", "status"),
        ("costco-check.csv", "3", "brand_id"),
    ]
    assert store.current_version(store_dir) == 1
    assert not any(store_dir.joinpath(".incoming").iterdir())  # the rejected file is gone

    upload(page, "costco-check-fixed.csv", FIXED)
    assert "Preview: what publishing it would change" in harness.page_texts(page)
    (change,) = grid_rows(page, "Before")
    assert (change["Retailer"], change["Brand"], change["Change"]) == ("Costco", "Lorex", "added")
    assert change["After"].endswith("Removed")
    if os.environ.get("SHELFWATCH_SCREENSHOTS"):
        harness.save_screenshot(page, SCREENSHOTS / "contribute.png")
    assert store.current_version(store_dir) == 1

    note = page.get_by_label(re.compile("^Note \\(required\\)"))
    harness.act(page, lambda: note.fill(NOTE))
    harness.act(page, lambda: page.get_by_role("button", name="Publish", exact=True).click())
    assert "as data version 2" in harness.page_texts(page)
    assert store.current_version(store_dir) == 2

    # The reader's next click (here: the menu's Overview) reads the new version.
    harness.act(
        reader.page,
        lambda: reader.page.locator(NAV).get_by_text("Overview", exact=True).click(),
    )
    assert harness.grid_statuses(reader.page)[("Costco", "Lorex")][0] == "removed"
    assert "Data version 2" in harness.page_texts(reader.page) or "version 2" in (
        harness.page_texts(reader.page)
    )

    open_page(page, f"{base}/data")
    text = harness.page_texts(page)
    assert "editor@example.com" in text and NOTE in text
    transitions = grid_rows(page, "Before")
    assert [(t["Retailer"], t["Brand"], t["Change"]) for t in transitions] == [
        ("Costco", "Lorex", "added")
    ]
    assert not harness.problems(page), harness.problems(page)
    assert not editor.dialogs and not reader.dialogs
