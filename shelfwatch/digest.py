"""A digest of what changed since a date, ready to paste into a newsletter: each status change
of a retailer × brand pair with its date, what it means in words and its source link.

Reads ``changes_between`` rows (one per transition, as published now); the words for a change
are the headline's (:func:`shelfwatch.headline.change_phrase`). Markdown escapes the data's
names; plain text strips nothing but control characters. Pure: no streamlit, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from itertools import groupby

from shelfwatch import headline, urlstate

FORMATS = ("markdown", "text")


def write(
    changes: Sequence[Mapping[str, object]],
    *,
    since: dt.date,
    data_version: int,
    fmt: str = "markdown",
    about: str = "",
) -> str:
    """The digest of ``changes`` (``changes_between`` rows, oldest first) dated on or after
    ``since``, newest day first; ``about`` names the filters ("Lorex") in the title."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    markdown = fmt == "markdown"

    def text(value: object) -> str:
        plain = urlstate.printable(str(value or ""))
        return urlstate.escape_markdown(plain) if markdown else plain

    title = f"What changed since {headline.day_text(since)}" + (f": {text(about)}" if about else "")
    lines = [f"# {title}" if markdown else title, ""]
    # Newest day first; within a day, by retailer and brand.
    rows = sorted(
        (row for row in changes if headline.as_day(row["changed_on"]) >= since),
        key=lambda row: (
            -headline.as_day(row["changed_on"]).toordinal(),
            str(row["retailer_name"] or "").casefold(),
            str(row["brand_name"] or "").casefold(),
        ),
    )
    count = f"{len(rows):,} change{'s' if len(rows) != 1 else ''}"
    lines.append(f"Shelfwatch data version {data_version}: {count}.")
    if not rows:
        lines.append("")
        lines.append("No retailer's status of these brands changed in this period.")
    for day, group in groupby(rows, key=lambda row: headline.as_day(row["changed_on"])):
        lines.append("")
        lines.append(f"## {headline.day_text(day)}" if markdown else headline.day_text(day))
        for row in group:
            retailer, brand = text(row["retailer_name"]), text(row["brand_name"])
            if markdown:
                retailer, brand = f"**{retailer}**", f"**{brand}**"
            said = headline.change_phrase(row.get("from_status"), str(row["to_status"]))
            source = str(row.get("source_url") or "")
            kind = str(row.get("source_kind") or "").replace("_", " ")
            strength = f"{kind}, {row.get('confidence')} confidence" if kind else ""
            if markdown and source:
                link = f"[source]({source.replace(')', '%29').replace(' ', '%20')})"
            else:
                link = f"source: {urlstate.printable(source)}" if source else "no source link"
            note = f"{link}, {strength}" if strength else link
            lines.append(f"- {retailer} {said} {brand} ({note})")
    lines.append("")
    lines.append(
        f"Source: Shelfwatch data v{data_version}, CC BY 4.0. Each change is dated by its "
        "source; a pair's first evidence is shown as such, not as a change of status."
    )
    return "\n".join(lines) + "\n"
