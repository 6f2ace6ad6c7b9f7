"""The timeline, changes and ownership chart builders on small hand-made frames."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from shelfwatch import charts

HOSTILE = "<img src=x onerror=alert(1)>"
DAY = pd.Timedelta(days=1)


def intervals_frame(rows: list[tuple]) -> pd.DataFrame:
    columns = [
        "retailer_id",
        "retailer_name",
        "brand_id",
        "brand_name",
        "status",
        "valid_from",
        "valid_to",
        "disputed",
        "source_kind",
        "confidence",
        "source_url",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("valid_from", "valid_to"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


@pytest.fixture
def intervals() -> pd.DataFrame:
    return intervals_frame(
        [
            (
                "home-depot",
                "Home Depot",
                "lorex",
                "Lorex",
                "stocked",
                "2021-10-01",
                "2021-10-25",
                False,
                "brand_claim",
                "medium",
                "https://a.example/1",
            ),
            (
                "home-depot",
                "Home Depot",
                "lorex",
                "Lorex",
                "removed",
                "2021-10-25",
                None,
                True,
                "statement",
                "high",
                "https://a.example/2",
            ),
            (
                "costco",
                "Costco",
                "lorex",
                "Lorex",
                "stocked",
                "2021-10-01",
                None,
                False,
                "news_report",
                "medium",
                "https://a.example/3",
            ),
            (
                "best-buy",
                "Best Buy",
                "ezviz",
                "Ezviz",
                "exiting",
                "2021-10-25",
                "2023-10-31",
                False,
                "statement",
                "high",
                "https://a.example/4",
            ),
            (
                "best-buy",
                "Best Buy",
                "ezviz",
                "Ezviz",
                "unavailable",
                "2023-10-31",
                None,
                False,
                "listing_check",
                "low",
                "https://a.example/5",
            ),
        ]
    )


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2021-10-25", "2021-10-25", "2022-11-25", "2030-01-01"]),
            "title": ["The Verge story", "TechCrunch story", "FCC order", "Far future"],
            "kind": ["reporting", "reporting", "regulatory", "context"],
            "url": ["https://v.example", None, None, None],
            "company_id": [None] * 4,
            "brand_id": [None] * 4,
        }
    )


def bars(fig: go.Figure) -> list[go.Bar]:
    return [trace for trace in fig.data if trace.type == "bar"]


def strings_in(value: object) -> list[str]:
    """Every string anywhere in a figure's dict (labels, hover texts, ticks, annotations)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in strings_in(item)]
    if hasattr(value, "tolist"):
        return strings_in(value.tolist())
    return []


def bar_points(fig: go.Figure) -> list[dict]:
    points = []
    for trace in bars(fig):
        for i, y in enumerate(trace.y):
            base = pd.Timestamp(trace.base[i])
            points.append(
                {
                    "trace": trace,
                    "y": y,
                    "start": base,
                    "end": base + pd.Timedelta(milliseconds=trace.x[i]),
                    "hover": trace.hovertext[i],
                }
            )
    return points


# --- timeline_chart ---------------------------------------------------------------------------


def test_one_bar_per_interval_and_one_row_per_pair(intervals, events):
    fig = charts.timeline_chart(intervals, events, start="2021-10-01", end="2025-10-29")
    assert sum(len(trace.y) for trace in bars(fig)) == len(intervals)
    rows = {point["y"] for point in bar_points(fig)}
    assert rows == {"Home Depot · Lorex", "Costco · Lorex", "Best Buy · Ezviz"}
    # Rows keep the query's order, top to bottom (plotly lists categories bottom-up).
    assert list(fig.layout.yaxis.categoryarray)[::-1] == [
        "Home Depot · Lorex",
        "Costco · Lorex",
        "Best Buy · Ezviz",
    ]


def test_bars_take_the_palette_colour_and_label_of_their_status(intervals):
    fig = charts.timeline_chart(intervals, None, start="2021-10-01", end="2025-10-29")
    palette = {style.colour for style in charts.STATUS_STYLES.values()}
    for trace in bars(fig):
        status = next(s for s in charts.STATUS_ORDER if trace.legendgroup == s)
        style = charts.STATUS_STYLES[status]
        assert trace.marker.color == style.colour
        assert trace.marker.color in palette
        assert set(trace.text) == {f"{style.symbol} {style.label}"}  # never colour alone
        assert trace.name.startswith(charts.status_label(status))
    assert {trace.legendgroup for trace in bars(fig)} == {
        "stocked",
        "removed",
        "exiting",
        "unavailable",
    }


