"""Screenshots of every page for docs/screenshots/, and each page's measured render time.

    .venv/bin/python -m tests.browser.capture                  # seed + a fresh 1M demo store
    .venv/bin/python -m tests.browser.capture --big-store DIR  # reuse a built 1M store
    .venv/bin/python -m tests.browser.capture --no-big         # seed only (keeps no 1M column)

Builds the seed (data/) into a temporary store, starts `streamlit run app.py` on it, and opens
every page in Debian's Chromium (1400 × 900, light theme) several times, then once each in the
dark theme and at a phone's 390 × 844: the first visit runs
on the server's cold caches, the others on warm ones. A page's render time is from navigation
to Streamlit idle (script finished, no spinner, every chart drawn; bench/app_driver.py).
The last visit of each page on the seed is saved as docs/screenshots/<page>.png. The same is
timed on the README's 1,000,000-observation demo; docs/screenshots/README.md gets the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import streamlit

from bench import app_driver as harness  # the same server and Chromium for tests and bench
from shelfwatch import ingest

DOCS = harness.PROJECT / "docs" / "screenshots"
SEED = harness.PROJECT / "data"
COMMAND = ".venv/bin/python -m tests.browser.capture"
BIG_QUERIES = {name: "" for name in harness.PAGE_TITLES}
# The Overview on its first featured view (data/views.csv): the story it opens on.
QUERIES = {
    **harness.PAGE_QUERIES,
    "overview": "as_of=2021-11-30&compare=2021-10-01&brand=lorex,ezviz",
}  # default views: the demo has no lorex


def measure(
    playwright, store: Path, queries: dict[str, str], rounds: int, shots: Path | None
) -> dict[str, list[float]]:
    browser = harness.launch_chromium(playwright)
    try:
        log = harness.LOGS / f"capture-{store.name}.log"
        with harness.streamlit_server(store, log, port=8501) as base:
            # The address `make run` prints, so the permalinks in the screenshots read as usual.
            base = base.replace("127.0.0.1", "localhost")
            context = browser.new_context(viewport=harness.VIEWPORT, color_scheme="light")
            page = context.new_page()

            def shoot(name: str) -> None:
                if shots is not None:
                    harness.save_screenshot(page, shots / f"{name}.png", full_page=False)

            return harness.render_times(page, base, queries, rounds=rounds, shoot=shoot)
    finally:
        browser.close()


# The other ways a reader sees each page, one visit each after the timed rounds (warm caches):
# the system's dark setting, and a phone (390 × 844, the first screen).
VARIANTS = {
    "dark": {"viewport": harness.VIEWPORT, "color_scheme": "dark"},
    "phone": {"viewport": {"width": 390, "height": 844}, "color_scheme": "light"},
}


def variants(playwright, store: Path, queries: dict[str, str], shots: Path) -> dict[str, dict]:
    """Each page in each of VARIANTS, screenshot saved as <page>-<variant>.png; seconds each."""
    browser = harness.launch_chromium(playwright)
    seconds: dict[str, dict[str, float]] = {name: {} for name in VARIANTS}
    try:
        log = harness.LOGS / f"capture-{store.name}-variants.log"
        with harness.streamlit_server(store, log, port=8501) as base:
            base = base.replace("127.0.0.1", "localhost")
            for variant, options in VARIANTS.items():
                context = browser.new_context(**options)
                page = context.new_page()
                for name, query in queries.items():
                    # Warm the server's caches for this page, then time a fresh session.
                    harness.open_page(page, harness.page_url(base, name, query), 120_000)
                    seconds[variant][name] = harness.open_page(
                        page, harness.page_url(base, name, query), 120_000
                    )
                    assert not harness.problems(page), (
                        f"{name} ({variant}): {harness.problems(page)}"
                    )
                    harness.save_screenshot(page, shots / f"{name}-{variant}.png", full_page=False)
                context.close()
    finally:
        browser.close()
    return seconds


def _cold_warm(seconds: list[float] | None) -> tuple[str, str]:
    if not seconds:
        return "–", "–"
    warm = statistics.median(seconds[1:]) if len(seconds) > 1 else None
    return f"{seconds[0]:.1f} s", f"{warm:.1f} s" if warm is not None else "–"


def chromium_version() -> str:
    try:
        out = subprocess.run(
            [str(harness.CHROMIUM), "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except OSError:
        return "Chromium"
    return " ".join(out.split()[:2]) or "Chromium"


README = """# Screenshots

