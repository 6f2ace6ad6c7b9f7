"""bench/report.py judges issue 13's targets from a results dict: every page in the browser,
the listing against the rule's-columns scan, the references, AppTest after a date change.

Synthetic results only (no store, no browser): fast, in `make test`.
"""

from __future__ import annotations

import copy
import json

import pytest

from bench import harness, report

MACHINE = {
    "cpu_model": "test CPU",
    "cpus": 2,
    "cpus_usable": 2,
    "memory_bytes": 8 * 2**30,
    "kernel": "6.0",
    "python": "3.11",
    "packages": {"duckdb": "x"},
    "chromium": "Chromium 1",
    "git_commit": "abc1234",
    "git_dirty": False,
    "load_average_at_start": [0.1, 0.1, 0.1],
}


def _summary(median: float, p95: float | None = None, top: float | None = None) -> dict:
    return {
        "median_s": median,
        "min_s": median * 0.9,
        "max_s": top if top is not None else (p95 or median) * 1.1,
        "p25_s": median * 0.95,
        "p75_s": median * 1.05,
        "p95_s": p95 if p95 is not None else median * 1.05,
        "runs_s": [median],
    }


def _browser_page(name: str, p50: float, p95: float, first: float, rss_gib: float) -> dict:
    cpu = {
        "server_cpu_s": 0.2,
        "chromium_cpu_s": 0.15,
        "renderer_cpu_s": 0.1,
        "browser_cpu_s": 0.03,
    }
    return {
        "page": name,
        "url": f"/{name}?as_of=2026-06-16",
        "server_start_s": 1.5,
        "cold_first_render_s": first,
        "first_render_cpu": {**cpu, "server_cpu_s": 1.2},
        "returning_first_render_s": first / 2,
        "returning_first_render_cpu": cpu,
        "date_field": True,
        "date_changes": 20,
        "date_change": _summary(p50, p95),
        "cpu_per_change": {who: _summary(v) for who, v in cpu.items()},
        "typing_cpu": {who: _summary(v / 2) for who, v in cpu.items()},
        "peak_rss_bytes": int(rss_gib * 2**30),
        "rss_at_end_bytes": int(rss_gib * 2**30 * 0.9),
        "processes": 1,
        "browser_peak_rss_bytes": 400 * 2**20,
        "browser_processes": 8,
        "dates": ["2026-05-30"],
    }


def _apptest_page(cold: float, warm: float, change: float) -> dict:
    return {
        "cold_s": cold,
        "warm": _summary(warm),
        "date_field": True,
        "date_change": {**_summary(change), "dates": ["2026-05-30"]},
        "exceptions": [],
    }


def _scale(name: str = "10m") -> dict:
    pages = ("overview", "timeline", "compare", "profiles", "explore", "data")
    return {
        "scale": {"name": name, "observations": 10_000_000, "retailers": 2_000, "brands": 5_000},
        "load_average_at_start": [1.0, 1.0, 1.0],
        "load_average_at_end": [1.0, 1.0, 1.0],
        "workload": {"as_of": "2026-06-16"},
        "data": {"generated": False, "input_bytes": 2**30},
        "build": {"reused": True},
        "queries": {
            "status_as_of": {"query": "status_as_of", "rows": 833_237, **_summary(0.9)},
            "status_as_of[explore page]": {
                "query": "status_as_of",
                "rows": 1_000,
                **_summary(0.05),
            },
            "status_as_of[explore page 300]": {
                "query": "status_as_of",
                "rows": 1_000,
                **_summary(0.06),
            },
            "status_as_of_count": {"query": "status_as_of_count", "rows": 1, **_summary(0.02)},
        },
        "scan_floor": {
            "floor": {"sql": "select …", **_summary(0.4)},
            "floor_fixed_columns": {"sql": "select …", **_summary(0.036)},
            "status_filter_only": {"sql": "select …", **_summary(0.016)},
            "status_as_of_to_arrow": _summary(0.6),
        },
        "references": {
            "load_pandas_s": 10.0,
            "load_polars_s": 5.0,
            "observations": 10_000_000,
            "checks": {
                "status_as_of": {
                    "query_case": "status_as_of",
                    "ours_median_s": 0.5,
                    "rows_compared": 833_237,
                    "pandas_equal": True,
                    "pandas": _summary(36.0),
                    "pandas_ratio": 72.0,
                    "polars_equal": True,
                    "polars": _summary(17.5),
                    "polars_ratio": 35.0,
                }
            },
        },
        "apptest": {
            "first_run_s": 3.0,
            "peak_rss_bytes": 2**30,
            "pages": {f"pages/{p}.py": _apptest_page(1.2, 0.2, 0.6) for p in pages},
        },
        "browser": {
            "changes": 20,
            "dates": ["2026-05-30"],
            "pages": {p: _browser_page(p, 0.3, 0.4, 1.5, 0.5) for p in pages},
        },
    }


