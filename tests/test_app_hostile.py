"""AppTest of every page on a store holding hostile values ingestion would refuse.

tests/hostile.py writes an HTML brand name, an HTML link as a retailer name, a formula quote and
a ``javascript:`` source straight into a copy of the seed store. Every page must show them as
text only (never in Markdown or HTML, escaped in plotly strings, never as a link) and every
export must keep them inert. The browser half is tests/browser/test_hostile.py.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from shelfwatch import exports
from tests import hostile

PROJECT = Path(__file__).resolve().parent.parent
HOSTILE_TEXTS = (hostile.BRAND_NAME, hostile.RETAILER_NAME, hostile.QUOTE, hostile.SOURCE_URL)
MARKDOWN_KINDS = (
    "markdown",
    "caption",
    "title",
    "header",
    "subheader",
    "info",
    "warning",
    "error",
    "success",
)


@pytest.fixture(scope="module")
def hostile_store(seed_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile.make_hostile_store(seed_store, tmp_path_factory.mktemp("hostile") / "store")


def run_page(monkeypatch, store_dir: Path, page: str) -> AppTest:
    """Open ``page`` (its url path) through app.py with tests/hostile.py's parameters."""
    monkeypatch.setenv("SHELFWATCH_STORE", str(store_dir))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    for name, value in hostile.PAGE_PARAMS[page].items():
        at.query_params[name] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_store_holds_the_hostile_values(hostile_store):
    from shelfwatch import store

    con = store.open_version(hostile_store)
    try:
        row = con.execute(
            "select o.source_url, o.quote, b.name, r.name from observations o "
            "join brands b using (brand_id) join retailers r using (retailer_id) "
            "where o.source_url like 'javascript:%'"
        ).fetchall()
    finally:
        con.close()
    assert row == [(hostile.SOURCE_URL, hostile.QUOTE, hostile.BRAND_NAME, hostile.RETAILER_NAME)]


@pytest.mark.parametrize("page", list(hostile.PAGE_PARAMS))
def test_every_page_shows_hostile_data_as_text_only(monkeypatch, hostile_store, page):
    at = run_page(monkeypatch, hostile_store, page)
    assert not at.error, [e.value for e in at.error]

    for kind in MARKDOWN_KINDS:
        for element in getattr(at, kind):
            body = element.proto.body
            for text in HOSTILE_TEXTS:
                assert text not in body, f"{kind} quotes data as Markdown: {body!r}"
            assert "](javascript:" not in body.replace(" ", "")
            assert not (getattr(element.proto, "allow_html", False) and "<" in body), body

    for chart in at.get("plotly_chart"):
        spec = chart.proto.spec
        for text in (hostile.BRAND_NAME, hostile.RETAILER_NAME):
            # Plotly strings are pseudo-HTML: data must reach them escaped (&lt;…).
            assert json.dumps(text)[1:-1] not in spec, f"unescaped {text!r} in a plotly figure"

    cells = "\n".join(
        frame.astype(str).to_csv(index=False) for frame in (e.value for e in at.dataframe)
    )
    assert hostile.BRAND_NAME in cells, "the renamed brand is shown, as text"
    for table in (e.value for e in at.dataframe):
        for column in table.columns:
            if column in ("source_url", "archive_url", "source_link", "archive_link", "website"):
                # The link columns: anything not http(s) moved to a text column beside them.
                values = table[column].dropna().astype(str)
                assert not values.str.lower().str.startswith("javascript:").any(), column


@pytest.mark.parametrize(
    ("page", "key"),
    [
        ("explore", "download_explore"),
        ("compare", "download_compare"),
        ("timeline", "download_timeline"),
        ("data", "download_dataset"),
    ],
)
def test_exports_of_hostile_data_stay_inert(monkeypatch, hostile_store, page, key):
    at = run_page(monkeypatch, hostile_store, page)
    offer = at.session_state[key]

    _, frame = exports.read_csv_export(offer.make_bytes("csv"))
    quotes = frame["quote"].tolist()
    assert "'" + hostile.QUOTE in quotes, quotes
    assert hostile.QUOTE not in quotes
    assert hostile.SOURCE_URL in frame["source_url"].tolist()

    workbook = openpyxl.load_workbook(io.BytesIO(offer.make_bytes("xlsx")))
    sheet = workbook["Data"]
    header = [cell.value for cell in sheet[1]]
    quote_cells = [row[header.index("quote")] for row in sheet.iter_rows(min_row=2)]
    (planted,) = [cell for cell in quote_cells if "HYPERLINK" in str(cell.value)]
    assert planted.data_type == "s" and planted.value == "'" + hostile.QUOTE
    for sheet in workbook:
        assert not sheet._hyperlinks, f"a hyperlink on sheet {sheet.title}"
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), f"a formula on {sheet.title}"
