"""Plotly figure builders. One status palette everywhere (Okabe–Ito, safe for colour-blind
readers), and colour is never the only cue: every status also has a symbol and a label."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatusStyle:
    label: str
    colour: str
    symbol: str  # shown in cells and legends next to the colour


NO_DATA = "no data"
STATUS_STYLES: dict[str, StatusStyle] = {
    "stocked": StatusStyle("Stocked", "#009E73", "●"),
    "exiting": StatusStyle("Exiting", "#E69F00", "◐"),
    "unavailable": StatusStyle("Unavailable", "#56B4E9", "○"),
    "removed": StatusStyle("Removed", "#D55E00", "✕"),
    # Neutral grey and a dash: visibly "we know nothing", never mistaken for removed.
    NO_DATA: StatusStyle("No data", "#BBBBBB", "–"),
}
STATUS_ORDER = ("stocked", "exiting", "unavailable", "removed", NO_DATA)


def status_label(status: str | None) -> str:
    """'● Stocked' — the symbol and word that accompany a status everywhere."""
    style = STATUS_STYLES[status or NO_DATA]
    return f"{style.symbol} {style.label}"
