"""``python -m bench load``: many concurrent reader sessions through HAProxy (issue 13).

N sessions, each a lightweight client speaking Streamlit's own WebSocket protocol (30 Chromium
tabs do not fit on 2 cores), open the Overview or Explore through the proxy of
:func:`shelfwatch.serving.running` and change the sidebar's "Status as of" date every
``--think`` seconds (jittered) for ``--seconds``, each date one no session asked for before (a
cache miss, the worst case). Scenarios: 1 replica, then 2 replicas with a publish (the real
``python -m shelfwatch ingest`` of a one-row file, on a copy of the store) in the middle and
one replica killed (SIGKILL) at about 2/3 of the run.

What a session does is what the browser does (captured from Chromium, Streamlit 1.67):

* a page load: ``GET /<page>?<query>`` (HAProxy's ``SERVERID`` affinity cookie),
  ``GET /_stcore/health`` (Streamlit's ``_streamlit_xsrf`` cookie) and ``/_stcore/host-config``,
  then the WebSocket ``/_stcore/stream`` with subprotocols ``streamlit, <xsrf token>``, the
  cookies and a same-origin ``Origin``; the first ``rerun_script`` carries the URL's query
  string and ``page_name`` = the url path, with no page hash and no widget states;
* a date change: ``rerun_script`` with the current URL's query string (the last
  ``page_info_changed``), the page's script hash (``new_session``), the cached message hashes
  and the date widget's state, ``string_array_value ["YYYY-MM-DD"]``. The browser also sends
  every other widget's unchanged value; the server keeps a widget's previous value when the
  client leaves it out (``SessionState.on_script_will_rerun``), so the run does the same work;
* the ForwardMsg cache: big elements come back as ``ref_hash`` once the client lists them;
* a dropped WebSocket (the replica died): a reload of the URL the session shows — Streamlit's
  client does not rerun by itself on a reconnection (tests/browser/test_replicas.py), and the
  proxy sends the dead replica's readers to a live one.

A rerun's time runs from sending the BackMsg to the arrival of ``script_finished``. After each
one: no exception element (an error, with its message), no ``st.error``, the right page, the URL
(``page_info_changed``) and the page's date line carry the new ``as_of``. After a reconnection:
back within 10 s, and the view (page, date field, date line, URL) is the URL it reopened, else
an error. Server CPU and peak RSS come from /proc for each replica's process tree.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import json
import os
import random
import re
import shlex
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httpx
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Origin, Subprotocol

from bench import app_driver, datasets, report
from bench.timing import Timing, load_average, machine, peak_rss_bytes, process_tree
from shelfwatch import queries, serving, store

DEFAULT_STORE = datasets.DATA_ROOT / "1m" / "store"
BUILD_1M = (
    'PYTHONPATH=. .venv/bin/python -c "from bench import datasets; '
    "datasets.build_store(datasets.prepare(datasets.SCALES['1m']))\""
)
T = TypeVar("T")
DATE_LABEL = "Status as of"  # the sidebar's as-of field (shelfwatch/ui/context.py)
XSRF_COOKIE = "_streamlit_xsrf"
USER_AGENT = "shelfwatch-bench-load (Streamlit protocol client)"
RECONNECT_LIMIT_S = 10.0  # issue 13: a session not back within 10 s is an error
RECONNECT_GIVE_UP_S = 60.0
RERUN_TIMEOUT_S = 60.0
OPEN_TIMEOUT_S = 180.0
# The page's date line (context._date_line): what the main column says it shows.
_DATE_LINE = re.compile(r"Status as of \*\*(\d{4}-\d{2}-\d{2})\*\* · data version (\d+)")
ONE_ROW_HEADER = "retailer_id,brand_id,status,effective_on,source_url,source_kind,confidence\n"
# Issue 13's targets.
TARGET_SESSIONS = 30
TARGET_P95_S = 2.0
TARGET_STORE = "1m"


class OpenFailed(Exception):
    """The page load's HTTP requests or WebSocket handshake did not succeed."""


class Disconnected(Exception):
    """The WebSocket closed while a run was awaited."""


class RerunTimeout(Exception):
    """No ``script_finished`` within the timeout."""


class ProtocolError(Exception):
    """A message this client cannot follow (a ``ref_hash`` it never received)."""


