"""The volunteer's personal calendar feed (iCalendar), served at a secret, revocable URL.

Only what the volunteer needs in their own calendar: the task's title, its municipality and a
link to the portal. No client data, and no meeting point (feeds travel through calendar
services; the portal shows the meeting point after log-in).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, request, url_for
from icalendar import Calendar, Event

from portal.core.time import utcnow
from portal.needs.models import Assignment
from portal.volunteers.models import VolunteerProfile


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def render_feed(
    profile: VolunteerProfile, occurrences: list[tuple[Assignment, datetime, datetime]]
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Ehrenamtsportal Landkreis Rastatt//Meine Aufgaben//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Ehrenamt – Meine Termine")
    calendar.add("x-published-ttl", "PT1H")
    host = request.host.split(":")[0] if request else "ehrenamtsportal"
    stamp = _aware(utcnow())
    for assignment, start, end in occurrences:
        need = assignment.need
        event = Event()
        event.add("uid", f"assignment-{assignment.id}-{start:%Y%m%dT%H%M}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _aware(start))
        event.add("dtend", _aware(end))
        event.add("summary", need.title)
        if need.municipality is not None:
            event.add("location", need.municipality.name)
        link = url_for("board.need", need_id=need.id, _external=True)
        event.add("description", link)
        event.add("url", link)
        calendar.add_component(event)
    current_app.logger.debug(
        "calendar feed for volunteer %s: %d events", profile.id, len(occurrences)
    )
    return calendar.to_ical()
