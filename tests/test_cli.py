"""The command line tells the reported story from the seed data (docs/design.md's CLI contract)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from shelfwatch import exports, store
from shelfwatch.cli import main
from tests.conftest import MINI_DATA, build_store

PROJECT = Path(__file__).resolve().parent.parent


def status_rows(seed_store: Path, as_of: str, *extra: str) -> dict[tuple[str, str], dict]:
    result = CliRunner().invoke(
        main, ["status", "--as-of", as_of, "--format", "csv", "--store", str(seed_store), *extra]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    return {(row["retailer_id"], row["brand_id"]): row for row in rows}


def test_status_csv_contract(seed_store: Path):
    """Header first, at least retailer_id,brand_id,status,since,disputed; ISO dates; true/false."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "shelfwatch",
            "status",
            "--as-of",
            "2021-11-30",
            "--format",
            "csv",
            "--store",
            str(seed_store),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    header = result.stdout.splitlines()[0].split(",")
    assert header[:5] == ["retailer_id", "brand_id", "status", "since", "disputed"]
    for row in csv.DictReader(io.StringIO(result.stdout)):
        assert row["disputed"] in ("true", "false")
        assert len(row["since"]) == 10 and row["since"][4] == "-"
        assert row["source_url"].startswith("http")


def test_the_october_2021_story(seed_store: Path):
    rows = status_rows(seed_store, "2021-11-30")
    status = {pair: row["status"] for pair, row in rows.items()}
    # Home Depot removed Lorex and Ezviz.
    assert status[("home-depot", "lorex")] == "removed"
    assert status[("home-depot", "ezviz")] == "removed"
    # Best Buy exiting or removed both.
    assert status[("best-buy", "lorex")] in ("exiting", "removed")
    assert status[("best-buy", "ezviz")] in ("exiting", "removed")
    # Lowe's removed Lorex; Ezviz there was only reported unavailable.
    assert status[("lowes", "lorex")] == "removed"
    assert status[("lowes", "ezviz")] == "unavailable"
    # Walmart and Costco still sold both.
    for retailer in ("walmart", "costco"):
        for brand in ("lorex", "ezviz"):
            assert status[(retailer, brand)] == "stocked"
    # Pairs no source speaks of have no row.
    for silent in [
        ("amazon", "lorex"),
        ("amazon", "ezviz"),
        ("kohls", "lorex"),
        ("kohls", "ezviz"),
        ("walmart", "imou"),
    ]:
        assert silent not in status


def test_later_facts(seed_store: Path):
    assert status_rows(seed_store, "2023-11-30")[("costco", "lorex")]["status"] == "stocked"
    assert status_rows(seed_store, "2025-10-31")[("amazon", "lorex")]["status"] == "stocked"
    before = status_rows(seed_store, "2021-10-24")
    assert ("amazon", "lorex") not in before


def test_filters_and_json(seed_store: Path):
    result = CliRunner().invoke(
        main,
        [
            "status",
            "--as-of",
            "2021-11-30",
            "--brand",
            "ezviz",
            "--retailer",
            "lowes",
            "--format",
            "json",
            "--store",
            str(seed_store),
        ],
    )
    assert result.exit_code == 0
    records = json.loads(result.output)
    assert [(r["retailer_id"], r["brand_id"], r["status"]) for r in records] == [
        ("lowes", "ezviz", "unavailable")
    ]
    assert records[0]["disputed"] in ("true", "false")


