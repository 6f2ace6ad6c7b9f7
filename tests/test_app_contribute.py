"""The Contribute page in AppTest, as a signed-in editor (st.user seeded; the real sign-in is
tests/browser/test_sign_in.py's): one observation typed into the form is checked, previewed and
published with a note by the command line in a process of its own; a retraction likewise; a
busy store is said and loses nothing; the Data & method page shows the editor, note and diff.
File uploads need a browser (AppTest has no file uploader): tests/browser/test_contribute.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shelfwatch import publishing, store
from tests.test_app_auth import EDITOR, SECRETS, open_app, signed_in


@pytest.fixture
def store_dir(seed_store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(seed_store, target)
    return target


def contribute(monkeypatch, store_dir: Path):
    return open_app(
        monkeypatch, store_dir, secrets=SECRETS, user=signed_in(EDITOR), page="pages/contribute.py"
    )


def texts(at, kind: str) -> list[str]:
    return [str(element.value) for element in getattr(at, kind)]


def fill_form(at, *, url: str, status: str = "removed") -> None:
    at.selectbox(key="form_retailer_id").set_value("costco")
    at.selectbox(key="form_brand_id").set_value("lorex")
    at.selectbox(key="form_status").set_value(status)
    at.text_input(key="form_source_url").set_value(url)
    at.text_area(key="form_quote").set_value("Lorex cameras are no longer listed")


def test_an_editor_previews_and_publishes_one_observation(monkeypatch, store_dir):
    at = contribute(monkeypatch, store_dir)
    assert any(text.startswith("Signed in as editor@example") for text in texts(at, "caption"))
    fill_form(at, url="https://www.costco.com/lorex.html")
    at.button(key="FormSubmitter:one_observation-Check and preview").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Preview: what publishing it would change" in texts(at, "subheader")
    preview = at.dataframe[0].value
    assert list(preview["retailer_name"]) == ["Costco"] and list(preview["brand_name"]) == ["Lorex"]
    assert preview["after"].iloc[0].endswith("Removed")
    assert store.current_version(store_dir) == 1  # nothing published yet
    at.button(key="contribute_form_publish").click().run()
    assert "write a one-line note" in " ".join(texts(at, "error")).replace("\\", "")
    assert store.current_version(store_dir) == 1
    at.text_input(key="contribute_form_note").set_value("Checked Costco's site")
    at.button(key="contribute_form_publish").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("as data version 2" in text for text in texts(at, "success"))
    with store.open_version(store_dir) as con:
        editor, note = con.execute(
            "select editor, note from version_info where version = 2"
        ).fetchall()[0]
        (file_name,) = con.execute(
            "select file_name from input_files where version = 2"
        ).fetchall()[0]
    assert (editor, note, file_name) == (EDITOR, "Checked Costco's site", "observation-form.csv")
    assert not any(publishing.incoming_dir(store_dir).iterdir())  # the upload is gone


def test_a_bad_observation_is_located_and_nothing_is_published(monkeypatch, store_dir):
    at = contribute(monkeypatch, store_dir)
    fill_form(at, url="javascript:alert(1)")
    at.button(key="FormSubmitter:one_observation-Check and preview").click().run()
    assert any("Nothing was published" in text for text in texts(at, "error"))
    problems = at.dataframe[0].value
    assert list(problems[["file", "line", "column"]].itertuples(index=False, name=None)) == [
        ("observation-form.csv", 2, "source_url")
    ]
    assert store.current_version(store_dir) == 1


def test_a_busy_store_is_said_and_the_file_and_note_are_kept(monkeypatch, store_dir):
    at = contribute(monkeypatch, store_dir)
    fill_form(at, url="https://www.costco.com/lorex.html")
    at.button(key="FormSubmitter:one_observation-Check and preview").click().run()
    at.text_input(key="contribute_form_note").set_value("Checked")
    with store.writer_lock(store_dir):  # another editor's publish holds the lock
        at.button(key="contribute_form_publish").click().run()
    assert any("Someone is publishing" in text for text in texts(at, "warning"))
    assert at.text_input(key="contribute_form_note").value == "Checked"
    assert store.current_version(store_dir) == 1
    at.button(key="contribute_form_publish").click().run()
    assert any("as data version 2" in text for text in texts(at, "success"))


def test_an_editor_retracts_an_observation_and_the_data_page_shows_it(monkeypatch, store_dir):
    at = contribute(monkeypatch, store_dir)
    at.selectbox(key="retract_retailer").set_value("home-depot")
    at.selectbox(key="retract_brand").set_value("lorex").run()
    first = at.selectbox(key="retract_obs").options[0]
    at.text_input(key="retract_reason").set_value("The store page was another brand").run()
    assert at.button(key="retract_publish").disabled  # nothing previewed yet
    at.button(key="retract_preview").click().run()
    assert not at.button(key="retract_publish").disabled
    assert not at.exception, [e.value for e in at.exception]
    assert store.current_version(store_dir) == 1
    at.button(key="retract_publish").click().run()
    assert any("in data version 2" in text for text in texts(at, "success")), first
    with store.open_version(store_dir) as con:
        assert con.execute("select reason, editor from retractions").fetchall() == [
            ("The store page was another brand", EDITOR)
        ]
    data_page = open_app(
        monkeypatch, store_dir, secrets=SECRETS, user=signed_in(EDITOR), page="pages/data.py"
    )
    versions = next(frame.value for frame in data_page.dataframe if "editor" in frame.value.columns)
    assert list(versions["editor"])[-1] == EDITOR
    assert list(versions["note"])[-1] == "Retracted: The store page was another brand"
    diff_tables = [frame.value for frame in data_page.dataframe if "change" in frame.value.columns]
    assert any("retracted" in set(frame["change"]) for frame in diff_tables)
