"""AppTest of the Overview's way into the story: the headline sentence, the featured views and
the list behind each headline card, on the seed store."""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest

from shelfwatch import featured, ingest, urlstate
from tests.conftest import SEED_DATA, build_store
from tests.test_app_overview import rerun, run_overview


def headline_text(at) -> str:
    texts = [m.value for m in at.markdown if m.value.startswith("##### ")]
    assert len(texts) == 1, texts  # one sentence, one text element
    return texts[0].removeprefix("##### ").replace("\\", "")


def test_the_headline_tells_the_october_2021_story(monkeypatch, seed_store):
    at = run_overview(
        monkeypatch, seed_store, as_of="2021-11-30", compare="2021-10-01", brand="lorex,ezviz"
    )
    sentence = headline_text(at)
    assert sentence.startswith("As of 30 Nov 2021, 3 of 7 tracked retailers sell Ezviz or Lorex")
    assert "Costco and Walmart sell both" in sentence  # still selling both brands
    assert "Best Buy sells both but has announced an exit" in sentence
    assert "since 1 Oct 2021 Home Depot and Lowe's stopped selling Lorex" in sentence
    assert "Best Buy announced its exit from Lorex" in sentence
    assert "none re-listed either" in sentence
    assert "on evidence of medium to high confidence" in sentence
    assert "Best Buy's Ezviz status is disputed" in sentence  # the rule's flag, said
    assert "both brands' parents are on a designation list" in sentence


def test_the_headline_follows_the_filters(monkeypatch, seed_store):
    at = run_overview(
        monkeypatch, seed_store, as_of="2025-10-29", compare="2023-11-02", brand="lorex"
    )
    sentence = headline_text(at)
    assert sentence.startswith("As of 29 Oct 2025, 6 of 7 tracked retailers sell Lorex")
    assert "2 re-listed it (Best Buy and Home Depot)" in sentence
    # One retailer chosen: it is counted out of one.
    at = run_overview(
        monkeypatch,
        seed_store,
        as_of="2021-11-30",
        compare="2021-10-01",
        brand="lorex",
        retailer="home-depot",
    )
    sentence = headline_text(at)
    assert sentence.startswith("As of 30 Nov 2021, none of the 1 chosen retailers sells Lorex")
    assert "Home Depot stopped selling Lorex" in sentence


