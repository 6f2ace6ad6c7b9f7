"""Drive the real app: a `streamlit run` server, Debian's Chromium, and "Streamlit is idle".

Shared by the browser tests, the screenshot script (``tests/browser/capture.py``) and the
benchmark (``bench/browser.py``, ``bench/downloads.py``), so it lives here, not under tests/; no
pytest in here, so the script runs without it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from shelfwatch import charts, site

PROJECT = Path(__file__).resolve().parents[1]
ARTIFACTS = PROJECT / "tests" / "artifacts"  # git-ignored
LOGS = ARTIFACTS / "logs"  # the servers' output
CHROMIUM = Path("/usr/bin/chromium")
# Playwright cannot download its own browser here; Debian's Chromium, sandbox off (root, CI).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
# Every page of app.py: url path -> the page's title (its h1), from the page registry.
PAGE_TITLES = {spec.url_path: spec.heading for spec in site.PAGES}
# The query string each page is opened with for checks and screenshots.
PAGE_QUERIES = {
    "overview": "as_of=2021-11-30",
    "timeline": "",
    "compare": "start=2021-10-01&end=2021-11-30",
    "profiles": "brand=lorex",
    "explore": "as_of=2021-11-30&brand=lorex",
    "data": "",
}


# The 1,000,000-observation demo of the README (and the default "today" of the test stores,
# tests/conftest.py's TODAY, so the data is the same on any day).
BIG_DEMO = {"retailers": 2_000, "brands": 5_000, "observations": 1_000_000, "seed": 1}
DEMO_TODAY = dt.date(2026, 11, 29)


def page_url(base: str, page: str, query: str | None = None) -> str:
    query = PAGE_QUERIES[page] if query is None else query
    return f"{base}/{page}" + (f"?{query}" if query else "")


def build_big_store(root: Path) -> Path:
    """Generate the 1M-observation demo into ``root``/csv and build it into ``root``/store."""
    from shelfwatch import demo, ingest

    demo.write_demo(root / "csv", today=DEMO_TODAY, **BIG_DEMO)
    ingest.build(root / "csv", root / "store", today=DEMO_TODAY)
    return root / "store"


# --- the server -------------------------------------------------------------------------------


def free_port(wanted: int = 0) -> int:
    """``wanted`` if it is free on 127.0.0.1 (0: any free port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", wanted))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def streamlit_server(
    store: Path,
    log_path: Path,
    *,
    timeout: float = 90.0,
    port: int = 0,
    secrets: Path | None = None,
) -> Iterator[str]:
    """``streamlit run shelfwatch/ui/server.py`` (the app and its download route) on a free
    127.0.0.1 port reading ``store``; yields its base URL.

    ``port``: the port to use if it is free (default: any free port).
    ``secrets``: a secrets.toml to read instead of the usual places (``--secrets.files``):
    with an ``[auth]`` section, the editors' sign-in is on (tests/oidc.py writes one).
    The server's output goes to ``log_path`` (quoted when it fails to start). On exit it is
    terminated, and killed if it has not stopped within 15 s.
    """
    started = streamlit_process(store, log_path, timeout=timeout, port=port, secrets=secrets)
    with started as (base, _):
        yield base


