"""Citable charts: cite() draws the citation into a copy of the figure and never touches the
figure it is given (the app's figures are cached and shared by every session)."""

from __future__ import annotations

import datetime as dt
import html

import plotly.graph_objects as go
import pytest

from shelfwatch import exports, store
from shelfwatch.citations import CITATION_ANNOTATION, PRINT_WIDTH, ChartCitation, cite, credit_line
from tests.imaging import overview_figures

PERMALINK = "https://shelfwatch.example/overview?as_of=2021-11-30&brand=lorex&v=3"
CITATION = ChartCitation(
    title="Who sells what on 2021-11-30",
    as_of=dt.date(2021, 11, 30),
    filters="brand=lorex; status=removed",
    data_version=3,
    permalink=PERMALINK,
)


@pytest.fixture(scope="module")
def figures(seed_store):
    con = store.open_version(seed_store)
    try:
        return overview_figures(con)
    finally:
        con.close()


def footer(figure: go.Figure) -> list[str]:
    """The footer lines as an image shows them (plotly reads entities as the characters)."""
    return [
        html.unescape(a.text) for a in figure.layout.annotations if a.name == CITATION_ANNOTATION
    ]


def test_the_credit_line_names_the_version_and_the_licence():
    assert credit_line(3) == "Source: Shelfwatch data v3, CC BY 4.0"
    assert CITATION.credit() == credit_line(3)


def test_the_footer_reads_as_of_filters_source_and_permalink_in_that_order():
    assert CITATION.text() == (
        "As of 2021-11-30 · Filters: brand=lorex; status=removed · "
        f"Source: Shelfwatch data v3, CC BY 4.0 · {PERMALINK}"
    )


@pytest.mark.parametrize("chart", [0, 1], ids=["status grid", "coverage"])
def test_the_cited_figure_carries_the_citation_as_annotations(figures, chart):
    cited = cite(figures[chart], CITATION)
    text = " ".join(footer(cited))
    for part in ("As of 2021-11-30", "brand=lorex; status=removed", credit_line(3), PERMALINK):
        assert part in text
    assert all(
        a.yref == "paper" and a.y == 0 and a.yshift < 0
        for a in cited.layout.annotations
        if a.name == CITATION_ANNOTATION
    )  # under the plot, inside the margin
    assert cited.layout.title.text == CITATION.title
    # Room for them: the bottom margin holds every footer line, and the image grew for it.
    lines = len(footer(cited))
    assert cited.layout.margin.b >= (figures[chart].layout.margin.b or 0) + 15 * lines
    assert cited.layout.height > figures[chart].layout.height
    assert cited.layout.width == PRINT_WIDTH


@pytest.mark.parametrize("chart", [0, 1], ids=["status grid", "coverage"])
def test_the_original_figure_is_unchanged(figures, chart):
    before = figures[chart].to_json()
    cited = cite(figures[chart], CITATION)
    assert cited is not figures[chart]
    assert figures[chart].to_json() == before
    assert not [a for a in figures[chart].layout.annotations if a.name == CITATION_ANNOTATION]


def test_the_print_template_is_light_whatever_the_figure_says():
    dark = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    dark.update_layout(template="plotly_dark", paper_bgcolor="#111111", plot_bgcolor="#222222")
    cited = cite(dark, CITATION)
    assert cited.layout.paper_bgcolor == "#FFFFFF" and cited.layout.plot_bgcolor == "#FFFFFF"
    assert cited.layout.font.color == "#1A1A1A"
    assert cited.layout.template.layout.paper_bgcolor == "#FFFFFF"


def test_legends_move_clear_of_the_title_and_the_footer(figures):
    grid, coverage = (cite(figure, CITATION) for figure in figures)
    # The grid's legend is pinned to the image's bottom edge: it moves above the footer.
    assert grid.layout.legend.yref == "container" and grid.layout.legend.y > 0
    # The coverage legend sits above the plot: it moves under the title, fixed to the image.
    assert coverage.layout.legend.yref == "container"
    assert coverage.layout.title.yref == "container"
    assert coverage.layout.legend.y < 1


def test_markup_in_the_citation_is_shown_as_text():
    hostile = ChartCitation("<b>Lorex</b> & co", None, "q=<script>x</script>", 1, None)
    cited = cite(go.Figure(), hostile)
    assert cited.layout.title.text == "&lt;b&gt;Lorex&lt;/b&gt; &amp; co"
    assert "q=<script>x</script>" in " ".join(footer(cited))  # shown as typed
    assert "<script>" not in cited.to_json()  # never markup plotly would read


def test_a_long_permalink_wraps_without_losing_a_character():
    long_link = "https://shelfwatch.example/explore?" + "&".join(
        f"brand=brand-{n:03d}" for n in range(40)
    )
    citation = ChartCitation("Chart", dt.date(2021, 11, 30), "", 2, long_link)
    lines = citation.footer_lines(100)
    assert len(lines) > 3 and all(len(line) <= 100 for line in lines)
    assert long_link in "".join(lines)
    assert "No filters" in lines[0]


def test_a_huge_filter_list_is_cut_before_the_permalink_is():
    link = "https://shelfwatch.example/explore?brand=a&brand=b&v=2"
    citation = ChartCitation("Chart", None, "brand=" + ", ".join(["x" * 30] * 200), 2, link)
    lines = citation.footer_lines(100)
    assert len(lines) <= 8
    assert "… (the permalink has them all)" in " ".join(lines)
    assert lines[-1].endswith(link) and credit_line(2) in " ".join(lines)


def test_only_a_permalink_longer_than_the_footer_itself_is_cut():
    citation = ChartCitation("Chart", None, "", 2, "https://x.example/?" + "b=1&" * 400)
    lines = citation.footer_lines(100)
    assert len(lines) == 8 and lines[-1].endswith("…")


def test_a_citation_writes_filters_as_the_export_provenance_does():
    filters = {"brand": ("lorex", "ezviz"), "status": (), "stale_after": 200}
    citation = ChartCitation.of(
        "Chart", as_of=dt.date(2021, 11, 30), filters=filters, data_version=3, permalink=None
    )
    provenance = exports.Provenance(
        data_version=3,
        as_of=dt.date(2021, 11, 30),
        filters=filters,
        generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert citation.filters == provenance.filters_text() == "brand=lorex, ezviz; stale_after=200"
    assert ChartCitation.from_provenance(provenance, title="Chart") == citation
