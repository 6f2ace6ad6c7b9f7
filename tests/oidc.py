"""A real OpenID Connect provider for the tests: oidc-provider-mock on a thread of this process.

Its sign-in form takes any subject ("sub"): a user registered here (:func:`add_user`) gets the
claims given, anyone else only ``email = sub``. Any client id and secret are accepted, and any
redirect URI. :func:`write_secrets` writes the app's secrets.toml for it (Streamlit's ``[auth]``
and Shelfwatch's ``[shelfwatch]``), read by ``streamlit run --secrets.files``
(``bench.app_driver.streamlit_server(..., secrets=...)``); the fixtures ``oidc_provider`` and
``editor_server`` of tests/browser/conftest.py use both. :func:`sign_in` and :func:`sign_out`
go through the provider's pages in a browser, as a person does.

By hand, a provider and the secrets for ``make run``'s port::

    python -m tests.oidc --port 9400 --secrets /tmp/shelfwatch-secrets.toml
    .venv/bin/streamlit run shelfwatch/ui/server.py --secrets.files /tmp/shelfwatch-secrets.toml
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import secrets
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

CLIENT_ID = "shelfwatch-tests"
SIDEBAR = '[data-testid="stSidebar"]'
EDITOR_GROUP = "shelfwatch-editors"  # the editor_claim_values write_secrets configures


@dataclass(frozen=True)
class User:
    """Someone the provider knows: ``sub`` is what its form is filled with."""

    sub: str
    claims: Mapping[str, object] = field(default_factory=dict)


# An editor by e-mail; a signed-in reader; the editor's address, unverified (never an editor);
# an editor by the groups claim, with an address nobody lists.
EDITOR = User("editor@example.com", {"email": "editor@example.com", "name": "Edith Editor"})
READER = User("reader@example.com", {"email": "reader@example.com", "name": "Rea Reader"})
UNVERIFIED = User(
    "unverified-editor",
    {"email": "editor@example.com", "email_verified": False, "name": "Not Edith"},
)
GROUP_EDITOR = User(
    "group-editor",
    {"email": "group-editor@example.com", "name": "Gro Up", "groups": ["readers", EDITOR_GROUP]},
)
USERS = (EDITOR, READER, UNVERIFIED, GROUP_EDITOR)


def provider_module():
    """oidc_provider_mock, a test dependency (requirements-dev.txt): ImportError without it."""
    with warnings.catch_warnings():  # it imports Authlib's deprecated modules
        import authlib.deprecate  # its import sets "always" for Authlib's warnings: first

        warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
        import oidc_provider_mock
    return oidc_provider_mock


@contextlib.contextmanager
def provider(port: int = 0) -> Iterator[str]:
    """Run the provider on ``localhost`` (``port``: 0, any free one); yields its base URL."""
    with provider_module().run_server_in_thread(port=port) as server:
        base = f"http://localhost:{server.server_port}"
        deadline = time.monotonic() + 10
        while True:  # the thread serves once it has started
            try:
                httpx.get(f"{base}/.well-known/openid-configuration", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield base


def add_user(base: str, user: User) -> None:
    """Register ``user``'s claims with the provider at ``base`` (a PUT replaces them)."""
    response = httpx.put(f"{base}/users/{quote(user.sub, safe='')}", json=dict(user.claims))
    response.raise_for_status()


def add_users(base: str, users: Iterable[User] = USERS) -> None:
    for user in users:
        add_user(base, user)


def _toml(value: object) -> str:
    # A JSON string or array of strings is a TOML basic string or array.
    return json.dumps(value)


def write_secrets(
    path: Path,
    *,
    app_base: str,
    provider_base: str,
    editors: Iterable[str] = (EDITOR.sub,),
    editor_claim: str | None = "groups",
    editor_claim_values: Iterable[str] = (EDITOR_GROUP,),
    cookie_secret: str | None = None,
) -> Path:
    """The app's secrets.toml: ``[auth]`` for the provider at ``provider_base`` with the
    redirect URI ``app_base``/oauth2callback (the app's own address: the server's port must be
    known first), and ``[shelfwatch]`` saying who is an editor."""
    auth = {
        "redirect_uri": f"{app_base.rstrip('/')}/oauth2callback",
        "cookie_secret": cookie_secret or secrets.token_urlsafe(32),
        "client_id": CLIENT_ID,
        "client_secret": secrets.token_urlsafe(16),
        "server_metadata_url": f"{provider_base.rstrip('/')}/.well-known/openid-configuration",
    }
    lines = ["[auth]", *(f"{key} = {_toml(value)}" for key, value in auth.items()), ""]
    lines += ["[shelfwatch]", f"editors = {_toml(list(editors))}"]
    if editor_claim is not None:
        lines += [
            f"editor_claim = {_toml(editor_claim)}",
            f"editor_claim_values = {_toml(list(editor_claim_values))}",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sign_in(page, base: str, user: User) -> None:
    """In a browser (a Playwright page), sign in to the app at ``base`` as ``user`` the way a
    person does: the sidebar's "Editor sign-in", the provider's form, back on the Overview."""
    from bench.app_driver import open_page, wait_idle

    open_page(page, f"{base}/overview")
    page.locator(SIDEBAR).get_by_role("button", name="Editor sign-in").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize\?"))
    page.get_by_placeholder("sub").fill(user.sub)
    page.get_by_role("button", name="Authorize", exact=True).click()
    # The callback sets the cookie and sends the browser to "/", which forwards to /overview.
    page.wait_for_url(re.compile(re.escape(base) + r"/overview"))
    wait_idle(page)


def sign_out(page, base: str) -> None:
    """The sidebar's "Sign out", the provider's end-session page (the mock asks to confirm),
    then back on the app's Overview."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from bench.app_driver import wait_idle

    wait_idle(page)
    sign_out_button = page.locator(SIDEBAR).get_by_role("button", name="Sign out")
    end_session = page.get_by_role("button", name="End session")
    for attempt in range(3):
        sign_out_button.click()
        try:
            end_session.wait_for(timeout=30_000)
            break
        except PlaywrightTimeout:
            # On a loaded machine a click that lands while the sidebar re-renders is lost:
            # click again while the app still shows the button (not once it has navigated).
            if attempt == 2 or not page.url.startswith(base) or not sign_out_button.count():
                raise
            wait_idle(page)
    end_session.click()
    page.wait_for_url(re.compile(re.escape(base) + r"/overview"))
    wait_idle(page)


def main() -> None:
    parser = argparse.ArgumentParser(description="A local OpenID provider for Shelfwatch.")
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument("--app", default="http://localhost:8501", help="the app's address")
    parser.add_argument("--secrets", type=Path, required=True, help="secrets.toml to write")
    args = parser.parse_args()
    with provider(args.port) as base:
        add_users(base)
        write_secrets(args.secrets, app_base=args.app, provider_base=base)
        print(f"OpenID provider at {base}; secrets in {args.secrets}")
        print("Sign in as: " + ", ".join(user.sub for user in USERS) + " (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
