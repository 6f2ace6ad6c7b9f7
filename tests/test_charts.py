"""Chart builders on small frames: what the figure says, not how it looks (the browser tests)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from shelfwatch import charts, tables, urlstate

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def _values(column: pd.Series) -> list:
    """A column as a list, missing values (None or NaN, per the pandas dtype) as None."""
    return [None if pd.isna(value) else value for value in column]


def _figure_text(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), default=str, ensure_ascii=False)


# --- overview charts -----------------------------------------------------------------------------

RETAILERS = [("home-depot", "Home Depot"), ("walmart", "Walmart"), ("amazon", "Amazon")]
BRANDS = [("lorex", "Lorex"), ("ezviz", "Ezviz")]


def _statuses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "retailer_id": ["home-depot", "home-depot", "walmart", "walmart"],
            "brand_id": ["lorex", "ezviz", "lorex", "ezviz"],
            "status": ["removed", "unavailable", "stocked", "exiting"],
            "since": pd.to_datetime(["2021-10-25", "2021-10-25", "2021-10-01", "2021-10-25"]),
            "disputed": [True, False, False, False],
            "source_kind": ["statement", "listing_check", "brand_claim", "news_report"],
            "confidence": ["high", "medium", "medium", "medium"],
        }
    )


def _grid(fig: go.Figure) -> go.Heatmap:
    (grid,) = [trace for trace in fig.data if trace.type == "heatmap"]
    assert grid.name == charts.HEATMAP_GRID
    return grid


def _band_colours(grid: go.Heatmap, status: str) -> set[str]:
    """The colours the grid's colourscale gives to ``status``'s code."""
    code = list(grid.meta).index(status)
    return {grid.colorscale[2 * code][1], grid.colorscale[2 * code + 1][1]}


def _cells(fig: go.Figure) -> go.Scatter:
    (layer,) = [trace for trace in fig.data if trace.name == charts.HEATMAP_CELLS]
    return layer


def _cell_texts(fig: go.Figure) -> dict[tuple[str, str], tuple[str, str]]:
    """(retailer_id, brand_id) → (status drawn there, its text), read back from the traces."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    grid = _grid(fig)
    for i, row in enumerate(grid.z):
        for j, code in enumerate(row):
            key = (RETAILERS[int(grid.y[i])][0], BRANDS[int(grid.x[j])][0])
            found[key] = (grid.meta[int(code)], grid.text[i][j])
    return found


