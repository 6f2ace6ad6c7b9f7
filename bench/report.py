"""The results files: targets judged from the measurements, a Markdown report and the JSON."""

from __future__ import annotations

import dataclasses
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


# The targets (issue 13), judged at TARGET_SCALE; the 100M ones on a 100m scale when a
# run has one, else measured by bench/build_growth.py into bench/results/*-build-growth.md.
BROWSER_CHANGE_P95_S = 0.5
FIRST_RENDER_S = 2.0
APP_RSS_BYTES = 2**30
SCAN_FACTOR = 2
PANDAS_FACTOR = 50
POLARS_FACTOR = 15
APPTEST_RERUN_S = 1.0
BIG_SCALE = "100m"
BIG_BUILD_RSS_BYTES = 10 * 2**30
BIG_APPTEST_RERUN_S = 2.0
BUILD_GROWTH = "bench/results/*-build-growth.md"


def browser_pages(scale: dict[str, object]) -> dict[str, dict]:
    """The browser figures per page (url path → figures or {"error": …}); a results file
    from before every page was measured had one page's figures at the top level."""
    browser = _get(scale, "browser")
    if not isinstance(browser, dict) or "error" in browser:
        return {}
    if "pages" in browser:
        return browser["pages"]
    return {browser.get("page", "overview"): browser} if "cold_first_render_s" in browser else {}


def _cpu(p: dict, who: str) -> float | None:
    return _get(p, "cpu_per_change", f"{who}_cpu_s", "median_s")


def _change_cost(name: str, p: dict) -> str:
    """One page's date change: wall p95 / p50 and where the CPU went (medians per change)."""
    cpu = (
        f"; CPU per change, median: server {_ms(_cpu(p, 'server'))}, Chromium "
        f"{_ms(_cpu(p, 'chromium'))} of which renderers {_ms(_cpu(p, 'renderer'))}"
        if _cpu(p, "server") is not None
        else ""
    )
    return (
        f"{name} p95 {_ms(_get(p, 'date_change', 'p95_s'))} (p50 "
        f"{_ms(_get(p, 'date_change', 'median_s'))}{cpu})"
    )


def _worst_page(
    pages: dict[str, dict], value, limit: float, label: str, detail=None
) -> tuple[str, str, str]:
    """(measured, verdict, why) of a per-page limit: the worst page named, every page over
    the limit listed; a page that failed (or showed an exception) cannot pass."""
    values = {n: value(p) for n, p in pages.items() if "error" not in p}
    values = {n: v for n, v in values.items() if v is not None}
    failed = {n: p["error"] for n, p in pages.items() if "error" in p}
    if not values and not failed:
        return "–", _judge(None), ""
    over = {n: v for n, v in values.items() if v > limit}
    ok = not over and not failed
    measured = "–"
    if values:
        name, worst = max(values.items(), key=lambda kv: kv[1])
        of = f"{len(values)} pages" if len(values) != 1 else "1 page"
        measured = f"worst {name}: {label(worst)} (of {of})"
    if failed:
        measured += f"; failed: {', '.join(sorted(failed))}"
    why = ""
    if not ok:
        why = (
            (
                "Over the limit: "
                + "; ".join(
                    (detail or (lambda n, v: f"{n} {label(v)}"))(n, v) for n, v in over.items()
                )
                + ". "
                if over
                else ""
            )
            + "".join(f"{n} failed: {e.splitlines()[0][:300]}. " for n, e in sorted(failed.items()))
            + LEAD_PLACEHOLDER
        )
    return measured, _judge(ok), why


