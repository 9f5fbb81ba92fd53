"""Server-rendered SVG charts (horizontal bars, and lines over months): plain geometry
computed here, drawn by the macros in templates/oversight/_charts.html (no JavaScript, no
inline styles: SVG attributes and CSS classes only). The viewBox scales the chart to the
width of the page, down to 320 px."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH = 320
LABEL_WIDTH = 120
BAR_AREA = 150
ROW_HEIGHT = 22
BAR_HEIGHT = 14


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    bars: list[Bar]
    height: int
    unit: str
    kind: str = "bar"

    @property
    def summary(self) -> str:
        """A sentence for screen readers: the largest value and the total."""
        if not self.bars or not any(b.value for b in self.bars):
            return ""
        top = max(self.bars, key=lambda b: b.value)
        total = sum(b.value for b in self.bars)
        return f"{top.label}: {_number(top.value)} {self.unit} ({_number(total)} {self.unit})"


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def bar_chart(key: str, title: str, rows: list[tuple[str, float]], unit: str = "") -> BarChart:
    """Horizontal bars, one per row, scaled to the largest value."""
    largest = max((v for _label, v in rows), default=0) or 1
    bars = [
        Bar(label, value, 4 + i * ROW_HEIGHT, round(BAR_AREA * value / largest, 1))
        for i, (label, value) in enumerate(rows)
    ]
    return BarChart(key, title, bars, 8 + len(rows) * ROW_HEIGHT, unit)


# Line charts: one line per series over the months; each series has its own dash pattern and
# point marker so that the lines stay apart in black-and-white print, and its own name at the
# line's end (no legend to look up).
PLOT_LEFT, PLOT_TOP, PLOT_WIDTH, PLOT_HEIGHT = 34, 10, 200, 120
DASHES = ("", "6 3", "2 3", "8 3 2 3")
COLOURS = ("#1d4f91", "#2f6b2f", "#8a1c1c", "#5c4300")


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]
    points: str  # "x,y x,y ..." for <polyline>
    dots: list[tuple[float, float]]
    dash: str
    colour: str
    end_y: float


@dataclass(frozen=True)
class LineChart:
    key: str
    title: str
    months: list[str]  # labels of the x axis
    series: list[Series]
    ticks: list[tuple[int, float]]  # (value, y) of the horizontal grid lines
    axis: list[tuple[float, str]]  # (x, short month name) under the plot
    height: int = PLOT_TOP + PLOT_HEIGHT + 24
    kind: str = "line"

    @property
    def summary(self) -> str:
        """A sentence for screen readers: each series from its first to its last month."""
        if not self.months:
            return ""
        first, last = self.months[0], self.months[-1]
        parts = [f"{s.label} {s.values[0]} → {s.values[-1]}" for s in self.series]
        return f"{first} – {last}: " + "; ".join(parts)


def line_chart(
    key: str,
    title: str,
    months: list[str],
    series: list[tuple[str, list[int]]],
    short: list[str] | None = None,
) -> LineChart:
    """Lines over ``months``, scaled to the largest value (the axis starts at 0)."""
    largest = max((v for _label, values in series for v in values), default=0)
    step = max(1, -(-largest // 4))  # four grid lines, whole numbers
    top = step * 4
    count = len(months)
    xs = [
        PLOT_LEFT + (PLOT_WIDTH * i / (count - 1) if count > 1 else PLOT_WIDTH / 2)
        for i in range(count)
    ]

    def y(value: int) -> float:
        return round(PLOT_TOP + PLOT_HEIGHT * (1 - value / top), 1)

    drawn = []
    for i, (label, values) in enumerate(series):
        dots = [(round(x, 1), y(v)) for x, v in zip(xs, values, strict=True)]
        drawn.append(
            Series(
                label,
                values,
                " ".join(f"{x},{yy}" for x, yy in dots),
                dots,
                DASHES[i % len(DASHES)],
                COLOURS[i % len(COLOURS)],
                dots[-1][1] if dots else 0,
            )
        )
    _spread(drawn)
    ticks = [(step * k, y(step * k)) for k in range(5)]
    every = 1 if count <= 6 else 2
    names = short or months
    axis = [(round(xs[i], 1), names[i]) for i in range(0, count, every)]
    return LineChart(key, title, months, drawn, ticks, axis)


def _spread(series: list[Series]) -> None:
    """Move the names at the lines' ends apart (at least 11 units) so they never overlap."""
    order = sorted(range(len(series)), key=lambda i: series[i].end_y)
    last = -100.0
    for i in order:
        y = max(series[i].end_y, last + 11)
        object.__setattr__(series[i], "end_y", y)
        last = y


def volunteers_chart(figures: Any) -> LineChart:
    from flask_babel import gettext as _

    from portal.core.formatting import format_month, format_month_short
    from portal.core.labels import label

    months = [key for key, _counts in figures.volunteers_over_time]
    names = [format_month(int(k[:4]), int(k[5:])) for k in months]
    statuses = list(figures.volunteers_over_time[0][1]) if months else []
    series = [
        (
            label("volunteer_status", status),
            [counts[status] for _key, counts in figures.volunteers_over_time],
        )
        for status in statuses
    ]
    short = [format_month_short(int(k[:4]), int(k[5:])) for k in months]
    title = _("Ehrenamtliche nach Status im Zeitverlauf")
    return line_chart("volunteers-time", title, names, series, short)


def dashboard_charts(figures: Any) -> list[BarChart | LineChart]:
    """The dashboard's charts, labelled from the one vocabulary."""
    from flask_babel import gettext as _

    from portal.core.labels import label
    from portal.oversight.figures import UNFILLED_PLACES

    hours = _("Std.")

    def need_word(key: str) -> str:
        return _("veröffentlicht") if key == "published" else label("need_status", key)

    return [
        bar_chart(
            "volunteers",
            _("Ehrenamtliche nach Status"),
            [(label("volunteer_status", s), n) for s, n in figures.volunteers_by_status],
        ),
        volunteers_chart(figures),
        bar_chart(
            "needs",
            _("Bedarfe im Zeitraum"),
            [(need_word(k), n) for k, n in figures.needs],
        ),
        bar_chart(
            "hours",
            _("Stunden nach Art der Aufgabe"),
            [(label("category", c), h) for c, h in figures.hours_by_category],
            hours,
        ),
        bar_chart("months", _("Stunden nach Monat"), figures.hours_by_month, hours),
        bar_chart(
            "unfilled",
            _("Unbesetzte Bedarfe nach Art der Aufgabe"),
            [(label("category", c), n) for c, n in figures.unfilled_by_category],
        ),
        bar_chart(
            "unfilled-places",
            _("Unbesetzte Bedarfe nach Gemeinde (hier fehlen Ehrenamtliche)")
            if len(figures.unfilled_by_municipality) < UNFILLED_PLACES
            else _(
                "Unbesetzte Bedarfe: die %(num)d Gemeinden, in denen am meisten fehlt",
                num=UNFILLED_PLACES,
            ),
            # only where volunteers are missing (the county has 23 municipalities)
            [(name, n) for name, n in figures.unfilled_by_municipality if n],
        ),
    ]