def _grid_table(statuses: pd.DataFrame, **kwargs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The on-screen grid's (cell texts, CSS per cell) as the Styler would send them."""
    styler = charts.status_grid_table(statuses, RETAILERS, BRANDS, **kwargs)
    styler._compute()
    css = pd.DataFrame("", index=styler.data.index, columns=styler.data.columns)
    for (i, j), props in styler.ctx.items():
        css.iat[i, j] = "; ".join(f"{k}: {v}" for k, v in props)
    return styler.data, css


def test_grid_table_has_a_row_per_retailer_and_a_column_per_brand_id():
    cells, _ = _grid_table(_statuses())
    assert cells.columns.tolist() == [
        charts.GRID_ID_COLUMN,
        charts.GRID_RETAILER_COLUMN,
        "lorex",
        "ezviz",
    ]
    assert cells[charts.GRID_ID_COLUMN].tolist() == [r for r, _ in RETAILERS]
    assert cells[charts.GRID_RETAILER_COLUMN].tolist() == [n for _, n in RETAILERS]
    # The same text as the heatmap's cells: symbol, label, ⚑ when disputed.
    assert cells.loc[0, "lorex"] == f"✕ Removed {charts.DISPUTED_MARK}"
    assert cells.loc[1, "ezviz"] == "◐ Exiting"
    assert cells.loc[2, "lorex"] == "– No data"  # Amazon has no row: no data, never guessed
    compact, _ = _grid_table(_statuses(), compact=True)
    assert compact.loc[1, "lorex"] == "●"


def test_grid_table_colours_each_status_and_pales_stale_cells():
    statuses = _statuses().assign(stale=[False, False, False, True])
    cells, css = _grid_table(statuses)
    stocked = charts.STATUS_STYLES["stocked"].colour
    assert css.loc[1, "lorex"] == f"background-color: {stocked}; color: #000000"
    paler = charts._faded(charts.STATUS_STYLES["exiting"].colour, charts.STALE_CELL_OPACITY)
    assert css.loc[1, "ezviz"].startswith(f"background-color: {paler}")
    assert cells.loc[1, "ezviz"] == f"◐ Exiting {charts.STALE_MARK}"  # and says it in text
    assert css.loc[0, charts.GRID_RETAILER_COLUMN] == ""  # names keep the theme's colours
    for i, j in np.ndindex(len(RETAILERS), len(BRANDS)):
        background = css.iloc[i, 2 + j].split(";")[0].removeprefix("background-color: ")
        text = css.iloc[i, 2 + j].split("color: ")[-1]
        assert charts.contrast_ratio(background, text) >= 4.5


def test_grid_table_keeps_markup_as_plain_text():
    retailers = [("home-depot", "<img src=x onerror=alert(1)>")]
    styler = charts.status_grid_table(_statuses(), retailers, BRANDS)
    assert styler.data.loc[0, charts.GRID_RETAILER_COLUMN] == "<img src=x onerror=alert(1)>"


def test_heatmap_cells_read_symbol_and_label():
    fig = charts.status_heatmap(_statuses(), RETAILERS, BRANDS)
    cells = _cell_texts(fig)
    assert cells[("home-depot", "lorex")] == ("removed", f"✕ Removed {charts.DISPUTED_MARK}")
    assert cells[("home-depot", "ezviz")] == ("unavailable", "○ Unavailable")
    assert cells[("walmart", "lorex")] == ("stocked", "● Stocked")
    assert cells[("walmart", "ezviz")] == ("exiting", "◐ Exiting")


def test_heatmap_no_data_is_grey_dash_and_unlike_removed():
    fig = charts.status_heatmap(_statuses(), RETAILERS, BRANDS)
    cells = _cell_texts(fig)
    assert cells[("amazon", "lorex")] == (charts.NO_DATA, "– No data")
    assert cells[("amazon", "ezviz")] == (charts.NO_DATA, "– No data")
    grid = _grid(fig)
    assert _band_colours(grid, charts.NO_DATA) == {"#BBBBBB"}
    removed = _band_colours(grid, "removed")
    assert removed == {charts.STATUS_STYLES["removed"].colour} != {"#BBBBBB"}
    # Every code sits in the middle of its own colour band.
    n = len(charts.STATUS_ORDER)
    for code, status in enumerate(grid.meta):
        place = (code - grid.zmin) / (grid.zmax - grid.zmin)
        assert code / n < place < (code + 1) / n
        assert _band_colours(grid, status) == {charts.STATUS_STYLES[status].colour}


def test_heatmap_has_one_cell_per_pair_and_a_clickable_layer_with_ids():
    fig = charts.status_heatmap(_statuses(), RETAILERS, BRANDS)
    assert len(_cell_texts(fig)) == len(RETAILERS) * len(BRANDS)
    layer = _cells(fig)
    assert len(layer.x) == len(layer.y) == len(RETAILERS) * len(BRANDS)
    pairs = [tuple(item) for item in layer.customdata]
    assert sorted(pairs) == sorted((r, b) for r, _ in RETAILERS for b, _ in BRANDS)
    # Every marker sits on its cell: x = brand column, y = retailer row.
    for x, y, (retailer_id, brand_id) in zip(layer.x, layer.y, pairs, strict=True):
        assert RETAILERS[int(y)][0] == retailer_id and BRANDS[int(x)][0] == brand_id
    assert layer.marker.color == "rgba(0,0,0,0)"  # invisible: the heatmap shows through
    assert all("Click for the evidence" in text for text in layer.hovertext)


def test_heatmap_serialises_customdata_as_id_pairs():
    # What a browser click returns: selection.points[i]["customdata"] = [retailer_id, brand_id].
    spec = json.loads(charts.status_heatmap(_statuses(), RETAILERS, BRANDS).to_json())
    (layer,) = [trace for trace in spec["data"] if trace.get("name") == charts.HEATMAP_CELLS]
    assert layer["customdata"][0] == ["home-depot", "lorex"]


def test_heatmap_text_colour_contrasts_with_each_status():
    fig = charts.status_heatmap(_statuses(), RETAILERS, BRANDS)
    for style in charts.STATUS_STYLES.values():
        assert _grid(fig).textfont.color == charts.text_colour_on(style.colour)
    assert charts.text_colour_on("#000000") == "#FFFFFF"
    assert charts.text_colour_on("#FFFFFF") == "#000000"


def test_heatmap_legend_names_every_status():
    fig = charts.status_heatmap(_statuses(), RETAILERS, BRANDS)
    legend = {trace.name for trace in fig.data if trace.showlegend is not False}
    assert {charts.status_label(s) for s in charts.STATUS_ORDER} <= legend


def test_heatmap_rows_and_columns_follow_the_given_order_and_names():
    fig = charts.status_heatmap(_statuses(), RETAILERS, BRANDS)
    assert list(fig.layout.yaxis.ticktext) == ["Home Depot", "Walmart", "Amazon"]
    assert list(fig.layout.xaxis.ticktext) == ["Lorex", "Ezviz"]


def test_heatmap_compact_cells_keep_the_symbol():
    fig = charts.status_heatmap(_statuses(), RETAILERS, BRANDS, compact=True)
    assert _cell_texts(fig)[("walmart", "lorex")] == ("stocked", "●")
    assert _cell_texts(fig)[("amazon", "lorex")] == (charts.NO_DATA, "–")


def test_heatmap_outlines_the_selected_cell_only_when_shown():
    fig = charts.status_heatmap(_statuses(), RETAILERS, BRANDS, selected=("walmart", "ezviz"))
    assert fig.layout.shapes and {(s.x0 + s.x1) / 2 for s in fig.layout.shapes} == {1.0}
    assert {(s.y0 + s.y1) / 2 for s in fig.layout.shapes} == {1.0}
    hidden = charts.status_heatmap(_statuses(), RETAILERS, BRANDS, selected=("kohls", "ezviz"))
    assert not hidden.layout.shapes


def test_heatmap_ignores_pairs_outside_the_shown_subset():
    extra = pd.concat(
        [
            _statuses(),
            pd.DataFrame({"retailer_id": ["kohls"], "brand_id": ["imou"], "status": ["stocked"]}),
        ],
        ignore_index=True,
    )
    fig = charts.status_heatmap(extra, RETAILERS, BRANDS)
    assert len(_cells(fig).customdata) == len(RETAILERS) * len(BRANDS)


def test_heatmap_scales_to_the_largest_subset():
    retailers = [(f"r-{i}", f"Retailer {i}") for i in range(60)]
    brands = [(f"b-{j}", f"Brand {j}") for j in range(60)]
    statuses = pd.DataFrame(
        [(r, b, "stocked") for r, _ in retailers[::2] for b, _ in brands],
        columns=["retailer_id", "brand_id", "status"],
    )
    fig = charts.status_heatmap(statuses, retailers, brands)
    assert len(_cells(fig).customdata) == 3600
    grid = _grid(fig)
    assert np.asarray(grid.z).shape == (60, 60)
    assert {grid.meta[int(code)] for code in np.asarray(grid.z).ravel()} == {
        "stocked",
        charts.NO_DATA,
    }


def test_heatmap_shows_hostile_names_as_plain_text():
    retailers = [("evil", HOSTILE), ("amp", "AT&T <b>bold</b>")]
    fig = charts.status_heatmap(
        pd.DataFrame(
            {
                "retailer_id": ["evil"],
                "brand_id": ["lorex"],
                "status": ["stocked"],
                "source_kind": [HOSTILE],
                "confidence": ["high"],
            }
        ),
        retailers,
        [("lorex", HOSTILE)],
    )
    assert list(fig.layout.yaxis.ticktext) == [ESCAPED, "AT&amp;T &lt;b&gt;bold&lt;/b&gt;"]
    assert list(fig.layout.xaxis.ticktext) == [ESCAPED]
    assert ESCAPED in _cells(fig).hovertext[0]
    text = _figure_text(fig)
    assert "<img" not in text and "<b>bold" not in text


def test_heatmap_without_rows_or_columns_says_so():
    fig = charts.status_heatmap(_statuses(), [], BRANDS)
    assert "No retailers or brands" in fig.layout.annotations[0].text


def _coverage() -> pd.DataFrame:
    periods = pd.to_datetime(["2021-09-01", "2021-10-01", "2021-11-01", "2021-12-01"])
    return pd.DataFrame(
        {
            "brand_id": ["lorex"] * 4 + ["ezviz"] * 4,
            "brand_name": ["Lorex"] * 4 + [HOSTILE] * 4,
            "period": list(periods) * 2,
            "retailers_selling": [5, 5, 3, 3, 0, 4, 2, 2],
        }
    )


def _events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2019-10-09", "2021-10-25", "2021-10-25", "2021-11-11"]),
            "title": ["Before the chart", "Retailers pull Lorex", HOSTILE, "Secure Equipment Act"],
            "kind": ["regulatory", "reporting", "reporting", "regulatory"],
            "url": ["https://example.org/a", "https://example.org/b", None, None],
        }
    )