def _browser_targets(scale: dict[str, object]) -> list[Target]:
    pages = browser_pages(scale)
    without = sorted(
        n for n, p in pages.items() if "error" not in p and not p.get("date_field", True)
    )
    with_field = {n: p for n, p in pages.items() if "error" in p or p.get("date_field", True)}
    out = []
    measured, verdict, why = _worst_page(
        with_field,
        lambda p: _get(p, "date_change", "p95_s"),
        BROWSER_CHANGE_P95_S,
        lambda v: f"p95 {_ms(v)}",
        lambda n, _v: _change_cost(n, pages[n]),
    )
    if without:
        measured += f"; no date field (first render only): {', '.join(without)}"
    out.append(
        Target(
            "Browser, every page: as-of date change → re-rendered, p95",
            f"≤ {_ms(BROWSER_CHANGE_P95_S)}",
            measured,
            verdict,
            why,
        )
    )
    out.append(
        Target(
            "Browser, every page: cold first render",
            f"≤ {_ms(FIRST_RENDER_S)}",
            *_worst_page(
                pages,
                lambda p: _get(p, "cold_first_render_s"),
                FIRST_RENDER_S,
                _ms,
                lambda n, v: (
                    f"{n} {_ms(v)} (CPU of the load: server "
                    f"{_ms(_get(pages[n], 'first_render_cpu', 'server_cpu_s'))}, Chromium "
                    f"{_ms(_get(pages[n], 'first_render_cpu', 'chromium_cpu_s'))})"
                ),
            ),
        )
    )
    out.append(
        Target(
            "Browser, every page: first render for a returning reader (browser caches warm, "
            "a new session, a date not shown yet)",
            f"≤ {_ms(FIRST_RENDER_S)}",
            *_worst_page(
                pages,
                lambda p: _get(p, "returning_first_render_s"),
                FIRST_RENDER_S,
                _ms,
                lambda n, v: (
                    f"{n} {_ms(v)} (CPU of the load: server "
                    f"{_ms(_get(pages[n], 'returning_first_render_cpu', 'server_cpu_s'))}, "
                    f"Chromium "
                    f"{_ms(_get(pages[n], 'returning_first_render_cpu', 'chromium_cpu_s'))})"
                ),
            ),
        )
    )
    out.append(
        Target(
            "App server peak resident memory, every page",
            f"≤ {_gb(APP_RSS_BYTES)}",
            *_worst_page(pages, lambda p: _get(p, "peak_rss_bytes"), APP_RSS_BYTES, _gb),
        )
    )
    return out


def _scan_targets(scale: dict[str, object]) -> list[Target]:
    """A page's status listing against the scan of the rule's own columns (the brief's floor)."""
    floor = _get(scale, "scan_floor", "floor_fixed_columns", "median_s")
    out = []
    for case, what in (
        ("status_as_of[explore page]", "Explore's first page"),
        ("status_as_of[explore page 300]", "Explore's page 300"),
    ):
        q = _get(scale, "queries", case) or {}
        median = q.get("median_s")
        ok = None if median is None or floor is None else median <= SCAN_FACTOR * floor
        count = _get(scale, "queries", "status_as_of_count", "median_s")
        out.append(
            Target(
                f"Status as of a date, {what} (`{case}`) vs the scan of the rule's columns",
                f"≤ {SCAN_FACTOR}× the scan",
                q.get("error")
                or (
                    "–"
                    if ok is None
                    else f"{_ms(median)} = {median / floor:.1f}× the scan ({_ms(floor)}); "
                    f"{q.get('rows', 0):,} rows"
                    + (
                        " (the page is past the listing's end at this scale: status_as_of has "
                        f"{_get(scale, 'queries', 'status_as_of', 'rows') or 0:,} rows)"
                        if q.get("rows") == 0
                        else ""
                    )
                ),
                _judge(ok),
                ""
                if ok is not False
                else (
                    f"{case} takes {_ms(median)} for {q.get('rows', 0):,} rows; the covering-"
                    f"segment filter alone (count of the segments covering as_of) is "
                    f"{_ms(_get(scale, 'scan_floor', 'status_filter_only', 'median_s'))}, "
                    f"status_as_of_count (the listing's total) {_ms(count)}, the full "
                    f"status_as_of (every pair, "
                    f"{_get(scale, 'queries', 'status_as_of', 'rows') or 0:,} rows) "
                    f"{_ms(_get(scale, 'queries', 'status_as_of', 'median_s'))}. "
                    + LEAD_PLACEHOLDER
                ),
            )
        )
    return out


def _reference_targets(scale: dict[str, object]) -> list[Target]:
    """The full-rule status of every pair against the references, results asserted equal."""
    check = _get(scale, "references", "checks", "status_as_of") or {}
    out = []
    for library, factor, note in (
        ("pandas", PANDAS_FACTOR, "one core"),
        ("polars", POLARS_FACTOR, "bench/references.py's DataFrame API, all cores"),
    ):
        ratio = check.get(f"{library}_ratio")
        equal = check.get(f"{library}_equal")
        ok = None if ratio is None or equal is None else ratio >= factor and equal
        out.append(
            Target(
                f"Status of every pair (full rule) vs the {library} reference ({note})",
                f"≥ {factor}× faster, results equal",
                "–"
                if ratio is None
                else f"{ratio:,.1f}× faster ({library} "
                f"{_ms(_get(check, library, 'median_s'))}, ours {_ms(check.get('ours_median_s'))})"
                f"; {'equal' if equal else '**NOT EQUAL**'} on {check.get('rows_compared', 0):,}"
                " rows",
                _judge(ok),
                ""
                if ok is not False
                else (
                    ("" if equal else f"Results differ: {check.get(f'{library}_mismatch')}. ")
                    + LEAD_PLACEHOLDER
                ),
            )
        )
    return out


