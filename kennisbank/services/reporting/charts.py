"""Server-side bar charts as plain data for `templates/_charts.html`, which draws them as accessible SVG
with a table of the same figures. No chart service, no JavaScript: the page works and prints anywhere.

Only horizontal stacked bars: they carry long Dutch labels (lesson titles, stages) without rotation, and
one kind of chart is easier to read than several.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Colours with at least 3:1 contrast against white (WCAG 1.4.11 non-text contrast), told apart by
# lightness too, and named in the legend and the table, so colour is never the only cue.
PALETTE = ["#1f4e8c", "#b3261e", "#8a5a00", "#1e7b34", "#5b3c88", "#4d4d4d"]
BLUE, RED, AMBER, GREEN, PURPLE, GREY = PALETTE

LABEL_WIDTH = 190
BAR_WIDTH = 360
ROW_HEIGHT = 30
BAR_HEIGHT = 20


@dataclass
class Series:
    name: str
    colour: str


@dataclass
class Segment:
    series: Series
    value: int
    x: float
    width: float


@dataclass
class Row:
    label: str
    values: list[int]
    short_label: str = ""  # what fits beside the bar; the table has the full label
    y: float = 0
    segments: list[Segment] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass
class BarChart:
    ident: str
    title: str
    description: str
    series: list[Series]
    rows: list[Row]
    row_heading: str = ""
    width: int = LABEL_WIDTH + BAR_WIDTH + 60
    height: int = 0
    label_width: int = LABEL_WIDTH

    @property
    def is_empty(self) -> bool:
        return not any(row.total for row in self.rows)


def bar_chart(ident: str, title: str, row_heading: str, series_names: list[str],
              rows: list[tuple[str, list[int]]], colours: list[str] | None = None) -> BarChart:
    """Lay out a stacked horizontal bar chart: one row per (label, values per series)."""
    colours = colours or PALETTE
    series = [Series(name, colours[i % len(colours)]) for i, name in enumerate(series_names)]
    laid_out = [Row(label, list(values), _short(label)) for label, values in rows]
    biggest = max((row.total for row in laid_out), default=0) or 1
    for index, row in enumerate(laid_out):
        row.y = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        x = float(LABEL_WIDTH)
        for one_series, value in zip(series, row.values):
            width = BAR_WIDTH * value / biggest
            if value:
                row.segments.append(Segment(one_series, value, round(x, 1), round(width, 1)))
            x += width
    chart = BarChart(ident, title, _describe(title, series, laid_out), series, laid_out, row_heading)
    chart.height = max(len(laid_out), 1) * ROW_HEIGHT
    return chart


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _describe(title: str, series: list[Series], rows: list[Row]) -> str:
    """The figures in one sentence, for screen readers that read the SVG's description."""
    if not rows:
        return f"{title}: nog geen gegevens."
    parts = []
    for row in rows:
        if len(series) == 1:
            parts.append(f"{row.label}: {row.total}")
        else:
            detail = ", ".join(f"{s.name.lower()} {v}" for s, v in zip(series, row.values) if v)
            parts.append(f"{row.label}: {row.total}" + (f" ({detail})" if detail else ""))
    return f"{title}. " + "; ".join(parts) + "."