def test_changes_between_dates(seed_store: Path):
    result = CliRunner().invoke(
        main,
        [
            "changes",
            "--start",
            "2021-10-01",
            "--end",
            "2021-11-30",
            "--format",
            "csv",
            "--store",
            str(seed_store),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {
        (r["retailer_id"], r["brand_id"]): r for r in csv.DictReader(io.StringIO(result.output))
    }
    assert rows[("home-depot", "lorex")]["from_status"] == "stocked"
    assert rows[("home-depot", "lorex")]["to_status"] == "removed"
    assert rows[("home-depot", "ezviz")]["from_status"] == ""  # no data on the start date
    assert ("walmart", "lorex") not in rows  # stocked on both dates: no change
    bad = CliRunner().invoke(
        main,
        ["changes", "--start", "2022-01-01", "--end", "2021-01-01", "--store", str(seed_store)],
    )
    assert bad.exit_code == 2


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_export_every_format(seed_store: Path, tmp_path: Path, fmt: str):
    out = tmp_path / f"lorex.{fmt}"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "--format",
            fmt,
            "--out",
            str(out),
            "--as-of",
            "2021-11-30",
            "--brand",
            "lorex",
            "--store",
            str(seed_store),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    if fmt == "csv":
        provenance, frame = exports.read_csv_export(out.read_bytes())
        assert provenance["data_version"] == "1"
        assert provenance["as_of"] == "2021-11-30"
        assert "brand=lorex" in provenance["filters"]
        assert set(frame["brand_id"]) == {"lorex"}
        assert (frame["source_url"].str.startswith("http")).all()


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_a_streamed_export_never_imports_pandas(seed_store: Path, tmp_path: Path, fmt: str):
    # Rows go from DuckDB to the file as Arrow batches; importing pandas would only add half a
    # second to every export from the command line (docs/design.md, "Exports").
    out = tmp_path / f"evidence.{fmt}"
    probe = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print('pandas imported:', 'pandas' in sys.modules))\n"
        "sys.argv = ['shelfwatch', *sys.argv[1:]]\n"
        "runpy.run_module('shelfwatch', run_name='__main__')\n"
    )
    command = [sys.executable, "-c", probe, "export", "--view", "evidence", "--format", fmt]
    command += ["--out", str(out), "--store", str(seed_store)]
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "wrote 30 rows" in done.stdout
    assert done.stdout.rstrip().endswith("pandas imported: False")


def test_versions_lists_inputs(seed_store: Path):
    result = CliRunner().invoke(main, ["versions", "--store", str(seed_store)])
    assert result.exit_code == 0
    assert "v1" in result.output and "observations.csv" in result.output


def test_commands_on_an_empty_store_fail_clearly(tmp_path: Path):
    result = CliRunner().invoke(
        main, ["status", "--as-of", "2021-11-30", "--store", str(tmp_path / "none")]
    )
    assert result.exit_code == 1
    assert "no published version" in result.output
    assert "Traceback" not in result.output


def cli_csv(seed_store: Path, *args: str) -> list[dict]:
    result = CliRunner().invoke(main, [*args, "--format", "csv", "--store", str(seed_store)])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_status_flags_honest_disputes_and_old_evidence(seed_store: Path):
    rows = status_rows(seed_store, "2021-11-30")
    # Removed on Home Depot's statement; Lorex's older, weaker list of retailers is history.
    assert rows[("home-depot", "lorex")]["status"] == "removed"
    assert rows[("home-depot", "lorex")]["disputed"] == "false"
    # Best Buy's statement against a same-day listing check that found nothing.
    assert rows[("best-buy", "ezviz")]["disputed"] == "true"
    header = next(iter(rows.values())).keys()
    assert list(header)[:7] == [
        "retailer_id",
        "brand_id",
        "status",
        "since",
        "disputed",
        "last_evidence_on",
        "stale",
    ]
    later = status_rows(seed_store, "2025-10-29")
    assert later[("walmart", "ezviz")]["status"] == "stocked"
    assert later[("walmart", "ezviz")]["last_evidence_on"] == "2021-10-25"
    assert later[("walmart", "ezviz")]["stale"] == "true"
    assert later[("amazon", "lorex")]["stale"] == "false"
    # A longer threshold: four years is not stale.
    longer = status_rows(seed_store, "2025-10-29", "--stale-after", "2000")
    assert longer[("walmart", "ezviz")]["stale"] == "false"


