"""One way to show dates, times, durations and schedules, in German and English (Jinja filters).

German: ``29.11.2026``, ``14:30 Uhr``, ``1,5 Std.``, ``November 2026``; English: ``29 Nov 2026``,
``14:30``, ``1.5 h``, ``November 2026``. Never two-digit years, never ``11/2026``; durations are
always shown in hours. Stored datetimes are naive UTC and shown in Europe/Berlin. The schedule
of a need is one sentence everywhere (the manager's pages, the volunteers' board, e-mails):

    jeden Mittwoch, 16:00–17:00 Uhr, vom 02.12.2026 bis 24.02.2027
    every Wednesday, 16:00–17:00, from 2 Dec 2026 to 24 Feb 2027
    Mittwoch, 02.12.2026, 16:00–17:00 Uhr
    Wednesday, 2 Dec 2026, 16:00–17:00
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask
from flask_babel import format_date as babel_format_date
from flask_babel import format_decimal
from jinja2 import pass_context
from markupsafe import Markup

from portal.core.labels import label, labels_for
from portal.core.time import to_local
from portal.i18n import current_locale
from portal.i18n import gettext as _

# A weekly need without a duration lasts an hour (as portal.needs.schedule assumes).
DEFAULT_MINUTES = 60


def _local(value: datetime) -> datetime:
    """A stored (UTC) datetime in Europe/Berlin; at the very end of the calendar, where the
    conversion would leave year 9999, the UTC time itself."""
    try:
        return to_local(value)
    except OverflowError:
        return value.replace(tzinfo=UTC)


KEPT_WORDINGS = 4096
"""Hours, days and months written out per process and locale (`hours_number`, `format_day`,
`format_month`): a list shows dozens, each a Babel formatting of some 20 microseconds."""

HOURS_PATTERN = "#,##0.##"


def hours_number(minutes: int | None) -> str:
    """Minutes as hours with up to two decimals in the current locale: ``1,5`` / ``1.5``."""
    locale = current_locale()
    if locale is None:  # no request's locale: Flask-Babel's default
        return format_decimal(round((minutes or 0) / 60, 2), format=HOURS_PATTERN)
    return _hours_in(locale, minutes or 0)


@lru_cache(maxsize=KEPT_WORDINGS)
def _hours_in(locale: Any, minutes: int) -> str:
    return babel_numbers.format_decimal(round(minutes / 60, 2), HOURS_PATTERN, locale=locale)


def format_hours(minutes: int | None) -> str:
    """A duration given in minutes, in hours: ``1,5 Std.`` / ``1.5 h``; None shows nothing."""
    if minutes is None:
        return ""
    return _("%(hours)s Std.", hours=hours_number(minutes))


def format_day(value: date | datetime | None) -> str:
    """A calendar date: ``29.11.2026`` / ``29 Nov 2026``. Datetimes are taken as stored UTC."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    locale = current_locale()
    if locale is None or locale.language == "de":  # digits only: no need to ask Babel
        return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
    return _day_in(locale, value)


@lru_cache(maxsize=KEPT_WORDINGS)
def _day_in(locale: Any, value: date) -> str:
    return babel_dates.format_date(value, "d MMM yyyy", locale=locale)


def _hhmm(value: time | datetime, seconds: bool = False) -> str:
    text = f"{value.hour:02d}:{value.minute:02d}"
    return f"{text}:{value.second:02d}" if seconds else text


def format_clock(value: time | datetime | None, seconds: bool = False) -> str:
    """A time of day: ``14:30 Uhr`` / ``14:30`` (``seconds=True``, for logs: ``14:30:05 Uhr``).
    Datetimes are taken as stored UTC."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return _("%(time)s Uhr", time=_hhmm(value, seconds))


def format_moment(value: datetime | None, seconds: bool = False) -> str:
    """A stored (UTC) point in time: ``29.11.2026, 14:30 Uhr`` / ``29 Nov 2026, 14:30``."""
    if value is None:
        return ""
    return f"{format_day(value)}, {format_clock(value, seconds)}"


def format_month(year: int, month: int) -> str:
    """A month: ``November 2026`` / ``November 2026`` (never ``11/2026``)."""
    return _month(year, month, "LLLL yyyy")


def format_month_short(year: int, month: int) -> str:
    """A month on a chart's axis: ``Nov.`` / ``Nov``."""
    return _month(year, month, "LLL")


def _month(year: int, month: int, pattern: str) -> str:
    locale = current_locale()
    if locale is None:  # no request's locale: Flask-Babel's default
        return babel_format_date(date(year, month, 1), pattern)
    return _month_in(locale, year, month, pattern)