def test_coverage_has_one_step_line_per_brand():
    fig = charts.coverage_chart(_coverage(), _events())
    lines = [trace for trace in fig.data if trace.mode == "lines+markers"]
    assert sorted(trace.name for trace in lines) == sorted(["Lorex", ESCAPED])
    lorex = next(trace for trace in lines if trace.name == "Lorex")
    assert list(lorex.y) == [5, 5, 3, 3] and lorex.line.shape == "hv"


def test_coverage_marks_events_in_range_with_hover_titles():
    fig = charts.coverage_chart(_coverage(), _events())
    event_days = {pd.Timestamp(shape.x0).date() for shape in fig.layout.shapes}
    # One line per date inside the chart's range; the 2019 event is outside it.
    assert event_days == {dt.date(2021, 10, 25), dt.date(2021, 11, 11)}
    hovers = " ".join(
        str(text) for trace in fig.data if trace.hovertext is not None for text in trace.hovertext
    ) + " ".join(str(a.hovertext) for a in fig.layout.annotations if a.hovertext)
    assert "Retailers pull Lorex" in hovers and "Secure Equipment Act" in hovers
    assert "Before the chart" not in hovers
    assert ESCAPED in hovers and "<img" not in _figure_text(fig)


def test_coverage_without_data_says_so():
    empty = _coverage().iloc[0:0]
    assert "No coverage" in charts.coverage_chart(empty, _events()).layout.annotations[0].text


