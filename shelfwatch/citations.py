"""Citable charts: a copy of a figure with its title, date, filters, data version, credit line
and permalink drawn into it, ready for a print or a story (docs/design.md, "The app").

:func:`cite` never changes the figure it is given (the app's figures are cached and shared by
every session): it returns a copy on a light print template, whatever the app's theme, with
the title at the top and the citation as layout annotations at the bottom, inside margins
made for them. Pure (no streamlit, no browser): :mod:`shelfwatch.images` draws the result.
"""

from __future__ import annotations

import datetime as dt
import html
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio

from shelfwatch import exports

__all__ = ["CITATION_ANNOTATION", "ChartCitation", "cite", "credit_line"]

# The data's licence (data/README.md, "Licence"); quotes are the sources' own.
DATA_LICENCE = "CC BY 4.0"
# Annotations cite() adds carry this name, so a reader (or a test) can tell them apart.
CITATION_ANNOTATION = "shelfwatch-citation"
PRINT_WIDTH = 1200  # px: a figure without a width of its own (the app's are responsive)
DEFAULT_HEIGHT = 450  # plotly's default, for a figure without a height
_INK = "#1A1A1A"
_TITLE_SIZE = 18
_TITLE_BAND = 40  # px the title adds above the chart (its line and padding)
_FOOTER_SIZE = 11
_FOOTER_LINE = 15  # px per footer line
_FOOTER_GAP = 8  # px between the chart's own bottom (ticks, legend) and the footer
_FOOTER_MAX_LINES = 8
# Average glyph width of the footer font (DejaVu Sans at 11 px is ~6.4), rounded up so a
# wrapped line never runs past the image's edge.
_FOOTER_CHAR = 7.0
_TICK_CHAR = 7.5  # the same for 12 px tick labels, to estimate how wide an axis' labels are
_X_TICKS = 24  # px one line of x-axis tick labels takes under the plot
_AXIS_TITLE = 22  # px an axis title takes


def credit_line(data_version: int) -> str:
    """The credit every chart image carries, e.g. "Source: Shelfwatch data v3, CC BY 4.0"."""
    return f"Source: Shelfwatch data v{int(data_version)}, {DATA_LICENCE}"


@dataclass(frozen=True)
class ChartCitation:
    """What a chart image says about itself: title, status date, filters, version, permalink."""

    title: str
    as_of: dt.date | None
    filters: str  # as Provenance.filters_text() writes them: "brand=lorex; status=removed"
    data_version: int
    permalink: str | None = None

    @classmethod
    def of(
        cls,
        title: str,
        *,
        as_of: dt.date | None,
        filters: Mapping[str, object],
        data_version: int,
        permalink: str | None = None,
    ) -> ChartCitation:
        """A citation from the filters an export would cite (``Filters.provenance(...)``),
        written the way the export's provenance writes them."""
        provenance = exports.Provenance(
            data_version=data_version,
            as_of=as_of,
            filters=dict(filters),
            generated_at=dt.datetime.now(dt.UTC),
            title=title,
            permalink=permalink,
        )
        return cls.from_provenance(provenance)

    @classmethod
    def from_provenance(
        cls, provenance: exports.Provenance, *, title: str | None = None
    ) -> ChartCitation:
        """The citation of a chart drawn from the rows of an export with ``provenance``."""
        return cls(
            title=title or provenance.title,
            as_of=provenance.as_of,
            filters=provenance.filters_text(),
            data_version=provenance.data_version,
            permalink=provenance.permalink,
        )

    def credit(self) -> str:
        return credit_line(self.data_version)

    def parts(self, filters_limit: int | None = None) -> list[str]:
        """The footer's pieces, in reading order; absent ones left out. ``filters_limit``
        cuts the filters to that many characters, with a mark."""
        parts = []
        if self.as_of is not None:
            parts.append(f"As of {self.as_of.isoformat()}")
        filters = _one_line(self.filters)
        if filters_limit is not None and len(filters) > filters_limit:
            filters = filters[:filters_limit].rstrip() + "… (the permalink has them all)"
        parts.append(f"Filters: {filters}" if self.filters else "No filters")
        parts.append(self.credit())
        if self.permalink:
            parts.append(_one_line(self.permalink))
        return parts

    def text(self) -> str:
        """The footer on one line: "As of 2021-11-30 · Filters: … · Source: … · <permalink>"."""
        return " · ".join(self.parts())

    def footer_lines(self, width: int) -> list[str]:
        """The footer wrapped to ``width`` characters: whole parts where they fit, a part
        longer than a line (a long permalink or filter list) broken across lines. Past
        :data:`_FOOTER_MAX_LINES` lines the filters are cut first: the permalink, which
        reopens the view with all of them, is the last thing to lose."""
        limit: int | None = None
        lines = _wrapped(self.parts(), width)
        while len(lines) > _FOOTER_MAX_LINES and limit != 0:
            limit = int((len(self.filters) if limit is None else limit) * 0.8)
            lines = _wrapped(self.parts(limit), width)
        if len(lines) > _FOOTER_MAX_LINES:  # a permalink of hundreds of characters alone
            lines = [*lines[: _FOOTER_MAX_LINES - 1], lines[_FOOTER_MAX_LINES - 1][:-1] + "…"]
        return lines


