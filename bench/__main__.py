"""``python -m bench [--scales 100k,1m,10m] [--skip-browser] [--skip-apptest] [--out DIR]``;
an opt-in scale (``--scales 1m,10m,100m``) is built and its pages run through AppTest only;
``python -m bench load [...]``: the load benchmark (bench/load.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
from pathlib import Path

from bench import datasets, harness, report
from bench.timing import machine


def _parse_scales(text: str) -> list[datasets.Scale]:
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in datasets.ALL_SCALES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown scale(s) {unknown}; choose from {', '.join(datasets.ALL_SCALES)}"
        )
    # Smallest first: a crash at a large scale keeps the smaller scales' figures.
    return sorted((datasets.ALL_SCALES[n] for n in names), key=lambda s: s.observations)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["load"]:  # python -m bench load [options]: bench/load.py
        from bench import load

        return load.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scales",
        type=_parse_scales,
        default=list(datasets.SCALES.values()),
        help="comma-separated, from: "
        + ", ".join(datasets.ALL_SCALES)
        + f" (default {','.join(datasets.SCALES)}; "
        + f"{','.join(datasets.OPT_IN_SCALES)} opt-in: build and AppTest only)",
    )
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-apptest", action="store_true")
    parser.add_argument(
        "--skip-references",
        action="store_true",
        help="development: no pandas / polars references (no equality check, no ratios)",
    )
    parser.add_argument("--out", type=Path, default=datasets.REPO / "bench" / "results")
    parser.add_argument("--runs", type=int, default=7, help="timed warm runs per query (≥ 5)")
    parser.add_argument("--reference-runs", type=int, default=3)
    parser.add_argument("--browser-changes", type=int, default=20)
    parser.add_argument(
        "--browser-pages",
        type=harness.parse_browser_pages,
        default=None,
        help="comma-separated pages for the browser (default: every reader's page)",
    )
    parser.add_argument(
        "--reuse-store",
        action="store_true",
        help="development: keep an existing store (build time not measured)",
    )
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")

    options = harness.Options(
        runs=args.runs,
        reference_runs=args.reference_runs,
        browser_changes=args.browser_changes,
        browser_pages=args.browser_pages,
        skip_references=args.skip_references,
        skip_apptest=args.skip_apptest,
        skip_browser=args.skip_browser,
        reuse_store=args.reuse_store,
    )
    results: dict[str, object] = {
        "date": dt.date.today().isoformat(),
        "command": "python -m bench " + shlex.join(argv),
        "machine": machine(datasets.REPO).describe(),
        "options": vars(options),
        "scales": {},
        "mismatches": [],
        # The 100M targets, when this run has no 100m scale (python -m bench.build_growth).
        "build_growth": report.latest_growth(datasets.REPO / "bench" / "results"),
    }
    files = None  # chosen by the first write; every later one rewrites the same run's files
    for scale in args.scales:
        scale_result = harness.run_scale(scale, options, say=lambda m: print(m, flush=True))
        results["scales"][scale.name] = scale_result
        results["mismatches"] += [f"{scale.name}: {m}" for m in harness.mismatches(scale_result)]
        # Written after every scale: a crash at 10M keeps the smaller scales' figures.
        files = md, js = report.write(results, args.out, files)
    print(f"wrote {md} and {js}")
    if results["mismatches"]:
        print("RESULT MISMATCH between a reference and our query:", file=sys.stderr)
        for problem in results["mismatches"]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
