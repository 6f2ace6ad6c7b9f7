"""How the build's cost grows with the data (issue 13): build time, peak RSS and store size.

``python -m bench.build_growth --scales 1m,10m,30m,100m [--out bench/results]``

For each scale: the demo CSVs (generated once, reused while their parameters match), then
``python -m shelfwatch build`` from an empty store in a child process (``datasets.build_store``:
wall clock, peak RSS (the child's own VmHWM) and CPU (``os.wait4``) of exactly that child, the
publish's own phase split from its log), the store's size, the input's size, the load average
before and after, and, sampled every second while it runs, the disk the build holds (the store
folder: the unpublished version, its WAL and DuckDB's spill) and the least free disk. Writes
``<out>/<YYYY-MM-DD>-build-growth.md`` and ``.json`` after every scale, so a failure at 100M
keeps the smaller scales.

Each build goes into ``bench/data/<scale>/growth-store`` (log: ``growth-build.log`` beside
it), never the scale's ``store``, which the other benchmarks and people read meanwhile; it is
removed once measured unless ``--keep-stores``. Opt-in scales (``datasets.OPT_IN_SCALES``:
30m, 100m) need the disk: ~4.3 GB and ~14 GB of CSV under ``bench/data/<scale>/input`` (kept
for the next run) plus the store and the spill while building. Run it on a quiet machine,
under ``nice -n 5`` on a shared one.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import shlex
import shutil
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from bench import datasets, harness
from bench.timing import load_average, machine
from shelfwatch import store

GIB = 2**30
GB = 10**9
MILLION = 1_000_000
TARGET_SCALE = "100m"
TARGET_PEAK_RSS = 10 * GIB  # the issue's "100M build completes with peak RSS <= 10 GiB"
# A step is "linear" while its marginal cost per million observations stays within this factor
# of the per-million cost of the scale before it.
LINEAR_TOLERANCE = 1.25
# The columns of the phase split: a label and the logged phases it sums (the rest is in the
# JSON). The observations' own steps are inside "inputs", shown beside it.
SPLIT = (
    ("inputs", ("inputs",)),
    ("scan obs.", ("scan observations",)),
    ("read obs.", ("read observations",)),
    ("validate obs.", ("validate observations",)),
    ("load obs.", ("load observations", "fingerprint observations")),
    ("derive_segments", ("derive_segments",)),
    ("derive_intervals", ("derive_intervals",)),
    ("derive_evidence", ("derive_evidence",)),
    ("other derivations", ("derive_relistings", "derive_owners", "derive_kpis", "derive_summary")),
    ("checkpoint", ("checkpoint",)),
)


def _parse_scales(text: str) -> list[datasets.Scale]:
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in datasets.ALL_SCALES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown scale(s) {unknown}; choose from {', '.join(datasets.ALL_SCALES)}"
        )
    return sorted((datasets.ALL_SCALES[n] for n in names), key=lambda s: s.observations)


def _allocated(path: Path) -> int:
    """Bytes on disk under ``path`` (allocated blocks: DuckDB's spill files may be sparse)."""
    total = 0
    try:
        entries = list(os.scandir(path))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                total += _allocated(Path(entry.path))
            else:
                total += entry.stat(follow_symlinks=False).st_blocks * 512
        except OSError:  # removed meanwhile
            pass
    return total


class DiskSampler:
    """The store folder's peak size, its spill folder's, and the least free disk, once a
    second while a build runs."""

    def __init__(self, store_dir: Path, every: float = 1.0) -> None:
        self.store_dir = store_dir
        self.every = every
        self.peak_store = 0
        self.peak_spill = 0
        self.least_free: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> DiskSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_store = max(self.peak_store, _allocated(self.store_dir))
            self.peak_spill = max(self.peak_spill, _allocated(self.store_dir / store.SPILL_DIR))
            probe = self.store_dir if self.store_dir.exists() else self.store_dir.parent
            try:
                free = shutil.disk_usage(probe).free
            except OSError:
                free = None
            if free is not None:
                self.least_free = free if self.least_free is None else min(self.least_free, free)
            self._stop.wait(self.every)


STORE_NAME = "growth-store"
LOG_NAME = "growth-build.log"


def run_scale(scale: datasets.Scale, root: Path, keep_store: bool, say=print) -> dict[str, object]:
    result: dict[str, object] = {
        "scale": scale.params(),
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "memory_limit": store.PUBLISH_MEMORY_LIMIT,
    }
    prepared = datasets.prepare(scale, root, say=say)
    dataset = dataclasses.replace(prepared, store_dir=prepared.store_dir.parent / STORE_NAME)
    result["generated"] = dataset.generated
    result["generate_seconds"] = dataset.generate_seconds
    result["input_bytes"] = dataset.input_bytes
    result["load_average_before"] = load_average()
    say(f"[{scale.name}] building (load average {_load(result['load_average_before'])}) …")
    log = dataset.store_dir.parent / LOG_NAME
    with DiskSampler(dataset.store_dir) as disk:
        build = datasets.build_store(dataset, log=log, phases=True)
    result["load_average_after"] = load_average()
    result.update(
        seconds=build.seconds,
        cpu_seconds=build.cpu_seconds,
        peak_rss_bytes=build.peak_rss_bytes,
        store_bytes=build.store_bytes,
        phases=build.phases,
        peak_store_dir_bytes=disk.peak_store,
        peak_spill_bytes=disk.peak_spill,
        least_free_disk_bytes=disk.least_free,
        build_log=str(log),
        output=build.output.splitlines()[-1:],
    )
    say(
        f"[{scale.name}] built in {build.seconds:.1f} s (CPU {build.cpu_seconds:.1f} s), "
        f"peak RSS {build.peak_rss_bytes / GIB:.2f} GiB, store {build.store_bytes / GB:.2f} GB, "
        f"peak spill {disk.peak_spill / GB:.2f} GB"
    )
    result["store"] = str(dataset.store_dir)
    if not keep_store:
        shutil.rmtree(dataset.store_dir, ignore_errors=True)
        result["store"] = None
    return result


# Dates each page's AppTest rerun is timed at (the bench data runs to mid 2026 at every scale):
# a few distinct as-of dates, each a miss of every date-dependent query.
APPTEST_DATES = ("2026-05-30", "2026-05-13", "2026-04-26")
APPTEST_WARM_RUNS = 2
APPTEST_RERUN_S = 2.0  # the issue's "every page's AppTest rerun at 100M <= 2 s" (median)


def run_apptest(store_dir: Path, scale_name: str, say=print) -> dict[str, object]:
    """Every page's AppTest rerun on a built store (``harness.run_apptest``: bench.pages in a
    child, so its memory is its own): cold, warm, and after each of APPTEST_DATES; a failure
    is recorded, the other scales still run."""
    say(f"[{scale_name}] timing every page through AppTest …")
    dates = [dt.date.fromisoformat(d) for d in APPTEST_DATES]
    try:
        return harness.run_apptest(store_dir, APPTEST_WARM_RUNS, dates)
    except RuntimeError as exc:
        return {"error": str(exc)[-2000:]}


# --- analysis -----------------------------------------------------------------------------------


def phase_seconds(result: dict[str, object], name: str) -> float | None:
    """Seconds of the publish phase ``name`` (the first with that name), if logged."""
    for phase in result.get("phases") or []:
        if phase["phase"] == name:
            return float(phase["seconds"])
    return None


def _measured(scales: dict[str, dict]) -> list[tuple[str, dict]]:
    rows = [(name, r) for name, r in scales.items() if "seconds" in r]
    return sorted(rows, key=lambda item: item[1]["scale"]["observations"])


def growth_steps(scales: dict[str, dict], metric: str) -> list[dict[str, object]]:
    """From each measured scale to the next: the marginal cost per million observations and
    its ratio to the per-million cost of the smaller scale (1.0 = exactly linear)."""
    rows = _measured(scales)
    steps = []
    for (name_a, a), (name_b, b) in zip(rows, rows[1:], strict=False):
        n_a = a["scale"]["observations"] / MILLION
        n_b = b["scale"]["observations"] / MILLION
        value_a, value_b = a.get(metric), b.get(metric)
        if value_a is None or value_b is None or n_b <= n_a or not value_a:
            continue
        marginal = (value_b - value_a) / (n_b - n_a)
        average = value_a / n_a
        steps.append(
            {
                "from": name_a,
                "to": name_b,
                "marginal_per_million": marginal,
                "per_million_before": average,
                "ratio": marginal / average,
                "linear": marginal / average <= LINEAR_TOLERANCE,
            }
        )
    return steps


def _phase_growth(a: dict, b: dict) -> list[tuple[str, float]]:
    """Each phase's marginal seconds per million, from a to b, relative to a's: biggest first."""
    n_a = a["scale"]["observations"] / MILLION
    n_b = b["scale"]["observations"] / MILLION
    found = []
    for phase in b.get("phases") or []:
        name = phase["phase"]
        before = phase_seconds(a, name)
        if not before or before < 1.0:  # too short to compare
            continue
        marginal = (float(phase["seconds"]) - before) / (n_b - n_a)
        found.append((name, marginal / (before / n_a)))
    return sorted(found, key=lambda item: -item[1])


def linearity(scales: dict[str, dict]) -> list[str]:
    """Sentences: where build time, CPU, peak RSS and store size stop growing linearly, and
    what the figures say about why (the phase that grew fastest, spilling, the memory cap)."""
    rows = dict(_measured(scales))
    lines = []
    for metric, label in (
        ("seconds", "Build time"),
        ("cpu_seconds", "CPU time"),
        ("peak_rss_bytes", "Peak RSS"),
        ("store_bytes", "Store size"),
    ):
        steps = growth_steps(scales, metric)
        if not steps:
            continue
        described = ", ".join(f"{s['from']}→{s['to']} ×{s['ratio']:.2f}" for s in steps)
        broken = next((s for s in steps if not s["linear"]), None)
        if metric == "peak_rss_bytes":
            verdict = _rss_verdict(rows)
        elif broken is None:
            verdict = "grows linearly or slower throughout"
        else:
            verdict = (
                f"stops being linear from {broken['from']} to {broken['to']} (marginal cost per "
                f"million ×{broken['ratio']:.2f} the {broken['from']} average)"
            )
            if metric in ("seconds", "cpu_seconds"):
                a, b = rows[broken["from"]], rows[broken["to"]]
                fastest = _phase_growth(a, b)[:2]
                if fastest:
                    verdict += "; fastest-growing phases: " + ", ".join(
                        f"{name} ×{ratio:.2f}" for name, ratio in fastest
                    )
                spill_a = a.get("peak_spill_bytes") or 0
                spill_b = b.get("peak_spill_bytes") or 0
                if spill_b > max(2 * spill_a, GB // 10):
                    verdict += (
                        f"; peak spill {spill_a / GB:.1f} → {spill_b / GB:.1f} GB: work beyond "
                        "the memory limit goes through the disk"
                    )
                load = b.get("load_average_before") or (0.0,)
                if max(load[0], (b.get("load_average_after") or (0.0,))[0]) > 1.5:
                    verdict += (
                        f"; the load average was {_load(load)} → "
                        f"{_load(b.get('load_average_after'))}: other work shared the 2 cores"
                    )
        lines.append(f"**{label}** (marginal ÷ average per million: {described}) {verdict}.")
    return lines


_UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_UNITS.update({"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40})


def limit_bytes(text: str) -> int | None:
    """A DuckDB size string in bytes (its GB is 10^9, GiB 2^30); None if not one."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]I?B)\s*", text.upper())
    return int(float(match[1]) * _UNITS[match[2]]) if match else None


def _rss_verdict(rows: dict[str, dict]) -> str:
    """Peak RSS against the memory limit at each scale: below it the build never needed the
    limit; at it, DuckDB holds its buffers there and spills the rest, and the overshoot is
    what it does not count."""
    parts = []
    for name, r in rows.items():
        limit = limit_bytes(str(r.get("memory_limit", "")))
        if not limit:
            continue
        peak = r["peak_rss_bytes"]
        over = (peak - limit) / GIB
        where = "over" if over >= 0 else "under"
        parts.append(f"{name} {abs(over):.2f} GiB {where}")
    limits = sorted({str(r.get("memory_limit")) for r in rows.values()})
    text = f"against the memory limit ({', '.join(limits)}): " + ", ".join(parts)
    return text + (
        "; once a build reaches the limit its peak stops growing with the data: DuckDB spills "
        "what is over it, and the overshoot is memory DuckDB does not count (allocator caches, "
        "operator state outside its buffer manager)"
    )


def target(scales: dict[str, dict]) -> dict[str, object]:
    result = scales.get(TARGET_SCALE)
    if not result or "peak_rss_bytes" not in result:
        status = "not measured"
        measured = (result or {}).get("error", "–")
    else:
        peak = result["peak_rss_bytes"]
        status = "pass" if peak <= TARGET_PEAK_RSS else "MISS"
        measured = f"{peak / GIB:.2f} GiB in {result['seconds']:.0f} s"
    return {
        "name": "100M build completes with peak RSS ≤ 10 GiB",
        "measured": measured,
        "status": status,
    }


# --- report -------------------------------------------------------------------------------------


def apptest_target(scales: dict[str, dict]) -> dict[str, object]:
    """Every page's AppTest rerun after a date change at 100M: the slowest page's median."""
    name = f"Every page's AppTest rerun after a date change at 100M ≤ {APPTEST_RERUN_S:.0f} s"
    pages = _page_changes(scales.get(TARGET_SCALE, {}))
    if not pages:
        return {"name": name, "measured": "–", "status": "not measured"}
    page, worst = max(pages.items(), key=lambda kv: kv[1])
    return {
        "name": name,
        "measured": f"slowest {page} {worst:.2f} s (median of {len(APPTEST_DATES)} dates)",
        "status": "pass" if worst <= APPTEST_RERUN_S else "MISS",
    }


def _page_changes(result: dict[str, object]) -> dict[str, float]:
    app = result.get("apptest")
    pages = app.get("pages") if isinstance(app, dict) else None
    found = {}
    for page, figures in (pages or {}).items():
        median = (figures.get("date_change") or {}).get("median_s")
        if median is not None:
            found[page] = float(median)
    return found


def _load(values: Any) -> str:
    return "–" if not values else ", ".join(f"{x:.2f}" for x in values)


def _num(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def markdown(results: dict[str, Any]) -> str:
    scales: dict[str, dict] = results["scales"]
    box: dict[str, Any] = results["machine"]
    rows = _measured(scales)
    out = [
        f"# Build cost growth, {results['date']}",
        "",
        f"`{results['command']}` — `python -m shelfwatch build` from an empty store in a child "
        "process (`bench.datasets.build_store`), demo data of `bench/datasets.py`. "
        f"Publish memory limit: `{results['memory_limit']}` "
        "(`SHELFWATCH_PUBLISH_MEMORY_LIMIT`); peak RSS is the child's own VmHWM; store = "
        "the published version file; spill and disk are sampled once a second.",
        "",
        "| scale | observations | wall | CPU | peak RSS | store | input CSV | peak spill | "
        "peak store folder | least free disk | load before → after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in rows:
        out.append(
            f"| {name} | {r['scale']['observations']:,} | {r['seconds']:.1f} s | "
            f"{r['cpu_seconds']:.1f} s | {r['peak_rss_bytes'] / GIB:.2f} GiB | "
            f"{r['store_bytes'] / GB:.2f} GB | {r['input_bytes'] / GB:.2f} GB | "
            f"{r['peak_spill_bytes'] / GB:.2f} GB | {r['peak_store_dir_bytes'] / GB:.2f} GB | "
            f"{_num((r.get('least_free_disk_bytes') or 0) / GB, '.1f')} GB | "
            f"{_load(r['load_average_before'])} → {_load(r['load_average_after'])} |"
        )
    for name, r in scales.items():
        if "error" in r:
            out.append(f"| {name} | {r['scale']['observations']:,} | failed: {r['error']} |")
    out += [
        "",
        "Per million observations:",
        "",
        "| scale | wall s / M | CPU s / M | peak RSS GiB / M | store GB / M | input GB / M |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        m = r["scale"]["observations"] / MILLION
        out.append(
            f"| {name} | {r['seconds'] / m:.2f} | {r['cpu_seconds'] / m:.2f} | "
            f"{r['peak_rss_bytes'] / GIB / m:.3f} | {r['store_bytes'] / GB / m:.3f} | "
            f"{r['input_bytes'] / GB / m:.3f} |"
        )
    out += [
        "",
        "Where the time goes (the publish's own phases, seconds; peak RSS so far at the end of "
        "the phase):",
        "",
        "| scale | " + " | ".join(label for label, _ in SPLIT) + " |",
        "|---|" + "---:|" * len(SPLIT),
    ]
    for name, r in rows:
        cells = []
        for _, names in SPLIT:
            found = [p for p in r.get("phases") or [] if p["phase"] in names]
            if not found:
                cells.append("–")
                continue
            seconds = sum(float(p["seconds"]) for p in found)
            peak = max(int(p["peak_rss_bytes"]) for p in found)
            cells.append(f"{seconds:.1f} ({peak / GIB:.1f} GiB)")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    timed = [(name, r) for name, r in rows if isinstance(r.get("apptest"), dict)]
    if timed:
        pages = sorted({p for _, r in timed for p in (r["apptest"].get("pages") or {})})
        out += [
            "",
            "Every page through AppTest on the built store (`python -m bench.pages`, its own "
            f"process): median rerun after a date change ({', '.join(APPTEST_DATES)}), "
            "seconds; cold (caches cleared) in brackets:",
            "",
            "| scale | "
            + " | ".join(p.removeprefix("pages/").removesuffix(".py") for p in pages)
            + " | peak RSS |",
            "|---|" + "---:|" * (len(pages) + 1),
        ]
        for name, r in timed:
            app = r["apptest"]
            if "error" in app:
                out.append(f"| {name} | failed: {app['error'][:300]} |")
                continue
            cells = []
            for page in pages:
                figures = (app.get("pages") or {}).get(page) or {}
                change = (figures.get("date_change") or {}).get("median_s")
                cold = figures.get("cold_s")
                cells.append(f"{_num(change, '.2f')} ({_num(cold, '.1f')})" if figures else "–")
            out.append(
                f"| {name} | " + " | ".join(cells) + f" | {app['peak_rss_bytes'] / GIB:.2f} GiB |"
            )
    out += ["", "## Growth", ""]
    out += [f"- {line}" for line in linearity(scales)] or ["- fewer than two scales measured"]
    t = target(scales)
    out += [
        "",
        "## Target",
        "",
        "| target | measured | status |",
        "|---|---|---|",
        f"| {t['name']} | {t['measured']} | {t['status']} |",
        *[f"| {a['name']} | {a['measured']} | {a['status']} |" for a in [apptest_target(scales)]],
        "",
        f"Machine: {box.get('cpus')} CPUs ({box.get('cpu_model')}), "
        f"{box.get('memory_bytes', 0) / GIB:.0f} GiB RAM, "
        f"duckdb {box.get('packages', {}).get('duckdb')}, commit {box.get('git_commit')}"
        f"{' (dirty)' if box.get('git_dirty') else ''}.",
        "",
    ]
    return "\n".join(out)


def write(results: dict[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{results['date']}-build-growth"
    json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    results["target"] = target(results["scales"])
    results["growth"] = linearity(results["scales"])
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python -m bench.build_growth", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--scales",
        type=_parse_scales,
        default=_parse_scales("1m,10m,30m,100m"),
        help="comma-separated, from: " + ", ".join(datasets.ALL_SCALES),
    )
    parser.add_argument("--out", type=Path, default=datasets.REPO / "bench" / "results")
    parser.add_argument("--root", type=Path, default=datasets.DATA_ROOT, help="data folder")
    parser.add_argument(
        "--keep-stores",
        action="store_true",
        help=f"keep each scale's {STORE_NAME} once measured (default: removed, CSVs kept)",
    )
    parser.add_argument(
        "--apptest",
        action="store_true",
        help="also time every page through AppTest on each built store (before it is removed)",
    )
    parser.add_argument(
        "--apptest-only",
        type=Path,
        metavar="JSON",
        help="no builds: time every page through AppTest on the stores an earlier run kept "
        "(--keep-stores), adding the figures to that run's JSON and report (into --out)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        help="only write the report again from an earlier run's JSON (into --out)",
    )
    args = parser.parse_args(argv)
    if args.from_json:
        earlier = json.loads(args.from_json.read_text(encoding="utf-8"))
        json_path, md_path = write(earlier, args.out)
        print(f"wrote {md_path} and {json_path}")
        return 0
    if args.apptest_only:
        earlier = json.loads(args.apptest_only.read_text(encoding="utf-8"))
        for scale in args.scales:
            kept = (earlier["scales"].get(scale.name) or {}).get("store")
            if not kept or not Path(kept).is_dir():
                print(f"[{scale.name}] no kept store in {args.apptest_only}: skipped")
                continue
            earlier["scales"][scale.name]["apptest"] = run_apptest(
                Path(kept), scale.name, say=lambda m: print(m, flush=True)
            )
            json_path, md_path = write(earlier, args.out)
            print(f"wrote {md_path} and {json_path}", flush=True)
        return 0
    results: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "command": "python -m bench.build_growth " + shlex.join(argv),
        "machine": machine(datasets.REPO).describe(),
        "memory_limit": store.PUBLISH_MEMORY_LIMIT,
        "scales": {},
    }
    failed = False
    for scale in args.scales:
        try:
            say = lambda m: print(m, flush=True)  # noqa: E731
            result = run_scale(scale, args.root, args.keep_stores or args.apptest, say=say)
            if args.apptest and result.get("store"):
                result["apptest"] = run_apptest(Path(result["store"]), scale.name, say=say)
                if not args.keep_stores:
                    shutil.rmtree(result["store"], ignore_errors=True)
                    result["store"] = None
        except Exception as exc:  # recorded; the smaller scales' figures are kept
            failed = True
            result = {
                "scale": scale.params(),
                "error": f"{type(exc).__name__}: {str(exc)[-2000:]}",
                "trace": traceback.format_exc(),
            }
            print(f"[{scale.name}] FAILED: {exc}", flush=True)
        results["scales"][scale.name] = result
        json_path, md_path = write(results, args.out)
        print(f"wrote {md_path} and {json_path}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
