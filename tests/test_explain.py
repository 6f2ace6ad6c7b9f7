"""Why this status, in words: the runner-up named by rule 2's order, not by table order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from shelfwatch import explain, ingest, queries, store


def test_the_runner_up_is_named_by_the_rule(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "retailers.csv").write_text("retailer_id,name\nr-a,A\n")
    (data / "brands.csv").write_text("brand_id,name\nb-x,X\n")
    (data / "observations.csv").write_text(
        "retailer_id,brand_id,status,effective_on,source_url,source_kind,confidence\n"
        "r-a,b-x,stocked,2021-05-01,https://s.example/1,statement,high\n"
        "r-a,b-x,stocked,2021-05-01,https://s.example/2,listing_check,high\n"
        "r-a,b-x,removed,2021-05-01,https://s.example/3,news_report,medium\n"
    )
    ingest.build(data, tmp_path / "store", today=dt.date(2026, 11, 29))
    con = store.open_version(tmp_path / "store")
    try:
        day = dt.date(2021, 6, 1)
        rows = queries.run_query(
            con, "status_explained", {"retailer": "r-a", "brand": "b-x", "as_of": day}
        )
    finally:
        con.close()
    why = explain.explain(rows, day)
    assert why is not None and why.disputed
    decided = [s for s in why.sentences if s.startswith("Decided by")]
    # The medium news report disputes (it sorts first among the beaten); the runner-up is the
    # high-confidence listing check.
    assert decided == [
        "Decided by a statement, high confidence, dated 2021-05-01. Same confidence as the "
        "strongest other source of its date; a statement outranks a listing check."
    ]
    assert why.table["part"].tolist()[0] == "Decides the status"


def test_a_cell_as_a_fact_sentence_with_footnotes(seed_con):
    day = dt.date(2021, 11, 30)
    rows = queries.run_query(
        seed_con, "status_explained", {"retailer": "home-depot", "brand": "lorex", "as_of": day}
    )
    cited = explain.fact(rows, day, "Home Depot", "Lorex")
    assert (
        cited.sentence
        == "As of 30 Nov 2021 Home Depot did not sell Lorex (status: removed) [1][2]."
    )
    assert cited.footnotes[0].startswith(
        "[1] statement, medium confidence, dated 2021-10-28: https://www.togonewsgazette.com/"
    )
    assert cited.footnotes[1].startswith(
        "[2] statement, high confidence, dated 2021-10-25: https://news.yahoo.com/"
    )
    text = cited.text("Source: Shelfwatch data v1, CC BY 4.0", "http://localhost/overview?v=1")
    assert text.splitlines()[-2:] == [
        "Source: Shelfwatch data v1, CC BY 4.0",
        "http://localhost/overview?v=1",
    ]
    disputed = explain.fact(
        queries.run_query(
            seed_con, "status_explained", {"retailer": "best-buy", "brand": "ezviz", "as_of": day}
        ),
        day,
        "Best Buy",
        "Ezviz",
    )
    assert "the status is disputed" in disputed.sentence
    no_data = queries.run_query(
        seed_con,
        "status_explained",
        {"retailer": "home-depot", "brand": "lorex", "as_of": dt.date(2015, 1, 1)},
    )
    assert explain.fact(no_data, dt.date(2015, 1, 1), "Home Depot", "Lorex") is None


def test_a_fact_on_old_evidence_says_how_old(seed_con):
    day = dt.date(2025, 10, 29)
    rows = queries.run_query(
        seed_con, "status_explained", {"retailer": "walmart", "brand": "lorex", "as_of": day}
    )
    cited = explain.fact(rows, day, "Walmart", "Lorex")
    assert cited.sentence.startswith(
        "As of 29 Oct 2025 Walmart sold Lorex (status: stocked); the latest evidence is of "
        "25 Oct 2021, over 365 days old ["
    )
    fresh = explain.fact(rows, day, "Walmart", "Lorex", stale_after=2000)
    assert "latest evidence" not in fresh.sentence