# --- the protocol -------------------------------------------------------------------------------


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(work)``, on a thread of its own when this thread already runs an event
    loop (Playwright's sync API does, in the test process after the browser tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def date_state(widget_id: str, day: dt.date) -> WidgetState:
    """The date field's state as the browser sends it (date_input: ISO strings)."""
    state = WidgetState(id=widget_id)
    state.string_array_value.data.append(day.isoformat())
    return state


def rerun_script(
    query_string: str,
    *,
    url: str,
    page_name: str = "",
    page_hash: str = "",
    widgets: tuple[WidgetState, ...] = (),
    cached: list[str] | tuple[str, ...] = (),
) -> BackMsg:
    """A ``rerun_script`` BackMsg. A page load: ``page_name`` (the url path), no page hash, no
    widget states. A widget change: the page's hash, no name, the widget states."""
    back = BackMsg()
    state = back.rerun_script
    state.query_string = query_string
    state.widget_states.SetInParent()  # the browser always sends the (possibly empty) list
    state.widget_states.widgets.extend(widgets)
    state.page_name = page_name
    state.page_script_hash = page_hash
    state.cached_message_hashes.extend(cached)
    context = state.context_info
    context.timezone, context.timezone_offset, context.locale = "UTC", 0, "en-US"
    context.url, context.is_embedded, context.color_scheme = url, False, "light"
    return back


class MessageCache:
    """The browser's ForwardMsg cache: a big element the server has sent once comes back as a
    ``ref_hash`` while the client lists it in ``cached_message_hashes``; an entry not used for
    more than ``max_age`` script runs is dropped (the frontend's ForwardMsgCache)."""

    def __init__(self, max_age: int = 2) -> None:
        self.max_age = max_age
        self.runs = 0
        self.messages: dict[str, list] = {}  # hash -> [message, run it was last used in]

    def resolve(self, msg: ForwardMsg) -> ForwardMsg:
        if msg.WhichOneof("type") == "ref_hash":
            entry = self.messages.get(msg.ref_hash)
            if entry is None:
                raise ProtocolError(f"cached ForwardMsg miss: {msg.ref_hash}")
            entry[1] = self.runs
            return entry[0]
        if msg.metadata.cacheable and msg.hash:
            self.messages.setdefault(msg.hash, [msg, self.runs])[1] = self.runs
        return msg

    def finished_run(self) -> None:
        self.runs += 1
        for key in [k for k, (_, used) in self.messages.items() if self.runs - used > self.max_age]:
            del self.messages[key]

    def hashes(self) -> list[str]:
        return list(self.messages)


@dataclass
class RunView:
    """What a script run drew, as far as the checks go, read from its ForwardMsgs."""

    page_hash: str = ""
    pages: dict[str, str] = field(default_factory=dict)  # url path -> page script hash
    query_string: str | None = None  # the URL the run wrote (page_info_changed), if it did
    title: str | None = None
    date_widget_id: str | None = None
    date_shown: str | None = None  # what the field shows in a session without client state
    line_as_of: str | None = None  # the page's date line
    version: int | None = None
    exceptions: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)
    finished: int | None = None
    runs: int = 0

    def absorb(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            # A run after one that ended early (st.rerun) replaces what that one drew.
            self.runs += 1
            self.page_hash = msg.new_session.page_script_hash
            self.title = self.date_widget_id = self.date_shown = self.line_as_of = None
            self.version = None
            self.exceptions, self.error_alerts = [], []
        elif kind == "navigation":
            # The page st.navigation ran: the frontend's current page (new_session's hash is
            # the main script's on a page load by name).
            self.page_hash = msg.navigation.page_script_hash
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "script_finished":
            self.finished = msg.script_finished
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element)

    def _element(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception" and not element.exception.is_warning:
            self.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            self.error_alerts.append(element.alert.body[:300])
        elif kind == "heading" and element.heading.tag == "h1" and self.title is None:
            self.title = element.heading.body.strip()
        elif kind == "markdown" and self.line_as_of is None:
            found = _DATE_LINE.search(element.markdown.body)
            if found:
                self.line_as_of, self.version = found[1], int(found[2])
        elif kind == "date_input" and element.date_input.label == DATE_LABEL:
            field_ = element.date_input
            shown = field_.value if field_.set_value else field_.default
            self.date_widget_id = field_.id
            self.date_shown = shown[0] if shown else None


def _as_of(query: str | None) -> str | None:
    values = parse_qs(query or "").get("as_of")
    return values[-1] if values else None


def view_problems(
    view: RunView,
    *,
    page: str,
    page_hash: str | None,
    as_of: str | None,
    before: str,
    reopened: bool = False,
    fresh: bool = False,
) -> list[tuple[str, str]]:
    """(kind, message) for what is wrong with a run that should show ``page`` as of ``as_of``.

    ``before``: the URL's query string when the run was asked for (it stays unless the run
    writes another); ``reopened``: a reconnection, whose URL must stay what it reopened;
    ``fresh``: a new session, whose date field shows what the server sent."""
    found = [("exception", m) for m in view.exceptions]
    found += [("error message", m) for m in view.error_alerts]
    if view.finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
        found.append(("exception", "the script did not compile"))
    want_title = app_driver.PAGE_TITLES[page]
    if (page_hash and view.page_hash != page_hash) or view.title != want_title:
        found.append(("wrong view", f"page: expected {page} ({want_title!r}), got {view.title!r}"))
    shown_url = view.query_string if view.query_string is not None else before
    if _as_of(shown_url) != as_of:
        found.append(("wrong view", f"URL {shown_url!r} does not carry as_of={as_of}"))
    if reopened and parse_qs(shown_url) != parse_qs(before):
        found.append(("wrong view", f"URL {shown_url!r} differs from the one reopened {before!r}"))
    if view.line_as_of != as_of:
        found.append(("wrong view", f"the page says as of {view.line_as_of}, not {as_of}"))
    if fresh and view.date_shown != as_of:
        found.append(("wrong view", f"the date field shows {view.date_shown}, not {as_of}"))
    return found


class Connection:
    """One page load's WebSocket; a reader task queues every frame with its arrival time."""

    def __init__(self, ws: ClientConnection, replica: str | None) -> None:
        self.ws = ws
        self.replica = replica
        self.cache = MessageCache()
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.closed = asyncio.Event()
        self.closed_at: float | None = None
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, http: httpx.AsyncClient, base: str, page: str, query: str) -> Connection:
        """The requests a browser makes to load ``/page?query``, then the WebSocket."""
        for path in (f"/{page}" + (f"?{query}" if query else ""), "/_stcore/health"):
            response = await http.get(path)
            if response.status_code != 200:
                raise OpenFailed(f"GET {path}: HTTP {response.status_code}")
        await http.get("/_stcore/host-config")
        cookies = {cookie.name: cookie.value for cookie in http.cookies.jar}
        token = cookies.get(XSRF_COOKIE, "PLACEHOLDER_AUTH_TOKEN")
        ws = await connect(
            base.replace("http", "ws", 1) + "/_stcore/stream",
            origin=Origin(base),
            subprotocols=[Subprotocol("streamlit"), Subprotocol(token)],
            additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
            user_agent_header=USER_AGENT,
            proxy=None,
            ping_interval=None,  # a browser sends no WebSocket pings
            max_size=None,
            open_timeout=10,
            close_timeout=2,
        )
        return cls(ws, cookies.get(serving.AFFINITY_COOKIE))

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                self.inbox.put_nowait((time.perf_counter(), frame))
        except (WebSocketException, OSError):
            pass
        finally:
            self.closed_at = time.perf_counter()
            self.closed.set()
            self.inbox.put_nowait((self.closed_at, None))

    async def run(self, back: BackMsg, timeout: float) -> tuple[float, float, RunView]:
        """Send ``back``; (sent at, finished at, what the run drew) once a run finishes."""
        leftover = RunView()
        while not self.inbox.empty():  # status messages after the previous run's end
            _, frame = self.inbox.get_nowait()
            if frame is None:
                raise Disconnected("closed before the rerun was sent")
            leftover.absorb(self.cache.resolve(ForwardMsg.FromString(frame)))
        view = RunView()
        sent = time.perf_counter()
        try:
            await self.ws.send(back.SerializeToString())
        except WebSocketException as exc:
            raise Disconnected(str(exc)) from exc
        while True:
            left = sent + timeout - time.perf_counter()
            try:
                arrived, frame = await asyncio.wait_for(self.inbox.get(), max(left, 0.0))
            except TimeoutError:
                raise RerunTimeout(f"no script_finished within {timeout:.0f} s") from None
            if frame is None:
                raise Disconnected("closed during the run")
            msg = self.cache.resolve(ForwardMsg.FromString(frame))
            view.absorb(msg)
            if msg.WhichOneof("type") == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # st.rerun: the run that follows is the one shown
                self.cache.finished_run()
                return sent, arrived, view

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        with contextlib.suppress(Exception):
            await self._reader


