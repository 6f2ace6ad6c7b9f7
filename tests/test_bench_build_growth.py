"""bench/build_growth.py's arithmetic and report, on made-up figures (no build runs here)."""

from __future__ import annotations

from bench import build_growth, datasets

GIB = 2**30


def _result(name: str, millions: int, seconds: float, rss_gib: float, **extra) -> dict:
    scale = datasets.ALL_SCALES[name]
    assert scale.observations == millions * 1_000_000
    return {
        "scale": scale.params(),
        "memory_limit": "4GB",
        "seconds": seconds,
        "cpu_seconds": seconds * 1.5,
        "peak_rss_bytes": int(rss_gib * GIB),
        "store_bytes": millions * 95_000_000,
        "input_bytes": millions * 150_000_000,
        "peak_spill_bytes": extra.pop("spill", 0),
        "peak_store_dir_bytes": millions * 100_000_000,
        "least_free_disk_bytes": 40 * 10**9,
        "load_average_before": (0.5, 0.5, 0.5),
        "load_average_after": (1.0, 0.8, 0.6),
        "phases": extra.pop("phases", []),
        **extra,
    }


def test_opt_in_scales_are_not_in_the_default_set():
    assert set(datasets.OPT_IN_SCALES) == {"30m", "100m"}
    assert not set(datasets.OPT_IN_SCALES) & set(datasets.SCALES)
    assert datasets.ALL_SCALES == {**datasets.SCALES, **datasets.OPT_IN_SCALES}
    names = [s.name for s in build_growth._parse_scales("100m,1m,30m")]
    assert names == ["1m", "30m", "100m"]  # smallest first


def test_phase_lines_are_parsed_from_a_build_log():
    log = (
        "reading\n"
        "phase inputs: 12.5 s, peak RSS 0.56 GiB\n"
        "phase derive_segments: 6.8 s, peak RSS 0.75 GiB\n"
        "published version 1"
    )
    assert datasets.parse_phases(log) == [
        {"phase": "inputs", "seconds": 12.5, "peak_rss_bytes": int(0.56 * GIB)},
        {"phase": "derive_segments", "seconds": 6.8, "peak_rss_bytes": int(0.75 * GIB)},
    ]


def test_growth_is_linear_until_a_step_costs_more_per_million():
    scales = {
        "1m": _result("1m", 1, 15.0, 0.8, phases=[{"phase": "inputs", "seconds": 5.0}]),
        "10m": _result("10m", 10, 150.0, 2.6, phases=[{"phase": "inputs", "seconds": 50.0}]),
        "30m": _result(
            "30m",
            30,
            600.0,
            4.4,
            spill=6 * 10**9,
            phases=[{"phase": "inputs", "seconds": 300.0}],
        ),
    }
    steps = build_growth.growth_steps(scales, "seconds")
    assert [(s["from"], s["to"]) for s in steps] == [("1m", "10m"), ("10m", "30m")]
    assert steps[0]["linear"] and abs(steps[0]["ratio"] - 1.0) < 1e-9
    assert not steps[1]["linear"] and abs(steps[1]["ratio"] - 22.5 / 15.0) < 1e-9
    text = " ".join(build_growth.linearity(scales))
    assert "stops being linear from 10m to 30m" in text
    assert "inputs ×2.50" in text  # (300 - 50) / 20 per million against 5 per million
    assert "peak spill 0.0 → 6.0 GB" in text


def test_target_and_report():
    scales = {"1m": _result("1m", 1, 15.0, 0.8), "10m": _result("10m", 10, 150.0, 2.6)}
    assert build_growth.target(scales)["status"] == "not measured"
    scales["100m"] = _result("100m", 100, 2500.0, 4.9)
    assert build_growth.target(scales)["status"] == "pass"
    scales["100m"]["peak_rss_bytes"] = 11 * GIB
    assert build_growth.target(scales)["status"] == "MISS"
    results = {
        "date": "2026-12-03",
        "command": "python -m bench.build_growth --scales 1m,10m,100m",
        "machine": {"cpus": 2, "cpu_model": "x", "memory_bytes": 24 * GIB, "packages": {}},
        "memory_limit": "4GB",
        "scales": scales,
    }
    text = build_growth.markdown(results)
    assert "| 100m | 100,000,000 | 2500.0 s |" in text
    assert "| 100M build completes with peak RSS ≤ 10 GiB | 11.00 GiB in 2500 s | MISS |" in text


def test_duckdb_size_strings():
    assert build_growth.limit_bytes("4GB") == 4 * 10**9
    assert build_growth.limit_bytes("768MB") == 768 * 10**6
    assert build_growth.limit_bytes("3.5GiB") == int(3.5 * 2**30)
    assert build_growth.limit_bytes("lots") is None


def test_the_apptest_figures_are_tabled_and_judged_at_100m():
    def pages(change: float) -> dict:
        return {
            "peak_rss_bytes": 2 * GIB,
            "pages": {
                "pages/overview.py": {"cold_s": 9.0, "date_change": {"median_s": change}},
                "pages/explore.py": {"cold_s": 3.0, "date_change": {"median_s": 0.4}},
            },
        }

    scales = {
        "10m": _result("10m", 10, 150.0, 2.6, apptest=pages(0.8)),
        "100m": _result("100m", 100, 1800.0, 4.6, apptest=pages(2.4)),
    }
    verdict = build_growth.apptest_target(scales)
    assert verdict["status"] == "MISS"
    assert verdict["measured"].startswith("slowest pages/overview.py 2.40 s")
    scales["100m"]["apptest"] = pages(1.9)
    assert build_growth.apptest_target(scales)["status"] == "pass"
    assert build_growth.apptest_target({"10m": scales["10m"]})["status"] == "not measured"
    results = {
        "date": "2026-12-03",
        "command": "python -m bench.build_growth --apptest",
        "memory_limit": "4GB",
        "machine": {"cpus": 2, "git_commit": "abc"},
        "scales": scales,
    }
    text = build_growth.markdown(results)
    assert "| scale | explore | overview | peak RSS |" in text
    assert "| 100m | 0.40 (3.0) | 1.90 (9.0) | 2.00 GiB |" in text
    assert "AppTest rerun after a date change at 100M ≤ 2 s | slowest" in text
