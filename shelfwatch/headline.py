"""The Overview's headline: one sentence, from the data and the filters, that says who sells
the brands on the date, what changed since the comparison date and how strong the evidence is.

"As of 30 Nov 2021, 3 of 7 tracked retailers sell Lorex or Ezviz (Costco and Walmart sell
both; Best Buy sells both but has announced its exit); since 1 Oct 2021 Home Depot and Lowe's
stopped selling Lorex, Best Buy announced its exit from Lorex, and none re-listed either; on
evidence of medium to high confidence; Best Buy's Ezviz status is disputed."

It reads the rows the status rule gives (``status_as_of``: stale, disputed and the parent by
the ownership rule) and the transitions of ``changes_between``; it never counts a pair with no
data as sold or not. Pure: no streamlit.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from shelfwatch import vocab

if TYPE_CHECKING:  # pandas is imported where a frame is made: the CLI's streamed exports
    import pandas as pd  # import this module for its date and phrase helpers, never pandas

K = TypeVar("K", bound=Hashable)
NAMED = 4  # retailers or brands named in a list before "and N others"
GROUPS = 3  # groups of retailers (same brands) spelled out; beyond, the sentence counts them
_CONFIDENCE_ORDER = {c.name: c.rank for c in vocab.CONFIDENCES}
# What build() reads of the status_as_of and changes_between rows.
STATUS_COLUMNS = ("retailer_id", "brand_id", "status", "confidence", "stale", "disputed", "lists")
CHANGE_COLUMNS = ("retailer_id", "brand_id", "from_status", "to_status", "confidence")


@dataclass(frozen=True)
class Headline:
    sentence: str
    selling: tuple[str, ...]  # retailer ids selling at least one of the brands
    changed: int  # transitions since the comparison date (first evidence is not a change)


def as_day(value: object) -> dt.date:
    """A row's date, whatever form it came in (date, datetime, pandas Timestamp, ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def day_text(day: dt.date) -> str:
    """A date as a headline writes it: 30 Nov 2021."""
    return f"{day.day} {day:%b %Y}"


def names_text(names: Sequence[str], conjunction: str = "and", noun: str = "others") -> str:
    """'A', 'A and B', 'A, B and C', or the first few 'and N others'."""
    names = list(names)
    if len(names) > NAMED + 1:
        rest = len(names) - NAMED
        names = [*names[:NAMED], f"{rest:,} {noun}"]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def _brands_text(
    brand_ids: Iterable[str], with_data: Sequence[str], brand_names: Mapping[str, str]
) -> str:
    """A set of brands (ids): 'both' or 'all 3' when it is every brand with data, else names
    in the order of ``with_data`` (ids compared, never names: two brands may share one)."""
    wanted = set(brand_ids)
    chosen = [b for b in with_data if b in wanted]
    if len(with_data) > 1 and len(chosen) == len(with_data):
        return "both" if len(chosen) == 2 else f"all {len(chosen):,}"
    return names_text([brand_names.get(b, b) for b in chosen], noun="other brands")


def _ordered_by_name(ids: Iterable[str], names: Mapping[str, str]) -> list[str]:
    return sorted(set(ids), key=lambda i: (names.get(i, i).casefold(), i))


def _grouped(by_retailer: Mapping[str, K], names: Mapping[str, str]) -> list[tuple[K, list[str]]]:
    """Retailers with the same key (a set of brands…) together, each group in name order; the
    largest group first, then by its first name."""
    groups: dict[K, list[str]] = {}
    for retailer in _ordered_by_name(by_retailer, names):
        groups.setdefault(by_retailer[retailer], []).append(retailer)
    return sorted(groups.items(), key=lambda item: -len(item[1]))  # stable: names break ties


def _frame(rows: pd.DataFrame | Sequence[Mapping[str, object]], columns) -> pd.DataFrame:
    """``rows`` as a frame with at least ``columns`` (a missing one is empty)."""
    import pandas as pd

    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    missing = [c for c in columns if c not in frame.columns]
    return frame.assign(**dict.fromkeys(missing)) if missing else frame


def _flag(column: pd.Series) -> pd.Series:
    """A yes/no column as booleans, a missing value as no."""
    return column.fillna(False).astype(bool)