# What can go wrong with a page load; the reconnection retries on any of them.
_LOAD_FAILURES = (
    OpenFailed,
    Disconnected,
    RerunTimeout,
    ProtocolError,
    httpx.HTTPError,
    OSError,
    WebSocketException,
)


# --- the readers --------------------------------------------------------------------------------


class DatePool:
    """Every date of the data in a shuffled order, shared by the sessions: no two changes ask
    for the same date (each one misses ``st.cache_data``) until the dates run out."""

    def __init__(self, first: dt.date, last: dt.date, seed: int) -> None:
        self._days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
        self._rng = random.Random(seed)
        self._order: list[dt.date] = []
        self.reused = 0
        self._rounds = 0

    def next(self) -> dt.date:
        if not self._order:
            self._order = self._days[:]
            self._rng.shuffle(self._order)
            self._rounds += 1
        if self._rounds > 1:
            self.reused += 1
        return self._order.pop()


class Recorder:
    """Everything the sessions measured and every error, with when (s since the window)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.errors: list[dict] = []
        self.reruns: list[dict] = []
        self.reloads: list[dict] = []
        self.interrupted = 0
        self.stage = "window"  # reruns after the window are recorded apart

    def at(self) -> float:
        return round(time.perf_counter() - self.start, 2)

    def error(self, kind: str, session: Session, message: str) -> None:
        self.errors.append(
            {
                "kind": kind,
                "session": session.number,
                "page": session.page,
                "replica": session.replica,
                "at_s": self.at(),
                "message": message,
            }
        )


class Session:
    """One reader: a page, a cookie jar, the URL it shows, a WebSocket at a time."""

    def __init__(
        self,
        number: int,
        page: str,
        base: str,
        dates: DatePool,
        recorder: Recorder,
        think: float,
        seed: int,
    ) -> None:
        self.number, self.page, self.base = number, page, base
        self.dates, self.recorder, self.think = dates, recorder, think
        self.rng = random.Random(seed)
        self.http = httpx.AsyncClient(
            base_url=base,
            timeout=10.0,
            headers={"User-Agent": USER_AGENT},
            trust_env=False,  # never an environment's HTTP proxy
        )
        self.conn: Connection | None = None
        self.query = ""  # the query string of the URL the browser would show
        self.page_hash: str | None = None
        self.date_widget: str | None = None
        self.replica: str | None = None
        self.replicas_seen: list[str] = []
        self.versions: list[tuple[float, int]] = []
        self.reruns = 0
        self.reconnects = 0
        self.alive = False

    @property
    def connected(self) -> bool:
        return self.conn is not None and not self.conn.closed.is_set()

    async def _load(self, query: str, timeout: float) -> tuple[float, float, RunView]:
        """A page load of ``/page?query`` in a new Streamlit session; (started, finished, view)."""
        started = time.perf_counter()
        if self.conn is not None:
            await self.conn.close()
        self.conn = await Connection.open(self.http, self.base, self.page, query)
        self.replica = self.conn.replica
        if self.replica not in self.replicas_seen:
            self.replicas_seen.append(self.replica)
        back = rerun_script(query, url=f"{self.base}/{self.page}", page_name=self.page)
        _, finished, view = await self.conn.run(back, timeout)
        return started, finished, view

    def _learn(self, view: RunView) -> None:
        if view.query_string is not None:
            self.query = view.query_string
        self.page_hash = view.pages.get(self.page, self.page_hash)
        self.date_widget = view.date_widget_id or self.date_widget
        if view.version is not None:
            self.versions.append((self.recorder.at(), view.version))

    async def open(self, day: dt.date) -> float | None:
        """The first page load; its seconds, or None (an error recorded) if it failed."""
        query = f"as_of={day.isoformat()}"
        try:
            started, finished, view = await self._load(query, OPEN_TIMEOUT_S)
        except _LOAD_FAILURES as exc:
            self.recorder.error("open failed", self, f"{type(exc).__name__}: {exc}")
            return None
        self._learn(view)
        page_hash = self.page_hash
        for kind, message in view_problems(
            view,
            page=self.page,
            page_hash=page_hash,
            as_of=day.isoformat(),
            before=query,
            fresh=True,
        ):
            self.recorder.error(kind, self, f"opening: {message}")
        self.alive = self.date_widget is not None
        if not self.alive:
            self.recorder.error("wrong view", self, "opening: no 'Status as of' field drawn")
        return finished - started

    async def _pause(self, seconds: float) -> bool:
        """Think for ``seconds``; True as soon as the WebSocket drops meanwhile."""
        try:
            await asyncio.wait_for(self.conn.closed.wait(), max(seconds, 0.0))
        except TimeoutError:
            return False
        return True

    async def browse(self, end_at: float) -> None:
        """Change the date every think time (jittered) until ``end_at``; reconnect on a drop."""
        await self._pause(self.rng.uniform(0, self.think))  # sessions out of step
        while self.alive and time.perf_counter() < end_at:
            if not self.connected:
                await self.reconnect()
                continue
            think = self.think * self.rng.uniform(0.5, 1.5)
            if await self._pause(min(think, end_at - time.perf_counter())):
                continue
            if time.perf_counter() >= end_at:
                break
            try:
                await self.change_date(self.dates.next())
            except Exception as exc:  # a client fault: counted and reloaded, the run goes on
                self.recorder.error("client fault", self, f"{type(exc).__name__}: {exc}")
                await self.conn.close()
        if self.alive and not self.connected:
            await self.reconnect()  # a drop at the very end is judged like any other

    async def one_more(self) -> None:
        """A last date change (reconnecting first if need be), after the window."""
        if not self.connected:
            await self.reconnect()
        if self.alive and self.connected:
            await self.change_date(self.dates.next())

    async def change_date(self, day: dt.date) -> None:
        back = rerun_script(
            self.query,
            url=f"{self.base}/{self.page}",
            page_hash=self.page_hash or "",
            widgets=(date_state(self.date_widget, day),),
            cached=self.conn.cache.hashes(),
        )
        replica, before = self.replica, self.query
        try:
            sent, finished, view = await self.conn.run(back, RERUN_TIMEOUT_S)
        except Disconnected:
            self.recorder.interrupted += 1  # the reconnection is judged, not this run
            return
        except (RerunTimeout, ProtocolError) as exc:
            kind = "rerun timeout" if isinstance(exc, RerunTimeout) else "protocol"
            self.recorder.error(kind, self, f"{day}: {exc}")
            await self.conn.close()  # then reload, as a reader would
            return
        self.reruns += 1
        self.recorder.reruns.append(
            {
                "page": self.page,
                "replica": replica,
                "at_s": round(sent - self.recorder.start, 2),
                "seconds": round(finished - sent, 4),
                "stage": self.recorder.stage,
            }
        )
        self._learn(view)
        for kind, message in view_problems(
            view, page=self.page, page_hash=self.page_hash, as_of=day.isoformat(), before=before
        ):
            self.recorder.error(kind, self, f"{day}: {message}")

    async def reconnect(self) -> None:
        """Reload the URL the session shows, through the proxy, until a run has drawn it."""
        dropped = (self.conn.closed_at if self.conn else None) or time.perf_counter()
        self.reconnects += 1
        reopened, gone_from = self.query, self.replica
        failure = "no attempt"
        while True:
            try:
                _, finished, view = await self._load(reopened, RERUN_TIMEOUT_S)
                break
            except _LOAD_FAILURES as exc:
                failure = f"{type(exc).__name__}: {exc}"
            if time.perf_counter() - dropped > RECONNECT_GIVE_UP_S:
                self.recorder.error(
                    "no reconnection", self, f"gave up after {RECONNECT_GIVE_UP_S:.0f} s: {failure}"
                )
                self.alive = False
                return
            await asyncio.sleep(0.25)
        took = finished - dropped
        self.recorder.reloads.append(
            {
                "session": self.number,
                "page": self.page,
                "from": gone_from,
                "to": self.replica,
                "at_s": round(dropped - self.recorder.start, 2),
                "reconnect_s": round(took, 3),
            }
        )
        self._after_reconnect(view, reopened, took)

    def _after_reconnect(self, view: RunView, reopened: str, took: float) -> None:
        """Judge a reconnection: back within the limit, showing the URL it reopened."""
        if took > RECONNECT_LIMIT_S:
            self.recorder.error(
                "reconnect over 10 s", self, f"back after {took:.1f} s on {self.replica}"
            )
        page_hash = self.page_hash
        self._learn(view)
        for kind, message in view_problems(
            view,
            page=self.page,
            page_hash=page_hash,
            as_of=_as_of(reopened),
            before=reopened,
            reopened=True,
            fresh=True,
        ):
            kind = "view differs after reconnect" if kind == "wrong view" else kind
            self.recorder.error(kind, self, message)

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()
        await self.http.aclose()

    def describe(self) -> dict:
        return {
            "session": self.number,
            "page": self.page,
            "replicas": self.replicas_seen,
            "reruns": self.reruns,
            "reconnects": self.reconnects,
            "versions": sorted({v for _, v in self.versions}),
        }


# --- the servers --------------------------------------------------------------------------------


def _tree_usage(pid: int) -> dict[str, float]:
    """CPU seconds (utime + stime), peak and current RSS of ``pid`` and its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = hwm = rss = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += int(fields[11]) + int(fields[12])
            hwm += peak_rss_bytes(p)
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) * 1024
        except (OSError, IndexError):
            continue  # the process ended meanwhile
    return {"cpu_s": cpu / ticks, "peak_rss_bytes": hwm, "rss_bytes": rss}


