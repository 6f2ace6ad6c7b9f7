"""The URL is the state: parse and write the query parameters of a dashboard view.

Pure functions (no streamlit) so that the rules — unknown or malformed values are ignored with
a notice, never a crash — are tested directly. ``shelfwatch.ui.url`` binds them to widgets.

Parameters: ``as_of``, ``compare``, ``start``, ``end`` (ISO dates); ``retailer``, ``brand``,
``parent``, ``status``, ``list``, ``kind``, ``confidence`` (comma-separated ids); ``q`` (text);
``v`` (a data version number to pin). Pages may add their own single-value parameters
(``view``, ``cell``, ``profile``, ``grain``), parsed with :func:`parse_choice`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field

DATE_PARAMS = ("as_of", "compare", "start", "end")
LIST_PARAMS = ("retailer", "brand", "parent", "status", "list", "kind", "confidence")
TEXT_PARAMS = ("q",)
MAX_TEXT = 200
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SLUG = re.compile(r"^[a-z0-9_-]+$")


@dataclass
class ParsedParams:
    """Valid values by parameter name, and one notice per ignored value."""

    dates: dict[str, dt.date] = field(default_factory=dict)
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    version: int | None = None
    notices: list[str] = field(default_factory=list)


def _show(value: str) -> str:
    return repr(value[:40] + ("…" if len(value) > 40 else ""))


def parse_date(name: str, raw: str, notices: list[str]) -> dt.date | None:
    raw = raw.strip()
    if _ISO.match(raw):
        try:
            return dt.date.fromisoformat(raw)
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
    for item in (part.strip() for part in raw.split(",")):
        if not item or item in kept:
            continue
        if not _SLUG.match(item) or (allowed is not None and item not in allowed):
            notices.append(f"Ignored {name}={_show(item)}: no such {name} in this data version.")
            continue
        kept.append(item)
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


def parse_params(
    params: Mapping[str, str],
    known: Mapping[str, Iterable[str]],
    versions: Iterable[int] | None = None,
) -> ParsedParams:
    """Read the standard parameters. ``known`` maps list parameters to their valid values."""
    parsed = ParsedParams()
    for name in DATE_PARAMS:
        if params.get(name):
            value = parse_date(name, params[name], parsed.notices)
            if value is not None:
                parsed.dates[name] = value
    for name in LIST_PARAMS:
        if params.get(name):
            values = parse_list(name, params[name], known.get(name), parsed.notices)
            if values:
                parsed.lists[name] = values
    for name in TEXT_PARAMS:
        if params.get(name):
            parsed.text[name] = params[name][:MAX_TEXT]
    if params.get("v"):
        raw = params["v"].strip()
        if raw.isdigit() and int(raw) > 0:
            parsed.version = int(raw)
        else:
            parsed.notices.append(f"Ignored v={_show(raw)}: not a data version number.")
    start, end = parsed.dates.get("start"), parsed.dates.get("end")
    if start and end and start > end:
        parsed.notices.append("Ignored start and end: start was after end.")
        del parsed.dates["start"], parsed.dates["end"]
    return parsed


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown so text from a URL is shown, never interpreted."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def format_value(value: object) -> str | None:
    """How a widget value is written into the URL; None removes the parameter."""
    if value is None or value == "" or value == () or value == []:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def cell_key(retailer_id: str, brand_id: str) -> str:
    """How a heatmap cell is written in the URL (``cell=home-depot:lorex``)."""
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
    shown = raw[:40] + ("…" if len(raw) > 40 else "")
    notices.append(
        f"Ignored cell={shown!r}: expected retailer_id:brand_id of a retailer and a brand "
        "in this data version."
    )
    return None
