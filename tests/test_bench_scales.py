"""An opt-in scale of ``python -m bench`` (100M) is built and its pages timed; the catalog,
the references and the browser are left to the default scales. Built here on the tiny scale."""

from __future__ import annotations

from bench import __main__ as bench_main
from bench import datasets, harness, report


def test_an_opt_in_scale_is_built_and_skips_the_catalog_references_and_browser(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(datasets, "OPT_IN_SCALES", {"tiny": datasets.TINY})
    options = harness.Options(skip_apptest=True)
    result = harness.run_scale(datasets.TINY, options, say=lambda _m: None, root=tmp_path)
    assert result["build"]["peak_rss_bytes"] > 0 and result["workload"]["as_of"]
    assert result["skipped"] == ["queries", "scan_floor", "references", "browser"]
    assert not {"queries", "scan_floor", "references", "browser"} & set(result)
    lines = "\n".join(report._scale_lines("tiny", result))
    assert "Not measured at this opt-in scale: queries, scan_floor" in lines


def test_the_command_line_takes_an_opt_in_scale_smallest_first():
    names = [s.name for s in bench_main._parse_scales("100m,1m,10m")]
    assert names == ["1m", "10m", "100m"]


def test_a_builds_peak_is_its_own_not_the_harness_high_water_mark(tmp_path):
    """Linux carries a parent's peak RSS into a child it starts (fork or vfork, then exec), so
    ru_maxrss of a tiny build started by a big harness reads as the harness's peak."""
    held = bytearray(1 << 30)
    held[::4096] = b"x" * len(held[::4096])  # resident: the harness now peaks above 1 GiB
    dataset = datasets.prepare(datasets.TINY, tmp_path, say=lambda _m: None)
    build = datasets.build_store(dataset)
    del held
    assert 0 < build.peak_rss_bytes < 700 * 2**20  # a tiny build: a Python with DuckDB
