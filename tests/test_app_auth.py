"""Editors' sign-in in AppTest: what each person sees, and which pages exist for them.

AppTest cannot run the OpenID Connect exchange (tests/browser/test_sign_in.py does, against a
real provider); it seeds ``st.user`` with claims (``AppTest.user``) and the secrets
(``AppTest.secrets``), so every branch of shelfwatch.ui.auth is drawn here on the seed store.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shelfwatch import site
from shelfwatch.ui import auth

PROJECT = Path(__file__).resolve().parent.parent
CONTRIBUTE = site.page("contribute")
EDITOR = "editor@example.com"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a test secret, long enough for its signing key",
    "client_id": "shelfwatch-tests",
    "client_secret": "not a secret",
    "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
}
SECRETS = {"auth": AUTH, "shelfwatch": {"editors": [EDITOR]}}
SIGNED_OUT = {"is_logged_in": False}


def signed_in(email: str, **claims: object) -> dict[str, object]:
    return {"is_logged_in": True, "email": email, "name": "Someone", "sub": "s1", **claims}


def open_app(
    monkeypatch, store_dir: Path, *, secrets: dict, user: dict, page: str | None = None
) -> AppTest:
    monkeypatch.setenv("SHELFWATCH_STORE", str(store_dir))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    at.secrets = secrets
    at.user = user
    if page is not None:
        at.switch_page(page)  # before the first run: by file name, as a typed URL would
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def contribute_registered(at: AppTest) -> bool:
    """Whether the last run's st.navigation registered the Contribute page."""
    try:
        at.switch_page(CONTRIBUTE.script)
    except ValueError:
        return False
    return True


def sidebar_texts(at: AppTest) -> list[str]:
    return [str(element.value) for element in at.sidebar.text]


def buttons(at: AppTest) -> list[str]:
    return [button.label for button in at.sidebar.button]


def test_without_sign_in_configured_the_sidebar_has_no_account(monkeypatch, seed_store):
    # Secrets without [auth]: a signed-in claim set (a header, a mock) never makes an editor.
    at = open_app(
        monkeypatch,
        seed_store,
        secrets={"shelfwatch": {"editors": [EDITOR]}},
        user=signed_in(EDITOR),
    )
    assert [title.value for title in at.title] == ["Overview"]
    assert "Editor sign-in" not in buttons(at) and "Sign out" not in buttons(at)
    assert not any("Signed in" in text for text in sidebar_texts(at))
    assert not contribute_registered(at)


def test_a_reader_sees_the_sign_in_button_and_no_editor_page(monkeypatch, seed_store):
    at = open_app(monkeypatch, seed_store, secrets=SECRETS, user=SIGNED_OUT)
    assert buttons(at)[-1] == "Editor sign-in"
    assert at.sidebar.button(key=auth.SIGN_IN_KEY).proto.type == "secondary"
    assert not any("Signed in" in text for text in sidebar_texts(at))
    assert not contribute_registered(at)


def test_a_reader_opening_contribute_gets_the_overview(monkeypatch, seed_store):
    at = open_app(monkeypatch, seed_store, secrets=SECRETS, user=SIGNED_OUT, page=CONTRIBUTE.script)
    assert [title.value for title in at.title] == ["Overview"]


def test_an_editor_has_the_contribute_page(monkeypatch, seed_store):
    at = open_app(monkeypatch, seed_store, secrets=SECRETS, user=signed_in(EDITOR.upper()))
    assert sidebar_texts(at)[-1] == f"Signed in as {EDITOR.upper()}"
    assert buttons(at)[-1] == "Sign out"
    assert contribute_registered(at)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # The frame draws the registry's heading; the page has no permalink.
    assert [title.value for title in at.title] == [CONTRIBUTE.heading]
    assert not any(c.value.startswith("Permalink") for c in at.caption)
    assert sidebar_texts(at)[-1] == f"Signed in as {EDITOR.upper()}"


@pytest.mark.parametrize(
    "user",
    [
        signed_in("reader@example.com"),
        signed_in(EDITOR, email_verified=False),
        {"is_logged_in": True, "sub": EDITOR, "name": EDITOR},  # no email claim
    ],
    ids=["another address", "unverified", "no email claim"],
)
def test_a_signed_in_non_editor_is_told_and_has_no_editor_page(monkeypatch, seed_store, user):
    at = open_app(monkeypatch, seed_store, secrets=SECRETS, user=user, page=CONTRIBUTE.script)
    assert [title.value for title in at.title] == ["Overview"]
    who = user.get("email") or user["name"]
    assert sidebar_texts(at)[-1] == f"Signed in as {who} — not an editor of this site"
    assert buttons(at)[-1] == "Sign out"
    assert not contribute_registered(at)


