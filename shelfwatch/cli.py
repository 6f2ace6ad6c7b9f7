"""The command line: ``python -m shelfwatch COMMAND``.

Exit codes are a contract: 0 success, 1 input rejected (the first problems printed as
``FILE:LINE:COLUMN: what is wrong``, then their count; nothing published) or a fault (store
busy, unusable or not writable, input not a readable file: one ``error:`` line saying what to
do), 2 usage errors. Text from the input never reaches the terminal raw (:func:`terminal_safe`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import duckdb

from shelfwatch import digest as digest_mod
from shelfwatch import exports, ingest, queries, store, vocab
from shelfwatch.export_jobs import ExportJob
from shelfwatch.filters import Filters
from shelfwatch.ingest import Rejected
from shelfwatch.store import StoreError

if TYPE_CHECKING:
    # Imported where a frame is printed: `export` streams with no pandas (half a second).
    import pandas as pd

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])
FORMATS = click.Choice(["csv", "json", "table"])
_PROGRESS_MIN_BYTES = 8 * 1024 * 1024


def _store_option(command: Callable) -> Callable:
    return click.option(
        "--store",
        "store_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Store directory (default: $SHELFWATCH_STORE, else data/store).",
    )(command)


def _version_option(command: Callable) -> Callable:
    return click.option(
        "--data-version",
        type=click.IntRange(min=1),
        default=None,
        help="Read this published data version instead of the current one.",
    )(command)


# What a terminal would obey or reorder instead of showing: C0 and C1 controls, DEL, the bidi
# marks, embeddings, overrides and isolates, the Unicode line separators, and lone surrogates
# (undecodable file names).
_UNSAFE_FOR_TERMINAL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)


def terminal_safe(text: object) -> str:
    """``text`` with every character a terminal would act on written as an escape (ESC as
    ``\\x1b``, U+202E as ``\\u202e``): what came from the input is shown, never obeyed."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE_FOR_TERMINAL.sub(escape, str(text))


def _fail(message: str) -> None:
    # One line, whatever the message holds.
    click.echo(f"error: {terminal_safe(' '.join(message.split()))}", err=True)
    sys.exit(1)


def _report_rejection(rejected: Rejected) -> None:
    for problem in rejected.problems:
        click.echo(terminal_safe(problem), err=True)
    if rejected.total > len(rejected.problems):
        summary = (
            f"rejected: {rejected.total:,} problems, the first {len(rejected.problems):,} "
            "listed above"
        )
    else:
        summary = f"rejected: {rejected.total} problem(s)"
    click.echo(f"{summary}; nothing was published", err=True)
    sys.exit(1)


class _Seconds(click.ParamType):
    """A finite number of seconds, zero or more (``nan`` would never time out, ``inf`` wait
    for ever)."""

    name = "seconds"

    def convert(self, value, param, ctx) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{terminal_safe(repr(value))} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds < 0:
            self.fail(
                f"{terminal_safe(repr(value))} is not a finite number of seconds, 0 or more",
                param,
                ctx,
            )
        return seconds


class _ExistingPath(click.ParamType):
    """A path that exists, checked by its metadata only (never opened here: ingest refuses
    what is not a regular file with a message of its own); its name is shown escaped."""

    name = "path"

    def __init__(self, *, directory: bool) -> None:
        self.directory = directory
        self.name = "directory" if directory else "file"

    def convert(self, value, param, ctx) -> Path:
        path = Path(value)
        if not os.path.exists(path):
            self.fail(f"{terminal_safe(path)} does not exist", param, ctx)
        if self.directory and not path.is_dir():
            self.fail(f"{terminal_safe(path)} is not a directory", param, ctx)
        return path


_WAIT_OPTION = click.option(
    "--wait",
    type=_Seconds(),
    default=0.0,
    help="Seconds to wait for another writer (finite, 0 or more).",
)


