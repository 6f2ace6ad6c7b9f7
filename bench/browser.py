"""The app in a real browser: `streamlit run` + Playwright driving Debian's Chromium.

Measured for one page, against a server started for it (so its caches start empty):

- server start: process spawn until ``/_stcore/health`` answers;
- cold first render: navigation to ``/<page>?<query>`` until the first script run has finished
  and the browser has painted (clock: the page's own ``performance.now()``, from navigation
  start);
- as-of date change → re-rendered, over N distinct dates (each one a cache miss): the user
  types the date into the sidebar's "Status as of" field and leaves it (Escape closes the
  calendar, which commits it in Streamlit 1.67; else Tab, leaving the field, does; Enter
  does not commit); the time runs from the commit (the key press, or focus leaving the
  field, before the rerun started) to the first animation frame after Streamlit reports the
  rerun finished. A page without the field: first render
  only, and the result says so;
- CPU per change: utime + stime, from ``/proc/<pid>/stat``, of the server's process tree and
  of Chromium's processes (the browser, its renderers, GPU and utility processes: the
  chromium processes under this one, i.e. under Playwright's driver, outside the server's
  tree), read once the date is typed (before the key that commits it) and after the rerun
  settled; the typing's own CPU (the click, the digits) is kept apart;
- peak memory: VmHWM (peak resident set) of the server process and its descendants, and of
  Chromium's processes.

"Finished" is Streamlit's own signal: the ``data-test-script-state`` attribute of the
``stApp`` element goes ``running`` → ``notRunning`` (the attribute its own e2e tests use). A
MutationObserver, installed before the app loads, timestamps every transition in the page,
so Playwright's polling latency is not in the figures. A run too short for React to show
(no transition at all) ends at the server's ``script_finished`` message, seen on the app's
WebSocket, and the next frame after it; the results count such changes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from bench import app_driver as harness  # the same server and Chromium for tests and bench
from bench.timing import Timing, peak_rss_bytes, process_tree

DATE_LABEL = "Status as of"
TIMEOUT_MS = 180_000
SETTLE_S = 0.3  # a follow-up rerun (st.rerun) must start within this to count as the same change
FIRST_SETTLE_S = 2.0  # the same for the first render's runs
RUN_START_TIMEOUT_MS = 30_000  # a committed date starts a rerun within this, or it did not take
TYPING_ATTEMPTS = 3

# Timestamps every script-state transition and the first frame painted after each finish.
# React may batch a short run's running → notRunning into one DOM update, so a run is also
# recognised by its end alone: a change *to* notRunning from any other state (oldValue); and
# a run React never showed at all (the attribute did not change) by the server's
# script_finished message on Streamlit's WebSocket.
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
  // A run so short that React never shows it (no attribute change at all) is seen by the
  // server's script_finished message (ForwardMsg field 6, a varint: 0 success, 1 compile
  // error; 2, finished early for a rerun, and 3, a fragment's run, are no page's end).
  const finished = (bytes) => {
    let at = 0;
    const varint = () => {
      let value = 0, shift = 0, byte;
      do { byte = bytes[at++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; }
      while (byte & 0x80 && at < bytes.length);
      return value;
    };
    while (at < bytes.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
      if (wire === 0) { const value = varint(); if (field === 6) return value; }
      else if (wire === 2) { const length = varint(); at += length; }  // not at += varint()
      else if (wire === 1) at += 8;
      else if (wire === 5) at += 4;
      else return null;
    }
    return null;
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (!(e.data instanceof ArrayBuffer)) return;
        const status = finished(new Uint8Array(e.data));
        if (status !== 0 && status !== 1) return;
        sw.marks.push(["finished", performance.now(), "script_finished"]);
        // After Streamlit's own handler (registered later) has taken the message.
        setTimeout(() => requestAnimationFrame(
          () => sw.marks.push(["painted", performance.now(), "script_finished"])), 0);
      });
    }
  };
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

# True once a run since the marks were reset has finished and been painted: its end is the
# state going to notRunning from any other, or, if React showed no state at all, the
# server's script_finished message.
_RUN_DONE = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const marks = window.__sw.marks;
  const ended = marks.findIndex((m) => m[0] === "finished"
    || (m[0] === "notRunning" && m[2] !== null && m[2] !== "notRunning"));
  if (!app || ended < 0) return false;
  const painted = marks.findIndex((m, i) => i > ended && m[0] === "painted");
  return painted >= 0 && app.getAttribute("data-test-script-state") === "notRunning";
}
"""
_ENDS = ("notRunning", "finished")  # the marks that end a run


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # /proc/<pid>/stat counts CPU time in these