@pytest.mark.parametrize(
    ("start", "end", "grain"),
    [
        (dt.date(2021, 10, 1), dt.date(2021, 11, 30), "week"),
        (dt.date(2021, 10, 1), dt.date(2023, 9, 29), "week"),
        (dt.date(2021, 10, 1), dt.date(2023, 10, 1), "month"),
        (dt.date(2015, 1, 1), dt.date(2025, 10, 29), "month"),
        (None, dt.date(2025, 10, 29), "month"),
    ],
)
def test_coverage_grain(start, end, grain):
    assert charts.coverage_grain(start, end) == grain


@pytest.mark.parametrize(
    ("raw", "expected", "notices"),
    [
        ("home-depot:lorex", ("home-depot", "lorex"), 0),
        (None, None, 0),
        ("", None, 0),
        ("bad", None, 1),
        ("home-depot:nope", None, 1),
        ("nope:lorex", None, 1),
        ("home-depot:lorex:x", None, 1),
        (HOSTILE, None, 1),
    ],
)
def test_parse_cell_key(raw, expected, notices):
    found: list[str] = []
    assert urlstate.parse_cell_key(raw, {"home-depot", "walmart"}, {"lorex"}, found) == expected
    assert len(found) == notices
    if expected:
        assert urlstate.cell_key(*expected) == raw


def test_heatmap_subset_text():
    text = charts.heatmap_subset_text
    assert text("retailers", 25, 2000, 25, 0) == "the 25 most active of 2,000 retailers"
    assert text("retailers", 7, 7, 25, 0) == "all 7 retailers"
    assert text("brands", 2, 3, 25, 0) == "the 2 brands with observations (of 3)"
    assert text("brands", 3, 300, 25, 3) == "the 3 brands you chose"
    assert text("brands", 1, 300, 25, 1) == "the 1 brand you chose"
    assert text("brands", 60, 300, 25, 75) == "the first 60 of the 75 brands you chose"