def test_open_intervals_run_to_the_end_of_the_window(intervals):
    fig = charts.timeline_chart(intervals, None, start="2021-10-01", end="2025-10-29")
    window_end = pd.Timestamp("2025-10-29") + DAY  # the last day is drawn in full
    costco = [p for p in bar_points(fig) if p["y"] == "Costco · Lorex"]
    assert len(costco) == 1
    assert costco[0]["start"] == pd.Timestamp("2021-10-01")
    assert costco[0]["end"] == window_end
    assert "no later change recorded" in costco[0]["hover"]
    closed = next(p for p in bar_points(fig) if "until 2021-10-25" in p["hover"])
    assert closed["end"] == pd.Timestamp("2021-10-25")
    assert pd.Timestamp(fig.layout.xaxis.range[1]) >= window_end


def test_intervals_are_clipped_to_the_window_and_hover_keeps_the_real_dates(intervals):
    fig = charts.timeline_chart(intervals, None, start="2022-01-01", end="2022-12-31")
    points = bar_points(fig)
    # Home Depot's "stocked" run ended before the window, Best Buy's "unavailable" one starts
    # after it: neither is drawn.
    assert len(points) == 3
    assert min(p["start"] for p in points) == pd.Timestamp("2022-01-01")
    assert max(p["end"] for p in points) == pd.Timestamp("2023-01-01")
    exiting = next(p for p in points if "Exiting" in p["hover"])
    assert "From 2021-10-25 until 2023-10-31" in exiting["hover"]


def test_disputed_intervals_are_hatched_and_say_so(intervals):
    fig = charts.timeline_chart(intervals, None, start="2021-10-01", end="2025-10-29")
    hatched = [t for t in bars(fig) if t.marker.pattern.shape == "/"]
    assert len(hatched) == 1 and list(hatched[0].y) == ["Home Depot · Lorex"]
    assert "disputed" in hatched[0].hovertext[0]
    # The legend swatch of a status is its plain colour when it has undisputed intervals too.
    assert all(not t.showlegend for t in hatched if t.legendgroup == "stocked")


def test_events_are_vertical_markers_with_their_titles(intervals, events):
    fig = charts.timeline_chart(intervals, events, start="2021-10-01", end="2025-10-29")
    markers = {t.meta: t for t in fig.data if t.yaxis == charts.EVENT_AXIS}
    # One trace per kind in the window (the 2030 context event is outside it), a marker per date.
    assert set(markers) == {"reporting", "regulatory"}
    reporting, regulatory = markers["reporting"], markers["regulatory"]
    assert [pd.Timestamp(x) for x in reporting.x] == [pd.Timestamp("2021-10-25")]
    assert [pd.Timestamp(x) for x in regulatory.x] == [pd.Timestamp("2022-11-25")]
    first = reporting.hovertext[0]
    assert "The Verge story" in first and "TechCrunch story" in first and "Reporting" in first
    assert "FCC order" in regulatory.hovertext[0]
    assert reporting.marker.symbol != regulatory.marker.symbol
    lines = [shape for shape in fig.layout.shapes if shape.type == "line"]
    assert len(lines) == 2


def test_no_events_no_markers(intervals):
    fig = charts.timeline_chart(intervals, events=None, start="2021-10-01", end="2025-10-29")
    assert not [trace for trace in fig.data if trace.type == "scatter"]
    assert not fig.layout.shapes


def test_a_run_of_one_day_stays_visible(intervals):
    short = intervals_frame(
        [
            (
                "amazon",
                "Amazon",
                "lorex",
                "Lorex",
                "stocked",
                "2025-10-29",
                None,
                False,
                "legal_filing",
                "high",
                "https://a.example/9",
            )
        ]
    )
    fig = charts.timeline_chart(short, None, start="2021-10-01", end="2025-10-29")
    point = bar_points(fig)[0]
    assert point["end"] - point["start"] > DAY * 5