@lru_cache(maxsize=KEPT_WORDINGS)
def _month_in(locale: Any, year: int, month: int, pattern: str) -> str:
    return babel_dates.format_date(date(year, month, 1), pattern, locale=locale)


def _time_span(start: time | datetime, end: time | datetime | None) -> str:
    """``16:00–17:00 Uhr`` / ``16:00–17:00``; ``16:00 Uhr`` without an end."""
    if end is None:
        return _("%(time)s Uhr", time=_hhmm(start))
    return _("%(start)s–%(end)s Uhr", start=_hhmm(start), end=_hhmm(end))


def _weekly(need: Any) -> str:
    if need.weekday is None:
        parts = [label("schedule_kind", "weekly")]
    else:
        parts = [_("jeden %(weekday)s", weekday=label("weekday", need.weekday))]
    if need.time_of_day is not None:
        minutes = need.duration_minutes or DEFAULT_MINUTES
        end = datetime.combine(date(2000, 1, 1), need.time_of_day) + timedelta(minutes=minutes)
        parts.append(_time_span(need.time_of_day, end.time()))
    if need.starts_on and need.ends_on:
        parts.append(
            _(
                "vom %(first)s bis %(last)s",
                first=format_day(need.starts_on),
                last=format_day(need.ends_on),
            )
        )
    elif need.starts_on:
        parts.append(_("ab %(first)s", first=format_day(need.starts_on)))
    return ", ".join(parts)


def _dated(moment: datetime) -> str:
    """``Mittwoch, 02.12.2026`` / ``Wednesday, 2 Dec 2026`` of a local datetime."""
    return f"{label('weekday', moment.weekday())}, {format_day(moment.date())}"


def _once(need: Any) -> str:
    start = _local(need.starts_at)
    end = _local(need.ends_at) if need.ends_at else None
    if end is None or end.date() == start.date():
        return f"{_dated(start)}, {_time_span(start, end)}"
    return _(
        "%(start)s bis %(end)s",
        start=f"{_dated(start)}, {_time_span(start, None)}",
        end=f"{_dated(end)}, {_time_span(end, None)}",
    )


def format_schedule(need: Any) -> str:
    """The schedule of a need (or anything with its schedule attributes) as one sentence;
    empty when it has no date yet."""
    if need is None:
        return ""
    if need.schedule_kind == "weekly":
        return _weekly(need)
    if need.starts_at is None:
        return ""
    return _once(need)


def format_span(start: time, end: time | None = None) -> str:
    """A local time range: ``09:00–12:00 Uhr`` / ``09:00–12:00``."""
    return _time_span(start, end)


def format_consultation(hours: Any) -> str:
    """The rule of consultation hours as one sentence: ``jeden Montag, 09:00–12:00 Uhr, ab
    02.03.2026`` or ``jeden zweiten Montag, …`` (every other week)."""
    day = label("weekday", hours.weekday)
    if hours.recurrence == "biweekly":
        parts = [_("jeden zweiten %(weekday)s", weekday=day)]
    else:
        parts = [_("jeden %(weekday)s", weekday=day)]
    parts.append(_time_span(hours.starts_at, hours.ends_at))
    if hours.valid_until is not None:
        parts.append(
            _(
                "vom %(first)s bis %(last)s",
                first=format_day(hours.valid_from),
                last=format_day(hours.valid_until),
            )
        )
    else:
        parts.append(_("ab %(first)s", first=format_day(hours.valid_from)))
    return ", ".join(parts)


def reference(value: Any) -> Markup:
    """``{{ client.reference|reference }}``: a reference such as RA-2026-0001 that never breaks
    across lines (``.ref`` in portal.css)."""
    return Markup('<span class="ref">%s</span>') % value


FILTERS: dict[str, Any] = {
    "day": format_day,
    "clock": format_clock,
    "moment": format_moment,
    "hours": format_hours,
    "hours_number": hours_number,
    "schedule": format_schedule,
    "span": format_span,
    "consultation": format_consultation,
    "reference": reference,
}


@pass_context
def label_filter(_context: Any, value: Any, kind: str) -> str:
    """``{{ need.category|label("category") }}``: the registry's label of a code.

    It takes the context so that Jinja never folds ``{{ "withdraw"|label("claim_action") }}``
    into a constant when it compiles the template: the label would stay in the language of
    the first request."""
    return label(kind, value)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.filters["label"] = label_filter
    app.jinja_env.globals["format_month"] = format_month
    # Option lists in templates: {% for code, text in labels_for("volunteer_status").items() %}
    app.jinja_env.globals["labels_for"] = labels_for
