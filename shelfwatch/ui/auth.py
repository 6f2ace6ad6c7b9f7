"""Editors' sign-in with Streamlit's own ``st.login`` (OpenID Connect through Authlib).

Readers stay anonymous: nothing here asks them for anything. Sign-in is on when the secrets
have an ``[auth]`` section (Streamlit's: redirect URI, cookie secret, the provider's client);
who is an editor is the ``[shelfwatch]`` section's (:mod:`shelfwatch.editors`), read on the
server on every call, never anything the browser sends beyond the identity cookie Streamlit
signs. ``app.py`` registers the editor pages in ``st.navigation`` only for
:func:`current_editor`, so nobody else can open them by URL; a mutating action calls
:func:`require_editor` again before it changes anything.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from shelfwatch import editors
from shelfwatch.editors import Editor, EditorConfig, EditorConfigError, NotAnEditor

__all__ = [
    "Editor",
    "NotAnEditor",
    "current_editor",
    "require_editor",
    "show_account",
    "sign_in_configured",
]

_LOG = logging.getLogger(__name__)
SIGN_IN_KEY, SIGN_OUT_KEY = "shelfwatch_sign_in", "shelfwatch_sign_out"


def _section(name: str) -> Any:
    """A table of the app's secrets, or None (no such table, or no secrets file at all)."""
    try:
        return st.secrets.get(name)
    except StreamlitSecretNotFoundError:  # no secrets file, or one that does not parse
        return None


def sign_in_configured() -> bool:
    """Whether the secrets configure st.login (an ``[auth]`` section)."""
    auth = _section("auth")
    return isinstance(auth, Mapping) and bool(auth)


def _config() -> EditorConfig:
    """The editors' configuration, read again now (raises EditorConfigError)."""
    return editors.parse_config(_section(editors.SECTION))


def _claims() -> dict[str, Any] | None:
    """The signed-in person's claims (Streamlit's identity cookie), or None."""
    if not sign_in_configured():
        return None
    # st.user has no is_logged_in at all where no [auth] section is loaded (AppTest).
    if st.user.get("is_logged_in") is not True:
        return None
    return {key: value for key, value in st.user.to_dict().items() if key != "tokens"}


def current_editor() -> Editor | None:
    """The signed-in editor of this session, or None (a reader, a non-editor, sign-in off,
    or a configuration that cannot say who is an editor: then nobody is, and it is logged)."""
    claims = _claims()
    if claims is None:
        return None
    try:
        config = _config()
    except EditorConfigError as exc:
        _LOG.error("Editors' sign-in is off: %s", exc)
        return None
    return editors.editor_from_claims(claims, config)


def require_editor() -> Editor:
    """The signed-in editor, checked again on the server: call it before any change.

    Raises :class:`NotAnEditor` for anyone else (the configuration and the identity are read
    afresh, so an editor removed from the configuration is refused from then on)."""
    claims = _claims()
    if claims is None:
        raise NotAnEditor("Sign in as an editor to make changes.")
    try:
        config = _config()
    except EditorConfigError as exc:
        raise NotAnEditor(f"Editors' sign-in is misconfigured: {exc}") from exc
    editor = editors.editor_from_claims(claims, config)
    if editor is None:
        raise NotAnEditor(f"{editors.identity(claims)} is not an editor of this site.")
    return editor


def show_account() -> None:
    """The sidebar's last lines: the editors' sign-in button, or who is signed in and a
    sign-out button. Nothing at all when sign-in is not configured."""
    if not sign_in_configured():
        return
    with st.sidebar:
        st.divider()
        try:
            config = _config()
        except EditorConfigError as exc:
            _LOG.error("Editors' sign-in is off: %s", exc)
            st.caption("Editor sign-in is unavailable: the site's configuration has a problem.")
            return
        claims = _claims()
        # Callbacks, not ``if st.button(...)``: a click survives a rerun the script starts
        # before it reaches the button (context.current() switching a fresh server's mode).
        if claims is None:
            st.button(
                "Editor sign-in",
                key=SIGN_IN_KEY,
                type="secondary",
                on_click=_sign_in,
                args=(config.provider,),
            )
            return
        who = editors.identity(claims)
        if editors.is_editor(claims, config):
            st.text(f"Signed in as {who}")  # text: claims are never read as Markdown
        else:
            st.text(f"Signed in as {who} — not an editor of this site")
        st.button("Sign out", key=SIGN_OUT_KEY, type="secondary", on_click=st.logout)


def _sign_in(provider: str | None) -> None:
    if provider is None:
        st.login()  # the [auth] section's own provider
    else:
        st.login(provider)  # [auth.<provider>]