def _status_bytes(pid: int, field: str) -> int:
    """A ``VmHWM:``-style line of /proc/<pid>/status in bytes (0 if the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_memory(pid: int) -> dict[str, int]:
    pids = process_tree(pid)
    return {
        "peak_rss_bytes": sum(peak_rss_bytes(p) for p in pids),
        "rss_at_end_bytes": sum(_status_bytes(p, "VmRSS") for p in pids),
        "processes": len(pids),
    }


def cpu_seconds(pid: int) -> float:
    """utime + stime of one live process (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def chromium_processes(server_pid: int) -> dict[int, str]:
    """Chromium's processes under this one, outside the server's tree: pid → its kind.

    Playwright does not expose a launched browser's process; its driver (a child of this
    process) starts Chromium, whose zygotes start the renderers. The kind is the process's
    ``--type`` (``renderer``, ``gpu-process``, ``utility``, ``zygote``); ``browser`` for the
    main process, which has none.
    """
    server = set(process_tree(server_pid))
    found = {}
    for pid in process_tree(os.getpid()):
        if pid in server:
            continue
        try:
            if Path(os.readlink(f"/proc/{pid}/exe")).name != "chromium":
                continue
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # ended meanwhile, or not ours to read
            continue
        kind = re.search(rb"--type=([\w-]+)", command)
        found[pid] = kind.group(1).decode() if kind else "browser"
    return found


class CpuClock:
    """CPU seconds spent by the server's tree and by Chromium between two readings."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self._before = self._read()

    def _read(self) -> dict[str, dict[int, float]]:
        chromium = chromium_processes(self.server_pid)
        return {
            "server": {p: cpu_seconds(p) for p in process_tree(self.server_pid)},
            **{
                kind: {p: cpu_seconds(p) for p, k in chromium.items() if k == kind}
                for kind in ("renderer", "browser")
            },
            "chromium": {p: cpu_seconds(p) for p in chromium},
        }

    def lap(self) -> dict[str, float]:
        """Seconds since the last reading (or the start), by whom; starts the next lap.

        A process started in between counts from 0; one that ended loses its share (no
        renderer ends while its page is open).
        """
        now = self._read()
        spent = {
            f"{who}_cpu_s": sum(max(t - self._before[who].get(p, 0.0), 0.0) for p, t in ts.items())
            for who, ts in now.items()
        }
        self._before = now
        return spent


def chromium_memory(server_pid: int) -> dict[str, int]:
    chromium = chromium_processes(server_pid)
    return {
        "browser_peak_rss_bytes": sum(peak_rss_bytes(p) for p in chromium),
        "browser_processes": len(chromium),
    }


def _summary(values: list[float]) -> dict[str, object]:
    timing = Timing(values)
    return {**timing.summary(), "p95_s": timing.quantile(0.95)}


_MARKS_AND_STATE = """
() => ({
  marks: window.__sw.marks,
  state: document.querySelector('[data-testid="stApp"]').getAttribute("data-test-script-state"),
})
"""


def _settled(marks: list) -> bool:
    """The last run recorded has finished and a frame was painted after it."""
    states = [i for i, mark in enumerate(marks) if mark[0] != "painted"]
    return bool(states) and marks[states[-1]][0] in _ENDS and states[-1] < len(marks) - 1


def _last_paint(marks: list) -> float:
    """The frame painted after the last run: after React showed its end, if it did; else
    (a run React never showed) after its script_finished message."""
    shown = [i for i, (state, _, before) in enumerate(marks) if state == "notRunning" and before]
    after_shown = [
        t
        for state, t, before in marks[shown[-1] if shown else 0 :]
        if state == "painted" and not before
    ]
    return max(after_shown or [t for state, t, _ in marks if state == "painted"])


def _wait_for_run(page, settle_s: float = SETTLE_S) -> float:
    """Wait for the rerun (and any immediate follow-up) to finish; the last paint's time.

    Settled = no new mark for ``settle_s``, the app idle and its last run painted: a
    follow-up run that started before the first reading (a busy renderer answers late) is
    waited for.
    """
    page.wait_for_function(_RUN_DONE, timeout=TIMEOUT_MS, polling=50)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page never settled: {page.evaluate(_MARKS_AND_STATE)}")
        before = page.evaluate(_MARKS_AND_STATE)
        time.sleep(settle_s)
        after = page.evaluate(_MARKS_AND_STATE)
        marks = after["marks"]
        if (
            len(marks) == len(before["marks"])
            and after["state"] == "notRunning"
            and _settled(marks)
        ):
            return _last_paint(marks)
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


def _shown_date(page) -> list[str | None]:
    """The sidebar field's year, month and day as its segments show them (aria-valuenow)."""
    field = page.locator('[data-testid="stDateInputField"]').filter(
        has=page.get_by_role("spinbutton", name=f"year, {DATE_LABEL}")
    )
    return field.locator('[role="spinbutton"]').evaluate_all(
        "(segments) => segments.map((s) => s.getAttribute('aria-valuenow'))"
    )


def _type_date(page, day: dt.date) -> int:
    """Type ``day`` into the field, checked segment by segment; the attempts it took.

    A click whose calendar popover opens late on a busy machine can take the keys: the field
    then does not show the date, and nothing would commit. Such an attempt is undone (Escape,
    the page left to settle) and typed again.
    """
    wanted = [str(day.year), str(day.month), str(day.day)]
    for attempt in range(1, TYPING_ATTEMPTS + 1):
        page.evaluate("() => Object.assign(window.__sw, { marks: [], keys: [], leftAt: null })")
        page.get_by_role("spinbutton", name=f"year, {DATE_LABEL}").click()
        page.keyboard.type(day.strftime("%Y%m%d"))  # segments advance year → month → day
        shown = _shown_date(page)
        if shown == wanted:
            return attempt
        page.keyboard.press("Escape")
        page.wait_for_timeout(1_000)
        if page.evaluate("window.__sw.marks.length"):  # the undone attempt started a run
            _wait_for_run(page)
    raise AssertionError(f"typing {day} into {DATE_LABEL!r} shows {shown} ({attempt} attempts)")


def _set_as_of(
    page, day: dt.date, before_commit: Callable[[], object] | None = None
) -> tuple[float, int, bool]:
    """Type ``day`` into the sidebar field and commit it; (seconds until re-rendered, the
    typing attempts it took, whether React never showed the run: its end is then the server's
    script_finished message and its paint the next frame after that message).

    ``before_commit``: called once the date is typed, before the keys that may commit it.
    Escape closes the calendar popover the click opened, and in Streamlit 1.67 that commits
    the date; else leaving the field (Tab) does.
    """
    attempts = _type_date(page, day)
    if before_commit is not None:
        before_commit()
    page.keyboard.press("Escape")  # close the calendar popover the click opened
    for _ in range(4):  # Tab past the field's calendar button: leaving the field commits
        if not page.evaluate(_FOCUS_IN_FIELD):
            break
        page.keyboard.press("Tab")
    try:
        page.wait_for_function(
            "() => window.__sw.marks.some((m) => m[0] !== 'painted')",
            timeout=RUN_START_TIMEOUT_MS,
            polling=50,
        )
    except Exception as exc:  # the input did not take: say what the page shows
        raise AssertionError(
            f"no rerun started within {RUN_START_TIMEOUT_MS / 1000:.0f} s of committing {day}: "
            f"the field shows {_shown_date(page)}, url {page.url}, "
            f"marks {page.evaluate('window.__sw')}"
        ) from exc
    painted = _wait_for_run(page)
    _check_no_exception(page)
    sw = page.evaluate("window.__sw")
    if f"as_of={day.isoformat()}" not in page.url:
        raise AssertionError(f"as_of={day} did not reach the URL: {page.url}")
    # The run's first visible state (running, or rerunRequested before it); if React batched
    # it away, the run's end stands in for it (only used to pick the commit moment below).
    started = min(t for state, t, _ in sw["marks"] if state != "painted")
    unseen = not any(state == "notRunning" and before for state, _, before in sw["marks"])
    # The commit is focus leaving the field; should a key commit earlier, that key press.
    committed = sw["leftAt"]
    if committed is None or committed > started:
        committed = max(t for t in sw["keys"] if t <= started)
    return (painted - committed) / 1000.0, attempts, unseen


def _check_page(page, page_path: str) -> None:
    """The page opened is the one asked for (a wrong address opens the Overview) and shows
    no exception."""
    _check_no_exception(page)
    wanted = harness.PAGE_TITLES.get(page_path)
    shown = harness.main_title(page)
    if wanted is not None and shown != wanted:
        raise AssertionError(f"/{page_path} shows {shown!r}, not {wanted!r}")


def has_date_field(page) -> bool:
    return page.get_by_role("spinbutton", name=f"year, {DATE_LABEL}").count() > 0


def returning_query(query: str, day: dt.date) -> str:
    """``query`` with its as-of date set to ``day`` (a date the server has not shown yet)."""
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(query) if k != "as_of"]
    return urllib.parse.urlencode([("as_of", day.isoformat()), *pairs])


