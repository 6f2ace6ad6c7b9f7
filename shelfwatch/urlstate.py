"""The URL is the state: parse and write the query parameters of a dashboard view.

Pure functions (no streamlit) so that the rules — unknown or malformed values are ignored with
a notice, never a crash — are tested directly. ``shelfwatch.ui.context`` binds them to widgets
and writes back only what was accepted, so a rejected value leaves the URL, the permalink and
the citation.

Parameters: ``as_of``, ``compare``, ``start``, ``end`` (ISO dates); ``retailer``, ``brand``,
``parent``, ``status``, ``list``, ``kind``, ``confidence`` (comma-separated ids); ``q`` (text);
``v`` (a data version number to pin); ``stale`` (days after which evidence is stale);
``claims`` (``any``: count every ownership claim). Pages may add their own single-value
parameters (``view``, ``cell``, ``profile``, ``grain``, ``changes``), parsed with
:func:`parse_choice`, and ``page`` (:func:`parse_page`).

Every rule reads ASCII only: ``\\d`` and ``str.isdigit`` also accept digits of other scripts,
which ``int`` and ``date`` then refuse.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field

DATE_PARAMS = ("as_of", "compare", "start", "end")
LIST_PARAMS = ("retailer", "brand", "parent", "status", "list", "kind", "confidence")
TEXT_PARAMS = ("q",)
MAX_TEXT = 200
# Longer values are refused whole: no id list or date is this long, and a notice per item of
# a 100 kB parameter would bury the page.
MAX_VALUE = 2_000
MAX_NOTICES_PER_PARAM = 5
STALE_MAX_DAYS = 36_500
_ISO = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_SLUG = re.compile(r"^[a-z0-9_-]+$")
_COUNT = re.compile(r"^[0-9]{1,9}$")


@dataclass
class ParsedParams:
    """Valid values by parameter name, and one notice per ignored value."""

    dates: dict[str, dt.date] = field(default_factory=dict)
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    version: int | None = None
    stale_after: int | None = None
    any_claim: bool = False
    notices: list[str] = field(default_factory=list)


def printable(text: str) -> str:
    """``text`` without control and format characters (NUL, bidi overrides…): safe to echo."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))


def _show(value: str) -> str:
    text = printable(value)
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def parse_count(raw: str) -> int | None:
    """A whole number written in ASCII digits, else None."""
    text = raw.strip()
    return int(text) if _COUNT.match(text) else None


def parse_date(name: str, raw: str, notices: list[str]) -> dt.date | None:
    text = raw.strip()
    if _ISO.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    notices.append(f"Ignored {name}={_show(raw)}: not a date in YYYY-MM-DD form.")
    return None


def parse_list(
    name: str, raw: str, known: Iterable[str] | None, notices: list[str]
) -> tuple[str, ...]:
    """Comma-separated ids; unknown ones are dropped with a notice, order and duplicates tidied."""
    allowed = set(known) if known is not None else None
    kept: list[str] = []
    ignored: list[str] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item or item in kept:
            continue
        if not _SLUG.match(item) or (allowed is not None and item not in allowed):
            ignored.append(item)
            continue
        kept.append(item)
    for item in ignored[:MAX_NOTICES_PER_PARAM]:
        notices.append(f"Ignored {name}={_show(item)}: no such {name} in this data version.")
    if len(ignored) > MAX_NOTICES_PER_PARAM:
        notices.append(
            f"Ignored {len(ignored) - MAX_NOTICES_PER_PARAM:,} more unknown {name} values."
        )
    return tuple(kept)


def parse_choice(
    name: str, raw: str | None, choices: Iterable[str], default: str, notices: list[str]
) -> str:
    if raw is None or raw == "":
        return default
    options = list(choices)
    if raw in options:
        return raw
    notices.append(f"Ignored {name}={_show(raw)}: expected one of {', '.join(options)}.")
    return default


def parse_page(raw: str | None, notices: list[str]) -> int:
    """A listing's page number (``page``), from 1; anything else is page 1, with a notice."""
    if raw is None or raw == "":
        return 1
    number = parse_count(raw)
    if number:
        return number
    notices.append(f"Ignored page={_show(raw)}: expected a page number from 1.")
    return 1


def parse_params(
    params: Mapping[str, str],
    known: Mapping[str, Iterable[str]],
    versions: Iterable[int] | None = None,
) -> ParsedParams:
    """Read the standard parameters. ``known`` maps list parameters to their valid values."""
    parsed = ParsedParams()
    values = {}
    for name, raw in params.items():
        if len(raw) > MAX_VALUE:
            parsed.notices.append(
                f"Ignored {name}: its value is {len(raw):,} characters long "
                f"(at most {MAX_VALUE:,})."
            )
        else:
            values[name] = raw
    for name in DATE_PARAMS:
        if values.get(name):
            value = parse_date(name, values[name], parsed.notices)
            if value is not None:
                parsed.dates[name] = value
    for name in LIST_PARAMS:
        if values.get(name):
            items = parse_list(name, values[name], known.get(name), parsed.notices)
            if items:
                parsed.lists[name] = items
    for name in TEXT_PARAMS:
        if values.get(name):
            text = printable(values[name]).strip()[:MAX_TEXT]
            if text != values[name].strip()[:MAX_TEXT]:
                parsed.notices.append(f"Removed control characters from {name}.")
            if text:
                parsed.text[name] = text
    if values.get("v"):
        number = parse_count(values["v"])
        if number is not None and number > 0:
            parsed.version = number
        else:
            parsed.notices.append(f"Ignored v={_show(values['v'])}: not a data version number.")
    if values.get("stale"):
        days = parse_count(values["stale"])
        if days is not None and days <= STALE_MAX_DAYS:
            parsed.stale_after = days
        else:
            parsed.notices.append(
                f"Ignored stale={_show(values['stale'])}: expected a number of days from 0 to "
                f"{STALE_MAX_DAYS:,}."
            )
    if values.get("claims"):
        parsed.any_claim = (
            parse_choice("claims", values["claims"], ("any",), "", parsed.notices) == "any"
        )
    return parsed


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown so text from a URL is shown, never interpreted."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", printable(text))


def data_markdown(text: str) -> str:
    """Text from the data (names, notes) for a Markdown element, shown exactly as written:
    angle brackets and ampersands as entities, so no tag ever reaches the Markdown, then the
    Markdown characters escaped."""
    return escape_markdown(html.escape(printable(text), quote=False))


def format_value(value: object) -> str | None:
    """How a widget value is written into the URL; None removes the parameter."""
    if value is None or value == "" or value == () or value == []:
        return None
    if isinstance(value, bool):
        return "true" if value else None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def cell_key(retailer_id: str, brand_id: str) -> str:
    """How a status grid cell is written in the URL (``cell=home-depot:lorex``)."""
    return f"{retailer_id}:{brand_id}"


def parse_cell_key(
    raw: str | None, retailer_ids: Container[str], brand_ids: Container[str], notices: list[str]
) -> tuple[str, str] | None:
    """``retailer_id:brand_id`` of known ids, else None (with a notice unless ``raw`` is empty)."""
    if not raw:
        return None
    retailer_id, sep, brand_id = raw.strip().partition(":")
    if sep and retailer_id in retailer_ids and brand_id in brand_ids:
        return retailer_id, brand_id
    notices.append(
        f"Ignored cell={_show(raw)}: expected retailer_id:brand_id of a retailer and a brand "
        "in this data version."
    )
    return None
