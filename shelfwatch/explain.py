"""Why a pair has its status on a date, in words a reader can check against the sources.

Pure functions over the ``status_explained`` query's rows (no streamlit): the deciding
observation, which step of the status rule decided its date, what it beat, and — when the
status is disputed — the sources that disagree and why they count (docs/design.md, "The status
rule"). The pages render the sentences as plain text and the rows as a table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shelfwatch import headline, vocab

ROLE_LABELS = {
    "deciding": "Decides the status",
    "beaten": "Lost to it on the same date",
    "in_run": "Earlier in the same run",
    "before_run": "Before this status began",
}
DISPUTE_LABELS = {
    "lost its date within the run": "disagrees: lost its date's contest within the run",
    "stronger source just before the run": "disagrees: stronger than every source since, "
    f"and dated within {vocab.DISPUTE_WINDOW_DAYS} days before the status began",
}


@dataclass(frozen=True)
class Explanation:
    """The status of one pair on one date, and the reasons for it."""

    status: str
    since: dt.date
    last_evidence_on: dt.date
    disputed: bool
    stale: bool
    sentences: tuple[str, ...]
    table: pd.DataFrame  # the observations that matter, each with its part in the rule


def _date(value: object) -> dt.date:
    return pd.Timestamp(value).date()


def _source(row: dict) -> str:
    """'statement, high confidence, dated 2021-10-25' — vocabulary and dates only, no data."""
    kind = str(row["source_kind"]).replace("_", " ")
    return f"{kind}, {row['confidence']} confidence, dated {_date(row['effective_on']):%Y-%m-%d}"


_CONFIDENCE_RANK = {c.name: c.rank for c in vocab.CONFIDENCES}
_KIND_RANK = {k.name: k.rank for k in vocab.SOURCE_KINDS}


def _precedence(row: dict) -> tuple:
    """Rule 2's order: confidence, kind, the latest report date (none = oldest), ingest order."""
    reported = row["reported_on"]
    reported = dt.date.min if reported is None or pd.isna(reported) else _date(reported)
    return (
        _CONFIDENCE_RANK[row["confidence"]],
        _KIND_RANK[row["source_kind"]],
        reported,
        int(row["obs_id"]),
    )


def _decided_by(step: str, winner: dict, rivals: list[dict]) -> str:
    if step == "only source" or not rivals:
        return "It is the only source of its date."
    rival = max(rivals, key=_precedence)  # the runner-up, by rule 2's order
    if step == "confidence":
        return f"It has higher confidence than the {len(rivals)} other source(s) of its date."
    if step == "source kind":
        return (
            f"Same confidence as the strongest other source of its date; a "
            f"{str(winner['source_kind']).replace('_', ' ')} outranks a "
            f"{str(rival['source_kind']).replace('_', ' ')}."
        )
    if step == "report date":
        return "Same confidence and kind as another source of its date; it was reported later."
    return "A full tie with another source of its date; it was recorded last."


def explain(
    rows: pd.DataFrame, as_of: dt.date, stale_after: int = vocab.STALE_AFTER_DAYS
) -> Explanation | None:
    """The explanation of ``status_explained`` rows for ``as_of``; None when there is no data."""
    if rows is None or rows.empty:
        return None
    records = rows.to_dict("records")
    (winner,) = [r for r in records if r["role"] == "deciding"]
    beaten = [r for r in records if r["role"] == "beaten"]
    disputing = [r for r in records if bool(r["disputes"])]
    status = str(winner["current_status"])
    since = _date(winner["since"])
    last = _date(winner["effective_on"])
    age = (as_of - last).days
    stale = age > stale_after
    disputed = bool(winner["disputed"])

    sentences = [
        f"{vocab.status_label(status)} since {since:%Y-%m-%d} (on {as_of:%Y-%m-%d}). "
        f"Latest evidence {last:%Y-%m-%d}, {age:,} day{'s' if age != 1 else ''} before.",
        f"Decided by a {_source(winner)}. " + _decided_by(str(winner["step"]), winner, beaten),
    ]
    earlier = [r for r in records if r["role"] == "before_run" and bool(r["won_day"])]
    if earlier:
        previous = max(earlier, key=lambda r: (_date(r["effective_on"]), int(r["obs_id"])))
        gap = (since - _date(previous["effective_on"])).days
        sentences.append(
            f"Before that: {vocab.status_label(str(previous['status']))} on a "
            f"{_source(previous)}, {gap:,} day{'s' if gap != 1 else ''} before this status "
            "began. "
            + (
                "It was the latest word until then: the change, not a dispute."
                if not previous["disputes"]
                else "It still counts against this status (see below)."
            )
        )
    else:
        sentences.append("No earlier source: this is the pair's first evidence.")
    if beaten:
        sentences.append(
            "It beat: "
            + "; ".join(
                f"{vocab.status_label(str(r['status']))} ({_source(r)}, lost on {r['step']})"
                for r in beaten
            )
            + "."
        )
    if disputed:
        sentences.append(
            f"Disputed: {len(disputing)} source{'s' if len(disputing) != 1 else ''} "
            "disagree on whether the brand is sold — "
            + "; ".join(
                f"{vocab.status_label(str(r['status']))} ({_source(r)}): "
                + DISPUTE_LABELS.get(str(r["dispute_reason"]), str(r["dispute_reason"]))
                for r in disputing
            )
            + "."
        )
    else:
        sentences.append(
            "Not disputed: no source dated in this run disagrees, and none in the "
            f"{vocab.DISPUTE_WINDOW_DAYS} days before it is stronger than the run's sources."
        )
    if stale:
        sentences.append(
            f"Stale: the latest evidence is more than {stale_after:,} days old on this date, "
            "so the status may have changed without a source saying so."
        )

    shown = [winner, *beaten, *[r for r in disputing if r["role"] not in ("deciding", "beaten")]]
    table = pd.DataFrame(
        {
            "part": [ROLE_LABELS[r["role"]] for r in shown],
            "disputes": [
                DISPUTE_LABELS.get(str(r["dispute_reason"]), "") if r["disputes"] else ""
                for r in shown
            ],
            "effective_on": [r["effective_on"] for r in shown],
            "status": [vocab.status_label(str(r["status"])) for r in shown],
            "source_kind": [str(r["source_kind"]).replace("_", " ") for r in shown],
            "confidence": [r["confidence"] for r in shown],
            "step": [r["step"] if isinstance(r["step"], str) else "" for r in shown],
            "source_url": [r["source_url"] for r in shown],
            "quote": [r["quote"] for r in shown],
        }
    )
    return Explanation(status, since, last, disputed, stale, tuple(sentences), table)


