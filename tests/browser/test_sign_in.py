"""Editors' sign-in end to end: st.login against a real OpenID provider (tests/oidc.py).

One app server for the file (``editor_server``, sign-in on, editors from its secrets) and one
provider (``oidc_provider``). Each test has a browser context of its own (its own cookies): a
person signs in through the provider's form, and what the navigation offers them is read from
the page, as are the pages a typed URL opens.
"""

from __future__ import annotations

import pytest

from bench import app_driver as harness
from bench.app_driver import open_page, wait_idle
from tests import oidc
from tests.oidc import sign_in, sign_out

pytestmark = [
    pytest.mark.browser,
    # The provider runs in this process: its Authlib calls are its own business.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*"),
]

NAV = '[data-testid="stSidebarNav"]'
SIDEBAR = oidc.SIDEBAR
USER_COOKIE = "_streamlit_user"  # Streamlit's signed identity cookie


def nav_labels(page) -> list[str]:
    """The navigation's entries as the reader reads them (the icons' ligatures left out)."""
    links = page.locator(f'{NAV} [data-testid="stSidebarNavLink"]')
    return [
        link.locator("span").last.inner_text().strip() for link in links.all() if link.is_visible()
    ]


def sidebar_text(page) -> str:
    return page.locator(SIDEBAR).inner_text()


def assert_clean(tab) -> None:
    assert not harness.problems(tab.page), harness.problems(tab.page)
    assert not tab.dialogs, tab.dialogs


def opens_contribute(page, base: str) -> bool:
    """Whether typing /contribute into the address bar opens the Contribute page."""
    open_page(page, f"{base}/contribute")
    return harness.main_title(page) == "Contribute"


def test_an_anonymous_reader_sees_no_editor_page(tab, editor_server):
    # First in the file: on the fresh server a typed /contribute is the first request (the
    # legacy pages/ mode until app.py's navigation runs), and still opens no editor page.
    page = tab.page
    assert not opens_contribute(page, editor_server)
    assert harness.main_title(page) == "Overview"
    assert "Contribute" not in nav_labels(page)
    assert "Explore & export" in nav_labels(page)  # the readers' menu is all there
    assert page.locator(SIDEBAR).get_by_role("button", name="Editor sign-in").is_visible()
    assert "Signed in as" not in sidebar_text(page)
    assert_clean(tab)


def test_an_editor_signs_in_opens_contribute_and_signs_out(tab, editor_server):
    page = tab.page
    sign_in(page, editor_server, oidc.EDITOR)
    assert "Signed in as editor@example.com" in sidebar_text(page)
    assert "not an editor" not in sidebar_text(page)
    assert nav_labels(page)[-1] == "Contribute"
    harness.act(page, lambda: page.locator(NAV).get_by_text("Contribute", exact=True).click())
    assert harness.main_title(page) == "Contribute"
    assert page.url.startswith(f"{editor_server}/contribute")
    # A new document (a new session from the cookie) has the page too.
    assert opens_contribute(page, editor_server)
    assert_clean(tab)

    sign_out(page, editor_server)
    assert "Signed in as" not in sidebar_text(page)
    assert "Contribute" not in nav_labels(page)
    assert page.locator(SIDEBAR).get_by_role("button", name="Editor sign-in").is_visible()
    assert USER_COOKIE not in {cookie["name"] for cookie in tab.context.cookies()}
    assert not opens_contribute(page, editor_server)
    assert_clean(tab)


def test_an_editor_by_the_groups_claim_has_contribute(tab, editor_server):
    page = tab.page
    sign_in(page, editor_server, oidc.GROUP_EDITOR)
    assert "Signed in as group-editor@example.com" in sidebar_text(page)
    assert "not an editor" not in sidebar_text(page)
    assert "Contribute" in nav_labels(page)
    assert_clean(tab)


@pytest.mark.parametrize("user", [oidc.READER, oidc.UNVERIFIED], ids=lambda user: user.sub)
def test_a_signed_in_non_editor_is_refused(tab, editor_server, user):
    # A reader's own account, and the editor's address with email_verified = false.
    page = tab.page
    sign_in(page, editor_server, user)
    email = user.claims["email"]
    assert f"Signed in as {email} — not an editor of this site" in sidebar_text(page)
    assert "Contribute" not in nav_labels(page)
    assert not opens_contribute(page, editor_server)
    assert harness.main_title(page) == "Overview"
    assert "Contribute" not in nav_labels(page)
    assert_clean(tab)


def test_a_tampered_identity_cookie_is_signed_out(tab, editor_server):
    page = tab.page
    sign_in(page, editor_server, oidc.EDITOR)
    assert "Contribute" in nav_labels(page)
    cookie = next(c for c in tab.context.cookies() if c["name"] == USER_COOKIE)
    # One character of the signed payload changed (itsdangerous: payload.time.signature).
    value = cookie["value"]
    at = len(value.split(".")[0]) // 2
    swapped = "A" if value[at] != "A" else "B"
    tab.context.add_cookies([{**cookie, "value": value[:at] + swapped + value[at + 1 :]}])
    page.reload(wait_until="commit")
    wait_idle(page)
    assert "Signed in as" not in sidebar_text(page)
    assert "Contribute" not in nav_labels(page)
    assert page.locator(SIDEBAR).get_by_role("button", name="Editor sign-in").is_visible()
    assert not opens_contribute(page, editor_server)
    assert_clean(tab)