def _brands_by_retailer(
    retailers: Iterable[str], brands: Iterable[str], keep: Iterable[bool] | None = None
) -> dict[str, set[str]]:
    """Retailer id -> the set of brand ids, over parallel lists (rows where ``keep`` holds)."""
    found: dict[str, set[str]] = {}
    pairs: Iterable[tuple[str, str]] = zip(retailers, brands, strict=True)
    # Plain lists: pandas' groupby builds a Series per group, 20× slower for 2,000 retailers.
    for retailer, brand in pairs if keep is None else itertools.compress(pairs, keep):
        found.setdefault(retailer, set()).add(brand)
    return found


def _texts(column: pd.Series) -> list[str]:
    return [str(value) for value in column.to_numpy(dtype=object)]


def build(
    *,
    as_of: dt.date,
    compare: dt.date | None,
    brands: Sequence[tuple[str, str]],
    retailer_names: Mapping[str, str],
    retailers_in_scope: int,
    scope: str,
    statuses: pd.DataFrame | Sequence[Mapping[str, object]],
    changes: pd.DataFrame | Sequence[Mapping[str, object]],
    stale_after: int,
) -> Headline:
    """The headline for ``brands`` (id, name) on ``as_of``.

    ``statuses`` are ``status_as_of`` rows of those brands (the retailers in scope only),
    ``changes`` the ``changes_between`` rows from ``compare`` to ``as_of``; ``scope`` names the
    retailers counted ("tracked", or "chosen" under a retailer filter). Both come as frames (or
    rows, turned into one): every retailer of 25 brands is 45k rows at 10M observations, read
    column by column here rather than row by row."""
    statuses = _frame(statuses, STATUS_COLUMNS)
    changes = _frame(changes, CHANGE_COLUMNS)
    brand_names = {b: name or b for b, name in brands}  # an empty name shows the id
    day = day_text(as_of)
    observed = set(_texts(statuses["brand_id"]))
    with_data = [b for b, _ in brands if b in observed]
    shown = [brand_names[b] for b in with_data]
    all_names = [brand_names[b] for b, _ in brands]
    if not brands:
        return Headline("There are no brands in this data version yet.", (), 0)
    if statuses.empty:
        return Headline(
            f"As of {day}, there is no data on {names_text(all_names, 'or', 'other brands')} "
            f"at any of the {retailers_in_scope:,} {scope} retailers: no source up to this "
            f"date says whether they sell {'it' if len(brands) == 1 else 'them'}.",
            (),
            0,
        )

    is_sold = statuses["status"].isin(vocab.SOLD)
    # Column by column, once: 45k rows at 10M observations (frames filtered per kind cost 3×).
    retailer_ids, brand_ids = _texts(statuses["retailer_id"]), _texts(statuses["brand_id"])
    sold = _brands_by_retailer(retailer_ids, brand_ids, is_sold.tolist())
    exiting = _brands_by_retailer(
        retailer_ids, brand_ids, (statuses["status"] == "exiting").tolist()
    )
    one_brand = len(with_data) == 1
    brand_phrase = names_text(shown, "or", "other brands")
    if sold:
        verb = "sells" if len(sold) == 1 and retailers_in_scope == 1 else "sell"
        parts = [
            f"As of {day}, {len(sold):,} of {retailers_in_scope:,} {scope} retailers "
            f"{verb} {brand_phrase}"
        ]
        parts[0] += (
            f" ({_selling_text(sold, exiting, with_data, brand_names, retailer_names, one_brand)})"
        )
    else:
        parts = [
            f"As of {day}, none of the {retailers_in_scope:,} {scope} retailers sells "
            f"{brand_phrase}"
        ]

    changed = 0
    if compare is not None and compare < as_of:
        text, changed = _changes_text(changes, with_data, brand_names, retailer_names)
        parts.append(f"since {day_text(compare)} {text}")
    elif compare is not None and compare > as_of:
        parts.append(
            f"the comparison date, {day_text(compare)}, is after this date, so no change is counted"
        )

    confidence = _confidence_text([statuses["confidence"], changes["confidence"]])
    if confidence:
        parts.append(f"on evidence of {confidence} confidence")
    stale = int((_flag(statuses["stale"]) & is_sold).sum())
    if stale:
        pairs = sum(len(v) for v in sold.values())
        verb = "rests" if stale == 1 else "rest"
        share = (
            f"all {pairs:,} sold pairs rest"
            if stale == pairs
            else f"{stale:,} of the {pairs:,} sold pairs {verb}"
        )
        parts.append(f"{share} on evidence over {stale_after:,} days old")
    disputed = statuses[_flag(statuses["disputed"])]
    if not disputed.empty:
        parts.append(_disputed_text(disputed, brand_names, retailer_names))
    listed = _listed_parents_text(statuses, with_data, brand_names)
    if listed:
        parts.append(listed)
    no_data = [brand_names[b] for b, _ in brands if b not in with_data]
    if no_data:
        parts.append(f"no data yet on {names_text(no_data, noun='other brands')}")
    return Headline("; ".join(parts) + ".", tuple(_ordered_by_name(sold, retailer_names)), changed)