FACT_SOURCES = 6  # footnotes a fact sentence lists; more sources are counted, not listed


@dataclass(frozen=True)
class Fact:
    """One cell as a citable sentence: "As of 30 Nov 2021 Home Depot did not sell Lorex [1][2]"
    with numbered sources (the deciding observation, then the others of its run that say the
    same, newest first), ready to paste under a story with its version and permalink."""

    sentence: str
    footnotes: tuple[str, ...]

    def text(self, credit: str, permalink: str | None) -> str:
        lines = [self.sentence, "", *self.footnotes, "", credit]
        if permalink:
            lines.append(permalink)
        return "\n".join(lines)


def fact(
    rows: pd.DataFrame,
    as_of: dt.date,
    retailer: str,
    brand: str,
    stale_after: int = vocab.STALE_AFTER_DAYS,
) -> Fact | None:
    """The fact sentence of ``status_explained`` rows for ``as_of``; None when there is no
    data (a pair with no data has no fact to cite)."""
    if rows is None or rows.empty:
        return None
    records = rows.to_dict("records")
    (winner,) = [r for r in records if r["role"] == "deciding"]
    current = vocab.STATUS_BY_NAME[str(winner["current_status"])]
    # The sources that say what the status says, in this run: the deciding one first.
    agreeing = [winner] + sorted(
        (
            r
            for r in records
            if r["role"] in ("beaten", "in_run") and str(r["status"]) == current.name
        ),
        key=lambda r: (_date(r["effective_on"]), int(r["obs_id"])),
        reverse=True,
    )
    cited: list[dict] = []
    for row in agreeing:
        if all(row["source_url"] != other["source_url"] for other in cited):
            cited.append(row)
    shown = cited[:FACT_SOURCES]
    marks = "".join(f"[{n}]" for n in range(1, len(shown) + 1))
    verb = "sold" if current.sold else "did not sell"
    said = f"As of {headline.day_text(as_of)} {retailer} {verb} {brand}"
    said += f" (status: {current.label.lower()})"
    notes = [
        f"[{n}] {_source(row)}: {row['source_url']}"
        + (f" — “{_wrapped_quote(row['quote'])}”" if isinstance(row["quote"], str) else "")
        for n, row in enumerate(shown, 1)
    ]
    if len(cited) > len(shown):
        notes.append(f"… and {len(cited) - len(shown):,} more sources saying the same.")
    last = _date(winner["effective_on"])
    if (as_of - last).days > stale_after:
        # Old evidence is said in the sentence itself: pasted alone it must not read as current.
        said += (
            f"; the latest evidence is of {last.day} {last:%b %Y}, over {stale_after:,} days old"
        )
    if bool(winner["disputed"]):
        said += "; the status is disputed: other sources disagree"
    return Fact(f"{said} {marks}.", tuple(notes))


def _wrapped_quote(quote: str, limit: int = 200) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= limit else quote[: limit - 1].rstrip() + "…"


DESIGN_DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "design.md"
_RULE_START, _RULE_END = "<!-- status-rule:start -->", "<!-- status-rule:end -->"


def status_rule_text(document: Path = DESIGN_DOCUMENT) -> str:
    """The status rule's text (Markdown) as docs/design.md states it, for the Data page."""
    text = document.read_text(encoding="utf-8")
    start, end = text.index(_RULE_START) + len(_RULE_START), text.index(_RULE_END)
    return text[start:end].strip()