class _Progress:
    """A progress bar while large files are read; small files stay quiet."""

    def __init__(self) -> None:
        self._bar: Any = None  # click's ProgressBar, a private class
        self._done = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != "scan" or total < _PROGRESS_MIN_BYTES:
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="reading", file=sys.stderr)
            self._done = 0
        self._bar.update(done - self._done)
        self._done = done
        if done >= total:
            self._bar.render_finish()
            self._bar = None
            click.echo("validating and publishing…", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Shelfwatch: which retailers sell which brands, since when, and says who."""


@main.command()
@click.option(
    "--data",
    "data_dir",
    type=_ExistingPath(directory=True),
    default=store.PROJECT_ROOT / "data",
    show_default="data/",
    help="Directory holding retailers.csv, brands.csv, observations.csv and the rest.",
)
@_store_option
@_WAIT_OPTION
def build(data_dir: Path, store_dir: Path | None, wait: float) -> None:
    """Publish a new version built from DIR's CSV files."""
    target = store.resolve_store(store_dir)
    _warn_of_a_new_lineage(target)
    started = time.perf_counter()
    try:
        number = ingest.build(data_dir, target, progress=_Progress(), wait_seconds=wait)
    except Rejected as rejected:
        _report_rejection(rejected)
    except StoreError as exc:
        _fail(str(exc))
    elapsed = time.perf_counter() - started
    click.echo(terminal_safe(f"published version {number} in {target} ({elapsed:.1f} s)"))


def _warn_of_a_new_lineage(target: Path) -> None:
    """A build starts afresh from the files: say what was published since the last one."""
    try:
        con = store.open_version(target, any_format=True)
    except StoreError:
        return  # nothing published yet (or unreadable: the build says so itself)
    try:
        published = queries.run_query(con, "versions_published")
    except duckdb.Error:
        return
    finally:
        con.close()
    builds = published.loc[published["action"] == "build", "version"]
    since = published[published["version"] > (builds.max() if len(builds) else 0)]
    if len(since):
        click.echo(
            f"warning: this build starts a new lineage from the files alone: the "
            f"{len(since)} version(s) published since the last build (ingests and "
            "retractions, from the command line or the Contribute page) are not in it. They "
            "stay in their own version files; add their rows to the files to keep them.",
            err=True,
        )


@main.command(name="ingest")
@click.argument("file", type=_ExistingPath(directory=False))
@_store_option
@click.option(
    "--role",
    type=click.Choice(ingest.INGEST_ROLES),
    default="observations",
    show_default=True,
    help="What FILE holds (its columns: docs/design.md, Data model).",
)
@click.option("--dry-run", is_flag=True, help="Validate only; publish nothing.")
@click.option(
    "--preview",
    is_flag=True,
    help="Validate, then say what publishing would change as of today; publish nothing.",
)
@click.option("--editor", default=None, help="Who publishes (recorded with the version).")
@click.option("--note", default=None, help="Why: a one-line note recorded with the version.")
@click.option(
    "--expect-version",
    type=click.IntRange(min=1),
    default=None,
    help="Publish only on top of this version (the one a preview was made against).",
)
@click.option(
    "--report",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object on stdout (the app's Contribute page reads it).",
)
@_WAIT_OPTION
def ingest_command(
    file: Path,
    store_dir: Path | None,
    role: str,
    dry_run: bool,
    preview: bool,
    editor: str | None,
    note: str | None,
    expect_version: int | None,
    report: str,
    wait: float,
) -> None:
    """Validate FILE (observations, CSV or Parquet; or --role) and publish it as a new version."""
    from shelfwatch import diff

    target = store.resolve_store(store_dir)
    note = " ".join(note.split()) if note else None
    as_json = report == "json"
    try:
        if preview:
            changes = ingest.preview(file, target, role=role, wait_seconds=wait)
            _done(as_json, {"outcome": "preview", "diff": changes.to_dict()}, diff.render(changes))
            return
        number = ingest.ingest(
            file,
            target,
            role=role,
            dry_run=dry_run,
            progress=None if as_json else _Progress(),
            wait_seconds=wait,
            editor=editor,
            note=note,
            expect_version=expect_version,
        )
    except Rejected as rejected:
        if as_json:
            _json_out(
                {
                    "outcome": "rejected",
                    "total": rejected.total,
                    "problems": [problem.__dict__ for problem in rejected.problems],
                },
                code=1,
            )
        _report_rejection(rejected)
    except StoreError as exc:
        _fault(exc, as_json)
    if number is None:
        _done(as_json, {"outcome": "valid"}, f"{file}: valid; nothing published (dry run)")
    else:
        _done(
            as_json,
            {"outcome": "published", "version": number},
            f"published version {number} in {target}",
        )


def _fault(exc: StoreError, as_json: bool) -> None:
    """A publish that did not happen: one ``error:`` line, or its JSON outcome (busy: another
    writer holds the lock; moved: a version appeared after the preview; else failed)."""
    if as_json:
        outcome = "failed"
        if isinstance(exc, store.StoreBusy):
            outcome = "busy"
        elif isinstance(exc, ingest.VersionMoved):
            outcome = "moved"
        _json_out({"outcome": outcome, "message": str(exc)}, code=1)
    _fail(str(exc))


def _json_out(payload: dict[str, object], *, code: int = 0) -> None:
    click.echo(json.dumps(payload, default=str))
    sys.exit(code)


def _done(as_json: bool, payload: dict[str, object], text: str) -> None:
    if as_json:
        _json_out(payload)
    click.echo("\n".join(terminal_safe(line) for line in text.splitlines()))


@main.command()
@click.argument("obs_ids", nargs=-1, required=True, type=click.IntRange(min=1))
@click.option("--reason", required=True, help="What was wrong: one line, kept with the version.")
@click.option("--editor", default=None, help="Who retracts (recorded with the version).")
@click.option("--preview", is_flag=True, help="Say what it would change; publish nothing.")
@click.option("--report", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_store_option
@_WAIT_OPTION
def retract(obs_ids, reason, editor, preview, report, store_dir, wait) -> None:
    """Retract observations OBS_IDS (their obs_id) in a new version: never deleted, ignored by
    the status rule from that version on, shown struck through with the reason."""
    from shelfwatch import corrections, diff

    target = store.resolve_store(store_dir)
    as_json = report == "json"
    try:
        if preview:
            changes = corrections.preview(target, obs_ids, reason, wait_seconds=wait)
            _done(as_json, {"outcome": "preview", "diff": changes.to_dict()}, diff.render(changes))
            return
        number = corrections.retract(target, obs_ids, reason, editor=editor, wait_seconds=wait)
    except StoreError as exc:
        _fault(exc, as_json)
    _done(
        as_json,
        {"outcome": "published", "version": number},
        f"published version {number} in {target}",
    )


@main.command(name="diff")
@click.option("--from", "old", type=click.IntRange(min=1), required=True, help="Older version.")
@click.option("--to", "new", type=click.IntRange(min=1), required=True, help="Newer version.")
@click.option("--as-of", type=ISO_DATE, default=None, help="Statuses on this day (default today).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=500,  # diff.DIFF_ROWS: not imported at start-up (it brings pandas)
    show_default=True,
    help="Rows listed per section (the counts are exact).",
)
@_store_option
def diff_command(old, new, as_of, fmt, max_rows, store_dir) -> None:
    """What version --to changed against version --from: observations added, removed or
    retracted; status transitions added, removed or changed; statuses that changed."""
    from shelfwatch import diff

    try:
        changes = diff.between_versions(
            store.resolve_store(store_dir),
            old,
            new,
            as_of=as_of.date() if as_of else None,
            max_rows=max_rows,
            memory_limit=store.PUBLISH_MEMORY_LIMIT,  # a process of its own
        )
    except StoreError as exc:
        _fail(str(exc))
    if fmt == "json":
        click.echo(json.dumps(changes.to_dict(), default=str))
        return
    text = diff.render(changes, markdown=fmt == "markdown")
    click.echo("\n".join(terminal_safe(line) for line in text.splitlines()))


def _open(store_dir: Path | None, data_version: int | None):
    try:
        return store.open_version(store.resolve_store(store_dir), data_version)
    except StoreError as exc:
        _fail(str(exc))


def _emit(frame: pd.DataFrame, fmt: str) -> None:
    import pandas as pd

    if fmt == "csv":
        # The exports' own cell writer: RFC 4180 quoting (a lone CR too), formulas neutralised.
        click.echo(exports.plain_csv(frame), nl=False)
        return
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == bool or isinstance(out[column].dtype, pd.BooleanDtype):
            out[column] = out[column].map({True: "true", False: "false"})
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_text_cell)
    if fmt == "json":
        records = json.loads(out.to_json(orient="records", force_ascii=False))
        click.echo(json.dumps(records, ensure_ascii=False, indent=1))
    elif out.empty:
        click.echo("(no rows)")
    else:
        click.echo(out.fillna("").to_string(index=False))


def _text_cell(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return exports.neutralise_formula(value)


STATUS_COLUMNS = [
    "retailer_id",
    "brand_id",
    "status",
    "since",
    "disputed",
    "last_evidence_on",
    "stale",
    "source_kind",
    "confidence",
    "source_url",
]
CHANGE_COLUMNS = [
    "retailer_id",
    "brand_id",
    "from_status",
    "to_status",
    "changed_on",
    "first_evidence",
    "disputed",
    "source_kind",
    "confidence",
    "source_url",
]
NET_CHANGE_COLUMNS = [c for c in CHANGE_COLUMNS if c != "first_evidence"]
EXPOSURE_COLUMNS = [
    "retailer_id",
    "brand_id",
    "company_id",
    "list",
    "ownership_confidence",
    "ownership_contested",
    "contested_parents",
    "status",
    "since",
    "last_evidence_on",
    "stale",
    "designated_on",
    "source_url",
]
RELISTING_COLUMNS = [
    "retailer_id",
    "brand_id",
    "not_sold_status",
    "not_sold_from",
    "not_sold_source_kind",
    "not_sold_confidence",
    "not_sold_source_url",
    "relisted_on",
    "relisted_status",
    "source_kind",
    "confidence",
    "source_url",
]


def _stale_option(command: Callable) -> Callable:
    return click.option(
        "--stale-after",
        "stale_after",
        type=click.IntRange(min=0),
        default=vocab.STALE_AFTER_DAYS,
        show_default=True,
        help="Days: a status whose latest evidence is older than this on the date is stale.",
    )(command)


def _any_claim_option(command: Callable) -> Callable:
    return click.option(
        "--any-claim",
        is_flag=True,
        help="Count every company an ownership claim names as a parent, not only the strongest "
        "claim's.",
    )(command)


@main.command()
@click.option("--as-of", "as_of", type=ISO_DATE, required=True, help="Date (YYYY-MM-DD).")
@click.option("--retailer", "retailers", multiple=True, help="Retailer id (repeatable).")
@click.option("--brand", "brands", multiple=True, help="Brand id (repeatable).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_stale_option
@_store_option
@_version_option
def status(as_of, retailers, brands, fmt, stale_after, store_dir, data_version) -> None:
    """Status of every retailer × brand pair with data on a date."""
    con = _open(store_dir, data_version)
    chosen = Filters(as_of=as_of, retailers=retailers, brands=brands, stale_after=stale_after)
    frame = queries.run_query(con, "status_as_of", chosen.query_params("status_as_of"))
    _emit(frame[STATUS_COLUMNS], fmt)


@main.command()
@click.option("--start", type=ISO_DATE, required=True, help="Window start (YYYY-MM-DD), excluded.")
@click.option("--end", type=ISO_DATE, required=True, help="Window end (YYYY-MM-DD), included.")
@click.option("--retailer", "retailers", multiple=True, help="Retailer id (repeatable).")
@click.option("--brand", "brands", multiple=True, help="Brand id (repeatable).")
@click.option(
    "--net",
    is_flag=True,
    help="Only compare the two dates: pairs whose status on --end differs from --start "
    "(a round trip inside the window is not listed).",
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_store_option
@_version_option
def changes(start, end, retailers, brands, net, fmt, store_dir, data_version) -> None:
    """Every status change dated after --start up to --end, one row per transition."""
    chosen = Filters(start=start, end=end, retailers=retailers, brands=brands)
    problem = chosen.window_problem()
    if problem:
        raise click.UsageError(f"--start must not be after --end: {problem}")
    con = _open(store_dir, data_version)
    query = "net_changes_between" if net else "changes_between"
    frame = queries.run_query(con, query, chosen.query_params(query, max_rows=None))
    _emit(frame[NET_CHANGE_COLUMNS if net else CHANGE_COLUMNS], fmt)


@main.command()
@click.option("--as-of", "as_of", type=ISO_DATE, required=True, help="Date (YYYY-MM-DD).")
@click.option("--list", "lists", multiple=True, help="Designation list (repeatable).")
@_any_claim_option
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_stale_option
@_store_option
@_version_option
def exposure(as_of, lists, any_claim, fmt, stale_after, store_dir, data_version) -> None:
    """Retailers selling brands whose parent company is on a designation list on a date.

    One row per retailer × brand × parent × list. The parent is the one the strongest
    ownership claim names; other claims covering the date are shown as contested.
    """
    con = _open(store_dir, data_version)
    chosen = Filters(as_of=as_of, lists=lists, any_claim=any_claim, stale_after=stale_after)
    frame = queries.run_query(
        con, "exposure_by_parent", chosen.query_params("exposure_by_parent", max_rows=None)
    )
    _emit(frame[EXPOSURE_COLUMNS], fmt)


@main.command()
@click.option("--as-of", "as_of", type=ISO_DATE, default=None, help="Only up to this date.")
@click.option("--retailer", "retailers", multiple=True, help="Retailer id (repeatable).")
@click.option("--brand", "brands", multiple=True, help="Brand id (repeatable).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_store_option
@_version_option
def relistings(as_of, retailers, brands, fmt, store_dir, data_version) -> None:
    """Pairs sold again after being removed or unavailable, with the sources of both sides."""
    con = _open(store_dir, data_version)
    chosen = Filters(as_of=as_of, retailers=retailers, brands=brands)
    frame = queries.run_query(con, "relistings", chosen.query_params("relistings", max_rows=None))
    _emit(frame[RELISTING_COLUMNS], fmt)


EXPORT_VIEWS = {
    "status": "one row per pair as of --as-of",
    "evidence": "the observations themselves, up to --as-of",
    "relistings": "re-listings up to --as-of, with the sources of both sides",
}
# Each view's catalog query, and the filters it applies (what its provenance cites).
_FILTERED = ("retailers", "brands", "parents", "lists", "statuses")
EXPORT_QUERIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "status": ("status_as_of", (*_FILTERED, "any_claim", "stale_after")),
    "evidence": ("explorer_observations", _FILTERED),
    "relistings": ("relistings", ("retailers", "brands")),
}


def _view_options(command: Callable) -> Callable:
    """The options choosing the rows of an export or a pack: the view and its filters."""
    options: list[Callable[[Callable], Callable]] = [
        click.option(
            "--view",
            type=click.Choice(list(EXPORT_VIEWS)),
            default="status",
            show_default=True,
            help="; ".join(f"{name}: {what}" for name, what in EXPORT_VIEWS.items()) + ".",
        ),
        click.option(
            "--as-of", "as_of", type=ISO_DATE, default=None, help="Date (default: today)."
        ),
        click.option("--retailer", "retailers", multiple=True, help="Retailer id (repeatable)."),
        click.option("--brand", "brands", multiple=True, help="Brand id (repeatable)."),
        click.option("--status", "statuses", multiple=True, help="Status (repeatable)."),
        click.option("--parent", "parents", multiple=True, help="Parent company id (repeatable)."),
        click.option("--list", "lists", multiple=True, help="Designation list (repeatable)."),
        _any_claim_option,
        _stale_option,
        _store_option,
        _version_option,
    ]
    for option in reversed(options):  # as stacked decorators: the first is listed first
        command = option(command)
    return command


def _view_job(
    view,
    as_of,
    retailers,
    brands,
    statuses,
    parents,
    lists,
    any_claim,
    stale_after,
    store_dir,
    data_version,
) -> tuple[ExportJob, duckdb.DuckDBPyConnection]:
    """The export job of the chosen view, and a connection checking its version can be read
    (kept open until the job is done, so the job's own connection reuses its instance)."""
    target = store.resolve_store(store_dir)
    checked = _open(store_dir, data_version)
    version = store.resolve_version(target, data_version)
    day = as_of.date() if as_of else dt.date.today()
    chosen = Filters(
        as_of=day,
        retailers=retailers,
        brands=brands,
        statuses=statuses,
        parents=parents,
        lists=lists,
        any_claim=any_claim,
        stale_after=stale_after,
    )
    query, cited = EXPORT_QUERIES[view]
    # The evidence view is every observation up to the date.
    params = chosen.replace(end=day).query_params(query, max_rows=None)
    job = ExportJob(
        version_file=version.path,
        query=query,
        params=params,
        data_version=version.number,
        as_of=day,
        filters=chosen.provenance(*cited, view=view),
    )
    return job, checked


def _out_of_memory(out: Path) -> str:
    return (
        "DuckDB ran out of memory while reading the export; raise "
        "SHELFWATCH_READER_MEMORY_LIMIT or free memory, and try again "
        f"(nothing was written to {out})"
    )


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(exports.FORMATS), required=True, help="File format."
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@_view_options
def export(fmt, out, **view) -> None:
    """Write a citable export (CSV, XLSX, Parquet or JSON) with provenance."""
    job, checked = _view_job(**view)
    try:
        rows = job.write_file(fmt, out)
    except exports.TooManyRows as exc:
        _fail(f"{exc}; nothing was written to {out}")
    except duckdb.OutOfMemoryException:
        _fail(_out_of_memory(out))
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror or exc}; nothing was written")
    finally:
        checked.close()
    click.echo(f"wrote {rows:,} rows to {out} (data version {job.data_version}, as of {job.as_of})")


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--no-charts",
    is_flag=True,
    help="Leave out the coverage chart (it needs Chromium to draw).",
)
@_view_options
def pack(out, no_charts, **view) -> None:
    """Write an evidence pack (ZIP): the citable CSV, sources.csv, the coverage chart of the
    chosen brands as PNG and SVG, README.md with the citation, and SHA256SUMS."""
    # Imported here: drawing charts needs pandas and plotly, which `export` never loads.
    from shelfwatch import images, packs

    job, checked = _view_job(**view)
    coverage = packs.CoverageChart(job.version_file, tuple(view["brands"]))
    evidence = packs.EvidencePack(job, () if no_charts else ((coverage.title, coverage),))
    try:
        rows = evidence.write_file(packs.PACK_FORMAT, out)
    except packs.PackTooLarge as exc:
        _fail(f"{exc}; nothing was written to {out}")
    except images.ChromiumMissing as exc:
        _fail(f"{exc}, or pass --no-charts; nothing was written to {out}")
    except images.ImageFailed as exc:
        _fail(f"{exc}; nothing was written to {out}")
    except duckdb.OutOfMemoryException:
        _fail(_out_of_memory(out))
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror or exc}; nothing was written")
    finally:
        checked.close()
    click.echo(
        f"wrote an evidence pack of {rows:,} rows to {out} (data version {job.data_version}, "
        f"as of {job.as_of})"
    )


@main.command()
@click.option(
    "--since",
    type=ISO_DATE,
    required=True,
    help="Changes dated on or after this day (YYYY-MM-DD), as published now.",
)
@click.option("--retailer", "retailers", multiple=True, help="Retailer id (repeatable).")
@click.option("--brand", "brands", multiple=True, help="Brand id (repeatable).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(digest_mod.FORMATS),
    default="markdown",
    show_default=True,
)
@_store_option
@_version_option
def digest(since, retailers, brands, fmt, store_dir, data_version) -> None:
    """What changed since a date, each change with its date and source: for a newsletter."""
    try:
        number = store.resolve_version(store.resolve_store(store_dir), data_version).number
    except StoreError as exc:
        _fail(str(exc))
    con = _open(store_dir, number)
    day = since.date()
    # changes_between's window is (start, end]: from the day before --since to today (ingest
    # refuses observations dated after the day they are ingested).
    chosen = Filters(
        start=day - dt.timedelta(days=1), end=dt.date.today(), retailers=retailers, brands=brands
    )
    frame = queries.run_query(con, "changes_between", chosen.query_params("changes_between"))
    names = queries.run_query(con, "brands")
    about = ", ".join(names.loc[names["brand_id"].isin(brands), "name"].tolist())
    text = digest_mod.write(
        frame.to_dict("records"), since=day, data_version=number, fmt=fmt, about=about
    )
    # Line by line: what came from the input is shown, never obeyed by the terminal.
    click.echo("\n".join(terminal_safe(line) for line in text.splitlines()))


@main.command()
@_store_option
def versions(store_dir: Path | None) -> None:
    """Published versions: when, from what input, how many rows."""
    target = store.resolve_store(store_dir)
    numbers = store.list_versions(target)
    if not numbers:
        _fail(f"no published version in {target}: run `python -m shelfwatch build` first")
    current = store.current_version(target)
    for number in numbers:
        con = store.open_version(target, number, any_format=True)  # provenance only
        try:
            info = queries.run_query(con, "versions_published").set_index("version").loc[number]
            inputs = queries.run_query(con, "version_inputs")
        finally:
            con.close()
        mine = inputs[inputs["version"] == number]
        marker = "*" if number == current else " "
        click.echo(
            f"{marker} v{number:<5} {info['published_at']:%Y-%m-%d %H:%M:%S %Z}  "
            f"{info['action']:<7} {info['observations']:>10,} observations "
            f"{info['pairs']:>9,} pairs"
        )
        editor, note = (info.get(key) for key in ("editor", "note"))
        if isinstance(editor, str) or isinstance(note, str):
            said = f"        by {editor if isinstance(editor, str) else 'the command line'}"
            click.echo(terminal_safe(said + (f": {note}" if isinstance(note, str) else "")))
        for row in mine.itertuples():
            click.echo(f"        {row.file_name}  {row.rows:,} rows  sha256 {row.sha256[:16]}…")


@main.command()
@click.option("--retailers", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--brands", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--observations", type=click.IntRange(min=1), default=100_000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
def demo(retailers: int, brands: int, observations: int, seed: int, out: Path) -> None:
    """Write deterministic synthetic input files (same CSV schema) for any scale."""
    from shelfwatch.demo import write_demo

    started = time.perf_counter()
    counts = write_demo(
        out,
        retailers=retailers,
        brands=brands,
        observations=observations,
        seed=seed,
        progress=lambda message: click.echo(message, err=True),
    )
    rows = ", ".join(f"{name} {count:,}" for name, count in counts.items())
    click.echo(f"wrote {out} in {time.perf_counter() - started:.1f} s: {rows}")