def _first_render(page, url: str, page_path: str) -> float:
    """Open ``url`` in ``page`` and wait for its first run: seconds since navigation start."""
    page.add_init_script(_OBSERVER)
    page.goto(url, timeout=TIMEOUT_MS)
    # A direct link's first run reruns under app.py's navigation, and on a busy machine that
    # run may start well after the first ends: a longer settle.
    _wait_for_run(page, FIRST_SETTLE_S)
    _check_page(page, page_path)  # waits for the page's heading
    return _wait_for_run(page) / 1000.0  # ms since navigation start


def measure_browser(
    store_dir: Path,
    dates: list[dt.date],
    log_path: Path,
    page_path: str = "overview",
    query: str = "",
    returning_date: dt.date | None = None,
) -> dict[str, object]:
    """One page on a server of its own: start, first render, the date changes, CPU, memory.

    Then, with ``returning_date``, the first render a returning reader sees: a new tab of the
    same browser (its HTTP and code caches warm: Streamlit's JavaScript is not fetched and
    compiled again), a new session on the running server, at a date it has not shown."""
    from playwright.sync_api import sync_playwright

    url_tail = f"/{page_path}" + (f"?{query}" if query else "")
    started = time.perf_counter()
    with harness.streamlit_process(store_dir, log_path, timeout=120.0, poll=0.05) as (
        base,
        server,
    ):
        server_start = time.perf_counter() - started
        with sync_playwright() as pw:
            browser = harness.launch_chromium(pw)
            try:
                # One context: the returning reader's tab below shares its caches.
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                clock = CpuClock(server.pid)
                first_render = _first_render(page, f"{base}{url_tail}", page_path)
                first_cpu = clock.lap()
                date_field = has_date_field(page)
                changes, cpu, typing, attempts, unseen = [], [], [], [], 0
                for day in dates if date_field else []:
                    clock.lap()  # what happened between changes is not the change's
                    seconds, tries, hidden = _set_as_of(
                        page, day, lambda: typing.append(clock.lap())
                    )
                    changes.append(seconds)
                    attempts.append(tries)
                    unseen += hidden
                    cpu.append(clock.lap())
                returning: dict[str, object] = {}
                if returning_date is not None:
                    page.close()
                    clock.lap()
                    again = f"/{page_path}?{returning_query(query, returning_date)}"
                    returning = {
                        "returning_first_render_s": _first_render(
                            context.new_page(), f"{base}{again}", page_path
                        ),
                        "returning_first_render_cpu": clock.lap(),
                        "returning_url": again,
                    }
                browser_memory = chromium_memory(server.pid)
            finally:
                browser.close()
        memory = _tree_memory(server.pid)
    out: dict[str, object] = {
        "page": page_path,
        "url": url_tail,
        "server_start_s": server_start,
        "cold_first_render_s": first_render,
        "first_render_cpu": first_cpu,
        "date_field": date_field,
        "date_changes": len(changes),
        **returning,
        **memory,
        **browser_memory,
    }
    if changes:
        out["date_change"] = _summary(changes)
        # From the key press that commits the date to the settled page; the typing apart.
        out["cpu_per_change"] = {who: _summary([c[who] for c in cpu]) for who in cpu[0]}
        out["typing_cpu"] = {who: _summary([c[who] for c in typing]) for who in typing[0]}
        out["dates"] = [d.isoformat() for d in dates]
        out["typing_retries"] = sum(attempts) - len(attempts)
        out["runs_not_shown"] = unseen
    return out
