"""A manager's calendar feed (iCalendar) of their consultation hours and the appointments booked
in them, at a secret, revocable address (renewing the secret replaces it at once).

Feeds travel through calendar services: an appointment shows the client's pseudonymous
reference only, never a name or contact details.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.consultations.models import Appointment, AppointmentStatus, ManagerCalendarToken
from portal.consultations.queries import hours_in_window, occurrences_of
from portal.consultations.recurrence import Occurrence
from portal.core.errors import NotAllowed
from portal.core.labels import label
from portal.core.time import local_to_utc, today_local, utcnow
from portal.core.transaction import read_only, unit_of_work
from portal.extensions import db
from portal.notifications.services import external_url

PAST_DAYS = 30
AHEAD_DAYS = 120


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def feed_items(user: User, today: date) -> tuple[list[Occurrence], list[Appointment]]:
    """The manager's occurrences and booked appointments from a month ago to four months ahead."""
    first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=AHEAD_DAYS)
    hours = hours_in_window(first, last, manager_id=user.id)
    found = occurrences_of(hours, first, last)
    appointments = list(
        db.session.scalars(
            select(Appointment)
            .where(
                Appointment.hours_id.in_([h.id for h in hours] or [-1]),
                Appointment.on_date.between(first, last),
                Appointment.status == AppointmentStatus.BOOKED,
            )
            .options(joinedload(Appointment.client))
            .order_by(Appointment.on_date, Appointment.slot_start)
        )
    )
    return found, appointments


def render_feed(user: User, today: date) -> bytes:
    with force_locale(user.locale or "de"):
        found, appointments = feed_items(user, today)
        places = {o.hours_id: o.place for o in found}
        calendar = Calendar()
        calendar.add("prodid", "-//Ehrenamtsportal Landkreis Rastatt//Sprechstunden//DE")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("Sprechstunden und Termine"))
        calendar.add("x-published-ttl", "PT1H")
        host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "ehrenamtsportal"
        stamp = _aware(utcnow())
        for occurrence in found:
            event = Event()
            event.add("uid", f"consultation-{occurrence.hours_id}-{occurrence.on:%Y%m%d}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", _aware(occurrence.starts_at_utc))
            event.add("dtend", _aware(occurrence.ends_at_utc))
            summary = _("Sprechstunde %(place)s", place=occurrence.place.name)
            if occurrence.cancelled:
                summary = f"{label('exception_kind', 'cancelled')}: {summary}"
                event.add("status", "CANCELLED")
            event.add("summary", summary)
            event.add("location", f"{occurrence.place.name}, {occurrence.place.address}")
            link = external_url(
                "appointments.occurrence",
                hours_id=occurrence.hours_id,
                on=occurrence.on.isoformat(),
            )
            event.add("description", link)
            event.add("url", link)
            calendar.add_component(event)
        for appointment in appointments:
            place = places.get(appointment.hours_id)
            client = appointment.client
            reference = client.reference if client is not None else "–"
            event = Event()
            event.add("uid", f"appointment-{appointment.id}@{host}")
            event.add("dtstamp", stamp)
            event.add(
                "dtstart",
                _aware(local_to_utc(datetime.combine(appointment.on_date, appointment.slot_start))),
            )
            event.add(
                "dtend",
                _aware(local_to_utc(datetime.combine(appointment.on_date, appointment.slot_end))),
            )
            event.add("summary", _("Termin %(reference)s", reference=reference))
            if place is not None:
                event.add("location", f"{place.name}, {place.address}")
            calendar.add_component(event)
        return calendar.to_ical()


def calendar_token(user: User) -> ManagerCalendarToken | None:
    return db.session.scalar(
        select(ManagerCalendarToken).where(ManagerCalendarToken.user_id == user.id)
    )


@unit_of_work()
def renew_calendar_token(actor: User) -> ManagerCalendarToken:
    """Create the secret feed address, or replace it: the old address stops working."""
    if not actor.has_role(Role.MANAGER):
        raise NotAllowed(_("Nur das Integrationsmanagement hat Sprechstunden."))
    feed = calendar_token(actor)
    if feed is None:
        feed = ManagerCalendarToken(user_id=actor.id)
        db.session.add(feed)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = utcnow()
    audit.record("manager_calendar.renewed", actor=actor, object_type="user", object_id=actor.id)
    return feed


def feed_for_token(token: str) -> bytes | None:
    """The feed at the secret address (None: no such feed, or the account no longer manages)."""
    if not token or len(token) > 64:
        return None
    with read_only():
        feed = db.session.scalar(
            select(ManagerCalendarToken).where(ManagerCalendarToken.token == token)
        )
        if feed is None or not feed.user.active or not feed.user.has_role(Role.MANAGER):
            return None
        return render_feed(feed.user, today_local())
