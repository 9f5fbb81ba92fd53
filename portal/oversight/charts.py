"""Server-rendered SVG bar charts: plain geometry computed here, drawn by the macro in
templates/oversight/_charts.html (no JavaScript, no inline styles: SVG attributes and CSS
classes only). The viewBox scales the chart to the width of the page, down to 320 px."""

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


def dashboard_charts(figures: Any) -> list[BarChart]:
    """The dashboard's charts, labelled from the one vocabulary."""
    from flask_babel import gettext as _

    from portal.core.labels import label

    hours = _("Std.")

    def need_word(key: str) -> str:
        return _("veröffentlicht") if key == "published" else label("need_status", key)

    return [
        bar_chart(
            "volunteers",
            _("Ehrenamtliche nach Status"),
            [(label("volunteer_status", s), n) for s, n in figures.volunteers_by_status],
        ),
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
    ]
