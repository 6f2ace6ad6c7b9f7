"""Evidence packs on the seed store: the ZIP checks out with ``sha256sum -c``, its CSV is the
view's CSV export byte for byte, its sources list every source with its quote, one timestamp
runs through it, and packs stay within their bounds (rows, concurrent builds, whole or not at
all)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from shelfwatch import exports, images, packs, store
from shelfwatch.cli import main
from shelfwatch.filters import Filters
from shelfwatch.ui import downloads
from tests.imaging import PNG_SIGNATURE, require_chromium, svg_text

AS_OF = dt.date(2025, 10, 29)
GENERATED_AT = dt.datetime(2026, 1, 2, 3, 4, 6, tzinfo=dt.UTC)
PERMALINK = "http://localhost:8501/explore?brand=lorex&v=1"
# What the Explore page cites for each view (pages/explore.py).
FILTERED = ("retailers", "brands", "parents", "lists", "statuses")
VIEWS = {
    "status": ("status_as_of", (*FILTERED, "any_claim", "stale_after"), "Shelfwatch status"),
    "evidence": ("explorer_observations", FILTERED, "Shelfwatch evidence"),
    "relistings": ("relistings", ("retailers", "brands"), "Shelfwatch re-listings"),
}


def explore_offer(seed_store: Path, view: str = "status", **chosen) -> downloads.Download:
    """The export the Explore page offers for ``view`` with ``chosen`` filters."""
    name, cited, title = VIEWS[view]
    scope = Filters(as_of=AS_OF, **chosen)
    return downloads.Download(
        source=downloads.QuerySource(
            store.version_path(seed_store, 1), name, scope.query_params(name, max_rows=None)
        ),
        data_version=1,
        as_of=AS_OF,
        filters=scope.provenance(*cited, view=view),
        title=title,
        permalink=PERMALINK,
    )


def unpacked(pack: packs.EvidencePack, folder: Path) -> dict[str, bytes]:
    out = io.BytesIO()
    pack.write(out, GENERATED_AT)
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
        return {name: archive.read(name) for name in archive.namelist()}


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess:
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum (coreutils) is not installed")
    return subprocess.run(
        ["sha256sum", "-c", packs.SUMS_FILE], cwd=folder, capture_output=True, text=True
    )


# --- what is in a pack ------------------------------------------------------------------------


def test_a_pack_with_its_chart_checks_out_with_sha256sum(seed_store, tmp_path):
    require_chromium()
    offer = explore_offer(seed_store, brands=("lorex",))
    chart = packs.CoverageChart(store.version_path(seed_store, 1), ("lorex",))
    pack = packs.EvidencePack(offer.job, ((chart.title, chart),))
    target = tmp_path / pack.file_name()
    assert target.name == "shelfwatch-status-v1-2025-10-29-evidence-pack.zip"
    rows = pack.write_file("zip", target, GENERATED_AT)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(target) as archive:
        archive.extractall(folder)
        names = archive.namelist()
    stem = "shelfwatch-how-many-retailers-sell-each-brand-v1-2025-10-29"
    assert names == [
        offer.file_name("csv"),
        packs.SOURCES_FILE,
        f"{stem}.png",
        f"{stem}.svg",
        packs.README_FILE,
        packs.SUMS_FILE,
    ]
    checked = sha256sum_check(folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == len(names) - 1  # every other file
    assert (folder / f"{stem}.png").read_bytes().startswith(PNG_SIGNATURE)
    shown = "\n".join(svg_text((folder / f"{stem}.svg").read_bytes()))
    assert "Source: Shelfwatch data v1, CC BY 4.0" in shown and PERMALINK in shown
    assert "brand=lorex" in shown and "As of 2025-10-29" in shown
    _, table = exports.read_csv_export(offer.make_bytes("csv"))
    assert rows == len(table) > 0 and set(table["brand_id"]) == {"lorex"}
    # A changed file no longer checks out: the manifest is a real one.
    (folder / packs.SOURCES_FILE).write_bytes(b"tampered\n")
    assert sha256sum_check(folder).returncode != 0


@pytest.mark.parametrize("view", list(VIEWS))
def test_the_pack_csv_is_the_view_csv_export_byte_for_byte(seed_store, tmp_path, view):
    offer = explore_offer(seed_store, view)
    files = unpacked(packs.EvidencePack(offer.job), tmp_path)
    assert files[offer.file_name("csv")] == offer.make_bytes("csv", generated_at=GENERATED_AT)
    checked = sha256sum_check(tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_manifest_is_in_sha256sum_format_and_covers_every_other_file(seed_store, tmp_path):
    files = unpacked(packs.EvidencePack(explore_offer(seed_store).job), tmp_path)
    lines = files[packs.SUMS_FILE].decode("ascii").splitlines()
    assert all(re.fullmatch(r"[0-9a-f]{64}  [A-Za-z0-9._-]+", line) for line in lines), lines
    assert sorted(line.split("  ", 1)[1] for line in lines) == sorted(
        set(files) - {packs.SUMS_FILE}
    )


def test_one_timestamp_runs_through_the_pack(seed_store, tmp_path):
    offer = explore_offer(seed_store, "evidence")
    out = io.BytesIO()
    packs.EvidencePack(offer.job).write(out, GENERATED_AT)
    with zipfile.ZipFile(out) as archive:
        stamps = {info.date_time for info in archive.infolist()}
        data, _ = exports.read_csv_export(archive.read(offer.file_name("csv")))
        sources, _ = exports.read_csv_export(archive.read(packs.SOURCES_FILE))
        readme = archive.read(packs.README_FILE).decode("utf-8")
    assert stamps == {(2026, 1, 2, 3, 4, 6)}
    assert data["generated_at"] == sources["generated_at"] == "2026-01-02T03:04:06Z"
    assert "Generated at: 2026-01-02T03:04:06Z" in readme
    assert sources["citation"] == data["citation"]


def test_the_readme_holds_the_citation_the_permalink_and_the_licence(seed_store, tmp_path):
    offer = explore_offer(seed_store, brands=("lorex",))
    files = unpacked(packs.EvidencePack(offer.job), tmp_path)
    readme = files[packs.README_FILE].decode("utf-8")
    assert offer.provenance(GENERATED_AT).citation() in readme
    assert PERMALINK in readme and "CC BY 4.0" in readme
    assert f"`{offer.file_name('csv')}`" in readme and "sha256sum -c SHA256SUMS" in readme


def test_sources_list_every_source_behind_the_rows_with_its_quote(seed_store, tmp_path):
    offer = explore_offer(seed_store, "evidence")
    files = unpacked(packs.EvidencePack(offer.job), tmp_path)
    _, rows = exports.read_csv_export(files[offer.file_name("csv")])
    _, sources = exports.read_csv_export(files[packs.SOURCES_FILE])
    assert list(sources.columns) == [
        "source_url",
        "source_kind",
        "confidence",
        "first_effective_on",
        "last_effective_on",
        "reported_on",
        "quote",
        "archive_url",
        "rows",
    ]
    assert set(sources["source_url"]) == set(rows["source_url"])
    assert sources["rows"].astype(int).sum() == len(rows)  # one source per observation
    listed = set(zip(sources["source_url"], sources["quote"], strict=True))
    assert set(zip(rows["source_url"], rows["quote"], strict=True)) <= listed
    for _, source in sources.iterrows():
        dated = rows[
            (rows["source_url"] == source["source_url"]) & (rows["quote"] == source["quote"])
        ]
        assert source["first_effective_on"] == dated["effective_on"].min()
        assert source["last_effective_on"] == dated["effective_on"].max()


def test_a_relisting_pack_lists_the_sources_of_both_sides(seed_store, tmp_path):
    offer = explore_offer(seed_store, "relistings")
    files = unpacked(packs.EvidencePack(offer.job), tmp_path)
    _, rows = exports.read_csv_export(files[offer.file_name("csv")])
    _, sources = exports.read_csv_export(files[packs.SOURCES_FILE])
    assert len(rows) > 0
    both = set(rows["source_url"]) | set(rows["not_sold_source_url"])
    assert set(sources["source_url"]) == both - {""}


# --- bounds -----------------------------------------------------------------------------------


def test_a_pack_over_the_row_cap_is_refused_and_nothing_is_written(seed_store, tmp_path):
    offer = explore_offer(seed_store, "evidence")
    target = tmp_path / "pack.zip"
    with pytest.raises(packs.PackTooLarge, match=r"more than 5 rows.*python -m shelfwatch export"):
        packs.EvidencePack(offer.job, max_rows=5).write_file("zip", target)
    assert list(tmp_path.iterdir()) == []  # no pack, no temporary file


def test_one_pack_too_many_is_told_to_try_again(seed_store, tmp_path, monkeypatch):
    monkeypatch.setattr(packs, "_SLOTS", threading.BoundedSemaphore(1))
    monkeypatch.setattr(images, "chromium_path", lambda: "/usr/bin/chromium")  # nothing drawn
    offer = explore_offer(seed_store)
    building, release = threading.Event(), threading.Event()

    def slow_chart():
        # Holds the first pack in its slot, then fails it: no image is ever drawn.
        building.set()
        release.wait(30)
        raise RuntimeError("the chart could not be built")

    failures: list[BaseException] = []

    def first() -> None:
        try:
            packs.EvidencePack(offer.job, (("Slow", slow_chart),)).write_file(
                "zip", tmp_path / "first.zip"
            )
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert building.wait(30)
        with pytest.raises(packs.PacksBusy, match="try again"):
            packs.EvidencePack(offer.job).write_file("zip", tmp_path / "second.zip")
    finally:
        release.set()
        thread.join(30)
    assert [str(exc) for exc in failures] == ["the chart could not be built"]
    assert list(tmp_path.iterdir()) == []  # the failed pack left nothing, whole or not at all
    packs.EvidencePack(offer.job).write_file("zip", tmp_path / "third.zip")  # the slot is free
    assert [path.name for path in tmp_path.iterdir()] == ["third.zip"]


def test_a_pack_of_charts_without_chromium_fails_before_reading_rows(
    seed_store, tmp_path, monkeypatch
):
    monkeypatch.setattr(images, "chromium_path", lambda: None)
    chart = packs.CoverageChart(store.version_path(seed_store, 1))
    pack = packs.EvidencePack(explore_offer(seed_store).job, ((chart.title, chart),))
    with pytest.raises(images.ChromiumMissing):
        pack.write_file("zip", tmp_path / "pack.zip")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="zip"):
        pack.file_name("csv")


def test_the_coverage_chart_defaults_to_the_most_active_brands(seed_store):
    everyone = packs.CoverageChart(store.version_path(seed_store, 1))
    lorex = dataclasses.replace(everyone, brands=("lorex",))
    assert "most active" in everyone.title and "most active" not in lorex.title
    assert {trace.name for trace in lorex().data} >= {"Lorex"}
    assert len(everyone().data) > len(lorex().data)


# --- the command line -------------------------------------------------------------------------


def test_the_cli_writes_a_pack_of_the_same_rows_as_the_app(seed_store, tmp_path):
    out = tmp_path / "pack.zip"
    result = CliRunner().invoke(
        main,
        [
            "pack",
            "--out",
            str(out),
            "--no-charts",
            "--brand",
            "lorex",
            "--as-of",
            "2025-10-29",
            "--store",
            str(seed_store),
        ],
    )
    assert result.exit_code == 0, result.output
    _, app_rows = exports.read_csv_export(
        explore_offer(seed_store, brands=("lorex",)).make_bytes("csv")
    )
    assert f"wrote an evidence pack of {len(app_rows)} rows" in result.output
    with zipfile.ZipFile(out) as archive:
        archive.extractall(tmp_path / "unzipped")
        names = set(archive.namelist())
        _, cli_rows = exports.read_csv_export(archive.read("shelfwatch-v1-2025-10-29.csv"))
    assert cli_rows.equals(app_rows)
    assert names == {
        "shelfwatch-v1-2025-10-29.csv",
        packs.SOURCES_FILE,
        packs.README_FILE,
        packs.SUMS_FILE,
    }
    assert sha256sum_check(tmp_path / "unzipped").returncode == 0


def test_the_cli_refuses_a_pack_over_the_cap(seed_store, tmp_path, monkeypatch):
    monkeypatch.setattr(packs, "MAX_PACK_ROWS", 3)
    out = tmp_path / "pack.zip"
    result = CliRunner().invoke(
        main,
        ["pack", "--out", str(out), "--no-charts", "--as-of", "2025-10-29"]
        + ["--view", "evidence", "--store", str(seed_store)],
    )
    assert result.exit_code == 1
    assert "more than 3 rows" in result.output and "nothing was written" in result.output
    assert not out.exists()