def _wrapped(parts: list[str], width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for part in parts:
        joined = f"{current} · {part}" if current else part
        if len(joined) <= width:
            current = joined
            continue
        if current:
            lines.append(current)
        wrap = textwrap.wrap(part, width, break_long_words=True, break_on_hyphens=False)
        pieces = wrap or [""]
        lines.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        lines.append(current)
    return lines


def cite(figure: go.Figure, citation: ChartCitation, *, width: int | None = None) -> go.Figure:
    """A copy of ``figure`` drawn for print, with ``citation`` in it (``figure`` is unchanged).

    White background and dark text whatever the app's theme; the title above the chart
    (plotly moves it above top tick labels); the citation as bottom-left annotations under
    whatever the chart draws below its plot (tick labels, a legend), with the margins and the
    height grown by what they take, so nothing is cut. Widths of labels are estimates (from
    their length in characters): a chart with unusually long labels may crowd its footer."""
    cited = go.Figure(figure)  # a deep copy of data and layout
    layout = cited.layout
    width = int(width or layout.width or PRINT_WIDTH)
    height = int(layout.height or DEFAULT_HEIGHT)
    margin = {
        side: int(getattr(layout.margin, side) if getattr(layout.margin, side) is not None else 80)
        for side in ("l", "r", "t", "b")
    }  # 80: plotly's own default (100 at the top, where the title now sits anyway)
    shows_legend = _shows_legend(cited)
    legend_above = shows_legend and _legend_is_above(layout.legend)
    legend_at_bottom = shows_legend and _legend_is_at_container_bottom(layout.legend)

    plot_width = width - margin["l"] - margin["r"] - _y_labels_width(layout.yaxis)
    lines = citation.footer_lines(max(60, int(plot_width / _FOOTER_CHAR)))
    footer = _FOOTER_GAP + len(lines) * _FOOTER_LINE + 6
    # What the chart itself draws under its plot: its bottom margin (a legend there), or its
    # x-axis labels and title when they are at the bottom.
    below = max(margin["b"], _x_labels_height(layout.xaxis) + 6)
    total = height + _TITLE_BAND + footer + (below - margin["b"])

    if legend_above:
        # plotly keeps a title clear of axis labels but not of a legend: the legend moves to
        # just under the title, fixed to the image, and the plot starts below it.
        title_place = {"yref": "container", "y": 1, "yanchor": "top", "pad": {"l": 12, "t": 12}}
        legend_place = {"yref": "container", "y": 1 - _TITLE_BAND / total, "yanchor": "top"}
    else:
        # Above the plot and above any top axis' labels (heatmaps): plotly makes the room.
        title_place = {"yref": "paper", "y": 1, "yanchor": "bottom", "automargin": True}
        title_place["pad"] = {"l": 12, "b": 8}
        # A legend pinned to the image's bottom edge moves up, above the footer.
        legend_place = {"y": footer / total, "yanchor": "bottom"} if legend_at_bottom else {}
    cited.update_layout(
        template=_PRINT_TEMPLATE,
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        font={"color": _INK},
        width=width,
        height=total,
        margin={**margin, "b": below + footer},
        title={
            "text": _plain(citation.title),
            "font": {"size": _TITLE_SIZE, "color": _INK},
            "xref": "container",
            "x": 0,
            "xanchor": "left",
            **title_place,
        },
        legend=legend_place,
    )
    for number, line in enumerate(lines):
        cited.add_annotation(
            name=CITATION_ANNOTATION,
            text=_plain(line),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            xanchor="left",
            yanchor="top",
            yshift=-(below + _FOOTER_GAP + number * _FOOTER_LINE),
            showarrow=False,
            align="left",
            font={"size": _FOOTER_SIZE, "color": _INK},
        )
    return cited


def _plain(text: str) -> str:
    # Plotly reads a subset of HTML in every string: entities show the text as it is.
    return html.escape(_one_line(text), quote=False)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _print_template() -> go.layout.Template:
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.update(
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        font={"color": _INK, "family": "DejaVu Sans, Arial, sans-serif"},
    )
    return template


_PRINT_TEMPLATE = _print_template()


def _shows_legend(figure: go.Figure) -> bool:
    if figure.layout.showlegend is False:
        return False
    return any(trace.showlegend is not False and trace.name for trace in figure.data)


def _legend_is_above(legend: go.layout.Legend) -> bool:
    return legend.yref != "container" and legend.yanchor == "bottom" and (legend.y or 0) >= 1


def _legend_is_at_container_bottom(legend: go.layout.Legend) -> bool:
    return legend.yref == "container" and (legend.y or 0) < 0.1


def _x_labels_height(axis: go.layout.XAxis) -> int:
    """Px an x axis draws under the plot: its tick labels and title (0 when it is on top)."""
    if axis.visible is False or axis.side == "top":
        return 0
    height = _X_TICKS if axis.showticklabels is not False else 0
    if axis.title.text:
        height += _AXIS_TITLE
    return height


def _y_labels_width(axis: go.layout.YAxis) -> int:
    """Px a left y axis' labels and title are likely to take, from their length."""
    if axis.visible is False:
        return 0
    labels = axis.ticktext or axis.categoryarray or ()
    longest = max((len(str(label)) for label in labels), default=4)
    width = int(longest * _TICK_CHAR) + 10
    if axis.title.text:
        width += _AXIS_TITLE
    return width
