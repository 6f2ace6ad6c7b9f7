"""Publishing from the app: an editor's upload, form or retraction, run by the command line in
a process of its own.

The app never publishes in its own process: each preview or publish runs
``python -m shelfwatch ingest|retract … --report json`` — the same code, validation and writer
lock as a shell user's — so the app's memory stays bounded whatever the file, and a crash there
loses nothing (the store's publish is atomic). The upload is written only into the store's own
temp area, ``STORE/.incoming/<token>/<file name>``, and removed after it is published or
rejected (or discarded; leftovers older than a day are swept at the next upload).

A second editor who publishes while another publish holds the writer lock is told at once
(``busy``) and keeps the file and the note: pressing Publish again publishes it after the first.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shelfwatch import ingest, store
from shelfwatch.diff import VersionDiff

INCOMING = ".incoming"
# What an upload may weigh (Streamlit's server.maxUploadSize, in .streamlit/config.toml, caps
# what the browser may send at all; this is the same figure, said in our own words).
MAX_UPLOAD_BYTES = int(os.environ.get("SHELFWATCH_MAX_UPLOAD_MB", "50")) * 1024 * 1024
# A publish of a big file takes a while; a stuck one must not hold a page forever.
PUBLISH_TIMEOUT_SECONDS = 900
LEFTOVER_SECONDS = 24 * 3600
MAX_NOTE = 300
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class UploadRefused(Exception):
    """An upload refused before it is written (too big, not CSV or Parquet, no note)."""


@dataclass(frozen=True)
class Upload:
    """A file waiting in the store's temp area for a preview or a publish."""

    path: Path
    role: str
    original_name: str

    def discard(self) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)


@dataclass(frozen=True)
class Outcome:
    """What the publishing process said: ``preview``, ``published``, ``rejected``, ``busy``
    (another publish holds the lock), ``moved`` (a version was published since the preview) or
    ``failed``."""

    kind: str
    version: int | None = None
    diff: VersionDiff | None = None
    problems: tuple[dict[str, object], ...] = field(default=())
    total_problems: int = 0
    message: str = ""


def incoming_dir(store_dir: Path) -> Path:
    return store_dir / INCOMING


def safe_file_name(name: str) -> str:
    """The upload's name as recorded and shown: letters, digits, dot, dash, underscore."""
    base = Path(name or "").name
    stem, dot, suffix = base.rpartition(".")
    cleaned = _SAFE_NAME.sub("-", stem if dot else base).strip("-.")[:80] or "upload"
    suffix = suffix.lower() if dot else ""
    return f"{cleaned}.{suffix}" if suffix else cleaned


def _sweep(folder: Path) -> None:
    cutoff = time.time() - LEFTOVER_SECONDS
    for entry in folder.iterdir() if folder.is_dir() else ():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def save_upload(store_dir: Path, name: str, data: bytes, role: str = "observations") -> Upload:
    """Write an uploaded file into the store's temp area (never elsewhere)."""
    if role not in ingest.INGEST_ROLES:
        raise UploadRefused(f"cannot add {role!r}: choose one of {', '.join(ingest.INGEST_ROLES)}")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            f"{safe_file_name(name)} is {len(data) / 1024 / 1024:,.1f} MB; an upload may be at "
            f"most {MAX_UPLOAD_BYTES // 1024 // 1024} MB. Split it, or ask someone with a shell "
            "to run `python -m shelfwatch ingest` on it."
        )
    file_name = safe_file_name(name)
    allowed = (".csv", ".parquet") if role == "observations" else (".csv",)
    if not file_name.endswith(allowed):
        raise UploadRefused(f"{file_name}: upload a {' or '.join(allowed)} file")
    folder = incoming_dir(store_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    token = folder / secrets.token_hex(8)
    token.mkdir()
    path = token / file_name
    path.write_bytes(data)
    return Upload(path, role, file_name)


def form_upload(store_dir: Path, fields: Mapping[str, object]) -> Upload:
    """One observation typed into the form, as a one-row observations file: it is validated and
    published exactly like an upload."""
    columns = ingest.COLUMNS["observations"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerow(["" if fields.get(c) is None else str(fields.get(c)) for c in columns])
    return save_upload(store_dir, "observation-form.csv", buffer.getvalue().encode("utf-8"))


def checked_note(note: str) -> str:
    note = " ".join((note or "").split())
    if not note:
        raise UploadRefused("write a one-line note: what this version adds and why")
    if len(note) > MAX_NOTE:
        raise UploadRefused(f"the note is {len(note)} characters; keep it to {MAX_NOTE}")
    return note


def _run(args: Sequence[str], cwd: Path, *, beside_upload: bool = False) -> Outcome:
    env = {**os.environ, "PYTHONPATH": str(store.PROJECT_ROOT)}
    if beside_upload:
        # The child's own temp files (a CRLF file's LF copy) stay beside the upload, in the
        # store's temp area, and go with it.
        env["TMPDIR"] = str(cwd)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "shelfwatch", *args, "--report", "json"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=PUBLISH_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome("failed", message="publishing took too long and was stopped")
    try:
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        detail = " ".join(done.stderr.split())[-300:] or f"exit code {done.returncode}"
        return Outcome("failed", message=f"the publishing process failed: {detail}")
    kind = report.get("outcome")
    if kind == "preview":
        return Outcome("preview", diff=VersionDiff.from_dict(report["diff"]))
    if kind == "published":
        return Outcome("published", version=int(report["version"]))
    if kind == "rejected":
        return Outcome(
            "rejected",
            problems=tuple(report["problems"]),
            total_problems=int(report["total"]),
        )
    if kind not in ("busy", "moved"):
        kind = "failed"
    return Outcome(kind, message=str(report.get("message")))


def preview(store_dir: Path, upload: Upload) -> Outcome:
    """Validate the upload and say what publishing it would change; a rejected file is removed."""
    outcome = _run(
        ["ingest", upload.path.name, "--store", str(store_dir.resolve()), "--role", upload.role,
         "--preview"],
        upload.path.parent,
        beside_upload=True,
    )  # fmt: skip
    if outcome.kind == "rejected":
        upload.discard()
    return outcome


def publish(
    store_dir: Path, upload: Upload, *, editor: str, note: str, previewed: int | None = None
) -> Outcome:
    """Publish the upload as a new version recording the editor, the note and the file; the
    file is removed once published or rejected, kept when the store is busy. ``previewed``:
    the version the preview was made against — if another was published since, nothing is
    published (``moved``) and the editor previews again."""
    expect = ["--expect-version", str(previewed)] if previewed is not None else []
    outcome = _run(
        ["ingest", upload.path.name, "--store", str(store_dir.resolve()), "--role", upload.role,
         "--editor", editor, "--note", checked_note(note), *expect],
        upload.path.parent,
        beside_upload=True,
    )  # fmt: skip
    if outcome.kind in ("published", "rejected"):
        upload.discard()
    return outcome


def _retract_args(store_dir: Path, obs_ids: Sequence[int], reason: str) -> list[str]:
    return [
        "retract",
        *(str(int(obs_id)) for obs_id in obs_ids),
        "--reason",
        reason,
        "--store",
        str(store_dir.resolve()),
    ]


def preview_retraction(store_dir: Path, obs_ids: Sequence[int], reason: str) -> Outcome:
    return _run([*_retract_args(store_dir, obs_ids, reason), "--preview"], store_dir)


def retract(store_dir: Path, obs_ids: Sequence[int], reason: str, *, editor: str) -> Outcome:
    return _run([*_retract_args(store_dir, obs_ids, reason), "--editor", editor], store_dir)