@contextlib.contextmanager
def streamlit_process(
    store: Path,
    log_path: Path,
    *,
    timeout: float = 90.0,
    port: int = 0,
    poll: float = 0.25,
    secrets: Path | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """:func:`streamlit_server`, also yielding the process (the benchmark reads its memory);
    ``poll``: seconds between health checks (the benchmark times the start-up)."""
    port = free_port(port)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "shelfwatch/ui/server.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    if secrets is not None:
        command += ["--secrets.files", str(secrets)]
    env = {**os.environ, "SHELFWATCH_STORE": str(store)}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(base):
                if process.poll() is not None or time.monotonic() > deadline:
                    state = "exited" if process.poll() is not None else "did not answer"
                    log.flush()
                    raise RuntimeError(
                        f"streamlit {state} ({base}); its output:\n"
                        + log_path.read_text("utf-8", errors="replace")[-4000:]
                    )
                time.sleep(poll)
            yield base, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


# --- the browser ------------------------------------------------------------------------------


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# Idle = connected, the script not running, no spinner, no skeleton (a chart or table whose code
# is still loading), no stale element, every plotly chart drawn, and all of it for SETTLE_MS in
# a row: a page may rerun itself ('/' forwards to /overview; a direct link's first run reruns
# under app.py's navigation). Returns the moment (ms since the document's navigation started)
# the page became idle, so a render time excludes the settling wait.
SETTLE_MS = 600
_IDLE_JS = """
(settle) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const ready = !!app
    && app.dataset.testScriptState === 'notRunning'
    && app.dataset.testConnectionState === 'CONNECTED'
    && !!document.querySelector('[data-testid="stMain"] h1')
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSpinner"]')
    && !document.querySelector('[data-testid="stSkeleton"]')
    && !document.querySelector('[data-stale="true"]')
    && Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')).every((chart) => {
         const g = chart.querySelector('.js-plotly-plot');
         return g && g._fullLayout;
       });
  const now = performance.now();
  if (!ready) { window.__shelfwatchIdleSince = null; return false; }
  if (window.__shelfwatchIdleSince == null) window.__shelfwatchIdleSince = now;
  return now - window.__shelfwatchIdleSince >= settle ? window.__shelfwatchIdleSince : false;
}
"""


def wait_idle(page: Any, timeout_ms: float = 60_000) -> float:
    """Wait until Streamlit has finished running and drawing; return when (ms) it went idle."""
    handle = page.wait_for_function(_IDLE_JS, arg=SETTLE_MS, polling=50, timeout=timeout_ms)
    return float(handle.json_value())


def forget_idle(page: Any) -> None:
    """Call before an action that reruns the script, so wait_idle waits for the new run."""
    page.evaluate("() => { window.__shelfwatchIdleSince = null; }")


def act(page: Any, action, timeout_ms: float = 60_000) -> None:
    """Run ``action()`` (a click, a key press) and wait until the rerun it causes is drawn."""
    forget_idle(page)
    action()
    page.wait_for_timeout(200)  # let the widget's message reach the server
    wait_idle(page, timeout_ms)


def open_page(page: Any, url: str, timeout_ms: float = 60_000) -> float:
    """Navigate and wait until idle; return the render time in seconds."""
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    return wait_idle(page, timeout_ms) / 1000


def problems(page: Any) -> list[str]:
    """Exception boxes, tracebacks and error messages on the page (empty = it rendered)."""
    found = [
        f"exception: {text[:300]}"
        for text in page.locator('[data-testid="stException"]').all_inner_texts()
    ]
    body = page.locator("body").inner_text()
    if "Traceback" in body:
        found.append("'Traceback' in the page text")
    errors = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    found += [f"error: {text[:300]}" for text in errors]
    return found


def save_screenshot(page: Any, path: Path, *, full_page: bool = True) -> Path:
    """A PNG of the page; ``full_page``: all of it, not only the part in the viewport.

    Streamlit scrolls its main area inside the window, so a "full page" screenshot of the
    window is only the viewport: the window is made as tall as the content for the shot.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    if full_page:
        height = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
        )
        page.set_viewport_size({"width": viewport["width"], "height": min(height, 10_000)})
        page.wait_for_timeout(300)  # charts redraw at the new size
        wait_idle(page)
    try:
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(viewport)
    return path


def main_title(page: Any) -> str:
    return page.locator('[data-testid="stMain"] h1').first.inner_text().strip()


def code_blocks(page: Any) -> list[str]:
    return [t.strip() for t in page.locator('[data-testid="stCode"]').all_inner_texts()]


def permalink_of(page: Any) -> str:
    """The permalink the page shows (context.show_permalink: the last code block)."""
    links = [text for text in code_blocks(page) if text.startswith("http")]
    assert links, "no permalink shown"
    return links[-1]


# --- what the page shows ----------------------------------------------------------------------

_GRIDS_JS = """
() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]')).map((frame) => {
  const table = frame.querySelector('table[role="grid"]');
  if (!table) return {columns: [], rows: []};
  const columns = Array.from(table.querySelectorAll('th')).map((th) => th.textContent);
  const rows = Array.from(table.querySelectorAll('tbody tr')).map(
    (tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent));
  return {columns, rows};
})
"""


def data_grids(page: Any) -> list[dict[str, list]]:
    """Every st.dataframe as drawn: the header and rows of the grid's accessible table.

    The grid draws on a canvas; its accessible table holds the cells in view (the grid is
    virtualised: rows and columns scrolled out of view are not in it).
    """
    return page.evaluate(_GRIDS_JS)


def grid_records(grid: dict[str, list]) -> list[dict[str, str]]:
    return [dict(zip(grid["columns"], row, strict=False)) for row in grid["rows"]]


def page_texts(page: Any) -> str:
    """All text the page draws: the DOM's, the SVG charts' and the data grids' cells."""
    return page.evaluate(
        """() => [document.body.innerText,
                  ...Array.from(document.querySelectorAll('svg text')).map((t) => t.textContent),
                  ...Array.from(document.querySelectorAll('table[role="grid"] td, '
                                + 'table[role="grid"] th')).map((c) => c.textContent)
                 ].join('\\n')"""
    )


