"""Chart images: a figure drawn to PNG or SVG bytes by plotly's own exporter (kaleido).

Kaleido drives a headless Chromium (Debian's ``/usr/bin/chromium``, found the way kaleido
finds it). One kaleido server is started per process on the first image and kept while images
are asked for: starting one takes seconds, an image on a running one about 0.3 s. Its Chromium
holds about half a gigabyte, so it is stopped after :data:`IDLE_SECONDS` without an image.
Kaleido's sync server is not thread-safe, so one image is drawn at a time per process (a
lock); each call waits at most :data:`RENDER_TIMEOUT` seconds, and a server that stopped
answering is not asked again (every later image fails at once with :class:`ImageFailed` until
the process restarts) instead of wedging every thread that wants an image.

:class:`ChartImage` is one cited chart as a download: :func:`shelfwatch.citations.cite` then
:func:`render`, written to a file whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeAlias

import plotly.graph_objects as go

from shelfwatch import exports
from shelfwatch.citations import ChartCitation, cite

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "ChartImage",
    "ChromiumMissing",
    "ImageFailed",
    "ImagesBusy",
    "image_slot",
    "render",
]

FORMATS: Final = ("png", "svg")
MEDIA_TYPES: Final[dict[str, str]] = {"png": "image/png", "svg": "image/svg+xml"}
# PNGs are drawn at twice their layout size: sharp in print and on high-density screens.
PNG_SCALE: Final = 2
# Seconds one image may take, kaleido's own limit included; the first also starts Chromium.
RENDER_TIMEOUT = float(os.environ.get("SHELFWATCH_IMAGE_TIMEOUT", "60"))
# Chart image downloads waiting for or holding the lock; one more is told to try again
# rather than queued behind them (evidence packs wait in their own slots).
MAX_CONCURRENT_IMAGES: Final = int(os.environ.get("SHELFWATCH_MAX_IMAGES", "4"))

# Seconds without an image after which the kaleido server and its Chromium are stopped.
IDLE_SECONDS = float(os.environ.get("SHELFWATCH_IMAGE_IDLE", "300"))

_LOCK = threading.Lock()
_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_IMAGES)


@dataclass
class _Renderer:
    """This process' kaleido server, as far as this module knows (changed under _LOCK)."""

    started: bool = False
    broken: bool = False  # stopped answering: never asked again
    last_used: float = 0.0  # time.monotonic() of the last image
    idle_check: threading.Timer | None = None


_renderer = _Renderer()
# Kaleido's timeout is below ours, so a slow image fails with kaleido's error, not a hang.
_KALEIDO_TIMEOUT: Final = max(1.0, RENDER_TIMEOUT - 5)


class ChromiumMissing(RuntimeError):
    """No Chromium for kaleido to draw with."""

    def __init__(self) -> None:
        super().__init__(
            "chart images need Chromium, which is not installed: apt-get install chromium "
            "(or set BROWSER_PATH to a Chromium or Chrome executable)"
        )


class ImageFailed(RuntimeError):
    """The image could not be drawn (kaleido failed, timed out or stopped answering)."""


class ImagesBusy(Exception):
    """Every chart image slot of this server is taken."""

    def __init__(self) -> None:
        super().__init__(
            f"the server is already drawing {MAX_CONCURRENT_IMAGES} chart images; "
            "try again in a minute"
        )


@contextmanager
def image_slot() -> Iterator[None]:
    """Hold one of the server's chart image slots for the block, or raise :class:`ImagesBusy`."""
    if not _SLOTS.acquire(blocking=False):
        raise ImagesBusy
    try:
        yield
    finally:
        _SLOTS.release()


def chromium_path() -> str | None:
    """The Chromium kaleido would use (``BROWSER_PATH``, then the usual names), or None."""
    from choreographer.browsers.chromium import Chromium

    found = Chromium.find_browser(skip_local=False)
    # BROWSER_PATH is taken as it is: check that it names a program.
    return shutil.which(found) if found else None


