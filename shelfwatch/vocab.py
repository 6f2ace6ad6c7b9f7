"""The vocabulary of the data: statuses, kinds of source, confidences, and the rule's constants.

One home for each term. Publishing writes the terms into every store version
(``status_vocab``, ``source_kind_vocab``, ``confidence_vocab``, ``channel_vocab``,
``event_kind_vocab``), so the SQL validates input and reads "sold", the ranks and the defaults
from these same definitions instead of spelling them again; the Data & method page and
the charts read their labels, colours and meanings from here too. docs/design.md is the rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import duckdb


@dataclass(frozen=True)
class Status:
    name: str
    sold: bool | None  # None: "no data", neither sold nor not sold
    label: str
    symbol: str  # shown beside the colour everywhere: colour is never the only cue
    colour: str  # Okabe–Ito, safe for colour-blind readers
    meaning: str


@dataclass(frozen=True)
class Ranked:
    """A term whose place in an order decides between observations (higher rank wins)."""

    name: str
    rank: int
    meaning: str

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


STATUSES: Final = (
    Status("stocked", True, "Stocked", "●", "#009E73", "The retailer sells the brand."),
    Status(
        "exiting",
        True,
        "Exiting",
        "◐",
        "#E69F00",
        "The retailer announced it will stop selling the brand, but still sells it.",
    ),
    Status(
        "unavailable",
        False,
        "Unavailable",
        "○",
        "#56B4E9",
        "Listed by the retailer, but it cannot be bought.",
    ),
    Status("removed", False, "Removed", "✕", "#D55E00", "The retailer does not sell the brand."),
)
NO_DATA: Final = "no data"
# Neutral grey: no data, and legend keys that stand for no status.
NEUTRAL: Final = "#BBBBBB"
# Neutral grey and a dash: visibly "we know nothing", never mistaken for removed.
NO_DATA_STATUS: Final = Status(
    NO_DATA,
    None,
    "No data",
    "–",
    NEUTRAL,
    "No observation of the pair up to that date. Never shown as stocked or removed: we simply "
    "do not know.",
)
STATUS_BY_NAME: Final = {s.name: s for s in (*STATUSES, NO_DATA_STATUS)}
STATUS_NAMES: Final = tuple(s.name for s in STATUSES)
SOLD: Final = tuple(s.name for s in STATUSES if s.sold)
NOT_SOLD: Final = tuple(s.name for s in STATUSES if not s.sold)

# Strongest first; the rank is what the status rule compares.
SOURCE_KINDS: Final = (
    Ranked("statement", 5, "The retailer (or the brand) said so on the record."),
    Ranked(
        "listing_check", 4, "Someone checked the retailer's listings: site search, product pages."
    ),
    Ranked(
        "legal_filing", 3, "A court filing, an attorney general's complaint or a regulatory filing."
    ),
    Ranked("news_report", 2, "A reporter's account without a direct statement (the default)."),
    Ranked("brand_claim", 1, "The brand's own claim, e.g. its list of authorised retailers."),
)
CONFIDENCES: Final = (
    Ranked("high", 3, "Direct, specific and dated evidence."),
    Ranked("medium", 2, "Credible but indirect or approximately dated (the default)."),
    Ranked("low", 1, "Weak or second-hand; kept so that it can be checked and weighed."),
)
# How strongly a chart draws evidence of each confidence (weaker is fainter, never hidden).
CONFIDENCE_OPACITY: Final = {"high": 1.0, "medium": 0.7, "low": 0.45}
SOURCE_KIND_NAMES: Final = tuple(k.name for k in SOURCE_KINDS)
CONFIDENCE_NAMES: Final = tuple(c.name for c in CONFIDENCES)
DEFAULT_SOURCE_KIND: Final = "news_report"
DEFAULT_CONFIDENCE: Final = "medium"
CHANNELS: Final = ("all", "store", "online", "marketplace")
DEFAULT_CHANNEL: Final = "all"


@dataclass(frozen=True)
class EventKind:
    name: str
    label: str
    symbol: str  # the plotly marker symbol of its events on every time chart
    glyph: str  # the same shape as text, beside the label in tables and hover texts
    meaning: str


# Each kind has its own marker shape (one legend entry each): the events never rest on colour.
EVENT_KIND_STYLES: Final = (
    EventKind(
        "regulatory", "Regulatory", "triangle-down", "▼", "A law, a list or a regulator's act."
    ),
    EventKind("reporting", "Reporting", "star", "★", "A news story or a published report."),
    EventKind(
        "legal",
        "Legal",
        "square",
        "■",
        "A lawsuit, subpoena or investigation by a court or an attorney general.",
    ),
    EventKind("context", "Context", "diamond-open", "◇", "Background that explains a change."),
)
EVENT_KIND_BY_NAME: Final = {k.name: k for k in EVENT_KIND_STYLES}
EVENT_KINDS: Final = tuple(k.name for k in EVENT_KIND_STYLES)

# The status rule's constants (docs/design.md, "The status rule").
DISPUTE_WINDOW_DAYS: Final = 30  # how far before a run a stronger disagreeing source counts
STALE_AFTER_DAYS: Final = 365  # default: evidence older than this on the date is stale
# A source's strength is confidence, then kind, as one integer: confidence × this + kind.
STRENGTH_BASE: Final = 10
assert all(k.rank < STRENGTH_BASE for k in SOURCE_KINDS)
# No input date lies before this one: an earlier year is a typo (year 1 once crashed the
# pages' date pickers). Observations may not lie after the day of the ingest either.
EARLIEST_INPUT_DATE: Final = dt.date(1900, 1, 1)


def _one_of(words: tuple[str, ...]) -> str:
    return words[0] if len(words) < 2 else f"{', '.join(words[:-1])} or {words[-1]}"


# "stocked or exiting", "unavailable or removed": what "sold" means, for the page texts.
SOLD_WORDS: Final = _one_of(SOLD)
NOT_SOLD_WORDS: Final = _one_of(NOT_SOLD)


def status_label(status: str | None) -> str:
    """'● Stocked' — the symbol and word that accompany a status everywhere."""
    style = STATUS_BY_NAME[status or NO_DATA]
    return f"{style.symbol} {style.label}"


def event_kind_label(kind: str | None) -> str:
    """'▼ Regulatory' — the glyph and word of an event kind (an unknown kind as it is)."""
    style = EVENT_KIND_BY_NAME.get(kind or "")
    return f"{style.glyph} {style.label}" if style else (kind or "")


def write_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Write the vocabulary into a store version being published: validation checks input
    against it and the derivations join it, so no SQL spells a term list or a rank."""
    con.execute(
        "create or replace table status_vocab "
        "(status varchar not null, sold boolean not null, position integer not null)"
    )
    con.executemany(
        "insert into status_vocab values (?, ?, ?)",
        [(s.name, s.sold, i) for i, s in enumerate(STATUSES, start=1)],
    )
    for table, column, terms, default in (
        ("source_kind_vocab", "source_kind", SOURCE_KINDS, DEFAULT_SOURCE_KIND),
        ("confidence_vocab", "confidence", CONFIDENCES, DEFAULT_CONFIDENCE),
    ):
        con.execute(
            f"create or replace table {table} "  # noqa: S608 - names are constants above
            f"({column} varchar not null, rank integer not null, is_default boolean not null, "
            "position integer not null)"
        )
        con.executemany(
            f"insert into {table} values (?, ?, ?, ?)",  # noqa: S608 - constant table name
            [(t.name, t.rank, t.name == default, i) for i, t in enumerate(terms, start=1)],
        )
    plain: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
        ("channel_vocab", "channel", CHANNELS, DEFAULT_CHANNEL),
        ("event_kind_vocab", "kind", EVENT_KINDS, None),
    )
    for table, column, names, plain_default in plain:
        con.execute(
            f"create or replace table {table} "  # noqa: S608 - names are constants above
            f"({column} varchar not null, is_default boolean not null, position integer not null)"
        )
        con.executemany(
            f"insert into {table} values (?, ?, ?)",  # noqa: S608 - constant table name
            [(name, name == plain_default, i) for i, name in enumerate(names, start=1)],
        )