def _apptest_target(scale: dict[str, object] | None, limit: float, at: str) -> Target:
    """Every page's AppTest rerun after a date change (the user's rerun): its median per page,
    judged on the slowest page; cold and warm reported beside it."""
    name = f"Every page, AppTest rerun after a date change, at {at}"
    goal = f"≤ {_ms(limit)} (median per page)"
    app = _get(scale, "apptest")
    pages = _get(app, "pages") or {}
    if not pages:
        failed = _get(app, "error")
        return Target(name, goal, f"failed: {failed}" if failed else "–", _judge(None))
    changes = {n: _get(p, "date_change", "median_s") for n, p in pages.items()}
    changes = {n: v for n, v in changes.items() if v is not None}
    broken = sorted(n for n, p in pages.items() if p.get("exceptions"))
    ok = None if not changes else not any(v > limit for v in changes.values()) and not broken

    def slowest(values: dict[str, float | None]) -> str:
        known = {n: v for n, v in values.items() if v is not None}
        if not known:
            return "–"
        n, v = max(known.items(), key=lambda kv: kv[1])
        return f"{n} {_ms(v)}"

    measured = (
        f"slowest {slowest(changes)}"
        + (
            f" (max {_ms(max(_get(p, 'date_change', 'max_s') or 0 for p in pages.values()))})"
            if changes
            else " (no date change measured)"
        )
        + f"; cold: slowest {slowest({n: p.get('cold_s') for n, p in pages.items()})}; warm: "
        f"slowest {slowest({n: _get(p, 'warm', 'median_s') for n, p in pages.items()})}"
    )
    why = ""
    if ok is False:
        over = sorted((n, v) for n, v in changes.items() if v > limit)
        why = (
            (
                "Over the limit: "
                + "; ".join(
                    f"{n} {_ms(v)} (max {_ms(_get(pages[n], 'date_change', 'max_s'))}, cold "
                    f"{_ms(pages[n].get('cold_s'))}, warm "
                    f"{_ms(_get(pages[n], 'warm', 'median_s'))})"
                    for n, v in over
                )
                + ". "
                if over
                else ""
            )
            + (f"Raised an exception (time invalid): {', '.join(broken)}. " if broken else "")
            + LEAD_PLACEHOLDER
        )
    return Target(name, goal, measured, _judge(ok), why)


def latest_growth(results_dir: Path) -> dict[str, object] | None:
    """The newest build-growth results (``python -m bench.build_growth``) in ``results_dir``,
    with the file it came from; None if there are none."""
    found = sorted(results_dir.glob("*-build-growth.json"))
    if not found:
        return None
    growth = json.loads(found[-1].read_text(encoding="utf-8"))
    keep = ("peak_rss_bytes", "seconds", "apptest")  # what the 100M targets read
    return {
        "file": f"bench/results/{found[-1].name}",
        "date": growth.get("date"),
        "machine": {"git_commit": _get(growth, "machine", "git_commit")},
        "scales": {
            name: {k: scale[k] for k in keep if k in scale}
            for name, scale in (growth.get("scales") or {}).items()
            if isinstance(scale, dict)
        },
    }


def _growth_big(growth: dict[str, object] | None) -> dict[str, object] | None:
    """The 100m scale of a build-growth run, in a benchmark scale's shape (build, apptest),
    with where it came from; None if that run has no 100m figures."""
    scale = _get(growth, "scales", BIG_SCALE)
    if not isinstance(scale, dict) or "peak_rss_bytes" not in scale:
        return None
    commit = _get(growth, "machine", "git_commit")
    return {
        "build": {"peak_rss_bytes": scale["peak_rss_bytes"], "seconds": scale.get("seconds")},
        "apptest": scale.get("apptest"),
        "source": f"{growth['file']} ({growth.get('date')}, commit {commit})",
    }


