"""The Shelfwatch server: the dashboard (``app.py``) plus routes of its own for downloads and
the Atom feeds.

``streamlit run shelfwatch/ui/server.py`` (``make run``) serves the app through Streamlit's
public ``st.App`` with the route ``/downloads/{token}/{file name}``. A page registers what a
download holds (:func:`shelfwatch.ui.downloads.register` for an export,
:func:`~shelfwatch.ui.downloads.register_drawn` for a chart image or an evidence pack); the
route writes it into a temporary file on a worker thread, within a bounded number of slots
(exports and images here; a pack takes one of its own as it is built), and serves the file
from disk. Streamlit's own download button would hold the whole file in the server's memory
(its media store keeps bytes), which a full export at 10M rows does not fit.

``/feeds/…`` serves the Atom feeds of status changes (:mod:`shelfwatch.feeds`) of the current
published version, built on a worker thread or taken from the per-process cache.
"""

from __future__ import annotations

import functools
import html
import os
import tempfile
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import anyio.to_thread
import duckdb
import streamlit as st
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from shelfwatch import exports, feeds, images, packs, store
from shelfwatch.export_jobs import ExportJob, ExportsBusy, export_slot
from shelfwatch.ui import downloads

APP_SCRIPT = store.PROJECT_ROOT / "app.py"


def _message(status: int, text: str, *, retry_after: int | None = None) -> HTMLResponse:
    body = (
        "<!doctype html><meta charset=utf-8><title>Shelfwatch download</title>"
        f"<p style='font-family:sans-serif'>{html.escape(text)}</p>"
    )
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return HTMLResponse(body, status_code=status, headers=headers)


class _DownloadFile(FileResponse):
    # Starlette reads 64 KiB at a time: 33,000 reads and sends for a 2 GB export.
    chunk_size = 1024 * 1024


def _write(job, fmt: str) -> Path:
    # Runs on a worker thread: the event loop keeps answering every other session meanwhile.
    folder = Path(tempfile.gettempdir()) / "shelfwatch-downloads"
    folder.mkdir(exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, suffix=f".{fmt}")
    os.close(handle)
    path = Path(name)
    try:
        job.write_file(fmt, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _slot(job: downloads.Job) -> AbstractContextManager[None]:
    # Taken here, before a thread is spent on it: one too many is told at once to try again.
    if isinstance(job, ExportJob):
        return export_slot()
    if isinstance(job, images.ChartImage):
        return images.image_slot()
    return nullcontext()  # an evidence pack holds a pack slot while it is built


async def serve_download(request: Request) -> Response:
    offer = downloads.registered(request.path_params["token"])
    if offer is None:
        return _message(404, "This download link has expired: reload the page and click again.")
    job, fmt = offer
    try:
        with _slot(job):
            path = await anyio.to_thread.run_sync(_write, job, fmt)
    except (ExportsBusy, images.ImagesBusy, packs.PacksBusy) as exc:
        return _message(503, f"Busy: {exc}.", retry_after=30)
    except (exports.TooManyRows, packs.PackTooLarge) as exc:
        return _message(413, f"{exc}.")
    except images.ChromiumMissing as exc:
        return _message(503, f"Chart images are not available on this server: {exc}.")
    except images.ImageFailed as exc:
        return _message(503, f"The chart could not be drawn: {exc}.")
    except duckdb.OutOfMemoryException:
        return _message(
            503, "The server is short of memory: try again in a minute.", retry_after=60
        )
    except (OSError, store.StoreError, duckdb.Error):
        return _message(503, "The download could not be written: try again in a minute.")
    return _DownloadFile(
        path,
        media_type=downloads.MEDIA_TYPES[fmt],
        filename=job.file_name(fmt),
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


# A feed changes only when a version is published: readers may keep it five minutes.
FEED_MAX_AGE = 300


async def serve_feed(request: Request) -> Response:
    """``/feeds/all.atom``, ``/feeds/{brand,retailer,parent}/<id>.atom``: the Atom feed of the
    current published version; links start at ``$SHELFWATCH_PUBLIC_URL`` or the request's
    base URL."""
    try:
        scope = feeds.parse_feed_path(f"{feeds.ROUTE}/{request.path_params['path']}")
        version = store.resolve_version(store.resolve_store(None))  # CURRENT, read every time
        build = functools.partial(
            feeds.build_feed,
            version.path,
            scope,
            base_url=feeds.public_base_url(str(request.base_url)),
            version=version.number,
        )
        body = await anyio.to_thread.run_sync(build)
    except feeds.UnknownFeed as exc:
        return PlainTextResponse(f"No such feed: {exc}.", status_code=404)
    except duckdb.OutOfMemoryException:
        return PlainTextResponse(
            "The server is short of memory: try again in a minute.",
            status_code=503,
            headers={"Retry-After": "60"},
        )
    except (OSError, store.StoreError, duckdb.Error):
        return PlainTextResponse(
            "The feed could not be read from the published data: try again in a minute.",
            status_code=503,
            headers={"Retry-After": "60"},
        )
    return Response(
        body,
        media_type=feeds.MEDIA_TYPE,
        headers={"Cache-Control": f"max-age={FEED_MAX_AGE}"},
    )


ROUTES = [
    Route(downloads.ROUTE + "/{token}/{name}", serve_download, methods=["GET"]),
    Route(feeds.ROUTE + "/{path:path}", serve_feed, methods=["GET"]),
]
downloads.ROUTE_MOUNTED = True  # the pages link to both routes

app = st.App(str(APP_SCRIPT), routes=ROUTES)
