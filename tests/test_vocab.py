"""The vocabulary has one home: shelfwatch/vocab.py (and the tables publishing writes from it).

Adding a status then touches vocab.py and tests only; this guards the rest of the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shelfwatch import vocab

PROJECT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    path
    for folder in ("shelfwatch", "pages", "queries")
    for path in (PROJECT / folder).rglob("*")
    if path.suffix in (".py", ".sql") and path.name != "vocab.py"
) + [PROJECT / "app.py"]
VOCABULARIES = {
    "statuses": set(vocab.STATUS_NAMES),
    "source kinds": set(vocab.SOURCE_KIND_NAMES),
    "confidences": set(vocab.CONFIDENCE_NAMES),
    "channels": set(vocab.CHANNELS),
    "event kinds": set(vocab.EVENT_KINDS),
}
# The demo generator writes four statuses on purpose and by name (and event kinds with titles).
NAMES_TERMS_ON_PURPOSE = {PROJECT / "shelfwatch" / "demo.py"}


def _code(path: Path) -> str:
    """The file without its comments (they may name terms in prose)."""
    marker = "--" if path.suffix == ".sql" else "#"
    return "\n".join(
        line.split(f" {marker} ")[0]
        for line in path.read_text().splitlines()
        if not line.lstrip().startswith(marker)
    )


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_colour_label_or_term_list_outside_the_vocabulary(path: Path):
    text = _code(path)
    for style in vocab.STATUS_BY_NAME.values():
        assert style.colour.lower() not in text.lower(), f"{style.name}'s colour"
        assert f'"{style.label}"' not in text, f"{style.name}'s label"
    if path in NAMES_TERMS_ON_PURPOSE:
        return
    quote = "'" if path.suffix == ".sql" else "[\"']"
    quoted = {m.group(1) for m in re.finditer(rf"{quote}([a-z_]+){quote}", text)}
    for vocabulary, terms in VOCABULARIES.items():
        named = quoted & terms
        # SQL names no term at all (it joins the vocabulary tables); Python may use one word in
        # prose or another sense ("medium" width, the "store" folder), never a list of them.
        if path.suffix == ".sql" or len(named) > 1:
            assert not named, f"spells {vocabulary} {sorted(named)}: read them from vocab"


def test_the_scan_finds_a_planted_term_list(tmp_path: Path):
    planted = tmp_path / "planted.sql"
    planted.write_text("select * from observations where status in ('stocked', 'exiting')\n")
    with pytest.raises(AssertionError, match="stocked"):
        test_no_colour_label_or_term_list_outside_the_vocabulary(planted)