def _big_targets(
    big: dict[str, object] | None, growth: dict[str, object] | None = None
) -> list[Target]:
    """The 100M targets: judged from a 100m scale of this run, else from the newest
    build-growth run that has one (cited), else not measured."""
    build_name = "Build of 100M from CSV: peak resident memory"
    build_goal = f"≤ {_gb(BIG_BUILD_RSS_BYTES)}"
    if big is None and (from_growth := _growth_big(growth)) is not None:
        cited = [
            dataclasses.replace(t, measured=f"{t.measured}; from {from_growth['source']}")
            for t in _big_targets(from_growth)
        ]
        return cited
    if big is None:
        elsewhere = f"not in this run: see {BUILD_GROWTH}"
        return [
            Target(build_name, build_goal, elsewhere, "not measured"),
            Target(
                "Every page, AppTest rerun after a date change, at 100M",
                f"≤ {_ms(BIG_APPTEST_RERUN_S)} (median per page)",
                elsewhere,
                "not measured",
            ),
        ]
    rss = _get(big, "build", "peak_rss_bytes")
    ok = None if rss is None else rss <= BIG_BUILD_RSS_BYTES
    return [
        Target(
            build_name,
            build_goal,
            f"{_gb(rss)} (wall {_ms(_get(big, 'build', 'seconds'))})",
            _judge(ok),
            "" if ok is not False else LEAD_PLACEHOLDER,
        ),
        _apptest_target(big, BIG_APPTEST_RERUN_S, "100M"),
    ]


def targets(
    scale: dict[str, object],
    big: dict[str, object] | None = None,
    growth: dict[str, object] | None = None,
) -> list[Target]:
    """The issue's targets, judged on one scale's results (they are defined at 10M); ``big``:
    this run's 100m scale, if it has one; ``growth``: the newest build-growth results
    (:func:`latest_growth`), for the 100M targets when ``big`` is None."""
    return [
        *_browser_targets(scale),
        *_scan_targets(scale),
        *_reference_targets(scale),
        _apptest_target(scale, APPTEST_RERUN_S, "10M"),
        *_big_targets(big, growth),
    ]


def target_scale(results: dict[str, object]) -> str | None:
    """The scale the targets are judged on: TARGET_SCALE, else the largest below 100M."""
    scales = results.get("scales", {})
    if TARGET_SCALE in scales:
        return TARGET_SCALE
    smaller = [name for name in scales if name != BIG_SCALE]
    return smaller[-1] if smaller else None


def judged(results: dict[str, object]) -> tuple[str | None, list[Target]]:
    chosen = target_scale(results)
    if chosen is None:
        return None, []
    scales = results["scales"]
    return chosen, targets(scales[chosen], scales.get(BIG_SCALE), results.get("build_growth"))


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

    if s.get("skipped"):
        lines += [
            f"Not measured at this opt-in scale: {', '.join(s['skipped'])} (build and AppTest "
            "only; the other figures are the default scales').",
            "",
        ]
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
            note = " ".join(filter(None, (q.get("error"), q.get("note"))))
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
                _ms(_get(p, "date_change", "median_s"))
                if "date_change" in p
                else ("no date field" if p.get("date_field") is False else "–"),
                _ms(_get(p, "date_change", "max_s")),
                "; ".join(e.splitlines()[0][:120] for e in p["exceptions"]) or "none",
            ]
            for page, p in app["pages"].items()
        ]
        changes = {len(_get(p, "date_change", "runs_s") or []) for p in app["pages"].values()}
        lines += _table(
            [
                "page",
                "cold",
                "warm median",
                "warm min",
                "warm max",
                "date change median",
                "date change max",
                "exceptions",
            ],
            rows,
        )
        if changes - {0}:
            lines += [
                f"Date change: the sidebar's date set to {max(changes)} distinct dates in turn "
                "after the warm runs, one timed run each.",
                "",
            ]

    browser = s.get("browser")
    if browser and "error" in browser:
        lines += [f"**Browser** failed: {browser['error']}", ""]
    elif browser:
        lines += _browser_lines(s)
    return lines


