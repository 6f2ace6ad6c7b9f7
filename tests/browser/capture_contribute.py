"""Screenshots of the Contribute page's preview for the README and docs/screenshots/:

    .venv/bin/python -m tests.browser.capture_contribute

Builds the seed into a temporary store, starts the local OpenID provider (tests/oidc.py) and the
app with sign-in on, signs in as the test editor, uploads a one-row file (Costco no longer
listing Lorex) and shoots the preview — light, dark and at a phone's 390 × 844 — without
publishing. Then publishes it and shoots the Data & method page's "What a version changed".
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench import app_driver as harness
from shelfwatch import ingest
from tests import oidc
from tests.browser.test_contribute import FIXED, NOTE, SCREENSHOTS, upload
from tests.oidc import sign_in

PHONE = {"width": 390, "height": 844}


def _preview(browser, base: str, name: str, *, viewport=None, **options) -> None:
    context = browser.new_context(viewport=harness.VIEWPORT, **options)
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, base, oidc.EDITOR)  # from the sidebar, open at the desktop's width
    if viewport is not None:
        page.set_viewport_size(viewport)
    harness.open_page(page, f"{base}/contribute")
    upload(page, "costco-check.csv", FIXED)
    note = page.get_by_label("Note (required): what this version adds and why")
    harness.act(page, lambda: note.fill(NOTE))
    top = page.get_by_text("Preview: what publishing it would change")
    top.scroll_into_view_if_needed()
    harness.save_screenshot(page, SCREENSHOTS / f"{name}.png", full_page=True)
    if name == "contribute":
        harness.act(page, lambda: page.get_by_role("button", name="Publish", exact=True).click())
        harness.open_page(page, f"{base}/data")
        page.get_by_text("What a version changed").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        harness.save_screenshot(page, SCREENSHOTS / "data-version-diff.png", full_page=False)
    context.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, oidc.provider() as provider:
        oidc.add_users(provider)
        store = Path(folder) / "store"
        ingest.build(harness.PROJECT / "data", store)
        port = harness.free_port()
        base = f"http://127.0.0.1:{port}"
        secrets = oidc.write_secrets(
            Path(folder) / "secrets.toml", app_base=base, provider_base=provider
        )
        log = harness.LOGS / "capture-contribute.log"
        with (
            sync_playwright() as playwright,
            harness.streamlit_server(store, log, port=port, secrets=secrets),
        ):
            browser = harness.launch_chromium(playwright)
            _preview(browser, base, "contribute-dark", color_scheme="dark")
            _preview(browser, base, "contribute-phone", viewport=PHONE, color_scheme="light")
            _preview(browser, base, "contribute", color_scheme="light")
            browser.close()
    print(f"wrote {SCREENSHOTS}/contribute*.png and data-version-diff.png")


if __name__ == "__main__":
    main()
