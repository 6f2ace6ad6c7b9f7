"""URL parameters: valid values are read, anything else is ignored with a notice."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from shelfwatch import urlstate

KNOWN = {"brand": ["lorex", "ezviz"], "retailer": ["walmart"], "status": ["stocked", "removed"]}


def test_valid_parameters_are_read():
    parsed = urlstate.parse_params(
        {"as_of": "2021-11-30", "brand": "lorex,ezviz,lorex", "q": "ethical", "v": "3"}, KNOWN
    )
    assert parsed.dates == {"as_of": dt.date(2021, 11, 30)}
    assert parsed.lists == {"brand": ("lorex", "ezviz")}
    assert parsed.text == {"q": "ethical"}
    assert parsed.version == 3
    assert parsed.notices == []


def test_malformed_and_unknown_values_are_ignored_with_notices():
    parsed = urlstate.parse_params(
        {
            "as_of": "2021-02-30",
            "compare": "yesterday",
            "brand": "lorex,nope,<b>",
            "v": "latest",
            "start": "2022-01-01",
            "end": "2021-01-01",
        },
        KNOWN,
    )
    assert parsed.dates == {}
    assert parsed.lists == {"brand": ("lorex",)}
    assert parsed.version is None
    assert len(parsed.notices) == 6


def test_choice_falls_back_to_default():
    notices: list[str] = []
    assert urlstate.parse_choice("view", "evidence", ("status", "evidence"), "status", notices) == (
        "evidence"
    )
    assert urlstate.parse_choice("view", "weird", ("status", "evidence"), "status", notices) == (
        "status"
    )
    assert notices == ["Ignored view='weird': expected one of status, evidence."]


def test_format_value_round_trips_dates_and_lists():
    assert urlstate.format_value(dt.date(2021, 11, 30)) == "2021-11-30"
    assert urlstate.format_value(("lorex", "ezviz")) == "lorex,ezviz"
    assert urlstate.format_value(()) is None
    assert urlstate.format_value("") is None


def test_markdown_from_urls_is_escaped():
    escaped = urlstate.escape_markdown("[click](https://evil.example) *bold* `code`")
    assert "](" not in escaped
    assert "\\[click\\]" in escaped and "\\*bold\\*" in escaped


@given(
    st.dictionaries(
        st.sampled_from(["as_of", "brand", "v", "q", "start", "end", "status"]),
        st.text(max_size=60),
    )
)
def test_any_parameters_parse_without_crashing(params):
    parsed = urlstate.parse_params(params, KNOWN)
    for values in parsed.lists.values():
        assert all(v in sum(KNOWN.values(), []) for v in values)
    assert all(len(text) <= urlstate.MAX_TEXT for text in parsed.text.values())