def test_changes_lists_every_transition_and_net_only_the_two_dates(seed_store: Path):
    rows = cli_csv(seed_store, "changes", "--start", "2021-10-01", "--end", "2025-10-29")
    home_depot = [r for r in rows if (r["retailer_id"], r["brand_id"]) == ("home-depot", "lorex")]
    assert [(r["from_status"], r["to_status"], r["changed_on"]) for r in home_depot] == [
        ("stocked", "removed", "2021-10-25"),
        ("removed", "stocked", "2025-09-23"),
    ]
    assert all(r["source_url"].startswith("https://") for r in home_depot)
    assert list(rows[0])[:6] == [
        "retailer_id",
        "brand_id",
        "from_status",
        "to_status",
        "changed_on",
        "first_evidence",
    ]
    kohls = [r for r in rows if r["retailer_id"] == "kohls"]
    assert [(r["from_status"], r["first_evidence"]) for r in kohls] == [("", "true")]
    net = cli_csv(seed_store, "changes", "--start", "2021-10-01", "--end", "2025-10-29", "--net")
    assert not [r for r in net if (r["retailer_id"], r["brand_id"]) == ("home-depot", "lorex")]
    assert [r for r in net if (r["retailer_id"], r["brand_id"]) == ("lowes", "lorex")]


def test_exposure_counts_the_strongest_ownership_claim(seed_store: Path):
    rows = cli_csv(seed_store, "exposure", "--as-of", "2025-10-29")
    assert rows and not [r for r in rows if r["brand_id"] == "lorex"]
    assert list(rows[0])[:6] == [
        "retailer_id",
        "brand_id",
        "company_id",
        "list",
        "ownership_confidence",
        "ownership_contested",
    ]
    every = cli_csv(seed_store, "exposure", "--as-of", "2025-10-29", "--any-claim")
    lorex = [r for r in every if r["brand_id"] == "lorex"]
    assert lorex and {r["company_id"] for r in lorex} == {"dahua"}
    assert {r["ownership_confidence"] for r in lorex} == {"low"}
    assert {r["ownership_contested"] for r in lorex} == {"true"}
    assert {r["contested_parents"] for r in lorex} == {"Skywatch (high)"}
    back = cli_csv(seed_store, "exposure", "--as-of", "2021-11-30")
    assert [r for r in back if (r["retailer_id"], r["brand_id"], r["company_id"]) == (
        "walmart", "lorex", "dahua")]  # fmt: skip