def _results(scale: dict) -> dict:
    return {
        "date": "2026-12-03",
        "command": "python -m bench --scales 10m",
        "machine": MACHINE,
        "scales": {"10m": scale},
        "mismatches": [],
    }


def _by_name(verdicts: list[report.Target]) -> dict[str, report.Target]:
    return {t.name: t for t in verdicts}


def _find(verdicts: list[report.Target], words: str) -> report.Target:
    found = [t for t in verdicts if words in t.name]
    assert len(found) == 1, [t.name for t in verdicts]
    return found[0]


def test_every_target_passes_on_good_figures():
    verdicts = report.targets(_scale())
    judged = {t.name: t.status for t in verdicts if "100M" not in t.name}
    assert set(judged.values()) == {"pass"}, judged
    assert len(judged) == 9  # 4 browser, 2 listing vs scan, 2 references, AppTest
    assert not any(t.why for t in verdicts)
    change = _find(verdicts, "date change → re-rendered")
    assert change.goal == "≤ 500 ms"
    assert "(of 6 pages)" in change.measured
    # 100M figures come from the build-growth script when this run has no 100m scale.
    for big in (t for t in verdicts if "100M" in t.name):
        assert big.status == "not measured"
        assert "build-growth" in big.measured


def test_browser_misses_name_the_worst_page_and_where_the_cpu_went():
    scale = _scale()
    pages = scale["browser"]["pages"]
    pages["explore"] = _browser_page("explore", 0.6, 0.9, 2.5, 1.5)
    pages["timeline"]["date_change"] = _summary(0.45, 0.55)
    verdicts = report.targets(scale)
    change = _find(verdicts, "date change → re-rendered")
    assert change.status == "MISS"
    assert change.measured.startswith("worst explore: p95 900 ms")
    assert "explore p95 900 ms" in change.why and "timeline p95 550 ms" in change.why
    assert "server 200 ms, Chromium 150 ms of which renderers 100 ms" in change.why
    assert change.why.endswith(report.LEAD_PLACEHOLDER)
    first = _find(verdicts, "cold first render")
    assert (first.status, first.measured) == ("MISS", "worst explore: 2,500 ms (of 6 pages)")
    assert "server 1,200 ms" in first.why
    rss = _find(verdicts, "App server peak resident memory")
    assert rss.status == "MISS" and "explore" in rss.measured and "1.50 GiB" in rss.why


def test_a_failed_browser_page_cannot_pass():
    scale = _scale()
    scale["browser"]["pages"]["profiles"] = {
        "url": "/profiles?brand=b-1",
        "error": "AssertionError: the page shows an exception: boom",
        "trace": "…",
    }
    change = _find(report.targets(scale), "date change → re-rendered")
    assert change.status == "MISS"
    assert "failed: profiles" in change.measured
    assert "profiles failed: AssertionError" in change.why
    assert "profiles" in report.markdown(_results(scale))


def test_a_page_without_the_date_field_is_judged_on_its_first_render_only():
    scale = _scale()
    data = scale["browser"]["pages"]["data"]
    data.update(date_field=False, date_changes=0)
    del data["date_change"], data["cpu_per_change"]
    change = _find(report.targets(scale), "date change → re-rendered")
    assert change.status == "pass"
    assert "(of 5 pages)" in change.measured
    assert "no date field (first render only): data" in change.measured
    assert "no date field" in report.markdown(_results(scale))


def test_the_listing_is_judged_against_the_scan_of_the_rules_columns():
    scale = _scale()
    scale["queries"]["status_as_of[explore page 300]"].update(_summary(0.2))
    verdicts = report.targets(scale)
    first = _find(verdicts, "Explore's first page")
    assert first.status == "pass"
    assert first.measured == "50 ms = 1.4× the scan (36 ms); 1,000 rows"
    deep = _find(verdicts, "Explore's page 300")
    assert "past the listing's end" not in deep.measured
    assert deep.status == "MISS"
    assert "5.6× the scan" in deep.measured
    assert "filter alone" in deep.why and "status_as_of_count (the listing's total) 20 ms" in (
        deep.why
    )
    assert deep.why.endswith(report.LEAD_PLACEHOLDER)