class ReplicaMonitor:
    """Each replica's process tree sampled from /proc; a killed replica keeps its last sample."""

    def __init__(self, served: serving.Running) -> None:
        self.served = served
        self.first: dict[str, dict] = {}
        self.last: dict[str, dict] = {}
        self.peak: dict[str, int] = {}
        self.frozen: set[str] = set()

    def sample(self) -> None:
        for name, process in self.served.replicas.items():
            if name in self.frozen or process.poll() is not None:
                continue
            usage = _tree_usage(process.pid)
            self.first.setdefault(name, usage)
            self.last[name] = usage
            self.peak[name] = max(self.peak.get(name, 0), usage["peak_rss_bytes"])

    async def every(self, seconds: float) -> None:
        while True:
            self.sample()
            await asyncio.sleep(seconds)

    def cpu(self, name: str) -> float:
        return self.last[name]["cpu_s"] - self.first[name]["cpu_s"]


def _data_facts(store_dir: Path) -> dict:
    """The data's date range and a retailer and brand that exist (for the one-row publish)."""
    con = store.open_version(store_dir)
    try:
        bounds = queries.run_query(con, "data_bounds").iloc[0]
        retailer = queries.run_query(con, "retailers")["retailer_id"].iloc[0]
        brand = queries.run_query(con, "brands")["brand_id"].iloc[0]
    finally:
        con.close()
    return {
        "first": bounds["first_date"].date(),
        "last": bounds["last_date"].date(),
        "observations": int(bounds["observations"]),
        "retailer": str(retailer),
        "brand": str(brand),
    }


