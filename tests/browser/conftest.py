"""Fixtures of the browser tests: built stores, `streamlit run` servers, Debian's Chromium.

Servers and the browser are shared (session scope): each test gets a fresh browser context
(cookies, storage and Streamlit session of its own) through :func:`tab` / :func:`new_tab`.
Without /usr/bin/chromium the tests skip on a developer machine and fail in CI (``CI=true``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import app_driver as harness  # the same server and Chromium for tests and bench
from tests import oidc


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, where browser tests must run, never skip", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, one process for the whole session."""
    if not harness.CHROMIUM.exists():
        _unavailable(f"{harness.CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = harness.launch_chromium(playwright)
        yield browser
        browser.close()


class Tab:
    """One page in a fresh browser context, recording what must never happen on it.

    ``dialogs``: messages of every alert/confirm/prompt (dismissed) on any page of the context.
    ``requests``: every URL the context asked for. https requests (the app is served over
    http) never reach the network: a document (a clicked source link) gets a stub page, anything
    else is aborted. Only they are routed: routing every request slows every page load.
    """

    def __init__(self, browser: Any, **options: Any) -> None:
        options = {
            "viewport": harness.VIEWPORT,
            "color_scheme": "light",
            "accept_downloads": True,
            **options,
        }
        self.context = browser.new_context(**options)
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.context.route(re.compile(r"^https://"), self._outside)
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.on("page", self._watch)
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)

    def _watch(self, page: Any) -> None:
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    @staticmethod
    def _outside(route: Any) -> None:
        if route.request.resource_type == "document":
            route.fulfill(status=200, content_type="text/html", body="<title>outside</title>")
        else:
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def new_tab(chromium: Any) -> Iterator[Callable[..., Tab]]:
    """Open tabs in fresh contexts (``new_tab()``); all are closed after the test."""
    opened: list[Tab] = []

    def open_tab(**options: Any) -> Tab:
        opened.append(Tab(chromium, **options))
        return opened[-1]

    yield open_tab
    for tab in opened:
        tab.close()


@pytest.fixture
def tab(new_tab: Callable[..., Tab]) -> Tab:
    return new_tab()


@pytest.fixture(scope="session")
def seed_server(seed_store: Path) -> Iterator[str]:
    """The app on the seed store (tests/conftest.py's session store)."""
    with harness.streamlit_server(seed_store, harness.LOGS / "seed-server.log") as base:
        yield base


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[str]:
    """A real OpenID Connect provider (tests/oidc.py) with its users registered; its URL."""
    try:
        oidc.provider_module()
    except ImportError:
        _unavailable("the oidc-provider-mock package is not installed (requirements-dev.txt)")
    with oidc.provider() as base:
        oidc.add_users(base)
        yield base


@pytest.fixture(scope="session")
def editor_server(
    seed_store: Path, oidc_provider: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app on the seed store with the editors' sign-in on, against ``oidc_provider``:
    editors are oidc.EDITOR by e-mail and oidc.GROUP_EDITOR by its groups claim."""
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"  # the redirect URI names it: known before the start
    secrets = oidc.write_secrets(
        tmp_path_factory.mktemp("sign-in") / "secrets.toml",
        app_base=base,
        provider_base=oidc_provider,
    )
    log = harness.LOGS / "editor-server.log"
    with harness.streamlit_server(seed_store, log, port=port, secrets=secrets) as started:
        assert started == base, f"port {port} was taken meanwhile"
        yield base


@pytest.fixture(scope="session")
def haproxy() -> str:
    """Debian's haproxy (tests/browser/test_replicas.py); skips without it on a developer
    machine, fails in CI."""
    from shelfwatch import serving

    try:
        return serving.haproxy_path()
    except serving.ServingError as exc:
        _unavailable(str(exc))
        raise