def test_the_headline_says_when_there_is_no_data(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2015-06-01", brand="lorex,ezviz")
    sentence = headline_text(at)
    assert sentence == (
        "As of 1 Jun 2015, there is no data on Ezviz or Lorex at any of the 7 tracked "
        "retailers: no source up to this date says whether they sell them."
    )
    # A brand with no data beside brands with data is named as such, never counted.
    at = run_overview(
        monkeypatch, seed_store, as_of="2021-11-30", compare="2021-10-01", brand="lorex,imou"
    )
    sentence = headline_text(at)
    assert sentence.startswith("As of 30 Nov 2021, 3 of 7 tracked retailers sell Lorex (")
    assert sentence.endswith("; no data yet on Imou.")


def test_the_headline_links_open_the_rows_behind_it(monkeypatch, seed_store):
    at = run_overview(
        monkeypatch, seed_store, as_of="2021-11-30", compare="2021-10-01", brand="lorex,ezviz"
    )
    links = {link.label: link.proto for link in at.get("page_link")}
    selling = links["The 3 retailers selling, with sources"]
    assert "status=stocked%2Cexiting" in selling.query_string
    assert "as_of=2021-11-30" in selling.query_string
    assert "Every change since 1 Oct 2021" in links


def test_featured_views_are_offered_and_valid(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store)
    labels = [link.label for link in at.get("page_link")]
    for title in ("October 2021 removals", "Costco still selling, 2023", "The 2025 re-listings"):
        assert urlstate.data_markdown(title) in labels


def test_each_featured_view_opens_as_defined(monkeypatch, seed_store):
    views = featured.from_rows(
        pd.read_csv(SEED_DATA / "views.csv", keep_default_na=False)
        .assign(page=lambda f: f["page"].replace("", "overview"))
        .to_dict("records")
    )
    assert len(views) == 3
    for item in views:
        at = run_overview(monkeypatch, seed_store, **dict(item.params))
        assert not [i for i in at.info if i.value.startswith("Ignored")], item
        for name, value in item.params:
            assert at.query_params[name] == [value] or at.query_params[name] == value, name


def test_a_bad_views_file_is_rejected_with_lines(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SEED_DATA, data, ignore=shutil.ignore_patterns("store", "*.md"))
    (data / "views.csv").write_text(
        "title,page,params,note\n"
        "Good,overview,as_of=2021-11-30,fine\n"
        "Good,overview,as_of=2021-11-30,the same title\n"
        "Odd,nowhere,,\n"
        "Typo,overview,brand=lorexx&as_of=2021-13-01,\n"
        "Wrong page param,explore,top=5,\n"
        "Filter the page lacks,overview,q=abc,\n"
        "Dates in the wrong order,overview,as_of=2021-10-01&compare=2021-11-30,\n"
        "Before any input,overview,as_of=1800-01-01,\n"
        "A pair on Explore,explore,view=status&cell=home-depot:lorex,fine\n",
        encoding="utf-8",
    )
    with pytest.raises(ingest.Rejected) as caught:
        build_store(data, tmp_path / "store")
    found = [(p.line, p.column, p.message) for p in caught.value.problems]
    assert (3, "title", "duplicate title 'Good' (same as line 2)") in found
    assert any(line == 4 and column == "page" for line, column, _ in found)
    assert any(line == 5 and column == "params" and "lorexx" in m for line, column, m in found)
    assert any(line == 5 and column == "params" and "2021-13-01" in m for line, column, m in found)
    assert any(line == 6 and column == "params" and "'top'" in m for line, column, m in found)
    assert any(line == 7 and column == "params" and "'q'" in m for line, column, m in found)
    assert (8, "params", "compare is after as_of") in found
    assert any(line == 9 and "1800-01-01 is outside" in m for line, _, m in found)
    assert not [p for p in found if p[0] == 10]  # Explore reads cell
    assert not (tmp_path / "store" / "CURRENT").exists()  # nothing published


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("pairs_sold", 6),
        ("pairs_not_sold", 4),
        ("disputed_pairs", 1),
        ("exposed_retailers", 3),
    ],
)
def test_each_card_opens_the_list_it_counts(monkeypatch, seed_store, metric, expected):
    at = run_overview(monkeypatch, seed_store, as_of="2021-11-30", compare="2021-10-01")
    at.button(key=f"card_{metric}").click()
    rerun(at)
    assert at.query_params["card"] in ([metric], metric)
    frame = _card_frame(at)
    if metric == "exposed_retailers":
        assert frame["retailer"].nunique() == expected
    else:
        assert len(frame) == expected
    offer = at.session_state[f"download_card_{metric}_download"]
    assert offer.as_of.isoformat() == "2021-11-30"
    csv = offer.make_bytes("csv").decode("utf-8")
    assert "# data_version:" in csv
    rows = pd.read_csv(io.StringIO(csv), comment="#")
    if metric != "exposed_retailers":
        assert len(rows) == expected
    # Closing it takes the list and the parameter away.
    at.button(key="card_close").click()
    rerun(at)
    assert "card" not in at.query_params


def test_the_relistings_card_opens_from_the_link(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2025-10-29", card="relistings")
    frame = _card_frame(at)
    assert set(frame["retailer_name"]) >= {"Best Buy", "Home Depot"}


def _card_frame(at) -> pd.DataFrame:
    """The dataframe drawn inside the card list's container."""
    (box,) = [b for b in at.main.get("flex_container") if b.key == "card_list"]
    frames = list(box.dataframe)
    assert frames, "the card's list is drawn"
    return frames[0].value


def test_the_date_and_version_are_in_the_main_column(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2021-11-30")
    main_captions = [c.value for c in at.main.caption]
    assert any("Status as of **2021-11-30** · data version" in c for c in main_captions)
