"""What changed between two versions of the store: observations added, removed or retracted;
status transitions added, removed or changed; pairs whose status on a date changed.

Both version files are attached read-only, as catalogs ``old`` and ``new``, to one in-memory
DuckDB connection that is then locked down like every reader (no file access, configuration
locked): the ``diff_*`` queries of the catalog read them side by side. The same comparison
previews an upload (the current version against the draft of the next) and says what a
published version changed (``python -m shelfwatch diff``, the Data & method page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from shelfwatch import headline, queries, store, urlstate, vocab

# Rows of each kind a diff keeps (the counts are exact beyond it).
DIFF_ROWS = 500
TOTAL = "rows_in_all"


@contextmanager
def open_pair(
    old_path: Path, new_path: Path, *, memory_limit: str = store.READER_MEMORY_LIMIT
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection reading two version files, as catalogs ``old`` and ``new``.

    ``memory_limit``: a reader's by default (the app's Data page); a process of its own that
    compares whole versions (the command line, a preview) takes a publisher's."""
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "memory_limit": memory_limit,
            "temp_directory": str(store.reader_spill_dir()),
        },
    )
    try:
        con.execute("attach $path as old (read_only)", {"path": str(old_path)})
        con.execute("attach $path as new (read_only)", {"path": str(new_path)})
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        yield con
    finally:
        con.close()


@dataclass(frozen=True)
class Part:
    """The first rows of one kind of difference, and how many there are in all."""

    rows: pd.DataFrame
    total: int

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Part:
        total = int(frame[TOTAL].iloc[0]) if len(frame) else 0
        return cls(frame.drop(columns=[TOTAL]).reset_index(drop=True), total)

    def records(self) -> list[dict[str, object]]:
        return [
            {key: _plain(value) for key, value in row.items()}
            for row in self.rows.to_dict("records")
        ]


def _plain(value: object) -> object:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    return value


@dataclass(frozen=True)
class VersionDiff:
    """What version ``new`` changes against version ``old`` (``new`` None: a draft)."""

    old: int
    new: int | None
    as_of: dt.date
    tables: pd.DataFrame
    observations: Part
    transitions: Part
    statuses: Part
    stale_after: int = vocab.STALE_AFTER_DAYS

    @property
    def empty(self) -> bool:
        changed_tables = (self.tables["old_rows"] != self.tables["new_rows"]).any()
        return not changed_tables and not (
            self.observations.total or self.transitions.total or self.statuses.total
        )

    def table_changes(self) -> list[tuple[str, int, int]]:
        return [
            (row.table_name, int(row.old_rows), int(row.new_rows))
            for row in self.tables.itertuples()
            if row.old_rows != row.new_rows
        ]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form (the publishing process hands a preview to the app this way)."""
        return {
            "old": self.old,
            "new": self.new,
            "as_of": self.as_of.isoformat(),
            "stale_after": self.stale_after,
            "tables": self.tables.to_dict("records"),
            **{
                name: {"total": part.total, "rows": part.records()}
                for name, part in self.parts().items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict) -> VersionDiff:
        def part(name: str) -> Part:
            return Part(pd.DataFrame(data[name]["rows"]), int(data[name]["total"]))

        return cls(
            old=int(data["old"]),
            new=None if data["new"] is None else int(data["new"]),
            as_of=dt.date.fromisoformat(data["as_of"]),
            tables=pd.DataFrame(data["tables"]),
            observations=part("observations"),
            transitions=part("transitions"),
            statuses=part("statuses"),
            stale_after=int(data["stale_after"]),
        )

    def parts(self) -> dict[str, Part]:
        return {
            "observations": self.observations,
            "transitions": self.transitions,
            "statuses": self.statuses,
        }


def compare(
    old_path: Path,
    new_path: Path,
    *,
    old: int,
    new: int | None,
    as_of: dt.date,
    stale_after: int = vocab.STALE_AFTER_DAYS,
    max_rows: int = DIFF_ROWS,
    memory_limit: str = store.READER_MEMORY_LIMIT,
) -> VersionDiff:
    """The difference between two version files (``new`` None: an unpublished draft)."""
    with open_pair(old_path, new_path, memory_limit=memory_limit) as con:
        return VersionDiff(
            old=old,
            new=new,
            as_of=as_of,
            stale_after=stale_after,
            tables=queries.run_query(con, "diff_tables"),
            observations=Part.of(
                queries.run_query(con, "diff_observations", {"max_rows": max_rows})
            ),
            transitions=Part.of(queries.run_query(con, "diff_transitions", {"max_rows": max_rows})),
            statuses=Part.of(
                queries.run_query(
                    con,
                    "diff_statuses",
                    {"as_of": as_of, "stale_after": stale_after, "max_rows": max_rows},
                )
            ),
        )


def of_draft(
    store_dir: Path,
    stage: store.Stage,
    *,
    action: str,
    as_of: dt.date,
    stale_after: int = vocab.STALE_AFTER_DAYS,
    wait_seconds: float = 0.0,
) -> VersionDiff:
    """What publishing ``stage`` would change: the next version drafted beside the current one
    (under the writer lock, removed at once) and compared with it. Nothing is published."""
    with store.draft(store_dir, stage, action=action, wait_seconds=wait_seconds) as (
        current,
        draft_path,
    ):
        return compare(
            current.path,
            draft_path,
            old=current.number,
            new=None,
            as_of=as_of,
            stale_after=stale_after,
            memory_limit=store.PUBLISH_MEMORY_LIMIT,  # the publishing process's, not the app's
        )


def between_versions(
    store_dir: Path,
    old: int,
    new: int,
    *,
    as_of: dt.date | None = None,
    stale_after: int = vocab.STALE_AFTER_DAYS,
    max_rows: int = DIFF_ROWS,
    memory_limit: str = store.READER_MEMORY_LIMIT,
) -> VersionDiff:
    """The difference between two published versions (``as_of``: today by default)."""
    old_version = store.resolve_version(store_dir, old)
    new_version = store.resolve_version(store_dir, new)
    for version in (old_version, new_version):
        with store.open_version(store_dir, version.number):
            pass  # refuses a version in another store format, with its one-line message
    return compare(
        old_version.path,
        new_version.path,
        old=old,
        new=new,
        as_of=as_of or dt.date.today(),
        stale_after=stale_after,
        max_rows=max_rows,
        memory_limit=memory_limit,
    )


# --- Words ------------------------------------------------------------------------------------


def status_word(value: object) -> str:
    """A status as a diff writes it ('no data' for none)."""
    return "no data" if value is None or value != value else vocab.status_label(str(value))


def step_text(before: object, after: object) -> str:
    """A transition as a diff writes it: 'first evidence → ● Stocked'; '—' for none."""
    if after is None or after != after:
        return "—"
    start = "first evidence" if before is None or before != before else status_word(before)
    return f"{start} → {status_word(after)}"


def transition_text(row: dict) -> str:
    """One transition difference in words: 'added: Home Depot, Lorex on 25 Oct 2021: stocked →
    removed'."""
    day = headline.day_text(headline.as_day(row["changed_on"]))
    pair = f"{row['retailer_name']}, {row['brand_name']} on {day}"

    if row["change"] == "added":
        return f"added: {pair}: {step_text(row['new_from_status'], row['new_to_status'])}"
    if row["change"] == "dropped":
        return f"dropped: {pair}: {step_text(row['old_from_status'], row['old_to_status'])}"
    return (
        f"changed: {pair}: {step_text(row['old_from_status'], row['old_to_status'])}, now "
        f"{step_text(row['new_from_status'], row['new_to_status'])}"
    )