async def publish_one_row(store_dir: Path, facts: dict, folder: Path) -> dict:
    """``python -m shelfwatch ingest`` of a one-row observations file: a new version."""
    path = folder / "load-one-row.csv"
    path.write_text(
        ONE_ROW_HEADER + f"{facts['retailer']},{facts['brand']},removed,{facts['last']},"
        f"https://load.example/{time.time_ns()},listing_check,high\n",
        encoding="utf-8",
    )
    before = store.current_version(store_dir)
    started = time.perf_counter()
    child = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "shelfwatch", "ingest", str(path), "--store", str(store_dir)],
        *["--editor", "bench-load", "--note", "load benchmark: one row", "--wait", "30"],
        cwd=serving.PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await child.communicate()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "returncode": child.returncode,
        "version_before": before,
        "version": store.current_version(store_dir),
        "output": output.decode("utf-8", "replace").strip()[-600:],
    }


# --- a scenario ---------------------------------------------------------------------------------


def _summary(times: list[float]) -> dict[str, float | None]:
    if not times:
        return {"n": 0, "p50_s": None, "p95_s": None, "max_s": None}
    timing = Timing(times)
    return {
        "n": len(times),
        "p50_s": round(timing.quantile(0.5), 3),
        "p95_s": round(timing.quantile(0.95), 3),
        "max_s": round(timing.max, 3),
    }


def _client_cpu() -> float:
    times = os.times()
    return times.user + times.system


