"""A version diff drawn as tables: the Contribute page's preview of an upload and the Data &
method page's "what this version changed" show the same thing the same way."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from shelfwatch import headline
from shelfwatch.diff import Part, VersionDiff, status_word, step_text
from shelfwatch.ui import downloads

DATE = "YYYY-MM-DD"


def _transitions(part: Part) -> pd.DataFrame:
    rows = part.rows

    def steps(side: str) -> list[str]:
        pairs = zip(rows[f"{side}_from_status"], rows[f"{side}_to_status"], strict=True)
        return [step_text(before, after) for before, after in pairs]

    return rows.assign(
        before=steps("old"),
        after=steps("new"),
        changed_on=pd.to_datetime(rows["changed_on"]).dt.date,
    )


def _statuses(part: Part) -> pd.DataFrame:
    rows = part.rows
    return rows.assign(
        was=rows["old_status"].map(status_word),
        now=rows["new_status"].map(status_word),
        new_last_evidence_on=pd.to_datetime(rows["new_last_evidence_on"]).dt.date,
    )


def _observations(part: Part) -> pd.DataFrame:
    rows = part.rows
    return rows.assign(
        shown=rows["status"].map(status_word),
        effective_on=pd.to_datetime(rows["effective_on"]).dt.date,
    )


def _heading(title: str, part: Part) -> None:
    more = f" (the first {len(part.rows):,} listed)" if part.total > len(part.rows) else ""
    st.markdown(f"**{title}: {part.total:,}**{more}")


def show_diff(diff: VersionDiff, *, key: str) -> None:
    """The diff's parts, each with its count; nothing but a line when it changes nothing."""
    if diff.empty:
        st.info("This changes nothing: every table, transition and status stays as it is.")
        return
    counted = diff.table_changes()
    if counted:
        st.caption(
            "Rows: " + "; ".join(f"{table} {old:,} → {new:,}" for table, old, new in counted)
        )
    if diff.transitions.total:
        _heading("Status transitions added, dropped or changed", diff.transitions)
        downloads.show_table(
            _transitions(diff.transitions),
            {
                "change": "Change",
                "retailer_name": "Retailer",
                "brand_name": "Brand",
                "changed_on": st.column_config.DateColumn("Date", format=DATE),
                "before": "Before",
                "after": "After",
                "source_url": "Source",
                "source_kind": "Source kind",
                "confidence": "Confidence",
            },
            links=("source_url",),
            key=f"{key}_transitions",
        )
    if diff.statuses.total:
        _heading(f"Statuses that change on {headline.day_text(diff.as_of)}", diff.statuses)
        st.caption(
            "“new dispute”: a source now disagrees with the status; “fresh evidence”: the "
            "status is the same, its latest evidence newer."
        )
        downloads.show_table(
            _statuses(diff.statuses),
            {
                "change": "Change",
                "retailer_name": "Retailer",
                "brand_name": "Brand",
                "was": "Was",
                "now": "Now",
                "new_disputed": st.column_config.CheckboxColumn("Disputed now"),
                "new_last_evidence_on": st.column_config.DateColumn("Latest evidence", format=DATE),
                "new_stale": st.column_config.CheckboxColumn("Stale now"),
                "source_url": "Source",
            },
            links=("source_url",),
            key=f"{key}_statuses",
        )
    if diff.observations.total:
        _heading("Observations added, dropped or retracted", diff.observations)
        rows = _observations(diff.observations)
        retracted = (rows["change"] == "retracted").any()
        downloads.show_table(
            rows if retracted else rows.drop(columns=["reason", "editor"]),
            {
                "change": "Change",
                "retailer_name": "Retailer",
                "brand_name": "Brand",
                "shown": "Status",
                "effective_on": st.column_config.DateColumn("Date", format=DATE),
                "source_url": "Source",
                "source_kind": "Source kind",
                "confidence": "Confidence",
                "reason": "Retraction reason",
                "editor": "Retracted by",
            },
            links=("source_url",),
            key=f"{key}_observations",
        )