def status_text(row: dict) -> str:
    pair = f"{row['retailer_name']}, {row['brand_name']}"
    if row["change"] == "status":
        return f"{pair}: {status_word(row['old_status'])} → {status_word(row['new_status'])}"
    return f"{pair}: {row['change']} ({status_word(row['new_status'])})"


def observation_text(row: dict) -> str:
    day = headline.day_text(headline.as_day(row["effective_on"]))
    text = (
        f"{row['change']}: {row['retailer_name']}, {row['brand_name']}: "
        f"{status_word(row['status'])} on {day} ({row['source_kind']}, {row['confidence']}) "
        f"{row['source_url']}"
    )
    if row["change"] == "retracted":
        text += f" — reason: {row['reason']}"
    return text


_DATA_TEXT = ("retailer_name", "brand_name", "source_url", "reason")


def _section(title: str, part: Part, words, markdown: bool) -> list[str]:
    head = f"{title}: {part.total:,}"
    lines = [f"## {head}" if markdown else head]
    rows = part.records()
    if markdown:
        # Names, URLs and reasons come from the data: in Markdown they are text, never markup.
        rows = [
            {k: urlstate.escape_markdown(v) if k in _DATA_TEXT and isinstance(v, str) else v
             for k, v in row.items()}
            for row in rows
        ]  # fmt: skip
    lines += [f"- {words(row)}" if markdown else f"  {words(row)}" for row in rows]
    if part.total > len(rows):
        lines.append(f"{'- ' if markdown else '  '}… and {part.total - len(rows):,} more")
    return lines


def render(diff: VersionDiff, *, markdown: bool = False) -> str:
    """The diff as Markdown or plain text, each section with its count."""
    new = "the draft" if diff.new is None else f"version {diff.new}"
    title = f"What {new} changes against version {diff.old}"
    lines = [f"# {title}" if markdown else title, ""]
    if diff.empty:
        lines.append("No difference.")
        return "\n".join(lines) + "\n"
    for table, old_rows, new_rows in diff.table_changes():
        lines.append(f"{'- ' if markdown else ''}{table}: {old_rows:,} → {new_rows:,} rows")
    sections = (
        ("Observations", diff.observations, observation_text),
        ("Status transitions", diff.transitions, transition_text),
        (f"Statuses on {headline.day_text(diff.as_of)}", diff.statuses, status_text),
    )
    for title_text, part, words in sections:
        lines.append("")
        lines += _section(title_text, part, words, markdown)
    return "\n".join(lines) + "\n"