def test_rows_can_be_named_by_one_side_and_equal_names_do_not_merge():
    frame = intervals_frame(
        [
            (
                "shop-1",
                "Shop",
                "lorex",
                "Lorex",
                "stocked",
                "2021-01-01",
                None,
                False,
                "statement",
                "high",
                "https://a.example/1",
            ),
            (
                "shop-2",
                "Shop",
                "lorex",
                "Lorex",
                "removed",
                "2021-01-01",
                None,
                False,
                "statement",
                "high",
                "https://a.example/2",
            ),
        ]
    )
    fig = charts.timeline_chart(frame, None, rows="retailer")
    rows = [p["y"] for p in bar_points(fig)]
    assert len(set(rows)) == 2
    assert all(row.startswith("Shop") for row in rows)


def test_empty_intervals_give_an_empty_figure_not_an_error():
    fig = charts.timeline_chart(intervals_frame([]), None)
    assert not fig.data
    assert fig.layout.annotations[0].text == "No status intervals to show."


def test_hostile_text_stays_plain_text_in_the_timeline(intervals, events):
    hostile = intervals.copy()
    hostile.loc[0, "retailer_name"] = HOSTILE
    hostile.loc[1, "retailer_name"] = HOSTILE
    hostile.loc[2, "brand_name"] = "<b>bold</b> & <a href='javascript:alert(1)'>x</a>"
    hostile.loc[3, "source_url"] = "javascript:alert(1)//<script>alert(1)</script>"
    hostile.loc[4, "source_kind"] = HOSTILE
    bad_events = events.copy()
    bad_events.loc[0, "title"] = HOSTILE
    bad_events.loc[2, "kind"] = "<script>alert(1)</script>"
    fig = charts.timeline_chart(hostile, bad_events, start="2021-10-01", end="2025-10-29")
    texts = strings_in(fig.to_dict())
    for text in texts:
        assert "<img" not in text and "<script" not in text and "<a " not in text, text
    joined = "\n".join(texts)
    # Escaped, so plotly shows the characters themselves.
    assert "&lt;img src=x onerror=alert(1)&gt;" in joined
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href='javascript:alert(1)'&gt;" in joined
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined


# --- changes_summary_chart --------------------------------------------------------------------


def summary_frame(rows: list[tuple[str, str | None, str | None, int]]) -> pd.DataFrame:
    """changes_summary rows: view, from_status, to_status, changes."""
    return pd.DataFrame(rows, columns=["view", "from_status", "to_status", "changes"])


def test_changes_summary_draws_both_views_in_palette_colours():
    summary = summary_frame(
        [
            ("transitions", "stocked", "removed", 2),
            ("transitions", "removed", "stocked", 1),
            ("transitions", None, "stocked", 1),
            ("net", "stocked", "removed", 1),
            ("net", None, "stocked", 1),
        ]
    )
    fig = charts.changes_summary_chart(summary)
    stocked, removed = charts.status_label("stocked"), charts.status_label("removed")
    drawn_bars = [trace for trace in bars(fig) if trace.x[0] is not None]
    key = [trace for trace in bars(fig) if trace.x[0] is None]
    drawn = {
        (trace.name, label): count
        for trace in drawn_bars
        for label, count in zip(trace.y, trace.x, strict=True)
    }
    every, net = charts.CHANGE_VIEWS["transitions"], charts.CHANGE_VIEWS["net"]
    assert drawn == {
        (every, f"{stocked} → {removed}"): 2,
        (every, f"{removed} → {stocked}"): 1,
        (every, f"{charts.status_label(None)} → {stocked}"): 1,
        (net, f"{stocked} → {removed}"): 1,
        (net, f"{charts.status_label(None)} → {stocked}"): 1,
    }
    for trace in drawn_bars:
        colours = list(trace.marker.color)
        for label, colour in zip(trace.y, colours, strict=True):
            to_status = next(
                s for s in charts.STATUS_ORDER if label.endswith(charts.status_label(s))
            )
            assert colour == charts.STATUS_STYLES[to_status].colour
        assert trace.showlegend is False
    # Net bars are hatched, every-change bars solid: the views differ by more than colour, and
    # the key shows them in neutral grey.
    assert {t.name: t.marker.pattern.shape for t in drawn_bars} == {every: "", net: "/"}
    assert [(t.name, t.marker.pattern.shape, t.marker.color) for t in key] == [
        (every, "", "#BBBBBB"),
        (net, "/", "#BBBBBB"),
    ]
    # Biggest change on top; the round trip's way back has no net bar.
    assert list(fig.layout.yaxis.categoryarray)[-1] == f"{stocked} → {removed}"