async def _drive(
    served: serving.Running,
    facts: dict,
    *,
    store_dir: Path,
    sessions: int,
    seconds: float,
    think: float,
    pages: tuple[str, ...],
    publish_at: float | None,
    kill_at: float | None,
    seed: int,
    say,
) -> dict:
    recorder = Recorder()
    dates = DatePool(facts["first"], facts["last"], seed)
    monitor = ReplicaMonitor(served)
    readers = [
        # Pages in pairs (o, o, e, e, …): the proxy deals new sessions round-robin, so each of
        # two replicas gets both pages rather than one page each.
        Session(k, pages[k // 2 % len(pages)], served.base, dates, recorder, think, 1000 * seed + k)
        for k in range(sessions)
    ]

    async def open_one(session: Session, delay: float) -> float | None:
        await asyncio.sleep(delay)  # a crowd arriving within a think time, not one instant
        return await session.open(dates.next())

    opening = time.perf_counter()
    open_times = await asyncio.gather(
        *(open_one(s, k * min(think, 3.0) / sessions) for k, s in enumerate(readers))
    )
    say(
        f"  {sum(s.alive for s in readers)}/{sessions} sessions open in "
        f"{time.perf_counter() - opening:.1f} s; browsing for {seconds:.0f} s"
    )
    at_open = Counter(s.replica for s in readers if s.alive)
    pages_at_open = Counter((s.replica, s.page) for s in readers if s.alive)

    monitor.sample()
    proxy_before = _tree_usage(served.proxy.pid)["cpu_s"]
    client_before = _client_cpu()
    load_start = load_average()
    recorder.start = start = time.perf_counter()
    end_at = start + seconds
    events: dict[str, dict] = {}

    async def publish_later(tmp: Path) -> None:
        await asyncio.sleep(publish_at * seconds)
        say(f"  publishing a one-row file at {recorder.at():.0f} s")
        events["publish"] = {"at_s": recorder.at(), **await publish_one_row(store_dir, facts, tmp)}
        events["publish"]["done_at_s"] = recorder.at()

    async def kill_later() -> None:
        await asyncio.sleep(kill_at * seconds)
        connected = Counter(s.replica for s in readers if s.alive and s.connected)
        live = [n for n, p in served.replicas.items() if p.poll() is None]
        name = max(live, key=lambda n: connected.get(n, 0))
        monitor.sample()
        monitor.frozen.add(name)
        process = served.replicas[name]
        for pid in reversed(process_tree(process.pid)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        events["kill"] = {"replica": name, "at_s": recorder.at(), "sessions": connected[name]}
        say(f"  killed replica {name} ({connected[name]} sessions) at {recorder.at():.0f} s")
        await asyncio.to_thread(process.wait, 15)

    with tempfile.TemporaryDirectory(prefix="shelfwatch-load-upload-") as tmp:
        sampler = asyncio.create_task(monitor.every(1.0))
        side = []
        if publish_at is not None:
            side.append(asyncio.create_task(publish_later(Path(tmp))))
        if kill_at is not None:
            side.append(asyncio.create_task(kill_later()))
        await asyncio.gather(*(s.browse(end_at) for s in readers if s.alive))
        elapsed = time.perf_counter() - start
        monitor.sample()
        client_cpu = _client_cpu() - client_before
        proxy_cpu = _tree_usage(served.proxy.pid)["cpu_s"] - proxy_before
        load_end = load_average()
        sampler.cancel()
        for task in side:
            await asyncio.wait_for(task, timeout=600)  # a publish still running is waited for
        if events.get("publish", {}).get("returncode") == 0:
            # One more change each once the publish is done (it may end after the window):
            # which version does every session see now? Not in the window's figures.
            recorder.stage = "after publish"
            await asyncio.gather(*(s.one_more() for s in readers if s.alive))
    at_end = Counter(s.replica for s in readers if s.alive and s.connected)
    for session in readers:
        await session.close()
    return _scenario_result(
        served,
        readers,
        recorder,
        monitor,
        events,
        facts=facts,
        elapsed=elapsed,
        seconds=seconds,
        think=think,
        open_times=[t for t in open_times if t is not None],
        at_open=at_open,
        pages_at_open=pages_at_open,
        at_end=at_end,
        client_cpu=client_cpu,
        proxy_cpu=proxy_cpu,
        load=(load_start, load_end),
        dates_reused=dates.reused,
    )


def _went_back(versions: list[tuple[float, int]], new: int) -> bool:
    """Whether a session was shown an older version after it had been shown ``new``."""
    seen = [v for _, v in versions]
    return new in seen and any(v < new for v in seen[seen.index(new) :])


def _scenario_result(
    served, readers, recorder, monitor, events, *, facts, elapsed, seconds, think, **more
) -> dict:
    window = [r for r in recorder.reruns if r["stage"] == "window"]
    after = [r["seconds"] for r in recorder.reruns if r["stage"] != "window"]
    times = [r["seconds"] for r in window]
    cores = len(os.sched_getaffinity(0))
    server_cpu = sum(monitor.cpu(name) for name in monitor.first)
    by_kind: dict[str, dict] = {}
    for error in recorder.errors:
        entry = by_kind.setdefault(error["kind"], {"count": 0, "first": []})
        entry["count"] += 1
        if len(entry["first"]) < 3:
            entry["first"].append(
                f"session {error['session']} ({error['page']}, {error['replica']}) at "
                f"{error['at_s']} s: {error['message']}"
            )
    replicas = {}
    for name in served.replicas:
        if name not in monitor.first:
            continue
        cpu = monitor.cpu(name)
        count = sum(1 for r in window if r["replica"] == name)
        replicas[name] = {
            "cpu_s": round(cpu, 1),
            "peak_rss_bytes": monitor.peak[name],
            "rss_at_end_bytes": monitor.last[name]["rss_bytes"],
            "sessions_at_open": more["at_open"].get(name, 0),
            "pages_at_open": {
                page: n for (replica, page), n in more["pages_at_open"].items() if replica == name
            },
            "sessions_at_end": more["at_end"].get(name, 0),
            "reruns": count,
            "reruns_per_cpu_s": round(count / cpu, 2) if cpu else None,
            "killed": name in monitor.frozen,
        }
    publish = events.get("publish")
    if publish is not None:
        new = publish["version"]
        publish["sessions_saw_new_version"] = sum(
            1 for s in readers if any(v == new for _, v in s.versions)
        )
        publish["sessions_went_back"] = sum(1 for s in readers if _went_back(s.versions, new))
    kill = events.get("kill")
    if kill is not None:
        gone = kill["replica"]
        moved = [r for r in recorder.reloads if r["from"] == gone]
        kill["sessions_reconnected"] = len({r["session"] for r in moved})
        kill["reconnect"] = _summary([r["reconnect_s"] for r in moved])
    pages = sorted({s.page for s in readers})
    return {
        "replicas": len(served.replicas),
        "sessions": len(readers),
        "sessions_opened": sum(1 for s in readers if s.alive or s.reruns),
        "pages": dict(Counter(s.page for s in readers)),
        "think_s": think,
        "window_s": seconds,
        "seconds": round(elapsed, 1),
        "open": _summary(more["open_times"]),
        "reruns": len(times),
        "reruns_per_s": round(len(times) / elapsed, 2) if elapsed else None,
        "rerun": _summary(times),
        "per_page": {p: _summary([r["seconds"] for r in window if r["page"] == p]) for p in pages},
        "after_publish": _summary(after),
        "reloads": recorder.reloads,
        "interrupted_reruns": recorder.interrupted,
        "errors": {"total": len(recorder.errors), "by_kind": by_kind},
        "error_list": recorder.errors[:200],
        "replica_stats": replicas,
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_share": round(server_cpu / (elapsed * cores), 2) if elapsed else None,
        "reruns_per_server_cpu_s": round(len(times) / server_cpu, 2) if server_cpu else None,
        "proxy_cpu_s": round(more["proxy_cpu"], 1),
        "client_cpu_s": round(more["client_cpu"], 1),
        "client_cpu_share": round(more["client_cpu"] / (elapsed * cores), 2) if elapsed else None,
        "cores": cores,
        "load_average_start": more["load"][0],
        "load_average_end": more["load"][1],
        "publish": publish,
        "kill": kill,
        "dates": f"{facts['first']} to {facts['last']}",
        "dates_reused": more["dates_reused"],
        "sessions_detail": [s.describe() for s in readers],
        "rerun_times": recorder.reruns,
    }


def run_scenario(
    store_dir: Path,
    *,
    replicas: int,
    sessions: int,
    seconds: float,
    think: float = 3.0,
    pages: tuple[str, ...] = ("overview", "explore"),
    publish: bool = False,
    kill: bool = False,
    publish_at: float = 0.5,
    kill_at: float = 2 / 3,
    seed: int = 1,
    say=print,
) -> dict:
    """One scenario: ``replicas`` behind HAProxy, ``sessions`` readers for ``seconds``.

    ``publish``: the replicas serve a copy of the store and a one-row file is published
    into it at ``publish_at`` of the run; ``kill``: the replica holding the most sessions is
    SIGKILLed at ``kill_at``. The original store is never written."""
    unknown = [p for p in pages if p not in app_driver.PAGE_TITLES]
    if unknown:
        raise ValueError(
            f"unknown page(s) {unknown}; choose from {', '.join(app_driver.PAGE_TITLES)}"
        )
    if kill and replicas < 2:
        raise ValueError("killing a replica needs 2 or more")
    with contextlib.ExitStack() as stack:
        serve_dir = store_dir
        if publish:
            scratch = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="shelfwatch-load-"))
            )
            serve_dir = scratch / "store"
            shutil.copytree(store_dir, serve_dir)
        facts = _data_facts(serve_dir)
        say(f"{replicas} replica(s), {sessions} sessions, {seconds:.0f} s, think {think} s")
        served = stack.enter_context(
            serving.running(
                serve_dir,
                replicas=replicas,
                port=app_driver.free_port(),
                log_dir=app_driver.LOGS / f"bench-load-{replicas}",
            )
        )
        result = run_async(
            _drive(
                served,
                facts,
                store_dir=serve_dir,
                sessions=sessions,
                seconds=seconds,
                think=think,
                pages=pages,
                publish_at=publish_at if publish else None,
                kill_at=kill_at if kill else None,
                seed=seed + replicas,
                say=say,
            )
        )
    result["store"] = str(store_dir)
    result["observations"] = facts["observations"]
    return result


# --- the results --------------------------------------------------------------------------------


