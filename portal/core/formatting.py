"""One way to show dates, times and durations, in German and English (Jinja filters).

German: ``29.11.2026``, ``14:30 Uhr``, ``1,5 Std.``; English: ``29 Nov 2026``, ``14:30``,
``1.5 h``. Never two-digit years. Stored datetimes are naive UTC and shown in Europe/Berlin.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import Flask
from flask_babel import format_date as babel_format_date
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from portal.core.labels import label
from portal.core.time import to_local


def hours_number(minutes: int | None) -> str:
    """Minutes as hours with up to two decimals in the current locale: ``1,5`` / ``1.5``."""
    return format_decimal(round((minutes or 0) / 60, 2), format="#,##0.##")


def format_hours(minutes: int | None) -> str:
    """A duration given in minutes, in hours: ``1,5 Std.`` / ``1.5 h``."""
    return _("%(hours)s Std.", hours=hours_number(minutes))


def _is_german() -> bool:
    return str(get_locale() or "de").startswith("de")


def format_day(value: date | datetime | None) -> str:
    """A calendar date: ``29.11.2026`` / ``29 Nov 2026``. Datetimes are taken as stored UTC."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return babel_format_date(value, "dd.MM.yyyy" if _is_german() else "d MMM yyyy")


def format_clock(value: time | datetime | None) -> str:
    """A time of day: ``14:30 Uhr`` / ``14:30``. Datetimes are taken as stored UTC."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).timetz()
    text = f"{value:%H:%M}"
    return _("%(time)s Uhr", time=text)


def format_moment(value: datetime | None) -> str:
    """A stored (UTC) point in time: ``29.11.2026, 14:30 Uhr`` / ``29 Nov 2026, 14:30``."""
    if value is None:
        return ""
    return f"{format_day(value)}, {format_clock(value)}"


def format_month(year: int, month: int) -> str:
    """A month: ``November 2026`` / ``November 2026`` (never ``11/2026``)."""
    return babel_format_date(date(year, month, 1), "LLLL yyyy")


FILTERS: dict[str, Any] = {
    "day": format_day,
    "clock": format_clock,
    "moment": format_moment,
    "hours": format_hours,
    "hours_number": hours_number,
}


def label_filter(value: Any, kind: str) -> str:
    """``{{ need.category|label("category") }}``: the registry's label of a code."""
    return label(kind, value)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.filters["label"] = label_filter
    app.jinja_env.globals["format_month"] = format_month
