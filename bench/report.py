"""The results files: targets judged from the measurements, a Markdown report and the JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

TARGET_SCALE = "10m"
LEAD_PLACEHOLDER = (
    "**LEAD TO FILL:** why this target is missed and what would fix it (the harness cannot "
    "know; the figures above are the evidence)."
)


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    status: str  # "pass", "MISS", or "not measured"
    why: str = ""

    @property
    def missed(self) -> bool:
        return self.status == "MISS"


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else max(a - b, 0.0)


def _gb(n: int | None) -> str:
    return "–" if n is None else f"{n / 2**30:.2f} GiB"


def _mb(n: int | None) -> str:
    return "–" if n is None else f"{n / 2**20:,.0f} MiB"


def _load(values: object) -> str:
    return "–" if not values else ", ".join(f"{x:.2f}" for x in values)


def _get(d: object, *path: str) -> object:
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _judge(ok: bool | None) -> str:
    return "not measured" if ok is None else ("pass" if ok else "MISS")


def targets(scale: dict[str, object]) -> list[Target]:
    """The issue's targets, judged on one scale's results (they are defined at 10M)."""
    out = []
    status = _get(scale, "queries", "status_as_of", "median_s")
    floor = _get(scale, "scan_floor", "floor", "median_s")
    filter_only = _get(scale, "scan_floor", "status_filter_only", "median_s")
    to_arrow = _get(scale, "scan_floor", "status_as_of_to_arrow", "median_s")
    ok = None if status is None or floor is None else status <= 2 * floor
    out.append(
        Target(
            "Status as of a date vs the scan floor",
            "≤ 2× the scan floor",
            "–" if ok is None else f"{_ms(status)} = {status / floor:.1f}× floor ({_ms(floor)})",
            _judge(ok),
            ""
            if ok is not False
            else (
                f"Of status_as_of's {_ms(status)} (run_query, pandas DataFrame out), the "
                f"covering-segment filter alone is {_ms(filter_only)}, the whole SQL to an "
                f"Arrow table {_ms(to_arrow)} (so the joins and sort cost about "
                f"{_ms(_minus(to_arrow, filter_only))} and the DataFrame conversion about "
                f"{_ms(_minus(status, to_arrow))}); the result has "
                f"{_get(scale, 'queries', 'status_as_of', 'rows') or 0:,} rows. " + LEAD_PLACEHOLDER
            ),
        )
    )
    for check, factor in (
        ("status_as_of", 20),
        ("net_changes_between", 10),
        ("coverage_over_time", 10),
    ):
        ratio = _get(scale, "references", "checks", check, "pandas_ratio")
        ok = None if ratio is None else ratio >= factor
        out.append(
            Target(
                f"{check} vs the pandas reference",
                f"≥ {factor}× faster",
                "–"
                if ratio is None
                else f"{ratio:,.1f}× faster (pandas "
                f"{_ms(_get(scale, 'references', 'checks', check, 'pandas', 'median_s'))}, ours "
                f"{_ms(_get(scale, 'references', 'checks', check, 'ours_median_s'))})",
                _judge(ok),
                "" if ok is not False else LEAD_PLACEHOLDER,
            )
        )
    pages = _get(scale, "apptest", "pages") or {}
    for kind, limit, getter in (
        ("warm", 0.3, lambda p: _get(p, "warm", "median_s")),
        ("cold", 2.0, lambda p: _get(p, "cold_s")),
    ):
        values = {name: getter(p) for name, p in pages.items()}
        slow = {n: v for n, v in values.items() if v is not None and v > limit}
        # A page that raised stopped early: its time does not count as a pass.
        broken = sorted(n for n, p in pages.items() if p.get("exceptions"))
        ok = None if not values else not slow and not broken
        worst = max(values.items(), key=lambda kv: kv[1] or 0) if values else None
        out.append(
            Target(
                f"Every page, {kind} rerun (AppTest)",
                f"≤ {_ms(limit)}",
                "–" if worst is None else f"slowest {worst[0]}: {_ms(worst[1])}",
                _judge(ok),
                ""
                if ok is not False
                else (
                    (
                        "Over the limit: "
                        + ", ".join(f"{n} {_ms(v)}" for n, v in sorted(slow.items()))
                        + ". "
                        if slow
                        else ""
                    )
                    + (
                        f"Raised an exception (time invalid): {', '.join(broken)}. "
                        if broken
                        else ""
                    )
                    + LEAD_PLACEHOLDER
                ),
            )
        )
    p95 = _get(scale, "browser", "date_change", "p95_s")
    ok = None if p95 is None else p95 <= 1.0
    out.append(
        Target(
            "Browser: as-of date change → re-rendered, p95",
            "≤ 1 s",
            "–"
            if p95 is None
            else f"p95 {_ms(p95)} (p50 "
            f"{_ms(_get(scale, 'browser', 'date_change', 'median_s'))}, "
            f"n={_get(scale, 'browser', 'date_changes')})",
            _judge(ok),
            "" if ok is not False else LEAD_PLACEHOLDER,
        )
    )
    build = _get(scale, "build", "seconds")
    ok = None if build is None else build <= 90
    out.append(
        Target(
            "Build from CSV",
            "≤ 90 s",
            _ms(build),
            _judge(ok),
            "" if ok is not False else LEAD_PLACEHOLDER,
        )
    )
    rss = _get(scale, "browser", "peak_rss_bytes")
    ok = None if rss is None else rss <= 2 * 2**30
    out.append(
        Target(
            "App process peak resident memory",
            "≤ 2 GiB",
            _gb(rss),
            _judge(ok),
            "" if ok is not False else LEAD_PLACEHOLDER,
        )
    )
    return out


def target_scale(results: dict[str, object]) -> str | None:
    scales = results.get("scales", {})
    if TARGET_SCALE in scales:
        return TARGET_SCALE
    return list(scales)[-1] if scales else None


# --- Markdown -----------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines + [""]


def _machine_lines(machine: dict[str, object]) -> list[str]:
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
    load = _load(machine["load_average_at_start"])
    return [
        f"- CPU: {machine['cpu_model']} — {machine['cpus_usable']} usable of "
        f"{machine['cpus']} logical CPUs",
        f"- Memory: {_gb(machine['memory_bytes'])}; kernel {machine['kernel']}; "
        f"Python {machine['python']}",
        f"- Packages: {packages}",
        f"- Browser: {machine['chromium']}",
        f"- Code: git {machine['git_commit']}"
        + (" (uncommitted changes)" if machine["git_dirty"] else ""),
        f"- Load average at start (1, 5, 15 min): {load}",
        "",
    ]


def _scale_lines(name: str, s: dict[str, object]) -> list[str]:
    p = s["scale"]
    lines = [
        f"## Scale {name}: {p['observations']:,} observations, {p['retailers']:,} retailers × "
        f"{p['brands']:,} brands",
        "",
        f"Load average (1, 5, 15 min) at start: {_load(s.get('load_average_at_start'))}; "
        f"at end: {_load(s.get('load_average_at_end'))}. "
        f"Workload: `{json.dumps(s.get('workload'))}`",
        "",
    ]
    data, build = s.get("data", {}), s.get("build", {})
    lines += _table(
        ["input", "generated this run", "build (wall)", "build peak RSS", "store size"],
        [
            [
                _mb(data.get("input_bytes")),
                "yes, " + _ms(data.get("generate_s")) if data.get("generated") else "no (reused)",
                "reused store (not measured)"
                if build.get("reused")
                else build.get("error") or _ms(build.get("seconds")),
                _mb(build.get("peak_rss_bytes")),
                _mb(build.get("store_bytes")),
            ]
        ],
    )

    floor = s.get("scan_floor", {})
    if "floor" in floor:
        lines += [
            f"**Scan floor** (`{floor['floor']['sql']}`): median "
            f"{_ms(floor['floor']['median_s'])} (min {_ms(floor['floor']['min_s'])}, max "
            f"{_ms(floor['floor']['max_s'])}). Over the rule's columns only (`seg_from, seg_to, "
            f"status, since, disputed, obs_id`): {_ms(floor['floor_fixed_columns']['median_s'])}."
            f" status_as_of's covering-segment filter alone: "
            f"{_ms(floor['status_filter_only']['median_s'])}; its whole SQL to an Arrow table "
            f"(no pandas): {_ms(_get(floor, 'status_as_of_to_arrow', 'median_s'))}.",
            "",
        ]
    elif floor:
        lines += [f"**Scan floor** failed: {floor.get('error')}", ""]

    queries = s.get("queries", {})
    if "error" in queries:
        lines += [f"**Queries** failed: {queries['error']}", ""]
    elif queries:
        lines += ["### Catalog queries (warm, run_query → pandas DataFrame)", ""]
        rows = []
        for label, q in queries.items():
            note = q.get("error", "")
            if q.get("guessed_params"):
                note += f" NULL for unknown params {q['guessed_params']}"
            rows.append(
                [
                    f"`{label}`",
                    f"{q['rows']:,}" if "rows" in q else "–",
                    _ms(q.get("median_s")),
                    _ms(q.get("min_s")),
                    _ms(q.get("max_s")),
                    f"{_ms(q.get('p25_s'))} – {_ms(q.get('p75_s'))}" if "p25_s" in q else "–",
                    note.strip(),
                ]
            )
        lines += _table(["query", "rows", "median", "min", "max", "IQR", "note"], rows)
        timed = [(q["median_s"], label) for label, q in queries.items() if "median_s" in q]
        slowest = sorted(timed, reverse=True)[:5]
        lines += [
            "Slowest: " + ", ".join(f"`{label}` {_ms(t)}" for t, label in slowest) + ".",
            "",
        ]

    refs = s.get("references", {})
    if "error" in refs:
        lines += [f"**References** failed: {refs['error']}", ""]
    elif refs:
        lines += [
            "### Reference implementations (computed from the raw observations)",
            "",
            f"Observations loaded from the store into a DataFrame once (not in the times "
            f"below): pandas {_ms(refs['load_pandas_s'])}, polars {_ms(refs['load_polars_s'])}.",
            "",
        ]
        rows = []
        for name, c in refs["checks"].items():
            equal = "yes" if c.get("pandas_equal") and c.get("polars_equal") else "**NO**"
            rows.append(
                [
                    f"`{name}`",
                    f"{c.get('rows_compared', 0):,}",
                    equal,
                    _ms(c.get("ours_median_s")),
                    _ms(_get(c, "pandas", "median_s")),
                    f"{c['pandas_ratio']:,.1f}×" if "pandas_ratio" in c else "–",
                    _ms(_get(c, "polars", "median_s")),
                    f"{c['polars_ratio']:,.1f}×" if "polars_ratio" in c else "–",
                ]
            )
        lines += _table(
            [
                "check",
                "rows",
                "equal",
                "ours",
                "pandas",
                "pandas / ours",
                "polars",
                "polars / ours",
            ],
            rows,
        )

    app = s.get("apptest")
    if app and "error" in app:
        lines += [f"**AppTest** failed: {app['error']}", ""]
    elif app:
        lines += [
            "### Pages through AppTest",
            "",
            f"First run of app.py (imports): {_ms(app['first_run_s'])}; AppTest process peak "
            f"RSS {_mb(app['peak_rss_bytes'])}.",
            "",
        ]
        rows = [
            [
                f"`{page}`",
                _ms(p["cold_s"]),
                _ms(p["warm"]["median_s"]),
                _ms(p["warm"]["min_s"]),
                _ms(p["warm"]["max_s"]),
                "; ".join(e.splitlines()[0][:120] for e in p["exceptions"]) or "none",
            ]
            for page, p in app["pages"].items()
        ]
        lines += _table(["page", "cold", "warm median", "warm min", "warm max", "exceptions"], rows)

    browser = s.get("browser")
    if browser and "error" in browser:
        lines += [f"**Browser** failed: {browser['error']}", ""]
    elif browser:
        change = browser["date_change"]
        lines += [
            "### Browser (streamlit run + Chromium)",
            "",
            *_table(
                [
                    "server start",
                    "cold first render",
                    "date change p50",
                    "p95",
                    "max",
                    "n",
                    "server peak RSS",
                ],
                [
                    [
                        _ms(browser["server_start_s"]),
                        _ms(browser["cold_first_render_s"]),
                        _ms(change["median_s"]),
                        _ms(change["p95_s"]),
                        _ms(change["max_s"]),
                        str(browser["date_changes"]),
                        _gb(browser["peak_rss_bytes"]),
                    ]
                ],
            ),
        ]
    return lines


def markdown(results: dict[str, object]) -> str:
    lines = [
        f"# Shelfwatch benchmark, {results['date']}",
        "",
        f"Command: `{results['command']}`. What each figure means: bench/README.md.",
        "",
        "## Machine",
        "",
        *_machine_lines(results["machine"]),
    ]
    chosen = target_scale(results)
    if chosen:
        lines += ["## Targets", ""]
        if chosen != TARGET_SCALE:
            lines += [
                f"The targets are defined at {TARGET_SCALE}; this run's largest scale is "
                f"{chosen}, so the verdicts below are indicative only.",
                "",
            ]
        judged = targets(results["scales"][chosen])
        lines += _table(
            ["target", "goal", f"measured ({chosen})", "verdict"],
            [[t.name, t.goal, t.measured, t.status] for t in judged],
        )
        misses = [t for t in judged if t.missed]
        if misses:
            lines += ["### Missed targets: why, and what would fix it", ""]
            lines += [f"- **{t.name}**: {t.why}" for t in misses] + [""]
    problems = results.get("mismatches", [])
    unchecked = [n for n, s in results["scales"].items() if "checks" not in s.get("references", {})]
    lines += [
        "## Result equality",
        "",
        "Every pandas and polars reference was compared with our query at every scale: "
        + ("**all equal**." if not problems else "**MISMATCHES** (the run failed):"),
        "",
        *[f"- {p}" for p in problems],
        *(
            [f"- **Not checked** (references skipped or failed) at: {', '.join(unchecked)}"]
            if unchecked
            else []
        ),
        "",
    ]
    for name, scale in results["scales"].items():
        lines += _scale_lines(name, scale)
    return "\n".join(lines).rstrip() + "\n"


def write(results: dict[str, object], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = target_scale(results)
    if chosen:
        results["targets"] = {
            "scale": chosen,
            "results": [asdict(t) for t in targets(results["scales"][chosen])],
        }
    stem = out_dir / results["date"]
    md, js = stem.with_suffix(".md"), stem.with_suffix(".json")
    js.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    md.write_text(markdown(results), encoding="utf-8")
    return md, js
