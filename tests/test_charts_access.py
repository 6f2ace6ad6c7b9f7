"""Charts that read without colour, and in the light and the dark theme alike.

Colour is never the only cue (every coverage line has its own colour, dash and marker and ends in
its name; every event kind its own marker shape), "no data" is a gap and never 0, only the events
about the chart's brands are drawn by default, and every colour drawn on the page's background
reads on both theme backgrounds of .streamlit/config.toml, while text on a bar contrasts with it.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from shelfwatch import charts, vocab
from shelfwatch.queries import run_query
from tests.test_app_overview import chart_spec, rerun, run_overview

PROJECT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
# Streamlit's own backgrounds, where config.toml leaves them unset (`streamlit config show`).
STREAMLIT_BACKGROUNDS = {"light": "#FFFFFF", "dark": "#171614"}
GRAPHICS_CONTRAST = 3.0  # WCAG 1.4.11: lines, markers and bars against what is behind them
TEXT_CONTRAST = 4.5  # WCAG 1.4.3: text


def background(theme: str) -> str:
    return CONFIG["theme"][theme].get("backgroundColor", STREAMLIT_BACKGROUNDS[theme])


def lines(fig: go.Figure) -> list[go.Scatter]:
    return [t for t in fig.data if t.type == "scatter" and t.yaxis != charts.EVENT_AXIS]


def end_labels(fig: go.Figure) -> dict[str, go.layout.Annotation]:
    return {a.text: a for a in fig.layout.annotations if a.name == charts.COVERAGE_END_LABEL}


def event_traces(fig: go.Figure) -> list[go.Scatter]:
    return [t for t in fig.data if t.yaxis == charts.EVENT_AXIS]


def many_brands(n: int) -> pd.DataFrame:
    periods = pd.to_datetime(["2021-09-01", "2021-10-01", "2021-11-01"])
    rows = [(f"b{k}", f"Brand {k}", p, k % 4) for k in range(n) for p in periods]
    return pd.DataFrame(rows, columns=["brand_id", "brand_name", "period", "retailers_selling"])


# --- coverage: colour, dash and marker; end labels; gaps ----------------------------------------


@pytest.mark.parametrize("n", [2, 5, 60])
def test_every_coverage_line_has_its_own_colour_dash_and_marker(n):
    fig = charts.coverage_chart(many_brands(n), None)
    drawn = lines(fig)
    assert len(drawn) == n
    triples = [(t.line.color, t.line.dash, t.marker.symbol) for t in drawn]
    assert len(set(triples)) == n
    assert all("markers" in t.mode for t in drawn)  # a marker at every point
    # The first five differ in all three, so no two of them rest on colour alone.
    first = triples[:5]
    for i, one in enumerate(first):
        for other in first[i + 1 :]:
            assert all(a != b for a, b in zip(one, other, strict=True)), (one, other)


def test_brand_markers_never_look_like_event_markers():
    events = {k.symbol for k in vocab.EVENT_KIND_STYLES}
    assert events.isdisjoint(charts.BRAND_SYMBOLS)


def test_each_line_ends_in_its_brand_name_at_its_last_point():
    data = many_brands(3)
    data.loc[data["brand_id"] == "b1", "brand_name"] = "<b>Ezviz</b>"
    fig = charts.coverage_chart(data, None)
    labels = end_labels(fig)
    assert set(labels) == {"Brand 0", "&lt;b&gt;Ezviz&lt;/b&gt;", "Brand 2"}
    for trace in lines(fig):
        label = labels[trace.name]
        assert pd.Timestamp(label.x) == pd.Timestamp(trace.x[-1]) and label.y == trace.y[-1]
        assert label.xanchor == "left" and label.font.color is None  # the theme's text colour


def test_end_labels_of_lines_ending_at_the_same_height_do_not_overlap():
    data = many_brands(3).assign(retailers_selling=2)
    shifts = sorted(a.yshift for a in end_labels(charts.coverage_chart(data, None)).values())
    assert shifts[0] == 0
    assert all(b - a >= 14 for a, b in zip(shifts, shifts[1:], strict=False))


def test_a_period_without_data_is_a_gap_and_a_period_with_none_sold_is_zero():
    data = many_brands(2)
    data["retailers_selling"] = pd.array([pd.NA, 3, 0, 1, 1, 0], dtype="Int64")
    fig = charts.coverage_chart(data, None)
    first, second = lines(fig)
    assert list(first.y) == [None, 3, 0] and list(second.y) == [1, 1, 0]
    assert first.connectgaps is False


def test_seed_coverage_has_no_data_before_a_brands_first_observation(seed_con):
    # Ezviz's first observation is 2021-10-25 (data/observations.csv); Lorex's 2021-10-01.
    coverage = run_query(
        seed_con,
        "coverage_over_time",
        {"grain": "month", "start": None, "end": None, "brands": None},
    )
    october = coverage[coverage["period"] == pd.Timestamp("2021-10-01")].set_index("brand_id")
    assert pd.isna(october.at["ezviz", "retailers_selling"])  # no data, not 0
    assert october.at["lorex", "retailers_selling"] == 5
    november = coverage[coverage["period"] == pd.Timestamp("2021-11-01")].set_index("brand_id")
    assert november.at["ezviz", "retailers_selling"] == 3
    fig = charts.coverage_chart(coverage, None)
    ezviz = next(t for t in lines(fig) if t.name == "Ezviz")
    assert ezviz.y[0] is None and ezviz.y[1] == 3


# --- events: a marker shape per kind, and only the relevant ones ---------------------------------


def events_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2021-10-25", "2021-10-25", "2021-11-11", "2021-11-20", "2021-11-25"]
            ),
            "title": ["A story", "A lawsuit", "An act", "A background", "Another act"],
            "kind": ["reporting", "legal", "regulatory", "context", "regulatory"],
            "url": [None] * 5,
        }
    )


def test_one_event_trace_and_legend_entry_per_kind_each_with_its_own_shape():
    fig = charts.coverage_chart(many_brands(2), events_frame(), end="2021-11-30")
    traces = event_traces(fig)
    assert [t.meta for t in traces] == list(vocab.EVENT_KINDS)  # the vocabulary's order
    assert [t.marker.symbol for t in traces] == [k.symbol for k in vocab.EVENT_KIND_STYLES]
    assert len({t.marker.symbol for t in traces}) == len(traces)
    assert [t.name for t in traces] == [f"{k.label} events" for k in vocab.EVENT_KIND_STYLES]
    assert all(t.showlegend for t in traces)
    regulatory = next(t for t in traces if t.meta == "regulatory")
    assert len(regulatory.x) == 2  # one marker per date
    # Two kinds on one date stack instead of hiding each other.
    on_25th = [t.y[0] for t in traces if t.meta in ("reporting", "legal")]
    assert len(set(on_25th)) == 2


def test_the_axis_runs_to_the_end_so_late_events_are_drawn():
    fig = charts.coverage_chart(many_brands(2), events_frame(), end="2021-11-30")
    days = {pd.Timestamp(shape.x0) for shape in fig.layout.shapes}
    assert pd.Timestamp("2021-11-25") in days  # after the last period (2021-11-01)
    without_end = charts.coverage_chart(many_brands(2), events_frame())
    assert pd.Timestamp("2021-11-25") not in {pd.Timestamp(s.x0) for s in without_end.layout.shapes}


def test_event_kinds_are_defined_once_with_distinct_shapes_and_glyphs():
    assert tuple(k.name for k in vocab.EVENT_KIND_STYLES) == vocab.EVENT_KINDS
    for field in ("symbol", "glyph", "label"):
        values = [getattr(k, field) for k in vocab.EVENT_KIND_STYLES]
        assert len(set(values)) == len(values), field
    assert vocab.event_kind_label("legal") == "■ Legal"
    status_glyphs = {s.symbol for s in vocab.STATUS_BY_NAME.values()}
    assert status_glyphs.isdisjoint(k.glyph for k in vocab.EVENT_KIND_STYLES)


def hovers(fig: go.Figure) -> str:
    return "\n".join(str(text) for trace in event_traces(fig) for text in trace.hovertext)


def seed_coverage_chart(seed_con, brands: list[str] | None) -> go.Figure:
    params = {"start": None, "end": None, "kinds": None, "brands": brands}
    events = run_query(seed_con, "events_for_brands", params)
    coverage = run_query(
        seed_con,
        "coverage_over_time",
        {"grain": "month", "start": None, "end": None, "brands": ["ezviz", "lorex"]},
    )
    return charts.coverage_chart(coverage, events, end="2025-10-29")


def test_only_events_about_the_charts_brands_or_no_brand_are_drawn(seed_con):
    ezviz = hovers(seed_coverage_chart(seed_con, ["ezviz"]))
    assert "Nebraska attorney general sues Lorex" not in ezviz  # about another brand
    assert "Dahua sells Dahua Technology USA" not in ezviz  # about another brand's owner
    assert "Secure Equipment Act" in ezviz  # general: names no brand or company
    lorex = hovers(seed_coverage_chart(seed_con, ["lorex"]))
    assert "Nebraska attorney general sues Lorex" in lorex
    assert "Dahua sells Dahua Technology USA" in lorex  # Dahua owned Lorex, by some claim
    everything = hovers(seed_coverage_chart(seed_con, None))
    assert "Nebraska attorney general sues Lorex" in everything


# --- both themes --------------------------------------------------------------------------------


def test_the_app_follows_the_system_theme_and_offers_light_and_dark():
    theme = CONFIG["theme"]
    # A colour in [theme] itself would make one custom theme and ignore the system's setting.
    assert not [key for key, value in theme.items() if not isinstance(value, dict)], theme
    assert "light" in theme and "dark" in theme
    for name in ("light", "dark"):
        primary = theme[name]["primaryColor"]
        assert charts.contrast_ratio(primary, background(name)) >= GRAPHICS_CONTRAST, name


PALETTE = {
    "brand lines": charts.BRAND_COLOURS,
    "owners": charts.COMPANY_COLOURS,
    "events and keys": (charts.MID_GREY,),
}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("part", sorted(PALETTE))
def test_chart_colours_on_the_page_read_on_both_theme_backgrounds(theme, part):
    for colour in PALETTE[part]:
        ratio = charts.contrast_ratio(colour, background(theme))
        assert ratio >= GRAPHICS_CONTRAST, (part, colour, theme, round(ratio, 2))


def ownership() -> pd.DataFrame:
    claims = []
    for company in range(len(charts.COMPANY_COLOURS) + 1):
        for confidence in ("high", "medium", "low", None):
            claims.append((f"c{company}", f"Company {company}", confidence))
    frame = pd.DataFrame(claims, columns=["company_id", "company_name", "confidence"])
    frame["brand_id"] = "lorex"
    frame["valid_from"] = pd.Timestamp("2018-02-06")
    frame["valid_to"] = pd.Timestamp("2023-02-01")
    frame["source_url"] = "https://a.example/"
    return frame


def test_ownership_text_on_a_bar_contrasts_with_that_bar():
    fig = charts.ownership_chart(ownership(), end="2025-10-29")
    bars = [t for t in fig.data if t.type == "bar"]
    assert bars
    for trace in bars:
        assert trace.marker.opacity is None  # opaque: the colour behind the text is known
        fills, inks = list(trace.marker.color), list(trace.insidetextfont.color)
        assert len(fills) == len(inks) == len(trace.y)
        for fill, ink in zip(fills, inks, strict=True):
            assert charts.contrast_ratio(fill, ink) >= TEXT_CONTRAST, (trace.name, fill, ink)
        # Beside a bar the text sits on the page: the theme's colour, never a fixed dark one.
        assert trace.outsidetextfont.color is None and trace.textfont.color is None


def test_timeline_bar_text_contrasts_with_each_status():
    rows = [
        ("r", "R", f"b-{s}", s, s, "2021-01-01", None)
        for s in vocab.STATUS_NAMES  # one pair per status
    ]
    intervals = pd.DataFrame(
        rows,
        columns=[
            "retailer_id",
            "retailer_name",
            "brand_id",
            "brand_name",
            "status",
            "valid_from",
            "valid_to",
        ],
    )
    fig = charts.timeline_chart(intervals, start="2021-01-01", end="2021-12-31")
    for trace in (t for t in fig.data if t.type == "bar"):
        colour = trace.marker.color
        assert charts.contrast_ratio(colour, trace.textfont.color) >= TEXT_CONTRAST
        assert trace.textposition == "inside"


def _font_colours(value: object, path: str = "") -> list[str]:
    """Paths of every font given a colour under ``value`` (hover boxes have their own box)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("hoverlabel", "template"):  # the theme replaces the template
                continue
            if "font" in key and isinstance(item, dict) and item.get("color"):
                found.append(f"{path}.{key}")
            found += _font_colours(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _font_colours(item, f"{path}[{i}]")
    return found


def _text_colours_outside_bars(fig: go.Figure) -> list[str]:
    """Fonts given a colour anywhere but inside bars or heatmap cells: those would not follow
    the theme (axis titles, ticks, the legend, annotations, text beside a bar)."""
    spec = json.loads(fig.to_json())
    found = _font_colours(spec.get("layout", {}), "layout")
    for i, trace in enumerate(spec.get("data", [])):
        inside = trace.get("type") == "heatmap" or trace.get("textposition") == "inside"
        for path in _font_colours(trace, f"data[{i}]"):
            if path.endswith(".insidetextfont") or (inside and path.endswith(".textfont")):
                continue
            found.append(f"{path} ({trace.get('name')})")
    return found


def test_no_chart_fixes_a_text_colour_outside_its_bars(seed_con):
    summary = pd.DataFrame(
        [("transitions", "stocked", "removed", 3), ("net", "stocked", "removed", 2)],
        columns=["view", "from_status", "to_status", "changes"],
    )
    status = run_query(
        seed_con,
        "status_grid",
        {
            "as_of": pd.Timestamp("2021-11-30").date(),
            "retailers": None,
            "brands": None,
            "stale_after": 365,
            "any_claim": False,
        },
    )
    figures = {
        "coverage": seed_coverage_chart(seed_con, None),
        "ownership": charts.ownership_chart(ownership(), end="2025-10-29"),
        "changes": charts.changes_summary_chart(summary),
        "heatmap": charts.status_heatmap(
            status, [("walmart", "Walmart"), ("costco", "Costco")], [("lorex", "Lorex")]
        ),
    }
    for name, fig in figures.items():
        assert _text_colours_outside_bars(fig) == [], name


# --- the Overview: relevant events by default, every one on request, and their table ----------


def test_overview_draws_and_lists_the_relevant_events_then_every_one(monkeypatch, seed_store):
    at = run_overview(monkeypatch, seed_store, as_of="2021-11-30", brand="ezviz")
    radio = at.radio(key="url_events")
    assert radio.value == "relevant"
    (table,) = [d.value for d in at.dataframe if "kind_shown" in d.value.columns]
    titles = set(table["title"])
    assert "Secure Equipment Act (Pub.L. 117-55) signed" in titles
    assert not [t for t in titles if "Lorex" in t or "Dahua sells" in t]
    spec = json.dumps(chart_spec(at, "coverage"))
    assert "Nebraska attorney general sues Lorex" not in spec
    assert set(table["kind_shown"]) <= {vocab.event_kind_label(k) for k in vocab.EVENT_KINDS}

    radio.set_value("all")
    rerun(at)
    assert at.query_params["events"] == "all"
    (table,) = [d.value for d in at.dataframe if "kind_shown" in d.value.columns]
    assert "Nebraska attorney general sues Lorex" in set(table["title"])
    assert "Nebraska attorney general sues Lorex" in json.dumps(chart_spec(at, "coverage"))