def test_an_editor_by_claim(monkeypatch, seed_store):
    secrets = {
        "auth": AUTH,
        "shelfwatch": {"editor_claim": "groups", "editor_claim_values": ["shelfwatch-editors"]},
    }
    user = {"is_logged_in": True, "sub": "u-7", "name": "Cy", "groups": ["shelfwatch-editors"]}
    at = open_app(monkeypatch, seed_store, secrets=secrets, user=user)
    assert sidebar_texts(at)[-1] == "Signed in as Cy"
    assert contribute_registered(at)


def test_a_name_is_text_never_markdown(monkeypatch, seed_store):
    hostile = "[click](javascript:alert(1)) <img src=x onerror=alert(1)> **bold**"
    user = {"is_logged_in": True, "sub": "x", "name": hostile}
    at = open_app(monkeypatch, seed_store, secrets=SECRETS, user=user)
    assert sidebar_texts(at)[-1] == f"Signed in as {hostile} — not an editor of this site"
    assert not any(hostile in str(m.value) for m in at.sidebar.markdown)


def test_signing_out_shows_the_sign_in_button_again(monkeypatch, seed_store):
    at = open_app(monkeypatch, seed_store, secrets=SECRETS, user=signed_in(EDITOR))
    at.sidebar.button(key=auth.SIGN_OUT_KEY).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.user == {"is_logged_in": False}
    at.run()
    assert buttons(at)[-1] == "Editor sign-in"
    assert not contribute_registered(at)


def test_a_bad_configuration_makes_nobody_an_editor_and_breaks_nothing(monkeypatch, seed_store):
    secrets = {"auth": AUTH, "shelfwatch": {"editors": EDITOR}}  # a string, not a list
    at = open_app(monkeypatch, seed_store, secrets=secrets, user=signed_in(EDITOR))
    assert [title.value for title in at.title] == ["Overview"]
    assert not at.error
    assert any("Editor sign-in is unavailable" in c.value for c in at.sidebar.caption)
    assert "Editor sign-in" not in buttons(at) and "Sign out" not in buttons(at)
    assert not contribute_registered(at)


def _guarded_action() -> None:
    import streamlit as st

    from shelfwatch.ui import auth

    try:
        editor = auth.require_editor()
    except auth.NotAnEditor as refused:
        st.text(f"refused: {refused}")
    else:
        st.text(f"allowed: {editor.email}")


@pytest.mark.parametrize(
    ("secrets", "user", "said"),
    [
        (SECRETS, signed_in(EDITOR), f"allowed: {EDITOR}"),
        (SECRETS, signed_in("reader@example.com"), "refused: reader@example.com is not an editor"),
        (SECRETS, SIGNED_OUT, "refused: Sign in as an editor"),
        ({"shelfwatch": {"editors": [EDITOR]}}, signed_in(EDITOR), "refused: Sign in"),
        (
            {"auth": AUTH, "shelfwatch": {"editors": [3]}},
            signed_in(EDITOR),
            "refused: Editors' sign-in is misconfigured: [shelfwatch] editors[0]",
        ),
    ],
    ids=["editor", "non-editor", "signed out", "sign-in off", "bad configuration"],
)
def test_a_mutating_action_checks_the_role_on_the_server(secrets, user, said):
    at = AppTest.from_function(_guarded_action, default_timeout=30)
    at.secrets = secrets
    at.user = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text[0].value.startswith(said), at.text[0].value


def test_the_configuration_is_read_again_for_every_check():
    # An editor removed from the secrets is refused from the next check on, same session.
    at = AppTest.from_function(_guarded_action, default_timeout=30)
    at.secrets = SECRETS
    at.user = signed_in(EDITOR)
    at.run()
    assert at.text[0].value == f"allowed: {EDITOR}"
    at.secrets = {"auth": AUTH, "shelfwatch": {"editors": ["someone-else@example.com"]}}
    at.run()
    assert at.text[0].value.startswith("refused:")