def targets(results: dict) -> list[report.Target]:
    """Issue 13's two targets, judged on this run's scenarios."""
    found = []
    as_specified = (
        results["options"]["sessions"] == TARGET_SESSIONS
        and Path(results["store"]).resolve() == DEFAULT_STORE.resolve()
        and results["options"]["think"] == 3.0
    )
    note = "" if as_specified else " (not the target's setting: indicative)"
    one = next((s for s in results["scenarios"] if s["replicas"] == 1), None)
    if one is None:
        found.append(
            report.Target(
                f"{TARGET_SESSIONS} sessions, 1 replica",
                f"0 errors, p95 ≤ {TARGET_P95_S:.0f} s",
                "not run",
                "not measured",
            )
        )
    else:
        p95 = one["rerun"]["p95_s"]
        ok = one["errors"]["total"] == 0 and p95 is not None and p95 <= TARGET_P95_S
        found.append(
            report.Target(
                f"{TARGET_SESSIONS} sessions, 1 replica",
                f"0 errors, p95 ≤ {TARGET_P95_S:.0f} s",
                f"{one['sessions']} sessions: {one['errors']['total']} errors, p95 "
                f"{report._ms(p95)}{note}",
                report._judge(ok),
            )
        )
    two = next((s for s in results["scenarios"] if s["replicas"] >= 2), None)
    if two is None or not (two["publish"] and two["kill"]):
        measured = "not run" if two is None else "run without the publish or the kill"
        found.append(
            report.Target(
                f"{TARGET_SESSIONS} sessions, 2 replicas, publish + one replica killed",
                "0 errors",
                measured,
                "not measured",
            )
        )
    else:
        published = two["publish"]["returncode"] == 0
        ok = two["errors"]["total"] == 0 and published
        found.append(
            report.Target(
                f"{TARGET_SESSIONS} sessions, 2 replicas, publish + one replica killed",
                "0 errors",
                f"{two['sessions']} sessions: {two['errors']['total']} errors, publish "
                f"{'v' + str(two['publish']['version']) if published else 'FAILED'}, "
                f"{two['kill']['sessions_reconnected']}/{two['kill']['sessions']} sessions of "
                f"{two['kill']['replica']} reconnected{note}",
                report._judge(ok),
            )
        )
    return found


def _s(seconds: float | None) -> str:
    return report._ms(seconds)


def markdown(results: dict) -> str:
    o = results["options"]
    lines = [
        "# Load: concurrent reader sessions through HAProxy",
        "",
        f"{results['date']}, `{results['command']}`. Store `{results['store']}` "
        f"({results['scenarios'][0]['observations']:,} observations)"
        if results["scenarios"]
        else f"{results['date']}, `{results['command']}`.",
        "",
        f"Each session is a WebSocket client speaking Streamlit's protocol (bench/load.py), on "
        f"{', '.join(o['pages'])}; a date change every {o['think']} s of think time (×0.5–1.5), "
        "each date one no session asked for before. A rerun: BackMsg sent → `script_finished` "
        "received. Server CPU: utime + stime of each replica's process tree (/proc) over the "
        "window; *reruns per server CPU-second* is the per-core figure (on a machine with more "
        "cores, ≈ that × the cores the replicas get).",
        "",
        "## Machine",
        "",
        *report._machine_lines(results["machine"]),
        "## Targets",
        "",
    ]
    lines += report._table(
        ["target", "goal", "measured", "status"],
        [[t.name, t.goal, t.measured, t.status] for t in results["targets"]],
    )
    rows = []
    for s in results["scenarios"]:
        rows.append(
            [
                s["replicas"],
                s["sessions"],
                s["seconds"],
                s["reruns"],
                s["reruns_per_s"],
                _s(s["rerun"]["p50_s"]),
                _s(s["rerun"]["p95_s"]),
                _s(s["rerun"]["max_s"]),
                s["errors"]["total"],
                s["server_cpu_s"],
                s["reruns_per_server_cpu_s"],
                f"{s['client_cpu_s']} ({s['client_cpu_share']:.0%} of the cores)",
                f"{report._load(s['load_average_start'])} → {report._load(s['load_average_end'])}",
            ]
        )
    lines += ["## Scenarios", ""]
    lines += report._table(
        [
            "replicas",
            "sessions",
            "s",
            "reruns",
            "reruns/s",
            "p50",
            "p95",
            "max",
            "errors",
            "server CPU s",
            "reruns per server CPU-s",
            "client CPU s",
            "load avg start → end",
        ],
        rows,
    )
    lines += ["Per page (date-change reruns):", ""]
    lines += report._table(
        ["replicas", "page", "reruns", "p50", "p95", "max"],
        [
            [s["replicas"], p, v["n"], _s(v["p50_s"]), _s(v["p95_s"]), _s(v["max_s"])]
            for s in results["scenarios"]
            for p, v in s["per_page"].items()
        ],
    )
    lines += ["Per replica:", ""]
    lines += report._table(
        [
            "replicas",
            "replica",
            "sessions at open (pages) → end",
            "reruns",
            "CPU s",
            "reruns per CPU-s",
            "peak RSS",
            "killed",
        ],
        [
            [
                s["replicas"],
                name,
                f"{r['sessions_at_open']} ("
                + ", ".join(f"{n} {page}" for page, n in sorted(r["pages_at_open"].items()))
                + f") → {r['sessions_at_end']}",
                r["reruns"],
                r["cpu_s"],
                r["reruns_per_cpu_s"],
                report._mb(r["peak_rss_bytes"]),
                "yes" if r["killed"] else "",
            ]
            for s in results["scenarios"]
            for name, r in s["replica_stats"].items()
        ],
    )
    lines += ["## Opening, publish, kill", ""]
    for s in results["scenarios"]:
        head = f"**{s['replicas']} replica(s).**"
        opened = s["open"]
        lines.append(
            f"- {head} {s['sessions_opened']}/{s['sessions']} sessions opened (first page load "
            f"p50 {_s(opened['p50_s'])}, max {_s(opened['max_s'])}); the replicas used "
            f"{s['server_cpu_share']:.0%} of the {s['cores']} cores, the proxy "
            f"{s['proxy_cpu_s']} CPU s; {s['interrupted_reruns']} reruns cut by a dropped "
            "WebSocket; "
            f"dates {s['dates']}" + (f", {s['dates_reused']} reused" if s["dates_reused"] else "")
        )
        if s["publish"]:
            p = s["publish"]
            lines.append(
                f"  - publish at {p['at_s']} s: `python -m shelfwatch ingest` exit "
                f"{p['returncode']} in {p['seconds']} s (done at {p['done_at_s']} s"
                + (" — after the window" if p["done_at_s"] > s["seconds"] else "")
                + f"), version {p['version_before']} → {p['version']}; then one more date "
                f"change each (p50 {_s(s['after_publish']['p50_s'])}, not in the figures "
                f"above): {p['sessions_saw_new_version']}/{s['sessions']} sessions were shown "
                f"version {p['version']}"
                + (
                    f"; {p['sessions_went_back']} were shown an older one after it"
                    if p["sessions_went_back"]
                    else ""
                )
            )
        if s["kill"]:
            k = s["kill"]
            r = k["reconnect"]
            lines.append(
                f"  - SIGKILL of replica {k['replica']} at {k['at_s']} s, holding {k['sessions']} "
                f"sessions: {k['sessions_reconnected']} reconnected through the proxy, back "
                f"after p50 {_s(r['p50_s'])}, max {_s(r['max_s'])} (drop → view redrawn; limit "
                f"{RECONNECT_LIMIT_S:.0f} s)"
            )
    lines += ["", "## Errors", ""]
    any_error = False
    for s in results["scenarios"]:
        for kind, entry in s["errors"]["by_kind"].items():
            any_error = True
            lines.append(f"- {s['replicas']} replica(s), **{kind}** × {entry['count']}:")
            lines += [f"  - {m}" for m in entry["first"]]
    if not any_error:
        lines.append("None.")
    missed = [t for t in results["targets"] if t.status == "MISS"]
    if missed:
        lines += ["", "## Missed targets", ""]
        for t in missed:
            lines.append(f"- **{t.name}**: {t.measured}. {report.LEAD_PLACEHOLDER}")
    lines += [
        "",
        "An error is an exception or `st.error` shown, a wrong page or a view whose URL or "
        "date line lacks the date asked for, a rerun without `script_finished` within "
        f"{RERUN_TIMEOUT_S:.0f} s, a session not back within {RECONNECT_LIMIT_S:.0f} s of its "
        "WebSocket dropping, or a reconnected view (page, date field, date line, URL) that "
        "differs from the URL it reopened. The client shares the machine's cores with the "
        "replicas: its CPU is listed so its share can be taken out.",
        "",
    ]
    return "\n".join(lines)