def _selling_text(sold, exiting, with_data, brand_names, retailer_names, one_brand) -> str:
    # Retailers selling the same brands and exiting the same ones read as one group.
    keys = {r: (frozenset(b), frozenset(exiting.get(r, ()))) for r, b in sold.items()}
    groups = _grouped(keys, retailer_names)
    if len(groups) > GROUPS:
        return _selling_counts(sold, exiting, with_data, retailer_names)
    texts = []
    # Those that stay first: a stable sort keeps the groups' own order within each part.
    for (brand_set, leaving), members in sorted(groups, key=lambda group: bool(group[0][1])):
        shown = names_text([retailer_names.get(r, r) for r in members])
        has = "has" if len(members) == 1 else "have"
        if one_brand:
            texts.append(f"{shown}, which {has} announced an exit" if leaving else shown)
            continue
        verb = "sells" if len(members) == 1 else "sell"
        text = f"{shown} {verb} {_brands_text(brand_set, with_data, brand_names)}"
        if leaving == brand_set:
            text += f" but {has} announced an exit"
        elif leaving:
            leaving_names = [brand_names[b] for b in with_data if b in leaving]
            text += f", announcing an exit from {names_text(leaving_names)}"
        texts.append(text)
    return "; ".join(texts)


def _selling_counts(sold, exiting, with_data, retailer_names) -> str:
    """Too many different mixes to list: how many sell every brand, and how many are leaving."""
    every = [r for r, brands in sold.items() if len(brands) == len(with_data)]
    parts = []
    if len(with_data) > 1:
        if every:
            names = names_text(
                [retailer_names.get(r, r) for r in _ordered_by_name(every, retailer_names)]
            )
            parts.append(f"{len(every):,} sell all {len(with_data):,}: {names}")
        else:
            parts.append(f"none sells all {len(with_data):,}")
    if exiting:
        parts.append(f"{len(exiting):,} have announced an exit from at least one")
    return "; ".join(parts) or names_text(
        [retailer_names.get(r, r) for r in _ordered_by_name(sold, retailer_names)]
    )


# What a transition says, by the sold flag before and after it (first evidence is no change).
def _kind_of(change: Mapping[str, object]) -> str | None:
    before = vocab.STATUS_BY_NAME.get(str(change.get("from_status")))
    after = vocab.STATUS_BY_NAME.get(str(change.get("to_status")))
    if before is None or after is None or before.sold is None:
        return None
    if before.sold and not after.sold:
        return "stopped"
    if not before.sold and after.sold:
        return "relisted"
    if after.name == "exiting" and before.name != "exiting":
        return "exit"
    return None


_PHRASES = {
    "stopped": "stopped selling",
    "exit": "announced its exit from",
    "relisted": "re-listed",
}


def change_phrase(from_status: object, to_status: str) -> str:
    """What a transition says, between a retailer's name and a brand's: "stopped selling",
    "announced its exit from", "re-listed"; a pair's first evidence is said as such."""
    after = vocab.STATUS_BY_NAME.get(to_status)
    label = after.label.lower() if after else to_status
    if vocab.STATUS_BY_NAME.get(str(from_status)) is None:
        return (
            f"is first recorded {'selling' if after is not None and after.sold else 'not selling'}"
        )
    kind = _kind_of({"from_status": from_status, "to_status": to_status})
    if kind is not None:
        return _PHRASES[kind]
    before = vocab.STATUS_BY_NAME[str(from_status)]
    return f"went from {before.label.lower()} to {label} for"


