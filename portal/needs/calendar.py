"""The volunteer's personal calendar feed (iCalendar), served at a secret, revocable URL: the
address (renewing it replaces the secret at once) and the feed it serves.

Only what the volunteer needs in their own calendar: the task's title, its category (the
registry's label, in the volunteer's language), its municipality and a link to the portal. No
client data, and no meeting point (feeds travel through calendar services; the portal shows the
meeting point after log-in).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select

from portal.audit import services as audit
from portal.auth.models import User
from portal.core.errors import (
    NotAllowed,
)
from portal.core.labels import label
from portal.core.time import utcnow
from portal.core.transaction import read_only, unit_of_work
from portal.extensions import db
from portal.needs.models import (
    Assignment,
    CalendarFeedToken,
)
from portal.needs.queries import calendar_occurrences
from portal.notifications.services import external_url
from portal.volunteers.models import VolunteerProfile, VolunteerStatus
from portal.volunteers.queries import profile_of


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def render_feed(
    profile: VolunteerProfile, occurrences: list[tuple[Assignment, datetime, datetime]]
) -> bytes:
    """The feed, in the volunteer's language (a calendar app sends no one's preferences)."""
    with force_locale(profile.user.locale or "de"):
        return _render_feed(profile, occurrences)


def _render_feed(
    profile: VolunteerProfile, occurrences: list[tuple[Assignment, datetime, datetime]]
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Ehrenamtsportal Landkreis Rastatt//Meine Aufgaben//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Ehrenamt – Meine Termine"))
    calendar.add("x-published-ttl", "PT1H")
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "ehrenamtsportal"
    stamp = _aware(utcnow())
    for assignment, start, end in occurrences:
        need = assignment.need
        event = Event()
        event.add("uid", f"assignment-{assignment.id}-{start:%Y%m%dT%H%M}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _aware(start))
        event.add("dtend", _aware(end))
        event.add("summary", need.title)
        event.add("categories", [label("category", need.category)])
        if need.municipality is not None:
            event.add("location", need.municipality.name)
        link = external_url("board.need", need_id=need.id)
        event.add("description", link)
        event.add("url", link)
        calendar.add_component(event)
    current_app.logger.debug(
        "calendar feed for volunteer %s: %d events", profile.id, len(occurrences)
    )
    return calendar.to_ical()


def webcal_url(feed_url: str) -> str:
    """The feed's address as a ``webcal://`` link: calendar apps (Apple, Outlook) open it and
    offer to subscribe."""
    parts = urlsplit(feed_url)
    return parts._replace(scheme="webcal").geturl()


def calendar_token(profile: VolunteerProfile) -> CalendarFeedToken | None:
    return db.session.scalar(
        select(CalendarFeedToken).where(CalendarFeedToken.volunteer_id == profile.id)
    )


@unit_of_work()
def renew_calendar_token(actor: User) -> CalendarFeedToken:
    """Create the secret feed address, or replace it: the old address stops working."""
    profile = profile_of(actor)
    if profile is None:
        raise NotAllowed(_("Sie haben kein Profil als Ehrenamtliche."))
    feed = calendar_token(profile)
    if feed is None:
        feed = CalendarFeedToken(volunteer_id=profile.id)
        db.session.add(feed)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = utcnow()
    audit.record(
        "calendar_feed.renewed", actor=actor, object_type="volunteer", object_id=profile.id
    )
    return feed


def profile_for_calendar_token(token: str) -> VolunteerProfile | None:
    """The volunteer the secret address belongs to, while they may take on tasks: the feed
    stops with the account (deactivated) and with the volunteer's approval (suspended)."""
    if not token or len(token) > 64:
        return None
    feed = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.token == token))
    if feed is None:
        return None
    profile = feed.volunteer
    if profile.status != VolunteerStatus.APPROVED or not profile.user.active:
        return None
    return profile


def feed_for_token(token: str) -> bytes | None:
    """The feed at the secret address ``token`` (None: no such feed). A read that ends its
    transaction before the calendar service gets the answer."""
    with read_only():
        profile = profile_for_calendar_token(token)
        if profile is None:
            return None
        return render_feed(profile, calendar_occurrences(profile))
