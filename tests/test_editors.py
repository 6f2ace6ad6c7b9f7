"""Who is an editor (shelfwatch.editors): the [shelfwatch] secrets against ID-token claims.

Rows in, verdict out; then the configurations refused, each naming its key."""

from __future__ import annotations

import pytest

from shelfwatch import editors
from shelfwatch.editors import Editor, EditorConfig, EditorConfigError

BY_EMAIL = {"editors": [" Ana@Example.org ", "ben@example.org"]}
BY_GROUP = {"editor_claim": "groups", "editor_claim_values": ["shelfwatch-editors", "admins"]}
BY_ROLE_PATH = {"editor_claim": "realm_access.roles", "editor_claim_values": ["editor"]}
AUTH0_CLAIM = "https://shelfwatch.example/roles"
BY_NAMESPACED = {"editor_claim": AUTH0_CLAIM, "editor_claim_values": ["editor"]}

# (section, claims, editor?)
VERDICTS = [
    # e-mails: any case, any surrounding space, on either side
    (BY_EMAIL, {"email": "ana@example.org"}, True),
    (BY_EMAIL, {"email": "ANA@EXAMPLE.ORG"}, True),
    (BY_EMAIL, {"email": "  Ben@Example.Org\t"}, True),
    (BY_EMAIL, {"email": "ana@example.org", "email_verified": True}, True),
    (BY_EMAIL, {"email": "ana@example.org", "email_verified": "true"}, True),
    (BY_EMAIL, {"email": "someone@example.org"}, False),
    (BY_EMAIL, {"email": "ana@example.org.evil"}, False),
    # an unverified address proves nothing
    (BY_EMAIL, {"email": "ana@example.org", "email_verified": False}, False),
    (BY_EMAIL, {"email": "ana@example.org", "email_verified": "false"}, False),
    # no email claim: the name or the subject never stand for it
    (BY_EMAIL, {"sub": "ana@example.org"}, False),
    (BY_EMAIL, {"name": "ana@example.org", "preferred_username": "ana@example.org"}, False),
    (BY_EMAIL, {"email": None}, False),
    (BY_EMAIL, {"email": ["ana@example.org"]}, False),
    (BY_EMAIL, {}, False),
    # a claim: a string or a list, compared exactly
    (BY_GROUP, {"groups": "admins"}, True),
    (BY_GROUP, {"groups": ["readers", "shelfwatch-editors"]}, True),
    (BY_GROUP, {"groups": ["readers"]}, False),
    (BY_GROUP, {"groups": "Admins"}, False),
    (BY_GROUP, {"groups": []}, False),
    (BY_GROUP, {"groups": {"admins": True}}, False),
    (BY_GROUP, {"groups": 1}, False),
    (BY_GROUP, {"roles": ["admins"]}, False),
    (BY_GROUP, {"email": "ana@example.org"}, False),  # no editors listed by e-mail
    # the claim needs no e-mail, verified or not
    (BY_GROUP, {"groups": ["admins"], "email": "x@example.org", "email_verified": False}, True),
    # a nested claim by its dotted path; a namespaced one by its exact name
    (BY_ROLE_PATH, {"realm_access": {"roles": ["editor", "offline_access"]}}, True),
    (BY_ROLE_PATH, {"realm_access": {"roles": ["offline_access"]}}, False),
    (BY_ROLE_PATH, {"realm_access": ["editor"]}, False),
    (BY_NAMESPACED, {AUTH0_CLAIM: ["editor"]}, True),
    (BY_NAMESPACED, {"https://shelfwatch": {"example/roles": ["editor"]}}, False),
    # both ways at once: either is enough
    ({**BY_EMAIL, **BY_GROUP}, {"email": "ana@example.org"}, True),
    ({**BY_EMAIL, **BY_GROUP}, {"email": "no@example.org", "groups": ["admins"]}, True),
    ({**BY_EMAIL, **BY_GROUP}, {"email": "no@example.org", "groups": ["readers"]}, False),
    # no configuration: nobody
    ({}, {"email": "ana@example.org"}, False),
    (None, {"email": "ana@example.org", "groups": ["admins"]}, False),
]


@pytest.mark.parametrize(("section", "claims", "verdict"), VERDICTS)
def test_who_is_an_editor(section, claims, verdict) -> None:
    config = editors.parse_config(section)
    assert editors.is_editor(claims, config) is verdict
    assert (editors.editor_from_claims(claims, config) is not None) is verdict