def _browser_lines(s: dict[str, object]) -> list[str]:
    pages = browser_pages(s)
    lines = [
        "### Browser (streamlit run + Chromium), every page on a server of its own",
        "",
    ]
    rows, failed, cpu_rows = [], [], []
    for name, p in pages.items():
        if "error" in p:
            failed.append(f"- `{p.get('url', name)}` failed: {p['error'].splitlines()[0][:500]}")
            continue
        change = p.get("date_change") or {}
        no_field = "no date field" if p.get("date_field") is False else "–"
        rows.append(
            [
                f"`{p.get('url', '/' + name)}`",
                _ms(p.get("server_start_s")),
                _ms(p.get("cold_first_render_s")),
                _ms(p.get("returning_first_render_s")),
                _ms(change.get("median_s")) if change else no_field,
                _ms(change.get("p95_s")),
                _ms(change.get("max_s")),
                str(p.get("date_changes", 0)),
                _gb(p.get("peak_rss_bytes")),
                _gb(p.get("browser_peak_rss_bytes")),
            ]
        )
        if change:
            cpu_rows.append(
                [
                    f"`{name}`",
                    _ms(change.get("median_s")),
                    _ms(_cpu(p, "server")),
                    _ms(_get(p, "cpu_per_change", "server_cpu_s", "max_s")),
                    _ms(_cpu(p, "chromium")),
                    _ms(_cpu(p, "renderer")),
                    _ms(_cpu(p, "browser")),
                    _ms(_get(p, "cpu_per_change", "chromium_cpu_s", "max_s")),
                    _ms(_get(p, "typing_cpu", "chromium_cpu_s", "median_s")),
                    f"{_ms(_get(p, 'first_render_cpu', 'server_cpu_s'))} / "
                    f"{_ms(_get(p, 'first_render_cpu', 'chromium_cpu_s'))}",
                ]
            )
    if rows:
        lines += _table(
            [
                "page (opened at)",
                "server start",
                "cold first render",
                "returning reader's first render",
                "date change p50",
                "p95",
                "max",
                "n",
                "server peak RSS",
                "Chromium peak RSS",
            ],
            rows,
        )
    lines += failed + ([""] if failed else [])
    hidden = {n: p["runs_not_shown"] for n, p in pages.items() if p.get("runs_not_shown")}
    if hidden:
        lines += [
            "Runs React never showed (no script-state transition; ended at the server's "
            "script_finished message and the next frame): "
            + ", ".join(f"{n} {k} of {pages[n].get('date_changes')}" for n, k in hidden.items())
            + ".",
            "",
        ]
    retried = {n: p["typing_retries"] for n, p in pages.items() if p.get("typing_retries")}
    if retried:
        lines += [
            "Typing retried (the field did not show the date typed; undone and typed again, "
            "the change timed from the retry's commit): "
            + ", ".join(f"{n} {k}×" for n, k in retried.items())
            + ".",
            "",
        ]
    if cpu_rows:
        lines += [
            "CPU time per date change (utime + stime from /proc, from the key press that "
            "commits the date to the settled page; medians unless marked max): the server's "
            "process tree, and Chromium's processes — all of them, the renderers, the browser "
            "process; the typing before it (the click, the digits) apart. On 2 cores the two "
            "overlap, so they need not add up to the wall time; what Chromium spends is the "
            "floor its rendering sets under any server speed-up.",
            "",
            *_table(
                [
                    "page",
                    "wall p50",
                    "server CPU",
                    "server CPU max",
                    "Chromium CPU",
                    "renderers",
                    "browser process",
                    "Chromium CPU max",
                    "Chromium CPU typing",
                    "first render CPU: server / Chromium",
                ],
                cpu_rows,
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
    chosen, verdicts = judged(results)
    if chosen:
        lines += ["## Targets", ""]
        if chosen != TARGET_SCALE:
            lines += [
                f"The targets are defined at {TARGET_SCALE}; this run's largest scale is "
                f"{chosen}, so the verdicts below are indicative only.",
                "",
            ]
        lines += _table(
            ["target", "goal", f"measured ({chosen})", "verdict"],
            [[t.name, t.goal, t.measured, t.status] for t in verdicts],
        )
        misses = [t for t in verdicts if t.missed]
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


def result_files(out_dir: Path, name: str) -> tuple[Path, Path]:
    """``out_dir/name.md`` and ``.json``; a second run on the same day gets its own files
    (``name-2``, ``name-3``, …): results are never overwritten."""
    stem, n = out_dir / name, 1
    while stem.with_suffix(".md").exists() or stem.with_suffix(".json").exists():
        n += 1
        stem = out_dir / f"{name}-{n}"
    return stem.with_suffix(".md"), stem.with_suffix(".json")


def write(
    results: dict[str, object], out_dir: Path, files: tuple[Path, Path] | None = None
) -> tuple[Path, Path]:
    """The results as ``files`` (markdown, JSON), new ones in ``out_dir`` if None. A run that
    writes after every scale passes the files its first write returned: one run, one file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen, verdicts = judged(results)
    if chosen:
        results["targets"] = {"scale": chosen, "results": [asdict(t) for t in verdicts]}
    md, js = files or result_files(out_dir, results["date"])
    js.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    md.write_text(markdown(results), encoding="utf-8")
    return md, js
