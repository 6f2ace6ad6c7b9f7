"""Query results shaped for display: status labels, and sources split into safe links.

Only an http(s) URL may ever be rendered as a clickable link; any other value (``javascript:``,
``data:``, plain text) is kept, as text, in a column of its own so no row loses its source.
"""

from __future__ import annotations

import pandas as pd

from shelfwatch.charts import STATUS_STYLES, status_label


def web_link(value: object) -> str | None:
    """``value`` if it is an http(s) URL that is safe to render as a link, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text.lower().startswith(("http://", "https://")) or len(text) <= len("https://"):
        return None
    if any(ch.isspace() or ord(ch) < 32 or ch in "<>\"'`" for ch in text):
        return None
    return text


def not_a_link(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return None
    return None if web_link(value) else str(value)


EVIDENCE_COLUMNS = (
    "effective_on",
    "status",
    "source_link",
    "source_text",
    "quote",
    "source_kind",
    "confidence",
    "won_day",
    "disputed",
    "reported_on",
    "channel",
    "archive_link",
    "note",
    "input_file",
    "line_no",
)


def evidence_table(evidence_df: pd.DataFrame) -> pd.DataFrame:
    """The ``evidence_for_pair`` rows for display: status with its symbol, the source split into
    ``source_link`` (http(s) URLs only, safe for a link column) and ``source_text`` (anything
    else, to be shown as plain text); same for the archive copy."""
    frame = evidence_df.reset_index(drop=True)
    return pd.DataFrame(
        {
            "effective_on": frame["effective_on"],
            "status": [status_label(s) if s in STATUS_STYLES else s for s in frame["status"]],
            "source_link": [web_link(v) for v in frame["source_url"]],
            "source_text": [not_a_link(v) for v in frame["source_url"]],
            "quote": frame["quote"],
            "source_kind": frame["source_kind"],
            "confidence": frame["confidence"],
            "won_day": frame["won_day"].fillna(False).astype(bool),
            "disputed": frame["disputed"].fillna(False).astype(bool),
            "reported_on": frame["reported_on"],
            "channel": frame["channel"],
            "archive_link": [web_link(v) for v in frame["archive_url"]],
            "note": frame["note"],
            "input_file": frame["input_file"],
            "line_no": frame["line_no"],
        },
        columns=list(EVIDENCE_COLUMNS),
    )


EXPOSURE_COLUMNS = (
    "parent",
    "lists",
    "brand",
    "retailer",
    "status",
    "since",
    "source_link",
    "source_text",
)


def exposure_table(exposure_df: pd.DataFrame) -> pd.DataFrame:
    """``exposure_by_parent`` rows (one per parent × retailer × brand, lists already folded by
    the query) for display: names, status with its symbol, the source split into a safe link."""
    if exposure_df is None or exposure_df.empty:
        return pd.DataFrame(columns=list(EXPOSURE_COLUMNS))
    data = exposure_df.reset_index(drop=True)

    def named(kind: str) -> list[str]:
        # tolist() first: iterating an Arrow-backed column yields one scalar at a time.
        return [
            name if isinstance(name, str) and name else str(item_id)
            for name, item_id in zip(
                data[f"{kind}_name"].tolist(), data[f"{kind}_id"].tolist(), strict=True
            )
        ]

    sources = data["source_url"].tolist()
    return pd.DataFrame(
        {
            "parent": named("company"),
            "lists": data["lists"].to_numpy(),
            "brand": named("brand"),
            "retailer": named("retailer"),
            "status": [
                status_label(s) if s in STATUS_STYLES else s for s in data["status"].tolist()
            ],
            "since": data["since"].to_numpy(),
            "source_link": [web_link(v) for v in sources],
            "source_text": [not_a_link(v) for v in sources],
        },
        columns=list(EXPOSURE_COLUMNS),
    )