def _changes_text(changes, with_data, brand_names, retailer_names) -> tuple[str, int]:
    # The kind of each distinct (from, to) transition, then the rows of each kind.
    steps = changes[["from_status", "to_status"]].astype(object)
    steps = steps.where(steps.notna(), None)  # NaN and NA as None: one dict key each
    kinds = {
        (before, after): _kind_of({"from_status": before, "to_status": after})
        for before, after in set(zip(steps["from_status"], steps["to_status"], strict=True))
    }
    kind_of_row = [
        kinds[pair] for pair in zip(steps["from_status"], steps["to_status"], strict=True)
    ]
    retailer_ids, brand_ids = _texts(changes["retailer_id"]), _texts(changes["brand_id"])
    by_kind = {
        kind: _brands_by_retailer(retailer_ids, brand_ids, [k == kind for k in kind_of_row])
        for kind in ("stopped", "exit", "relisted")
    }
    counted = sum(k is not None for k in kind_of_row)
    in_scope = [brand_names[b] for b in with_data]

    def clauses(kind: str, verb_one: str, verb_many: str, suffix: str = "") -> list[str]:
        found = {r: frozenset(b) for r, b in by_kind[kind].items()}
        groups = _grouped(found, retailer_names)
        if len(groups) > GROUPS:  # too many mixes to list: count retailers and pairs
            pairs = sum(len(b) for b in found.values())
            return [f"{len(found):,} retailers {verb_many}at least one ({pairs:,} pairs)"]
        out = []
        for brand_set, members in groups:
            brands = names_text([brand_names.get(b, b) for b in with_data if b in brand_set])
            verb = verb_one if len(members) == 1 else verb_many
            who = names_text([retailer_names.get(r, r) for r in members])
            out.append(f"{who} {verb}{brands}{suffix}")
        return out

    parts = [
        *clauses("stopped", "stopped selling ", "stopped selling "),
        *clauses("exit", "announced its exit from ", "announced their exit from "),
    ]
    relisted = by_kind["relisted"]
    either = "it" if len(in_scope) == 1 else ("either" if len(in_scope) == 2 else "any of them")
    if relisted:
        names = [retailer_names.get(r, r) for r in _ordered_by_name(relisted, retailer_names)]
        sets = {frozenset(found) for found in relisted.values()}
        if len(in_scope) == 1:
            what = "it"
        elif len(sets) == 1:  # every one re-listed the same brands
            (same,) = sets
            what = _brands_text(same, with_data, brand_names)
        else:
            what = "at least one of them"
        parts.append(f"{len(relisted):,} re-listed {what} ({names_text(names)})")
    else:
        parts.append(f"none re-listed {either}")
    if counted == 0:
        # Other transitions (an exit withdrawn, removed ↔ unavailable) are not these three.
        brands_text = names_text(in_scope, "or", "other brands")
        return f"no retailer stopped selling, announced an exit from or re-listed {brands_text}", 0
    return names_text(parts), counted


def _confidence_text(columns: Iterable[pd.Series]) -> str:
    seen = {str(c) for col in columns for c in col.dropna().unique() if c in _CONFIDENCE_ORDER}
    if not seen:
        return ""
    ordered = sorted(seen, key=_CONFIDENCE_ORDER.__getitem__)
    return ordered[0] if len(ordered) == 1 else f"{ordered[0]} to {ordered[-1]}"


def _disputed_text(disputed, brand_names, retailer_names) -> str:
    if len(disputed) > 2:
        return f"{len(disputed):,} of these statuses are disputed"
    pairs = [
        f"{retailer_names.get(str(retailer), retailer)}'s {brand_names.get(str(brand), brand)}"
        for retailer, brand in zip(disputed["retailer_id"], disputed["brand_id"], strict=True)
    ]
    return f"{names_text(pairs)} status{'es are' if len(pairs) > 1 else ' is'} disputed"


def _listed_parents_text(statuses, with_data, brand_names) -> str:
    """Which brands' parents (by the ownership rule the rows were read with) are listed."""
    listed = set(_texts(statuses.loc[statuses["lists"].fillna("") != "", "brand_id"]))
    if not listed:
        return ""
    if len(with_data) > 1 and listed >= set(with_data):
        every = "both brands'" if len(with_data) == 2 else f"all {len(with_data):,} brands'"
        return f"{every} parents are on a designation list"
    names = [brand_names[b] for b in with_data if b in listed]
    if len(names) == 1:
        return f"{names[0]}'s parent is on a designation list"
    return f"the parents of {names_text(names, noun='other brands')} are on a designation list"
