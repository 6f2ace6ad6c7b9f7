"""Publishing from the app (shelfwatch.publishing): each preview and publish runs the command
line in a process of its own; uploads live only in the store's temp area and go once used; two
editors publishing at once both end up published, in order, nothing lost; a removed version's
permalink says so."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from shelfwatch import publishing, store
from shelfwatch.ui import data
from tests.conftest import TODAY
from tests.test_app_explore import run_page

HEADER = "retailer_id,brand_id,status,effective_on,source_url,source_kind,confidence\n"


def row(retailer: str, status: str, url: str) -> str:
    return f"{retailer},lorex,{status},{TODAY.isoformat()},{url},listing_check,high\n"


@pytest.fixture
def store_dir(seed_store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(seed_store, target)
    return target


def test_an_upload_is_kept_in_the_store_temp_area_and_removed_once_published(store_dir):
    upload = publishing.save_upload(
        store_dir,
        "../../etc/My Costco check!.CSV",
        (HEADER + row("costco", "removed", "https://a.example/1")).encode(),
    )
    assert upload.path.parent.parent == store_dir / publishing.INCOMING
    assert upload.path.name == "My-Costco-check.csv" == upload.original_name
    shown = publishing.preview(store_dir, upload)
    assert shown.kind == "preview" and shown.diff.transitions.total == 1
    assert upload.path.exists()  # kept for the publish
    done = publishing.publish(store_dir, upload, editor="ed@example.com", note="Costco")
    assert (done.kind, done.version) == ("published", 2)
    assert not upload.path.parent.exists()
    with store.open_version(store_dir) as con:
        assert con.execute(
            "select file_name, role from input_files where version = 2"
        ).fetchall() == [("My-Costco-check.csv", "observations")]


def test_a_rejected_upload_is_located_and_removed(store_dir):
    upload = publishing.save_upload(
        store_dir,
        "bad.csv",
        (
            HEADER + row("costco", "gone", "https://a.example/1") + row("nobody", "removed", "x")
        ).encode(),
    )
    outcome = publishing.preview(store_dir, upload)
    assert outcome.kind == "rejected" and outcome.total_problems == 3
    assert [(p["file"], p["line"], p["column"]) for p in outcome.problems] == [
        ("bad.csv", 2, "status"),
        ("bad.csv", 3, "retailer_id"),
        ("bad.csv", 3, "source_url"),
    ]
    assert not upload.path.parent.exists()
    assert store.current_version(store_dir) == 1


def test_uploads_are_capped_and_checked_before_they_are_written(store_dir, monkeypatch):
    monkeypatch.setattr(publishing, "MAX_UPLOAD_BYTES", 1024)
    with pytest.raises(publishing.UploadRefused, match="at most 0 MB|may be at most"):
        publishing.save_upload(store_dir, "big.csv", b"x" * 2048)
    with pytest.raises(publishing.UploadRefused, match="upload a .csv or .parquet file"):
        publishing.save_upload(store_dir, "notes.txt", b"x")
    with pytest.raises(publishing.UploadRefused, match="upload a .csv file"):
        publishing.save_upload(store_dir, "brands.parquet", b"x", role="brands")
    with pytest.raises(publishing.UploadRefused, match="cannot add 'views'"):
        publishing.save_upload(store_dir, "views.csv", b"x", role="views")
    incoming = store_dir / publishing.INCOMING
    assert not incoming.exists() or not any(incoming.iterdir())
    with pytest.raises(publishing.UploadRefused, match="one-line note"):
        publishing.checked_note("  \n ")


def test_leftover_uploads_are_swept_after_a_day(store_dir):
    old = publishing.save_upload(store_dir, "old.csv", b"a")
    stamp = time.time() - publishing.LEFTOVER_SECONDS - 60
    os.utime(old.path.parent, (stamp, stamp))
    fresh = publishing.save_upload(store_dir, "new.csv", b"b")
    assert not old.path.parent.exists() and fresh.path.exists()


def test_two_editors_publishing_at_once_both_publish_in_order(store_dir):
    uploads = {
        "a@example.com": publishing.save_upload(
            store_dir, "a.csv", (HEADER + row("costco", "removed", "https://a.example/a")).encode()
        ),
        "b@example.com": publishing.save_upload(
            store_dir, "b.csv", (HEADER + row("walmart", "removed", "https://a.example/b")).encode()
        ),
    }
    outcomes: dict[str, publishing.Outcome] = {}
    start = threading.Barrier(2)

    def publish(editor: str) -> None:
        start.wait()
        outcomes[editor] = publishing.publish(
            store_dir, uploads[editor], editor=editor, note=editor
        )

    threads = [threading.Thread(target=publish, args=(editor,)) for editor in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    kinds = sorted(outcome.kind for outcome in outcomes.values())
    # Both at once: one holds the lock, the other is told at once (or, had the first already
    # finished, published after it). Nothing of the busy one is lost: it publishes on retry.
    assert kinds in (["busy", "published"], ["published", "published"]), outcomes
    for editor, outcome in outcomes.items():
        if outcome.kind == "busy":
            assert "busy" in outcome.message and uploads[editor].path.exists()
            retried = publishing.publish(store_dir, uploads[editor], editor=editor, note=editor)
            assert retried.kind == "published"
    assert store.current_version(store_dir) == 3
    with store.open_version(store_dir) as con:
        published = con.execute(
            "select version, editor, note from version_info where version > 1 order by version"
        ).fetchall()
        rows = con.execute(
            "select retailer_id from observations where source_url like 'https://a.example/%' "
            "order by retailer_id"
        ).fetchall()
    assert sorted(editor for _, editor, _ in published) == ["a@example.com", "b@example.com"]
    assert [version for version, _, _ in published] == [2, 3]
    assert rows == [("costco",), ("walmart",)]


def test_a_permalink_to_a_removed_version_says_so(store_dir, monkeypatch):
    upload = publishing.save_upload(
        store_dir, "a.csv", (HEADER + row("costco", "removed", "https://a.example/a")).encode()
    )
    assert publishing.publish(store_dir, upload, editor="e", note="n").version == 2
    store.version_path(store_dir, 1).unlink()  # the operator's retention removed it
    with pytest.raises(store.RemovedVersion, match="no longer kept in this store"):
        store.resolve_version(store_dir, 1)
    with pytest.raises(store.UnknownVersion, match="does not exist"):
        store.resolve_version(store_dir, 7)
    at = run_page(monkeypatch, store_dir, "pages/explore.py", v="1")
    notices = " ".join(str(element.value) for element in at.info)
    assert "was published but is no longer kept in this store" in notices


def test_a_publish_after_another_version_appeared_is_refused_and_kept(store_dir):
    upload = publishing.save_upload(
        store_dir, "a.csv", (HEADER + row("costco", "removed", "https://a.example/a")).encode()
    )
    previewed = publishing.preview(store_dir, upload).diff.old
    other = publishing.save_upload(
        store_dir, "b.csv", (HEADER + row("walmart", "removed", "https://a.example/b")).encode()
    )
    assert publishing.publish(store_dir, other, editor="b", note="first").kind == "published"
    late = publishing.publish(store_dir, upload, editor="a", note="late", previewed=previewed)
    assert late.kind == "moved" and "preview again" in late.message
    assert upload.path.exists() and store.current_version(store_dir) == 2
    again = publishing.preview(store_dir, upload).diff.old
    assert again == 2
    done = publishing.publish(store_dir, upload, editor="a", note="late", previewed=again)
    assert (done.kind, done.version) == ("published", 3)


def test_a_crlf_upload_leaves_no_copy_outside_the_store(store_dir, tmp_path, monkeypatch):
    elsewhere = tmp_path / "system-temp"
    elsewhere.mkdir()
    monkeypatch.setenv("TMPDIR", str(elsewhere))
    text = (HEADER + row("costco", "removed", "https://a.example/a")).replace("\n", "\r\n")
    upload = publishing.save_upload(store_dir, "excel.csv", text.encode())
    assert publishing.preview(store_dir, upload).kind == "preview"
    assert publishing.publish(store_dir, upload, editor="e", note="n").kind == "published"
    assert not any(elsewhere.iterdir())
    assert not any((store_dir / publishing.INCOMING).iterdir())


def test_the_data_page_sends_a_too_big_comparison_to_the_command_line(store_dir, monkeypatch):
    upload = publishing.save_upload(
        store_dir, "a.csv", (HEADER + row("costco", "removed", "https://a.example/a")).encode()
    )
    assert publishing.publish(store_dir, upload, editor="e", note="n").kind == "published"

    def too_big(*args, **kwargs):
        raise data.DataUnavailable(store.version_path(store_dir, 2), "Out of Memory Error")

    monkeypatch.setattr(data, "version_diff", too_big)
    at = run_page(monkeypatch, store_dir, "pages/data.py")
    said = " ".join(str(element.value) for element in at.info)
    assert "python -m shelfwatch diff --from 1 --to 2" in said
    assert any(str(h.value) == "Input files" for h in at.subheader)  # the page goes on