def test_relistings_with_the_sources_of_both_sides(seed_store: Path, tmp_path: Path):
    rows = cli_csv(seed_store, "relistings")
    assert [(r["retailer_id"], r["not_sold_from"], r["relisted_on"]) for r in rows] == [
        ("best-buy", "2023-10-31", "2025-09-23"),
        ("home-depot", "2021-10-25", "2025-09-23"),
    ]
    assert {r["confidence"] for r in rows} == {"low"}
    assert all(r["not_sold_source_url"].startswith("https://") for r in rows)
    out = tmp_path / "relistings.csv"
    result = CliRunner().invoke(
        main,
        ["export", "--view", "relistings", "--format", "csv", "--out", str(out), "--store",
         str(seed_store), "--as-of", "2025-10-29"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    provenance, frame = exports.read_csv_export(out.read_bytes())
    assert "view=relistings" in provenance["filters"]
    assert len(frame) == 2


def test_plain_csv_quotes_a_lone_carriage_return_and_neutralises_formulas(capsys):
    """--format csv goes through the exports' own cell writer: a lone CR never splits a row
    (pandas' writer left it bare) and a formula is never a live cell; the header stays on
    line 1, with no provenance block."""
    import pandas as pd

    from shelfwatch import cli

    frame = pd.DataFrame(
        {"retailer_id": ["r-a"], "quote": ["one\rtwo"], "note": ["＝HYPERLINK(1)"]}
    )
    cli._emit(frame, "csv")
    out = capsys.readouterr().out
    assert out == 'retailer_id,quote,note\nr-a,"one\rtwo",\'＝HYPERLINK(1)\n'
    assert list(csv.reader(io.StringIO(out, newline=""))) == [
        ["retailer_id", "quote", "note"],
        ["r-a", "one\rtwo", "'＝HYPERLINK(1)"],
    ]


# --- Faults of build and ingest: exit 1 with one line that says what to do, no traceback,
# nothing published. Each is produced for real (a FIFO, a device, a held lock, a read-only or
# full file system, a tiny memory limit), not by patching the code.

BATCH = (
    "retailer_id,brand_id,status,effective_on,source_url\n"
    "r-a,b-z,stocked,2024-01-01,https://s.example/fault\n"
)


@pytest.fixture()
def mini_copy(tmp_path: Path) -> Path:
    return build_store(MINI_DATA, tmp_path / "store")


@pytest.fixture()
def batch(tmp_path: Path) -> Path:
    path = tmp_path / "batch.csv"
    path.write_text(BATCH, encoding="utf-8")
    return path


def store_state(store_dir: Path) -> tuple[str, list[str]]:
    """CURRENT and every name in the store: a failed publish leaves both as they were."""
    return (store_dir / "CURRENT").read_text(), sorted(p.name for p in store_dir.iterdir())


def assert_one_clean_error(code: int, stdout: str, stderr: str, *words: str) -> None:
    assert code == 1, (stdout, stderr)
    assert "Traceback" not in stdout + stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for word in words:
        assert word in lines[0], lines[0]


def shelfwatch(*args: str, env: dict | None = None, prefix: tuple[str, ...] = ()):
    return subprocess.run(
        [*prefix, sys.executable, "-m", "shelfwatch", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def cli(*args: str):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def data_with_observations(tmp_path: Path, make) -> Path:
    """The mini data with observations.csv replaced by what ``make(path)`` creates."""
    data = tmp_path / "data"
    shutil.copytree(MINI_DATA, data)
    (data / "observations.csv").unlink()
    make(data / "observations.csv")
    return data


NOT_REGULAR = {
    "FIFO": (os.mkfifo, "is a named pipe (FIFO), not a regular file"),
    "/dev/zero": (lambda path: path.symlink_to("/dev/zero"), "is a character device"),
    "directory": (lambda path: path.mkdir(), "is a directory, not a regular file"),
}


@pytest.mark.parametrize("kind", sorted(NOT_REGULAR))
def test_input_that_is_not_a_regular_file_is_refused_unread(
    mini_copy: Path, tmp_path: Path, kind: str
):
    """Refused by its metadata, never opened for reading: a FIFO no one writes to would block
    for ever (the subprocess timeout fails the test) and /dev/zero never ends."""
    make, words = NOT_REGULAR[kind]
    before = store_state(mini_copy)
    target = tmp_path / "input.csv"
    make(target)
    result = shelfwatch("ingest", str(target), "--store", str(mini_copy))
    assert_one_clean_error(result.returncode, result.stdout, result.stderr, words, "CSV")
    data = data_with_observations(tmp_path, make)
    result = shelfwatch("build", "--data", str(data), "--store", str(mini_copy))
    assert_one_clean_error(result.returncode, result.stdout, result.stderr, words)
    assert store_state(mini_copy) == before


def test_an_unreadable_file_is_refused_cleanly(mini_copy: Path, batch: Path):
    batch.chmod(0)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root reads anything: run without the capabilities that allow it
        if not shutil.which("setpriv"):
            pytest.skip("running as root and setpriv (util-linux) is missing")
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    before = store_state(mini_copy)
    result = shelfwatch("ingest", str(batch), "--store", str(mini_copy), prefix=prefix)
    assert_one_clean_error(
        result.returncode, result.stdout, result.stderr, "permission denied", "chmod u+r"
    )
    assert store_state(mini_copy) == before


@pytest.mark.parametrize("wait", ["nan", "inf", "-inf", "-1", "soon"])
def test_wait_must_be_a_finite_number_of_seconds(mini_copy: Path, batch: Path, wait: str):
    before = store_state(mini_copy)
    for args in (
        ["ingest", str(batch)],
        ["build", "--data", str(MINI_DATA)],
    ):
        code, stdout, stderr = cli(*args, "--store", str(mini_copy), "--wait", wait)
        assert code == 2, (stdout, stderr)
        assert "Invalid value for '--wait'" in stderr and "Traceback" not in stdout + stderr
    assert store_state(mini_copy) == before


def test_a_held_writer_lock_is_one_line(mini_copy: Path, batch: Path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            "handle = open(sys.argv[1], 'a+')\n"
            "fcntl.flock(handle, fcntl.LOCK_EX)\n"
            "handle.write('pid 1 \\x1b[2J the other writer'); handle.flush()\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
            str(mini_copy / store.LOCK_FILE),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = store_state(mini_copy)
        for args in (["ingest", str(batch)], ["build", "--data", str(MINI_DATA)]):
            code, stdout, stderr = cli(*args, "--store", str(mini_copy), "--wait", "0.2")
            assert_one_clean_error(code, stdout, stderr, "is busy", "try again", "\\x1b[2J")
        assert store_state(mini_copy) == before
    finally:
        holder.kill()
        holder.wait()


@contextmanager
def tmpfs(path: Path, size: str):
    """A small file system of its own (needs root): its size and read-only flag are real."""
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI runs as root: this must work there)")
        pytest.skip(reason)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_read_only_store_is_one_line(tmp_path: Path, batch: Path):
    with tmpfs(tmp_path / "ro", "32m") as mount:
        store_dir = build_store(MINI_DATA, mount / "store")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        before = store_state(store_dir)
        for args in (["ingest", str(batch)], ["build", "--data", str(MINI_DATA)]):
            code, stdout, stderr = cli(*args, "--store", str(store_dir))
            assert_one_clean_error(code, stdout, stderr, "read-only file system", "--store")
        assert store_state(store_dir) == before


@pytest.mark.parametrize(
    "free", [1_000_000, 6_000_000], ids=["no-room-for-the-copy", "full-while-checkpointing"]
)
def test_a_full_disk_is_one_line(tmp_path: Path, batch: Path, free: int):
    """A full file system when the current version is copied (OSError), or later while DuckDB
    writes the new one (DuckDB's own error; a build has no copy to make, so it gets there with
    1 MB free too): one line, and nothing of the new version left."""
    with tmpfs(tmp_path / "full", "16m") as mount:
        store_dir = build_store(MINI_DATA, mount / "store")
        room = os.statvfs(mount)
        with open(mount / "filler", "wb") as handle:
            handle.write(b"\0" * (room.f_bavail * room.f_frsize - free))
        before = store_state(store_dir)
        code, stdout, stderr = cli("ingest", str(batch), "--store", str(store_dir))
        assert_one_clean_error(code, stdout, stderr, "no space left", "free disk space")
        assert store_state(store_dir) == before
        if free == 1_000_000:
            code, stdout, stderr = cli("build", "--data", str(MINI_DATA), "--store", str(store_dir))
            assert_one_clean_error(code, stdout, stderr, "no space left", "free disk space")
            assert store_state(store_dir) == before


@pytest.mark.xfail(
    not hasattr(store, "PUBLISH_MEMORY_LIMIT"), reason="needs publish memory limit", strict=False
)
def test_out_of_memory_while_publishing_is_one_line(mini_copy: Path, batch: Path):
    before = store_state(mini_copy)
    env = {"SHELFWATCH_PUBLISH_MEMORY_LIMIT": "1MB"}
    for args in (["ingest", str(batch)], ["build", "--data", str(MINI_DATA)]):
        result = shelfwatch(*args, "--store", str(mini_copy), env=env)
        assert_one_clean_error(
            result.returncode, result.stdout, result.stderr, "ran out of memory",
            "SHELFWATCH_PUBLISH_MEMORY_LIMIT",
        )  # fmt: skip
    assert store_state(mini_copy) == before


def test_terminal_control_characters_from_the_input_are_never_echoed_raw(
    mini_copy: Path, tmp_path: Path
):
    """ESC and other controls in a file's name or its cells are printed escaped (\\x1b), in
    problems and in error lines alike."""
    bad = tmp_path / "evil\x1b]0;owned\x07.csv"
    bad.write_text(
        "retailer_id,brand_id,status,effective_on,source_url,quote\n"
        "r-a,b-x,\x1b[31msold\x9b,2024-01-01,https://s.example/1,\n"
        "r-a\u202e,b-x,stocked,2024-01-01,https://s.example/2,\n",
        encoding="utf-8",
    )
    code, stdout, stderr = cli("ingest", str(bad), "--store", str(mini_copy))
    assert code == 1
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in stdout + stderr
    assert "evil\\x1b]0;owned\\x07.csv:2:status: unknown status '\\x1b[31msold\\x9b'" in stderr
    assert "'r-a\\u202e'" in stderr
    fifo = tmp_path / "pipe\x1b[2J.csv"
    os.mkfifo(fifo)
    result = shelfwatch("ingest", str(fifo), "--store", str(mini_copy))
    assert_one_clean_error(result.returncode, result.stdout, result.stderr, "pipe\\x1b[2J.csv")