def write(
    results: dict, out_dir: Path, files: tuple[Path, Path] | None = None
) -> tuple[Path, Path]:
    """The results as ``files`` (markdown, JSON), new ones in ``out_dir`` if None: a run
    rewrites the files its first write chose (one run, one file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    found = targets(results)
    results["targets"] = found
    md, js = files or report.result_files(out_dir, f"{results['date']}-load")
    plain = {**results, "targets": [t.__dict__ for t in found]}
    js.write_text(json.dumps(plain, indent=2, default=str) + "\n", encoding="utf-8")
    md.write_text(markdown(results), encoding="utf-8")
    return md, js


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench load",
        description="Concurrent reader sessions through HAProxy: 1 replica, then 2 with a "
        "publish and a replica killed (bench/README.md, Load).",
    )
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE, help="(bench/data/1m/store)")
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0, help="per scenario (60)")
    parser.add_argument("--think", type=float, default=3.0, help="seconds between changes (3)")
    parser.add_argument("--replicas", default="1,2", help="scenarios by replica count (1,2)")
    parser.add_argument("--pages", default="overview,explore", help="sessions spread over them")
    parser.add_argument("--no-publish", action="store_true", help="no publish with 2+ replicas")
    parser.add_argument("--no-kill", action="store_true", help="no replica killed with 2+")
    parser.add_argument("--publish-at", type=float, default=0.5, help="fraction of the run (0.5)")
    parser.add_argument("--kill-at", type=float, default=2 / 3, help="fraction of the run (2/3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=datasets.REPO / "bench" / "results")
    args = parser.parse_args(argv)
    pages = tuple(p.strip() for p in args.pages.split(",") if p.strip())
    try:
        counts = [int(n) for n in args.replicas.split(",") if n.strip()]
    except ValueError:
        parser.error("--replicas takes comma-separated counts, e.g. 1,2")
    if args.sessions < 1 or args.seconds <= 0 or args.think < 0 or not counts or min(counts) < 1:
        parser.error("--sessions, --seconds and --replicas must be positive")
    if unknown := [p for p in pages if p not in app_driver.PAGE_TITLES]:
        parser.error(f"unknown page(s) {unknown}; choose from {', '.join(app_driver.PAGE_TITLES)}")
    try:
        store.resolve_version(args.store)
    except store.StoreError as exc:
        print(
            f"error: no published store at {args.store} ({exc}).\nThe 1M benchmark store is "
            f"built by:\n  {BUILD_1M}",
            file=sys.stderr,
        )
        return 2
    results: dict = {
        "date": dt.date.today().isoformat(),
        "command": shlex.join(
            ["python", "-m", "bench", "load", *(sys.argv[1:] if argv is None else argv)]
        ),
        "machine": machine(datasets.REPO).describe(),
        "store": str(args.store),
        "options": {
            "sessions": args.sessions,
            "seconds": args.seconds,
            "think": args.think,
            "replicas": counts,
            "pages": list(pages),
            "publish": not args.no_publish,
            "kill": not args.no_kill,
            "publish_at": args.publish_at,
            "kill_at": args.kill_at,
            "seed": args.seed,
        },
        "scenarios": [],
    }
    files = None
    for count in counts:
        results["scenarios"].append(
            run_scenario(
                args.store,
                replicas=count,
                sessions=args.sessions,
                seconds=args.seconds,
                think=args.think,
                pages=pages,
                publish=count >= 2 and not args.no_publish,
                kill=count >= 2 and not args.no_kill,
                publish_at=args.publish_at,
                kill_at=args.kill_at,
                seed=args.seed,
            )
        )
        # After every scenario, into the same files: a crash keeps the first.
        files = md, js = write(results, args.out, files)
        s = results["scenarios"][-1]
        print(
            f"  {s['reruns']} reruns, {s['reruns_per_s']}/s, p50 {_s(s['rerun']['p50_s'])}, "
            f"p95 {_s(s['rerun']['p95_s'])}, {s['errors']['total']} errors, "
            f"{s['reruns_per_server_cpu_s']} reruns per server CPU-s",
            flush=True,
        )
    for t in results["targets"]:
        print(f"{t.status}: {t.name} — {t.goal}: {t.measured}")
    print(f"wrote {md} and {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