@pytest.mark.parametrize(
    ("library", "ratio", "equal", "status"),
    [
        ("pandas", 49.0, True, "MISS"),
        ("pandas", 72.0, False, "MISS"),
        ("polars", 14.0, True, "MISS"),
        ("polars", 35.0, True, "pass"),
    ],
)
def test_the_references_need_the_factor_and_equal_results(library, ratio, equal, status):
    scale = _scale()
    check = scale["references"]["checks"]["status_as_of"]
    check.update({f"{library}_ratio": ratio, f"{library}_equal": equal})
    if not equal:
        check[f"{library}_mismatch"] = "row 3 differs"
    target = _find(report.targets(scale), f"vs the {library} reference")
    assert target.status == status
    if not equal:
        assert "NOT EQUAL" in target.measured and "row 3 differs" in target.why


def test_references_skipped_are_not_measured():
    scale = _scale()
    del scale["references"]
    for library in ("pandas", "polars"):
        assert _find(report.targets(scale), f"vs the {library} reference").status == (
            "not measured"
        )


def test_apptest_is_judged_on_the_date_change_with_cold_and_warm_beside_it():
    scale = _scale()
    pages = scale["apptest"]["pages"]
    pages["pages/overview.py"] = _apptest_page(2.5, 0.4, 1.3)
    target = _find(report.targets(scale), "AppTest rerun after a date change, at 10M")
    assert target.status == "MISS"
    assert target.measured.startswith("slowest pages/overview.py 1,300 ms")
    assert "cold: slowest pages/overview.py 2,500 ms" in target.measured
    assert "warm: slowest pages/overview.py 400 ms" in target.measured
    assert "Over the limit: pages/overview.py 1,300 ms" in target.why
    # A page that raised stopped early: its time does not count as a pass.
    pages["pages/overview.py"] = _apptest_page(1.0, 0.2, 0.3)
    pages["pages/data.py"]["exceptions"] = ["KeyError: 'x' @ pages/data.py"]
    target = _find(report.targets(scale), "AppTest rerun after a date change, at 10M")
    assert target.status == "MISS" and "pages/data.py" in target.why


def test_a_100m_scale_of_the_run_is_judged_there():
    big = _scale("100m")
    big["build"] = {"seconds": 900.0, "peak_rss_bytes": 12 * 2**30}
    big["apptest"]["pages"]["pages/explore.py"] = _apptest_page(3.0, 0.5, 1.5)
    verdicts = _by_name(report.targets(_scale(), big))
    build = verdicts["Build of 100M from CSV: peak resident memory"]
    assert (build.status, build.why) == ("MISS", report.LEAD_PLACEHOLDER)
    assert build.measured.startswith("12.00 GiB")
    assert verdicts["Every page, AppTest rerun after a date change, at 100M"].status == "pass"
    # ... and the 10M targets still on the 10m scale.
    results = _results(_scale())
    results["scales"]["100m"] = big
    assert report.target_scale(results) == "10m"
    assert "| Build of 100M from CSV: peak resident memory | ≤ 10.00 GiB | 12.00 GiB" in (
        report.markdown(results)
    )


def test_markdown_has_the_per_page_tables_and_the_missed_targets():
    scale = _scale()
    scale["browser"]["pages"]["explore"] = _browser_page("explore", 0.6, 0.9, 1.0, 0.5)
    text = report.markdown(_results(scale))
    assert "### Missed targets" in text
    assert "- **Browser, every page: as-of date change → re-rendered, p95**: Over the limit" in text
    assert text.count(report.LEAD_PLACEHOLDER) == 1
    assert (
        "| `/explore?as_of=2026-06-16` | 1,500 ms | 1,000 ms | 500 ms | 600 ms | 900 ms |" in text
    )
    # CPU per change: wall, server, server max, Chromium, renderers, browser process, Chromium
    # max, Chromium while typing, first render.
    assert (
        "| `explore` | 600 ms | 200 ms | 220 ms | 150 ms | 100 ms | 30 ms | 165 ms | 75 ms "
        "| 1,200 ms / 150 ms |"
    ) in text
    assert "| `pages/explore.py` | 1,200 ms | 200 ms |" in text
    assert "date change median" in text
    assert "Typing retried" not in text
    assert "Runs React never showed" not in text
    scale["browser"]["pages"]["compare"].update(typing_retries=2, runs_not_shown=3)
    text = report.markdown(_results(scale))
    assert "Typing retried" in text and "compare 2×" in text
    assert "Runs React never showed" in text and "compare 3 of 20" in text


