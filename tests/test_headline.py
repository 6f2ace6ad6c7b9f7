"""The headline sentence from rows: who sells, what changed, how strong — for one brand, many
brands and no data (shelfwatch/headline.py)."""

from __future__ import annotations

import datetime as dt

from shelfwatch import headline

AS_OF, COMPARE = dt.date(2021, 11, 30), dt.date(2021, 10, 1)
RETAILERS = {f"r{i}": f"Retailer {i:02d}" for i in range(40)}


def status(retailer: str, brand: str, name: str, **extra) -> dict:
    return {
        "retailer_id": retailer,
        "brand_id": brand,
        "status": name,
        "confidence": extra.pop("confidence", "high"),
        "stale": extra.pop("stale", False),
        "disputed": extra.pop("disputed", False),
        "lists": extra.pop("lists", ""),
    }


def change(retailer: str, brand: str, before: str | None, after: str) -> dict:
    return {
        "retailer_id": retailer,
        "brand_id": brand,
        "from_status": before,
        "to_status": after,
        "confidence": "medium",
    }


def build(statuses, changes=(), brands=(("a", "Alpha"),), **options) -> headline.Headline:
    return headline.build(
        as_of=AS_OF,
        compare=options.pop("compare", COMPARE),
        brands=list(brands),
        retailer_names=RETAILERS,
        retailers_in_scope=options.pop("retailers_in_scope", len(RETAILERS)),
        scope="tracked",
        statuses=list(statuses),
        changes=list(changes),
        stale_after=365,
    )


def test_one_brand_names_who_sells_and_who_left():
    said = build(
        [status("r1", "a", "stocked"), status("r2", "a", "exiting"), status("r3", "a", "removed")],
        [change("r3", "a", "stocked", "removed"), change("r2", "a", "stocked", "exiting")],
    )
    assert said.sentence == (
        "As of 30 Nov 2021, 2 of 40 tracked retailers sell Alpha (Retailer 01; Retailer 02, "
        "which has announced an exit); since 1 Oct 2021 Retailer 03 stopped selling Alpha, "
        "Retailer 02 announced its exit from Alpha and none re-listed it; on evidence of "
        "medium to high confidence."
    )
    assert said.selling == ("r1", "r2") and said.changed == 2


def test_a_round_trip_counts_both_ways_and_first_evidence_is_no_change():
    said = build(
        [status("r1", "a", "stocked")],
        [
            change("r1", "a", "stocked", "removed"),
            change("r1", "a", "removed", "stocked"),
            change("r2", "a", None, "removed"),  # first evidence: not a removal
        ],
    )
    assert "Retailer 01 stopped selling Alpha and 1 re-listed it (Retailer 01)" in said.sentence
    assert "Retailer 02" not in said.sentence
    assert said.changed == 2


def test_many_retailers_and_brands_stay_one_short_sentence():
    brands = [(f"b{i}", f"Brand {i:02d}") for i in range(30)]
    statuses = [status(r, b, "stocked") for r in RETAILERS for b, _ in brands]
    said = build(statuses, brands=brands)
    assert said.sentence.startswith(
        "As of 30 Nov 2021, 40 of 40 tracked retailers sell Brand 00, Brand 01, Brand 02, "
        "Brand 03 or 26 other brands (Retailer 00, Retailer 01, Retailer 02, Retailer 03 and "
        "36 others sell all 30)"
    )
    assert len(said.sentence) < 400


def test_flags_follow_the_rule_rows():
    said = build(
        [
            status("r1", "a", "stocked", stale=True, lists="entity-list"),
            status("r2", "a", "stocked", disputed=True, lists="entity-list", confidence="low"),
        ],
        compare=AS_OF,  # no window: no change clause
    )
    assert "since" not in said.sentence
    assert "1 of the 2 sold pairs rests on evidence over 365 days old" in said.sentence
    assert "Retailer 02's Alpha status is disputed" in said.sentence
    assert "Alpha's parent is on a designation list" in said.sentence
    assert "on evidence of low to high confidence" in said.sentence


def test_no_data_is_said_never_counted():
    said = build([], brands=(("a", "Alpha"), ("b", "Beta")))
    assert said.sentence == (
        "As of 30 Nov 2021, there is no data on Alpha or Beta at any of the 40 tracked "
        "retailers: no source up to this date says whether they sell them."
    )
    said = build([status("r1", "a", "removed")], brands=(("a", "Alpha"), ("b", "Beta")))
    assert said.sentence.startswith("As of 30 Nov 2021, none of the 40 tracked retailers sells")
    assert said.sentence.endswith("; no data yet on Beta.")
    assert build([], brands=()).sentence == "There are no brands in this data version yet."


def test_varied_mixes_at_scale_are_counted_not_listed():
    brands = [(f"b{i}", f"Brand {i:02d}") for i in range(10)]
    statuses = [
        status(r, b, "exiting" if (i + j) % 7 == 0 else "stocked")
        for i, r in enumerate(RETAILERS)
        for j, (b, _) in enumerate(brands)
        if (i * 3 + j) % 4  # every retailer a different mix of brands
    ]
    changes = [change(r, f"b{i % 10}", "stocked", "removed") for i, r in enumerate(RETAILERS)]
    changes += [
        change(r, f"b{(i + 3) % 10}", "removed", "stocked") for i, r in enumerate(RETAILERS)
    ]
    said = build(statuses, changes, brands=brands)
    assert "(none sells all 10; 34 have announced an exit from at least one)" in said.sentence
    assert "40 retailers stopped selling at least one (40 pairs)" in said.sentence
    assert "40 re-listed at least one of them (Retailer 00, Retailer 01" in said.sentence
    assert len(said.sentence) < 500