@pytest.mark.parametrize(
    ("value", "link"),
    [
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("HTTP://EXAMPLE.ORG", "HTTP://EXAMPLE.ORG"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("ftp://example.org/file", None),
        ("https://", None),
        ("https://exa mple.org", None),
        ('https://example.org/"onmouseover=alert(1)', None),
        ("see the court filing", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_web_link_accepts_only_http_urls(value, link):
    assert tables.web_link(value) == link


def _evidence() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "obs_id": [2, 1],
            "effective_on": pd.to_datetime(["2021-10-25", "2021-10-01"]),
            "status": ["removed", "stocked"],
            "source_kind": ["statement", "brand_claim"],
            "confidence": ["high", "medium"],
            "reported_on": pd.to_datetime([None, None]),
            "channel": ["all", "all"],
            "source_url": ["https://news.example.org/story", "javascript:alert(1)"],
            "archive_url": [None, "https://archive.example.org/x"],
            "quote": [HOSTILE, "=HYPERLINK(1)"],
            "note": [None, None],
            "won_day": [True, True],
            "disputed": [True, None],
            "input_file": ["observations.csv", "observations.csv"],
            "line_no": [7, 2],
        }
    )


def test_evidence_table_links_only_http_sources():
    table = tables.evidence_table(_evidence())
    assert list(table.columns) == list(tables.EVIDENCE_COLUMNS)
    assert _values(table["source_link"]) == ["https://news.example.org/story", None]
    assert _values(table["source_text"]) == [None, "javascript:alert(1)"]
    assert _values(table["archive_link"]) == [None, "https://archive.example.org/x"]
    assert table["status"].tolist() == ["✕ Removed", "● Stocked"]
    assert table["disputed"].tolist() == [True, False]
    assert table["quote"].tolist() == [HOSTILE, "=HYPERLINK(1)"]  # shown as text, unchanged


def _exposure() -> pd.DataFrame:
    """exposure_by_parent rows: one per list, Walmart's Lorex on two lists."""
    rows = [
        ("dahua", "Dahua", "entity-list", "lorex", "Lorex", "costco", "Costco", "exiting"),
        ("dahua", "Dahua", "entity-list", "lorex", "Lorex", "walmart", "", "stocked"),
        ("dahua", "Dahua", "ndaa-889", "lorex", "Lorex", "walmart", "", "stocked"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "company_id",
            "company_name",
            "list",
            "brand_id",
            "brand_name",
            "retailer_id",
            "retailer_name",
            "status",
        ],
    )
    frame["since"] = pd.to_datetime("2021-10-01")
    frame["last_evidence_on"] = pd.to_datetime(["2021-10-25", "2025-10-29", "2025-10-29"])
    frame["stale"] = [True, False, False]
    frame["ownership_confidence"] = ["low", "high", "high"]
    frame["contested_parents"] = ["Skywatch (high)", "", ""]
    frame["source_url"] = ["file:///etc", "https://a.example.org", "https://a.example.org"]
    return frame


def test_exposure_table_shapes_rows_for_display():
    table = tables.exposure_table(_exposure())
    assert list(table.columns) == list(tables.EXPOSURE_COLUMNS)
    # One row per parent × retailer × brand, its lists joined.
    assert table[["retailer", "lists", "status", "stale"]].values.tolist() == [
        ["Costco", "entity-list", "◐ Exiting", True],
        ["walmart", "entity-list, ndaa-889", "● Stocked", False],  # no name: the id stands in
    ]
    assert table[["ownership_confidence", "contested_parents"]].values.tolist() == [
        ["low", "Skywatch (high)"],
        ["high", ""],
    ]
    assert _values(table["source_link"]) == [None, "https://a.example.org"]
    assert _values(table["source_text"]) == ["file:///etc", None]
    assert tables.exposure_table(_exposure().iloc[0:0]).empty


def test_grid_table_columns_never_clash_with_a_brand_id():
    # Ids are lowercase letters, digits and hyphens: a brand may be called "retailer".
    brands = [("retailer", "Retailer"), ("retailer-id", "Retailer Id")]
    cells = charts.status_grid_table(_statuses(), RETAILERS, brands).data
    assert cells.columns.is_unique and cells.columns.tolist()[2:] == ["retailer", "retailer-id"]