def test_an_older_results_file_with_one_browser_page_still_reads():
    scale = _scale()
    old = copy.deepcopy(scale["browser"]["pages"]["overview"])
    for key in ("url", "cpu_per_change", "first_render_cpu", "date_field"):
        old.pop(key)
    scale["browser"] = old
    for page in scale["apptest"]["pages"].values():
        page.pop("date_change")
        page.pop("date_field")
    verdicts = report.targets(scale)
    assert _find(verdicts, "date change → re-rendered").measured.startswith("worst overview")
    assert _find(verdicts, "AppTest rerun after a date change, at 10M").status == "not measured"
    assert "| `/overview` |" in report.markdown(_results(scale))


def test_browser_pages_option():
    assert harness.parse_browser_pages("explore, overview") == ("overview", "explore")
    with pytest.raises(Exception, match="unknown page"):
        harness.parse_browser_pages("overview,nowhere")
    assert harness.READER_PAGES == (
        "overview",
        "timeline",
        "compare",
        "profiles",
        "explore",
        "data",
    )


def test_a_page_past_the_listings_end_says_so():
    scale = _scale("1m")
    scale["queries"]["status_as_of[explore page 300]"]["rows"] = 0
    deep = _find(report.targets(scale), "Explore's page 300")
    assert "past the listing's end at this scale: status_as_of has 833,237 rows" in deep.measured


def test_the_100m_targets_come_from_the_newest_build_growth_run(tmp_path):
    """A run without a 100m scale judges the 100M targets on the newest build-growth results,
    and says which file (and commit) the figures come from."""
    assert report.latest_growth(tmp_path) is None
    pages = {f"pages/{p}.py": _apptest_page(9.0, 0.5, 1.5) for p in ("overview", "explore")}
    pages["pages/explore.py"]["date_change"]["median_s"] = 2.5
    for day, rss in (("2026-12-01", 12 * 2**30), ("2026-12-03", 5 * 2**30)):
        (tmp_path / f"{day}-build-growth.json").write_text(
            json.dumps(
                {
                    "date": day,
                    "machine": {"git_commit": "abc1234"},
                    "scales": {
                        "10m": {"peak_rss_bytes": 2**30, "seconds": 100.0},
                        "100m": {
                            "peak_rss_bytes": rss,
                            "seconds": 1800.0,
                            "apptest": {"peak_rss_bytes": 2**30, "pages": pages},
                            "phases": [{"phase": "inputs"}],
                        },
                    },
                }
            ),
            encoding="utf-8",
        )
    growth = report.latest_growth(tmp_path)
    assert growth["file"] == "bench/results/2026-12-03-build-growth.json"
    assert "phases" not in growth["scales"]["100m"]  # only what the targets read
    verdicts = report.targets(_scale(), None, growth)
    build = _find(verdicts, "Build of 100M")
    assert build.status == "pass"
    assert build.measured.startswith("5.00 GiB")
    assert "from bench/results/2026-12-03-build-growth.json (2026-12-03, commit abc1234)" in (
        build.measured
    )
    apptest = _find(verdicts, "at 100M")
    assert apptest.status == "MISS"
    assert "slowest pages/explore.py 2,500 ms" in apptest.measured


def test_a_second_run_on_the_same_day_never_overwrites_the_first(tmp_path):
    first = report.write(_results(_scale()), tmp_path)
    second = report.write(_results(_scale()), tmp_path)
    assert [p.name for p in second] == [f"{first[0].stem}-2.md", f"{first[0].stem}-2.json"]
    assert first[0].exists() and first[1].exists()


def test_result_files_of_any_run_never_overwrite(tmp_path):
    md, js = report.result_files(tmp_path, "2026-12-03-load")
    assert (md.name, js.name) == ("2026-12-03-load.md", "2026-12-03-load.json")
    md.write_text("first")
    assert report.result_files(tmp_path, "2026-12-03-load")[0].name == "2026-12-03-load-2.md"


def test_a_run_rewrites_its_own_files_after_each_scale(tmp_path):
    results = _results(_scale())
    files = report.write(results, tmp_path)
    results["scales"]["1m"] = _scale("1m")
    assert report.write(results, tmp_path, files) == files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-12-03.json", "2026-12-03.md"]
    assert "## Scale 1m" in files[0].read_text(encoding="utf-8")