def render(figure: go.Figure, fmt: str) -> bytes:
    """``figure`` as ``fmt`` (png or svg) at its layout's width and height, one at a time."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; expected one of {', '.join(FORMATS)}")
    # The lock is held for one image at a time; waiting longer than one may take means the
    # renderer is stuck, and the caller hears so.
    if not _LOCK.acquire(timeout=RENDER_TIMEOUT):
        raise ImageFailed(f"no chart image could be drawn for {RENDER_TIMEOUT:g} s")
    try:
        if _renderer.broken:
            raise ImageFailed(
                "the chart renderer stopped answering earlier; restart the server to draw images"
            )
        _start()
        try:
            return _within_timeout(figure, fmt)
        finally:
            _renderer.last_used = time.monotonic()
            _stop_when_idle()
    finally:
        _LOCK.release()


def _start() -> None:
    # Under _LOCK. Without Chromium kaleido's server thread would die while this process
    # waits on it forever: check first.
    if _renderer.started:
        return
    if chromium_path() is None:
        raise ChromiumMissing
    import kaleido

    # No MathJax: it would be fetched from a CDN, and no chart here draws formulas.
    kaleido.start_sync_server(silence_warnings=True, timeout=_KALEIDO_TIMEOUT, mathjax=False)
    _renderer.started = True


def _stop_when_idle() -> None:
    # Under _LOCK: (re)arm the one idle check.
    if _renderer.idle_check is not None:
        _renderer.idle_check.cancel()
    _renderer.idle_check = threading.Timer(IDLE_SECONDS, _stop_if_idle)
    _renderer.idle_check.daemon = True
    _renderer.idle_check.start()


def _stop_if_idle() -> None:
    """Stop the kaleido server (and its Chromium) if no image was drawn for IDLE_SECONDS."""
    with _LOCK:
        idle = time.monotonic() - _renderer.last_used
        if not _renderer.started or _renderer.broken or idle < IDLE_SECONDS:
            return
        import kaleido

        kaleido.stop_sync_server(silence_warnings=True)
        _renderer.started = False


def _within_timeout(figure: go.Figure, fmt: str) -> bytes:
    # Kaleido's sync call has no timeout of its own if its server thread has died: call it
    # from a daemon thread and give up on it after RENDER_TIMEOUT. Called as plotly.io.to_image
    # calls it, less the per-call kaleido options a running server ignores (and warns about).
    import kaleido
    import plotly.io as pio

    spec = figure.to_dict()
    opts = {
        "format": fmt,
        "width": int(figure.layout.width or 1200),
        "height": int(figure.layout.height or 450),
        "scale": PNG_SCALE if fmt == "png" else 1,
    }
    done: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=1)

    def draw() -> None:
        try:
            done.put(kaleido.calc_fig_sync(spec, opts=opts, topojson=pio.defaults.topojson))
        except BaseException as exc:  # handed to the caller's thread, raised there
            done.put(exc)

    threading.Thread(target=draw, name="shelfwatch-chart-image", daemon=True).start()
    try:
        result = done.get(timeout=RENDER_TIMEOUT)
    except queue.Empty:
        _renderer.broken = True
        raise ImageFailed(f"the chart image took more than {RENDER_TIMEOUT:g} s") from None
    if isinstance(result, BaseException):
        raise ImageFailed(f"the chart image could not be drawn: {result}") from result
    return result


# A figure, or what builds it: a page's chart built again only when an image is asked for.
FigureSource: TypeAlias = go.Figure | Callable[[], go.Figure]


def figure_of(source: FigureSource) -> go.Figure:
    """The figure, built now if it is a builder."""
    return source if isinstance(source, go.Figure) else source()


@dataclass(frozen=True, eq=False)
class ChartImage:
    """One chart as a citable image download: the figure (or its builder) and its citation."""

    figure: FigureSource
    citation: ChartCitation

    def file_name(self, fmt: str) -> str:
        if fmt not in FORMATS:
            raise ValueError(f"unknown image format {fmt!r}; expected one of {', '.join(FORMATS)}")
        return f"{file_stem(self.citation)}.{fmt}"

    def cited(self) -> go.Figure:
        return cite(figure_of(self.figure), self.citation)

    def make_bytes(self, fmt: str) -> bytes:
        self.file_name(fmt)  # unknown formats fail before a figure is built
        return render(self.cited(), fmt)

    def write_file(self, fmt: str, target: Path) -> int:
        """Write the image to ``target`` whole or not at all; returns its size in bytes."""
        data = self.make_bytes(fmt)
        target = Path(target)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed, not closed, on success
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        )
        try:
            with handle:
                handle.write(data)
            os.replace(handle.name, target)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return len(data)


def file_stem(citation: ChartCitation) -> str:
    """The name an export with this title, version and date would have, without its suffix:
    ``shelfwatch-status-grid-v3-2021-11-30``."""
    provenance = exports.Provenance(
        data_version=citation.data_version,
        as_of=citation.as_of,
        filters={},
        generated_at=dt.datetime.now(dt.UTC),
        title=citation.title,
    )
    return exports.file_name(provenance, "csv").removesuffix(".csv")
