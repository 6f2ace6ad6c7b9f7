"""Who is an editor: the ``[shelfwatch]`` section of the app's secrets against a signed-in
person's OpenID Connect claims. Readers never sign in; an editor signs in with ``st.login``
(``shelfwatch.ui.auth``) and the role comes from this configuration alone, never from the
browser. Pure: no streamlit.

.. code-block:: toml

    [shelfwatch]
    editors = ["ana@example.org", "Ben@Example.org"]   # e-mails, any case
    editor_claim = "groups"                            # optional: a claim of the ID token
    editor_claim_values = ["shelfwatch-editors"]       # any one of these in it makes an editor
    provider = "keycloak"                              # optional: st.login("keycloak")

An e-mail counts only when the provider gives it as the ``email`` claim and does not say
``email_verified = false``; a claim counts when its value (a string or a list of strings)
holds one of ``editor_claim_values``, compared exactly (a dotted name reaches into a nested
claim: ``realm_access.roles``). Other keys of the section belong to
other parts of the app and are ignored here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SECTION = "shelfwatch"  # the secrets table this module reads


class EditorConfigError(ValueError):
    """The ``[shelfwatch]`` section cannot say who is an editor: the message names the key."""


class NotAnEditor(PermissionError):
    """A change was asked for by someone who is not a signed-in editor (checked on the server)."""


@dataclass(frozen=True)
class EditorConfig:
    """Who may edit: ``editors`` (e-mails, lower-cased) or a claim holding one of its values."""

    editors: frozenset[str] = frozenset()
    editor_claim: str | None = None
    editor_claim_values: frozenset[str] = frozenset()
    provider: str | None = None  # a named provider of [auth.<name>]; None: the default one

    @property
    def anyone_can_edit(self) -> bool:
        """Whether the configuration names any editor at all (it may name none)."""
        return bool(self.editors or self.editor_claim)


@dataclass(frozen=True)
class Editor:
    """A signed-in editor, as the page shows them."""

    email: str  # the ``email`` claim ("" when an editor by claim has none)
    name: str  # the ``name`` claim, or ""

    @property
    def label(self) -> str:
        return self.email or self.name


def _strings(key: str, value: object, *, what: str, example: str) -> list[str]:
    """A TOML array of non-empty strings, stripped; an error naming ``key`` otherwise."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        got = "a string" if isinstance(value, str) else f"a {type(value).__name__}"
        raise EditorConfigError(
            f'[{SECTION}] {key} must be a list of {what} (got {got}), e.g. {key} = ["{example}"]'
        )
    found = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise EditorConfigError(
                f"[{SECTION}] {key}[{index}] must be a non-empty string "
                f"(got {'an empty string' if isinstance(item, str) else type(item).__name__})"
            )
        found.append(item.strip())
    return found


def _name(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        got = "an empty string" if isinstance(value, str) else f"a {type(value).__name__}"
        raise EditorConfigError(f"[{SECTION}] {key} must be a non-empty string (got {got})")
    return value.strip()


def parse_config(section: Mapping[str, Any] | None) -> EditorConfig:
    """The editors' configuration from the ``[shelfwatch]`` table (None or empty: no editors).

    Raises :class:`EditorConfigError` on a value of the wrong type, naming the key."""
    if section is None:
        return EditorConfig()
    if not isinstance(section, Mapping):
        raise EditorConfigError(f"[{SECTION}] must be a table (got {type(section).__name__})")
    editors = _strings(
        "editors", section.get("editors", []), what="e-mail addresses", example="ana@example.org"
    )
    for index, email in enumerate(editors):
        if "@" not in email[1:-1] or any(c.isspace() for c in email):
            raise EditorConfigError(f"[{SECTION}] editors[{index}] is not an e-mail address")
    claim = section.get("editor_claim")
    values = section.get("editor_claim_values")
    if claim is None and values is not None:
        raise EditorConfigError(
            f"[{SECTION}] editor_claim_values is set without editor_claim (the claim to read, "
            'e.g. editor_claim = "groups")'
        )
    claim_values: list[str] = []
    if claim is not None:
        claim = _name("editor_claim", claim)
        if values is None:
            raise EditorConfigError(
                f"[{SECTION}] editor_claim = {claim!r} needs editor_claim_values (the values "
                'that make an editor, e.g. editor_claim_values = ["editors"])'
            )
        claim_values = _strings(
            "editor_claim_values", values, what="claim values", example="shelfwatch-editors"
        )
        if not claim_values:
            raise EditorConfigError(f"[{SECTION}] editor_claim_values must not be empty")
    provider = section.get("provider")
    if provider is not None:
        provider = _name("provider", provider)
        if "_" in provider:  # st.login refuses such a name
            raise EditorConfigError(
                f"[{SECTION}] provider must not contain an underscore (Streamlit's rule)"
            )
    return EditorConfig(
        editors=frozenset(email.casefold() for email in editors),
        editor_claim=claim,
        editor_claim_values=frozenset(claim_values),
        provider=provider,
    )


def config_from_secrets(secrets: Mapping[str, Any]) -> EditorConfig:
    """:func:`parse_config` of the ``[shelfwatch]`` table of the whole secrets mapping."""
    return parse_config(secrets.get(SECTION))


def _unverified(value: object) -> bool:
    # Some providers send the flag as text ("false"): that says unverified too.
    if isinstance(value, str):
        return value.strip().casefold() == "false"
    return value is False


def _claim(claims: Mapping[str, Any], name: str) -> object:
    """The claim ``name``; a dotted name not present as such is a path into nested claims
    (Keycloak's ``realm_access.roles``). A namespaced claim (Auth0's
    ``https://example.org/roles``) is only ever its exact name."""
    if name in claims or "/" in name:
        return claims.get(name)
    value: object = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def is_editor(claims: Mapping[str, Any], config: EditorConfig) -> bool:
    """Whether the person these ID-token claims describe is an editor under ``config``."""
    email = claims.get("email")
    if (
        isinstance(email, str)
        and email.strip().casefold() in config.editors
        and not _unverified(claims.get("email_verified"))
    ):
        return True
    if config.editor_claim is None:
        return False
    held = _claim(claims, config.editor_claim)
    if isinstance(held, str):
        return held in config.editor_claim_values
    if isinstance(held, list | tuple):
        return any(isinstance(item, str) and item in config.editor_claim_values for item in held)
    return False


def editor_from_claims(claims: Mapping[str, Any], config: EditorConfig) -> Editor | None:
    """The :class:`Editor` these claims make, or None when they are not an editor's."""
    if not is_editor(claims, config):
        return None
    email, name = claims.get("email"), claims.get("name")
    if _unverified(claims.get("email_verified")):
        # An editor by claim whose address the provider did not verify: a version must not
        # name an address they may not own; their account's own name stands instead.
        email = claims.get("preferred_username") or claims.get("sub")
    return Editor(
        email=email.strip() if isinstance(email, str) else "",
        name=name.strip() if isinstance(name, str) else "",
    )


def identity(claims: Mapping[str, Any]) -> str:
    """How a signed-in person is named on the page: their e-mail, else name, else subject."""
    for key in ("email", "preferred_username", "name", "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "an unnamed account"