Every page of the dashboard on the seed data (`data/`), 1400 × 900, light theme, as a first
visitor sees it. Made, and the render times below measured, by

```sh
{command}
```

(`tests/browser/capture.py`; `--big-store DIR` reuses a built 1M store, `--no-big` skips it).

## Render times

Seconds from navigation to Streamlit idle: the script has finished, no spinner or loading
placeholder is left and every chart is drawn. Each page was opened {rounds} times in turn, each
visit a new browser session. *Cold* is the first visit after the server started (empty query
caches; the very first page also pays for the server's first imports), *warm* the median of the
other visits. The 1M store is the README's demo (`demo --retailers 2000 --brands 5000
--observations 1000000 --seed 1`), each page on its default view.

| page | light | dark | phone | seed cold | seed warm | dark | phone | 1M cold | 1M warm |
|---|---|---|---|---|---|---|---|---|---|
{rows}

*Light* and *dark* are 1400 × 900 with the system set to that theme (the app follows it; the
app menu's Settings switch it); *phone* is 390 × 844, the first screen a phone shows, sidebar
collapsed. The dark and phone times are one visit each on warm caches.

Measured {day} on {cores} CPU cores ({machine}), Streamlit {streamlit}, {chromium}.
"""


def write_readme(
    seed: dict[str, list[float]],
    big: dict[str, list[float]] | None,
    rounds: int,
    other: dict[str, dict[str, float]],
) -> Path:
    rows = []
    for name, title in harness.PAGE_TITLES.items():
        query = QUERIES[name]
        address = f"/{name}" + (f"?{query}" if query else "")
        shots = [f"[{name}.png]({name}.png)"] + [
            f"[{name}-{variant}.png]({name}-{variant}.png)" for variant in VARIANTS
        ]
        seen = [
            f"{other[variant][name]:.1f} s" if name in other.get(variant, {}) else "–"
            for variant in VARIANTS
        ]
        cells = [
            *shots,
            *_cold_warm(seed.get(name)),
            *seen,
            *_cold_warm(big.get(name) if big else None),
        ]
        rows.append(f"| **{title}** (`{address}`) | " + " | ".join(cells) + " |")
    path = DOCS / "README.md"
    path.write_text(
        README.format(
            command=COMMAND,
            rounds=rounds,
            rows="\n".join(rows),
            day=f"{dt.date.today():%Y-%m-%d}",
            cores=os.cpu_count(),
            machine=f"{platform.machine()}, {platform.system()}",
            streamlit=streamlit.__version__,
            chromium=chromium_version(),
        ),
        "utf-8",
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--big-store", type=Path, help="a built 1M store to reuse")
    parser.add_argument("--no-big", action="store_true", help="skip the 1M store")
    parser.add_argument("--rounds", type=int, default=4, help="visits per page (default 4)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    DOCS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="shelfwatch-capture-") as tmp, sync_playwright() as pw:
        seed_store = Path(tmp) / "seed"
        ingest.build(SEED, seed_store, today=harness.DEMO_TODAY)
        seed = measure(pw, seed_store, dict(QUERIES), args.rounds, DOCS)
        print("seed:", {name: [round(s, 2) for s in times] for name, times in seed.items()})
        other = variants(pw, seed_store, dict(QUERIES), DOCS)
        print("seed, other views:", other)

        big = None
        if not args.no_big:
            big_store = args.big_store
            if big_store is None:
                started = time.monotonic()
                big_store = harness.build_big_store(Path(tmp) / "big")
                print(f"1M demo generated and built in {time.monotonic() - started:.1f} s")
            big = measure(pw, big_store, BIG_QUERIES, args.rounds, None)
            print("1M:", {name: [round(s, 2) for s in times] for name, times in big.items()})

    print("wrote", write_readme(seed, big, args.rounds, other))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