_GRID = '[data-testid="stMain"] [class*="st-key-status_grid"] [data-testid="stDataFrame"]'
_GRID_TABLE_JS = """
(frame) => {
  const table = frame.querySelector('table[role="grid"]');
  const columns = Array.from(table.querySelectorAll('th')).map((th) => th.textContent);
  const rows = Array.from(table.querySelectorAll('tbody tr')).map(
    (tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent));
  return {columns, rows};
}
"""
_STATUS_OF_SYMBOL = {charts.STATUS_STYLES[s].symbol: s for s in charts.STATUS_ORDER}


def _status_grid(page: Any) -> tuple[Any, dict[str, list]]:
    grid = page.locator(_GRID).first
    grid.wait_for(timeout=60_000)
    return grid, grid.evaluate(_GRID_TABLE_JS)


def grid_statuses(page: Any) -> dict[tuple[str, str], tuple[str, str]]:
    """(retailer name, brand name) -> (status, cell text), read from the Overview's status grid
    as drawn (its accessible table; the status from the cell's symbol). For tests on data whose
    names are unique: two retailers of one name would collapse into one key."""
    _, table = _status_grid(page)
    brands = table["columns"][1:]
    return {
        (row[0], brand): (_STATUS_OF_SYMBOL[text.split(" ")[0]], text)
        for row in table["rows"]
        for brand, text in zip(brands, row[1:], strict=True)
    }


def grid_cell_position(page: Any, retailer: str, brand: str) -> tuple[float, float]:
    """Viewport coordinates of the centre of the grid cell of ``retailer`` × ``brand`` (names),
    from the grid's fixed geometry (shelfwatch.charts.GRID_*); scrolls the grid into view. The
    cell must be in view without scrolling the grid sideways (the seed's grid always is)."""
    grid, table = _status_grid(page)
    grid.scroll_into_view_if_needed()
    brands = table["columns"][1:]
    retailers = [row[0] for row in table["rows"]]
    assert retailer in retailers and brand in brands, f"no grid cell {retailer} × {brand}"
    compact = len(brands) > charts.GRID_COMPACT_ABOVE
    width = charts.GRID_COMPACT_WIDTH if compact else charts.GRID_CELL_WIDTH
    box = grid.bounding_box()
    x = box["x"] + charts.GRID_NAME_WIDTH + (brands.index(brand) + 0.5) * width
    y = box["y"] + charts.GRID_ROW_HEIGHT * (retailers.index(retailer) + 1.5)
    return x, y


def link_in_first_row(page: Any, grid: Any) -> tuple[float, float] | None:
    """Where the first row of a data grid has a clickable link (the pointer cursor), if any.

    Link cells are drawn on the grid's canvas, not as <a> elements: the mouse finds them.
    """
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    y = box["y"] + 35 + 17  # the middle of the first row, under the 35 px header row
    for x in range(int(box["x"]) + 5, int(box["x"] + box["width"]), 10):
        page.mouse.move(x, y)
        cursor = page.evaluate(
            "([x, y]) => getComputedStyle(document.elementFromPoint(x, y)).cursor", [x, y]
        )
        if cursor == "pointer":
            return x, y
    return None


def render_times(
    page: Any,
    base: str,
    queries: dict[str, str],
    *,
    rounds: int = 2,
    timeout_ms: float = 120_000,
    shoot: Callable[[str], object] | None = None,
) -> dict[str, list[float]]:
    """Open every page ``rounds`` times in turn; seconds from navigation to idle, per page.

    Each visit is a new document, so a new Streamlit session: the first round runs on the
    server's cold caches (the very first page also pays for the server's imports), later
    rounds on warm ones. Fails on a wrong title or an exception on the page. ``shoot(name)``
    runs after each page of the last round (for screenshots).
    """
    times: dict[str, list[float]] = {name: [] for name in queries}
    for _ in range(rounds):
        for name, query in queries.items():
            times[name].append(open_page(page, page_url(base, name, query), timeout_ms))
            title = main_title(page)
            assert title == PAGE_TITLES[name], f"{name}: title {title!r}"
            assert not problems(page), f"{name}: {problems(page)}"
            if shoot is not None and len(times[name]) == rounds:
                shoot(name)
    return times


def write_times(path: Path, times: dict[str, list[float]], **about: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rounded = {name: [round(s, 2) for s in seconds] for name, seconds in times.items()}
    path.write_text(json.dumps({**about, "seconds": rounded}, indent=2) + "\n", "utf-8")
    return path


def download(page, key: str) -> tuple[str, bytes]:
    """Click the download link with widget key ``key``; the file's name and bytes.

    The link opens its route in a new tab, which a browser closes once the file arrives; here
    it opens in the same tab so the download event is this page's (the page stays)."""
    link = page.locator(f".st-key-{key} a:visible")
    link.evaluate("a => a.removeAttribute('target')")
    with page.expect_download(timeout=120_000) as info:
        link.click()
    path = info.value.path()
    return info.value.suggested_filename, path.read_bytes()
