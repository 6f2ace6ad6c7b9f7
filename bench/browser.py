"""The app in a real browser: `streamlit run` + Playwright driving Debian's Chromium.

Measured, against a server started for this run (so its caches start empty):

- server start: process spawn until ``/_stcore/health`` answers;
- cold first render: navigation to ``/overview`` until the first script run has finished and
  the browser has painted (clock: the page's own ``performance.now()``, from navigation start);
- as-of date change → re-rendered, over N distinct dates (each one a cache miss): the user
  types the date into the sidebar's "Status as of" field and leaves it (Escape closes the
  calendar, Tab commits — Streamlit's date field commits on blur; Enter does not commit);
  the time runs from the moment focus leaves the field (the commit) to the first animation
  frame after Streamlit reports the rerun finished;
- peak memory: VmHWM (peak resident set) of the server process and its descendants.

"Finished" is Streamlit's own signal: the ``data-test-script-state`` attribute of the
``stApp`` element goes ``running`` → ``notRunning`` (the attribute its own e2e tests use). A
MutationObserver, installed before the app loads, timestamps every transition in the page, so
Playwright's polling latency is not in the figures.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from bench import app_driver as harness  # the same server and Chromium for tests and bench
from bench.timing import Timing, peak_rss_bytes, process_tree

DATE_LABEL = "Status as of"
TIMEOUT_MS = 180_000
SETTLE_S = 0.3  # a follow-up rerun (st.rerun) must start within this to count as the same change

# Timestamps every script-state transition and the first frame painted after each finish.
# React may batch a short run's running → notRunning into one DOM update, so a run is also
# recognised by its end alone: a change *to* notRunning from any other state (oldValue).
_OBSERVER = """
(() => {
  const sw = (window.__sw = { marks: [], keys: [], leftAt: null });
  const record = (state, before) => {
    if (state === before) return;
    sw.marks.push([state, performance.now(), before]);
    if (state === "notRunning") {
      requestAnimationFrame(() => sw.marks.push(["painted", performance.now(), null]));
    }
  };
  document.addEventListener("keydown", (e) => sw.keys.push(performance.now()), true);
  // The date field commits when focus leaves it: that moment is the user's "change".
  document.addEventListener("focusout", (e) => {
    const field = e.target.closest && e.target.closest('[data-testid="stDateInputField"]');
    if (field && !field.contains(e.relatedTarget)) sw.leftAt = performance.now();
  }, true);
  const watch = () => {
    new MutationObserver((changes) => {
      // Each record's oldValue is the state before it; the next record's is the state after.
      changes.forEach((c, i) => {
        const after = i + 1 < changes.length
          ? changes[i + 1].oldValue
          : c.target.getAttribute("data-test-script-state");
        record(after, c.oldValue);
      });
    }).observe(document.documentElement, {
      attributes: true, subtree: true, attributeOldValue: true,
      attributeFilter: ["data-test-script-state"],
    });
  };
  if (document.documentElement) watch();
  else document.addEventListener("readystatechange", watch, { once: true });
})();
"""

_FOCUS_IN_FIELD = """
() => Boolean(document.activeElement
  && document.activeElement.closest('[data-testid="stDateInputField"]'))
"""

# True once a run started after the marks were reset has finished and been painted. A run
# "started" at its first non-idle state, or — when React batched that away — at its end.
_RUN_DONE = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const marks = window.__sw.marks;
  const started = marks.findIndex((m) => m[0] !== "painted" && m[0] !== "notRunning");
  const ended = marks.findIndex((m, i) => i >= Math.max(started, 0)
    && m[0] === "notRunning" && m[2] !== null && m[2] !== "notRunning");
  if (!app || ended < 0) return false;
  const painted = marks.findIndex((m, i) => i > ended && m[0] === "painted");
  return painted >= 0 && app.getAttribute("data-test-script-state") === "notRunning";
}
"""


def _tree_memory(pid: int) -> dict[str, int]:
    pids = process_tree(pid)
    rss = 0
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1]) * 1024
    return {
        "peak_rss_bytes": sum(peak_rss_bytes(p) for p in pids),
        "rss_at_end_bytes": rss,
        "processes": len(pids),
    }


def _wait_for_run(page) -> float:
    """Wait for the rerun (and any immediate follow-up) to finish; the last paint's time."""
    page.wait_for_function(_RUN_DONE, timeout=TIMEOUT_MS, polling=50)
    while True:
        marks = page.evaluate("window.__sw.marks")
        time.sleep(SETTLE_S)
        later = page.evaluate("window.__sw.marks")
        if len(later) == len(marks):
            return max(mark[1] for mark in marks if mark[0] == "painted")
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stApp\"]')"
            ".getAttribute('data-test-script-state') === 'notRunning'",
            timeout=TIMEOUT_MS,
        )


def _check_no_exception(page) -> None:
    """A page that shows an exception re-renders fast and proves nothing: fail the run."""
    shown = page.locator('[data-testid="stException"]')
    if shown.count():
        raise AssertionError(f"the page shows an exception: {shown.first.inner_text()[:500]}")


def _set_as_of(page, day: dt.date) -> float:
    """Type ``day`` into the sidebar field and commit it; seconds until re-rendered."""
    page.evaluate("() => Object.assign(window.__sw, { marks: [], keys: [], leftAt: null })")
    page.get_by_role("spinbutton", name=f"year, {DATE_LABEL}").click()
    page.keyboard.type(day.strftime("%Y%m%d"))  # segments advance year → month → day
    page.keyboard.press("Escape")  # close the calendar popover the click opened
    for _ in range(4):  # Tab past the field's calendar button: leaving the field commits
        if not page.evaluate(_FOCUS_IN_FIELD):
            break
        page.keyboard.press("Tab")
    painted = _wait_for_run(page)
    _check_no_exception(page)
    sw = page.evaluate("window.__sw")
    if f"as_of={day.isoformat()}" not in page.url:
        raise AssertionError(f"as_of={day} did not reach the URL: {page.url}")
    # The run's first visible state (running, or rerunRequested before it); if React batched
    # it away, the run's end stands in for it (only used to pick the commit moment below).
    started = min(t for state, t, _ in sw["marks"] if state != "painted")
    # The commit is focus leaving the field; should a key commit earlier, that key press.
    committed = sw["leftAt"]
    if committed is None or committed > started:
        committed = max(t for t in sw["keys"] if t <= started)
    return (painted - committed) / 1000.0


def measure_browser(
    store_dir: Path,
    dates: list[dt.date],
    log_path: Path,
    page_path: str = "overview",
) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with harness.streamlit_process(store_dir, log_path, timeout=120.0, poll=0.05) as (
        base,
        server,
    ):
        server_start = time.perf_counter() - started
        with sync_playwright() as pw:
            browser = harness.launch_chromium(pw)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.add_init_script(_OBSERVER)
                page.goto(f"{base}/{page_path}", timeout=TIMEOUT_MS)
                first_render = _wait_for_run(page) / 1000.0  # ms since navigation start
                _check_no_exception(page)
                changes = [_set_as_of(page, day) for day in dates]
            finally:
                browser.close()
        memory = _tree_memory(server.pid)
    timing = Timing(changes)
    return {
        "page": page_path,
        "server_start_s": server_start,
        "cold_first_render_s": first_render,
        "date_changes": len(changes),
        "date_change": {**timing.summary(), "p95_s": timing.quantile(0.95)},
        "dates": [d.isoformat() for d in dates],
        **memory,
    }
