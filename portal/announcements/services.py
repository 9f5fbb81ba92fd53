"""Sending an announcement: who receives it, the daily limit, the privacy guard, the mails.

- A coordinator writes to the approved volunteers whose home municipality they coordinate,
  optionally narrowed to one municipality, to interests and to languages spoken.
- A manager writes to the volunteers who worked on the needs the manager published (an active
  or completed claim) within the last year.

Each recipient gets a mail in their own language (unless they chose otherwise for
announcements) and finds the announcement in their archive. One person sends at most
``ANNOUNCEMENTS_PER_DAY`` announcements in 24 hours; every announcement is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, insert, or_, select
from sqlalchemy.orm import joinedload

from portal.announcements.models import Announcement, AnnouncementRecipient, SenderRole
from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.core.errors import NotAllowed, ValidationFailed
from portal.core.labels import label
from portal.core.privacy_guard import address_errors, identity_errors
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.needs.models import Assignment, AssignmentStatus, Need
from portal.notifications.models import NotificationKind
from portal.notifications.preferences import modes_for, notify
from portal.notifications.services import external_url
from portal.plans.models import Client
from portal.security import municipality_ids
from portal.volunteers.models import (
    VolunteerInterest,
    VolunteerLanguage,
    VolunteerProfile,
    VolunteerStatus,
)

SUBJECT_MAX = 160
BODY_MAX = 5000
SUBJECT_LABEL = _l("Betreff")
BODY_LABEL = _l("Text")
WORKED_WITHIN = timedelta(days=365)


class AnnouncementInvalid(ValidationFailed):
    def __init__(self, errors: dict[str, str]) -> None:
        field_name, message = next(iter(errors.items()))
        super().__init__(message, field=field_name)
        self.errors = errors


@dataclass
class Audience:
    """Whom an announcement goes to, as chosen on the form."""

    role: str  # SenderRole
    municipality_ids: Sequence[int] = field(default_factory=tuple)
    interests: Sequence[str] = field(default_factory=tuple)
    languages: Sequence[str] = field(default_factory=tuple)


def sender_roles(user: User | Any) -> list[str]:
    """In which capacities ``user`` may send announcements."""
    roles: list[str] = []
    if user.has_role(Role.COORDINATOR):
        roles.append(SenderRole.COORDINATOR)
    if user.has_role(Role.MANAGER):
        roles.append(SenderRole.MANAGER)
    return roles


def recipients_stmt(actor: User | Any, audience: Audience) -> Select[Any]:
    """The active accounts of the approved volunteers the audience names."""
    profiles = select(VolunteerProfile.user_id).where(
        VolunteerProfile.status == VolunteerStatus.APPROVED
    )
    if audience.role == SenderRole.COORDINATOR:
        allowed = municipality_ids(actor, Role.COORDINATOR)
        chosen = set(audience.municipality_ids) & allowed if audience.municipality_ids else allowed
        profiles = profiles.where(VolunteerProfile.home_municipality_id.in_(sorted(chosen) or [-1]))
        if audience.interests:
            profiles = profiles.where(
                VolunteerProfile.id.in_(
                    select(VolunteerInterest.volunteer_id).where(
                        VolunteerInterest.category.in_(list(audience.interests))
                    )
                )
            )
        if audience.languages:
            profiles = profiles.where(
                VolunteerProfile.id.in_(
                    select(VolunteerLanguage.volunteer_id).where(
                        VolunteerLanguage.code.in_(list(audience.languages))
                    )
                )
            )
    else:
        since = utcnow() - WORKED_WITHIN
        worked = (
            select(Assignment.volunteer_id)
            .join(Need, Need.id == Assignment.need_id)
            .where(
                Need.created_by_id == actor.id,
                or_(
                    Assignment.status == AssignmentStatus.ACTIVE,
                    and_(
                        Assignment.status == AssignmentStatus.COMPLETED,
                        Assignment.ended_at >= since,
                    ),
                ),
            )
        )
        profiles = profiles.where(VolunteerProfile.id.in_(worked))
    return (
        select(User)
        .where(User.active.is_(True), User.erased_at.is_(None), User.id.in_(profiles))
        .order_by(User.id)
    )


def sent_today(actor: User | Any) -> int:
    return int(
        db.session.scalar(
            select(func.count(Announcement.id)).where(
                Announcement.sender_id == actor.id,
                Announcement.created_at > utcnow() - timedelta(days=1),
            )
        )
        or 0
    )


def _identity_errors(actor: User | Any, role: str, subject: str, body: str) -> dict[str, str]:
    """References of any client; for a manager also the names of the clients they manage."""
    texts = {"subject": (str(SUBJECT_LABEL), subject), "body": (str(BODY_LABEL), body)}
    errors = identity_errors(texts, None)
    if role == SenderRole.MANAGER and not errors:
        clients = db.session.scalars(
            select(Client).where(Client.manager_id == actor.id, Client.erased_at.is_(None))
        )
        for client in clients:
            errors = identity_errors(texts, client) or address_errors(texts, client.contact)
            if errors:
                break
    return errors


@unit_of_work()
def send_announcement(actor: User, audience: Audience, subject: str, body: str) -> Announcement:
    if audience.role not in sender_roles(actor):
        raise NotAllowed(_("Sie dürfen in dieser Rolle keine Rundschreiben senden."))
    subject = (subject or "").strip()
    body = (body or "").replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    if not subject:
        errors["subject"] = _("Bitte geben Sie einen Betreff an.")
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = _("Höchstens %(max)d Zeichen.", max=SUBJECT_MAX)
    if not body:
        errors["body"] = _("Bitte schreiben Sie einen Text.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("Höchstens %(max)d Zeichen.", max=BODY_MAX)
    errors = errors or _identity_errors(actor, audience.role, subject, body)
    if errors:
        raise AnnouncementInvalid(errors)
    limit = int(current_app.config["ANNOUNCEMENTS_PER_DAY"])
    # the sender's row is locked (PostgreSQL; SQLite serializes writers), so that two
    # announcements sent at once are counted one after the other
    db.session.execute(select(User.id).where(User.id == actor.id).with_for_update())
    if sent_today(actor) >= limit:
        raise ValidationFailed(
            _(
                "Sie haben in den letzten 24 Stunden schon %(count)d Rundschreiben gesendet; "
                "mehr sind nicht möglich.",
                count=limit,
            )
        )
    recipients = list(db.session.scalars(recipients_stmt(actor, audience)))
    if not recipients:
        raise ValidationFailed(_("Zu dieser Auswahl gehört niemand. Bitte wählen Sie weiter."))
    announcement = Announcement(
        sender_id=actor.id,
        sender_role=audience.role,
        subject=subject,
        body=body,
        audience={
            "municipality_ids": sorted(audience.municipality_ids),
            "interests": sorted(audience.interests),
            "languages": sorted(audience.languages),
        },
        recipient_count=len(recipients),
    )
    db.session.add(announcement)
    db.session.flush()
    db.session.execute(
        insert(AnnouncementRecipient),
        [{"announcement_id": announcement.id, "user_id": u.id} for u in recipients],
    )
    modes = modes_for([u.id for u in recipients], NotificationKind.ANNOUNCEMENTS)
    sender_name = f"{actor.display_name} ({label('role', audience.role)})"
    link = external_url("announcements.archive")
    for user in recipients:
        notify(
            user,
            NotificationKind.ANNOUNCEMENTS,
            "announcement",
            title=subject,
            body=body,
            link=link,
            mode=modes[user.id],
            announcement=announcement,
            sender_name=sender_name,
        )
    audit.record(
        "announcement.sent",
        actor=actor,
        object_type="announcement",
        object_id=announcement.id,
        role=audience.role,
        recipients=len(recipients),
    )
    return announcement


def archive_stmt(user: User | Any) -> Select[Any]:
    """The announcements ``user`` received, newest first."""
    return (
        select(Announcement)
        .join(AnnouncementRecipient, AnnouncementRecipient.announcement_id == Announcement.id)
        .where(AnnouncementRecipient.user_id == user.id)
        .options(joinedload(Announcement.sender))
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
    )
