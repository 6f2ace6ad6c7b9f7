"""Corrections: an editor retracts an observation in a new version, with a reason.

Nothing is deleted: the observation stays in the store and in every earlier version; from the
retracting version on the status rule ignores it (``derive_segments`` leaves it out) and the
evidence shows it struck through with the reason, who retracted it and in which version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb

from shelfwatch import diff, store, vocab
from shelfwatch.store import StoreError

MAX_REASON = 500


class BadRetraction(StoreError):
    """A retraction refused before anything was published (the message says why)."""


def _checked_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise BadRetraction("a retraction needs a reason (one line: what was wrong)")
    if len(reason) > MAX_REASON:
        raise BadRetraction(f"the reason is {len(reason):,} characters; keep it to {MAX_REASON}")
    return reason


def _stage(obs_ids: Sequence[int], reason: str, editor: str | None) -> store.Stage:
    wanted = sorted({int(obs_id) for obs_id in obs_ids})
    if not wanted:
        raise BadRetraction("name at least one observation to retract")

    def stage(con: duckdb.DuckDBPyConnection, number: int) -> None:
        known = {
            row[0]
            for row in con.execute(
                "select obs_id from observations where list_contains($ids, obs_id)",
                {"ids": wanted},
            ).fetchall()
        }
        unknown = [obs_id for obs_id in wanted if obs_id not in known]
        if unknown:
            raise BadRetraction(
                f"no observation {', '.join(map(str, unknown))} in the current version"
            )
        already = con.execute(
            "select obs_id, version from retractions where list_contains($ids, obs_id) "
            "order by obs_id",
            {"ids": wanted},
        ).fetchall()
        if already:
            listed = ", ".join(f"{obs_id} (in version {version})" for obs_id, version in already)
            raise BadRetraction(f"already retracted: {listed}")
        con.execute(
            "insert into retractions "
            "select unnest($ids), $version, $reason, $editor, $retracted_at",
            {
                "ids": wanted,
                "version": number,
                "reason": reason,
                "editor": editor,
                "retracted_at": dt.datetime.now(dt.UTC),
            },
        )

    return stage


def retract(
    store_dir: Path,
    obs_ids: Sequence[int],
    reason: str,
    *,
    editor: str | None = None,
    wait_seconds: float = 0.0,
) -> int:
    """Publish a version that retracts ``obs_ids`` with ``reason``; returns its number."""
    reason = _checked_reason(reason)
    stage = _stage(obs_ids, reason, editor)
    return store.publish(
        store_dir,
        stage,
        action="retract",
        wait_seconds=wait_seconds,
        editor=editor,
        note=f"Retracted: {reason}",
    )


def preview(
    store_dir: Path,
    obs_ids: Sequence[int],
    reason: str,
    *,
    today: dt.date | None = None,
    stale_after: int = vocab.STALE_AFTER_DAYS,
    wait_seconds: float = 0.0,
) -> diff.VersionDiff:
    """What retracting ``obs_ids`` would change, as of ``today``; nothing is published."""
    stage = _stage(obs_ids, _checked_reason(reason), None)
    return diff.of_draft(
        store_dir,
        stage,
        action="retract",
        as_of=today or dt.date.today(),
        stale_after=stale_after,
        wait_seconds=wait_seconds,
    )
