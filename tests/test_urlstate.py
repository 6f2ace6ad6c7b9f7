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
    # A window whose start is after its end is kept: the page says so and offers a swap.
    assert parsed.dates == {"start": dt.date(2022, 1, 1), "end": dt.date(2021, 1, 1)}
    assert parsed.lists == {"brand": ("lorex",)}
    assert parsed.version is None
    assert len(parsed.notices) == 5


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


# Values a crafted or mangled link may carry: digits of other scripts, full-width forms, NULs,
# bidi overrides, very long values.
HOSTILE_VALUES = [
    "٢٠٢١-١٠-٠١",  # Arabic-Indic digits: \d matches them, date() refuses them
    "２０２１－１０－０１",  # full-width
    "²",
    "𝟑",
    "2021-10-01\x00",
    "\x00",
    "\u202e1202-01-10",
    "lorex\u202e",
    "x" * 5_000,
    "-1",
    "1e3",
    "NaN",
]


def test_hostile_values_give_notices_never_exceptions():
    for raw in HOSTILE_VALUES:
        params = {name: raw for name in (*urlstate.DATE_PARAMS, *urlstate.LIST_PARAMS)}
        known = {name: ["lorex", "stocked"] for name in urlstate.LIST_PARAMS}
        parsed = urlstate.parse_params({**params, "v": raw, "stale": raw, "q": raw}, known)
        assert parsed.dates == {} and parsed.lists == {}, raw
        assert parsed.version is None and parsed.stale_after is None, raw
        assert parsed.notices, raw
        for notice in parsed.notices:
            assert "\x00" not in notice and "\u202e" not in notice and len(notice) < 300
        assert all("\x00" not in text for text in parsed.text.values())


def test_digits_are_ascii_only():
    assert urlstate.parse_count("12") == 12
    for raw in ("١٢", "１２", "²", "12.0", "", " ", "9" * 12):
        assert urlstate.parse_count(raw) is None, raw
    assert urlstate.parse_params({"stale": "90"}, KNOWN).stale_after == 90
    assert urlstate.parse_params({"claims": "any"}, KNOWN).any_claim is True
    parsed = urlstate.parse_params({"claims": "all"}, KNOWN)
    assert parsed.any_claim is False and parsed.notices


def test_a_flood_of_unknown_ids_gives_a_handful_of_notices():
    parsed = urlstate.parse_params({"brand": ",".join(f"b{i}" for i in range(300))}, KNOWN)
    assert len(parsed.notices) == urlstate.MAX_NOTICES_PER_PARAM + 1


def test_printable_drops_control_and_format_characters():
    assert urlstate.printable("a\x00b\u202ec\td") == "abcd"