def test_the_configuration_is_normalised_and_frozen() -> None:
    config = editors.parse_config({**BY_EMAIL, **BY_GROUP, "provider": " keycloak "})
    assert config == EditorConfig(
        editors=frozenset({"ana@example.org", "ben@example.org"}),
        editor_claim="groups",
        editor_claim_values=frozenset({"shelfwatch-editors", "admins"}),
        provider="keycloak",
    )
    assert config.anyone_can_edit and not editors.parse_config({}).anyone_can_edit
    with pytest.raises(AttributeError):
        config.editors = frozenset()  # type: ignore[misc]


def test_other_keys_of_the_section_are_left_to_their_readers() -> None:
    config = editors.parse_config({"editors": ["ana@example.org"], "feeds": {"title": "x"}})
    assert config.editors == frozenset({"ana@example.org"})


def test_the_section_is_read_from_the_whole_secrets() -> None:
    secrets = {"auth": {"redirect_uri": "x"}, "shelfwatch": BY_EMAIL}
    assert editors.config_from_secrets(secrets) == editors.parse_config(BY_EMAIL)
    assert editors.config_from_secrets({"auth": {}}) == EditorConfig()


def test_an_editor_is_named_by_their_claims() -> None:
    config = editors.parse_config({**BY_EMAIL, **BY_GROUP})
    ana = editors.editor_from_claims({"email": " Ana@Example.org", "name": "Ana"}, config)
    assert ana == Editor(email="Ana@Example.org", name="Ana") and ana.label == "Ana@Example.org"
    by_group = editors.editor_from_claims({"groups": "admins", "name": "Cy"}, config)
    assert by_group == Editor(email="", name="Cy") and by_group.label == "Cy"
    assert editors.identity({"sub": "123", "name": "Cy"}) == "Cy"
    assert editors.identity({"sub": "123"}) == "123"
    assert editors.identity({"email": "", "preferred_username": "cy"}) == "cy"
    assert editors.identity({}) == "an unnamed account"


# (section, words the message must hold)
REFUSED = [
    ({"editors": "ana@example.org"}, ["editors", "list of e-mail addresses", "a string"]),
    ({"editors": {"ana": "x"}}, ["editors", "a dict"]),
    ({"editors": ["ana@example.org", 3]}, ["editors[1]", "int"]),
    ({"editors": ["ana@example.org", "  "]}, ["editors[1]", "empty"]),
    ({"editors": ["ana"]}, ["editors[0]", "not an e-mail address"]),
    ({"editors": ["@example.org"]}, ["editors[0]", "not an e-mail address"]),
    ({"editors": ["ana @example.org"]}, ["editors[0]", "not an e-mail address"]),
    ({"editor_claim": "groups"}, ["editor_claim", "needs editor_claim_values"]),
    ({"editor_claim_values": ["admins"]}, ["editor_claim_values", "without editor_claim"]),
    ({"editor_claim": ["groups"], "editor_claim_values": ["a"]}, ["editor_claim", "list"]),
    ({"editor_claim": "", "editor_claim_values": ["a"]}, ["editor_claim", "empty"]),
    ({"editor_claim": "groups", "editor_claim_values": "admins"}, ["editor_claim_values"]),
    ({"editor_claim": "groups", "editor_claim_values": []}, ["editor_claim_values", "empty"]),
    ({"editor_claim": "groups", "editor_claim_values": [None]}, ["editor_claim_values[0]"]),
    ({"provider": 3}, ["provider", "int"]),
    ({"provider": "my_idp"}, ["provider", "underscore"]),
    ("editors", ["[shelfwatch] must be a table"]),
]


@pytest.mark.parametrize(("section", "words"), REFUSED)
def test_a_bad_configuration_is_refused_naming_its_key(section, words) -> None:
    with pytest.raises(EditorConfigError) as error:
        editors.parse_config(section)
    message = str(error.value)
    assert message.startswith("[shelfwatch]")
    for word in words:
        assert word in message, (word, message)


def test_a_refusal_never_quotes_an_editors_address() -> None:
    # The message may be logged or shown: it names the key, never the address it holds.
    with pytest.raises(EditorConfigError) as error:
        editors.parse_config({"editors": ["ana.secret-address"]})
    assert "ana.secret-address" not in str(error.value)


def test_not_an_editor_is_a_permission_error() -> None:
    assert issubclass(editors.NotAnEditor, PermissionError)
    assert issubclass(EditorConfigError, ValueError)