def test_changes_summary_of_nothing_is_an_empty_state():
    fig = charts.changes_summary_chart(summary_frame([]))
    assert not fig.data
    assert "Nothing changed" in fig.layout.annotations[0].text


# --- ownership_chart --------------------------------------------------------------------------


@pytest.fixture
def ownership() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            (
                "lorex",
                "dahua",
                "Dahua Technology",
                "2018-02-06",
                "2022-11-24",
                "high",
                "https://a.example/a",
                "claim A",
                "entity-list,ndaa-889",
            ),
            (
                "lorex",
                "dahua",
                "Dahua Technology",
                "2018-02-06",
                "2023-02-01",
                "medium",
                "https://a.example/b",
                "claim B",
                "entity-list,ndaa-889",
            ),
            (
                "lorex",
                "skywatch",
                "Skywatch",
                "2022-11-24",
                None,
                "high",
                "https://a.example/a",
                "claim A",
                "",
            ),
            (
                "lorex",
                "skywatch",
                "Skywatch",
                "2023-02-01",
                None,
                "medium",
                "https://a.example/b",
                "claim B",
                "",
            ),
        ],
        columns=[
            "brand_id",
            "company_id",
            "company_name",
            "valid_from",
            "valid_to",
            "confidence",
            "source_url",
            "note",
            "lists",
        ],
    )
    for column in ("valid_from", "valid_to"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def test_ownership_has_one_row_per_claim_labelled_company_and_confidence(ownership):
    fig = charts.ownership_chart(ownership, end="2025-10-29")
    rows = [y for trace in bars(fig) for y in trace.y]
    assert sorted(rows) == sorted(
        [
            "Dahua Technology · high",
            "Dahua Technology · medium",
            "Skywatch · high",
            "Skywatch · medium",
        ]
    )
    # Conflicting sale dates are both visible, side by side.
    texts = [t for trace in bars(fig) for t in trace.text]
    assert "2018-02-06 → 2022-11-24" in texts
    assert "2018-02-06 → 2023-02-01" in texts
    assert "2022-11-24 → still" in texts and "2023-02-01 → still" in texts
    # Open claims run to the end date.
    for point in bar_points(fig):
        if point["y"].startswith("Skywatch"):
            assert point["end"] == pd.Timestamp("2025-10-30")
    # One colour per company (the outline); lower confidence is greyer, and opaque.
    dahua = next(trace for trace in bars(fig) if trace.name == "Dahua Technology")
    high, medium = dahua.marker.color
    assert high == dahua.marker.line.color and medium != high
    assert dahua.marker.opacity is None
    grey = charts._FADED_TOWARDS
    assert charts.contrast_ratio(medium, grey) < charts.contrast_ratio(high, grey)
    assert {trace.marker.line.color for trace in bars(fig)}.isdisjoint(
        {style.colour for style in charts.STATUS_STYLES.values()}
    )


def test_ownership_rows_stay_apart_when_company_and_confidence_repeat(ownership):
    repeated = ownership.copy()
    repeated["confidence"] = "high"
    fig = charts.ownership_chart(repeated, end="2025-10-29")
    rows = [y for trace in bars(fig) for y in trace.y]
    assert len(set(rows)) == len(repeated)


def test_hostile_text_stays_plain_text_in_the_ownership_chart(ownership):
    hostile = ownership.copy()
    hostile.loc[0, "company_name"] = HOSTILE
    hostile.loc[1, "note"] = "<script>alert(1)</script>"
    hostile.loc[2, "lists"] = "<b>x</b>"
    fig = charts.ownership_chart(hostile, end="2025-10-29")
    texts = strings_in(fig.to_dict())
    assert not [t for t in texts if "<img" in t or "<script" in t or "<b>x" in t]
    assert "&lt;img src=x onerror=alert(1)&gt;" in "\n".join(texts)


def test_no_ownership_claims_is_an_empty_state(ownership):
    fig = charts.ownership_chart(ownership.iloc[0:0])
    assert not fig.data
