"""A volunteer erases their own account (GDPR Art. 17), and the erasure itself.

The request is confirmed from an e-mailed link (signed, expiring, bound to the request's time,
so a cancelled request voids it) with the account's password: an open session alone, or the
mail alone, cannot erase an account. Staff accounts (coordination, integration management,
administration) are not erased this way: an administrator deactivates them, and their name stays
where they acted for others (decisions, audit trail).

Erasure keeps the ``user`` and ``volunteer_profile`` rows as tombstones without personal data,
so that reports stay in the managers' case records (the author shown as "ehemalige
Ehrenamtliche") and hours stay in the statistics. Everything else about the person is deleted
(sessions, second factor, calendar token, certificate checks, history, languages, interests,
availability, memberships, their mail in the outbox) or redacted (their name, e-mail address
and phone number in every free text, `portal.privacy.redaction`). Audit events about the
person keep their action and time, not their details.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from portal.announcements.models import AnnouncementRecipient
from portal.audit import services as audit
from portal.auth import tokens
from portal.auth.models import STAFF_ROLES, Membership, User, new_session_token
from portal.auth.passwords import verify_password
from portal.auth.security_models import LoginSession, RecoveryCode, TotpCredential, TrustedDevice
from portal.conversations.models import ConversationRead
from portal.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.core.time import utcnow
from portal.core.transaction import read_only, unit_of_work
from portal.extensions import db
from portal.needs.claims import release_for_erasure
from portal.needs.models import Assignment, AssignmentStatus, CalendarFeedToken
from portal.notifications.models import DigestItem, NotificationPreference, OutboundEmail
from portal.notifications.services import external_url, queue_email
from portal.privacy.redaction import Needles, redact_everywhere
from portal.volunteers.models import (
    ConductCertificateCheck,
    VolunteerAvailability,
    VolunteerEvent,
    VolunteerInterest,
    VolunteerLanguage,
    VolunteerProfile,
    volunteer_municipality,
)
from portal.volunteers.queries import profile_ids_of


def may_erase_own_account(user: User) -> bool:
    """Volunteers (and accounts without a role) may; staff may not (an admin deactivates)."""
    return user.erased_at is None and not user.has_role(*STAFF_ROLES)


def _token_for(user: User) -> str:
    assert user.erasure_requested_at is not None
    return tokens.make_token(tokens.ERASURE, uid=user.id, at=user.erasure_requested_at.isoformat())


@unit_of_work()
def request_erasure(user: User) -> None:
    """Start the cooling-off: e-mail the confirmation link (a new request replaces the old)."""
    if not may_erase_own_account(user):
        raise NotAllowed(
            _(
                "Konten mit einer Aufgabe in Koordination, Integrationsmanagement oder "
                "Administration löscht die Administration."
            )
        )
    user.erasure_requested_at = utcnow()
    hours = current_app.config["ERASURE_CONFIRM_MAX_AGE"] // 3600
    link = external_url("privacy.confirm_erasure", token=_token_for(user))
    queue_email(user.email, "erasure_confirm", user.locale, user=user, link=link, hours=hours)
    audit.record("user.erasure_requested", actor=user, object_type="user", object_id=user.id)


@unit_of_work()
def cancel_erasure(user: User) -> None:
    if user.erasure_requested_at is None:
        raise InvalidTransition(_("Es liegt kein Antrag auf Löschung vor."))
    user.erasure_requested_at = None  # the e-mailed link stops working
    audit.record("user.erasure_cancelled", actor=user, object_type="user", object_id=user.id)


def user_for_token(token: str) -> User:
    """The account whose pending request the link confirms; TokenInvalid otherwise."""
    data = tokens.read_token(tokens.ERASURE, token)
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    requested = user.erasure_requested_at if user is not None else None
    if user is None or requested is None or requested.isoformat() != data.get("at"):
        raise tokens.TokenInvalid()
    return user


def confirm_erasure(token: str, password: str) -> User:
    """Erase the account the link names, if the password is the account's."""
    with read_only():
        user = user_for_token(token)
        password_ok = verify_password(user.password_hash, password)
    if not password_ok:
        raise ValidationFailed(_("Das Passwort ist nicht richtig."), field="password")
    with unit_of_work():
        user = user_for_token(token)  # still pending inside the write transaction
        if not may_erase_own_account(user):
            raise NotAllowed(_("Dieses Konto kann nicht selbst gelöscht werden."))
        erase_volunteer(user, by="self")
    return user


@unit_of_work()
def erase_volunteer(user: User, by: str) -> None:
    """Erase ``user`` (a volunteer's account) for good; ``by`` is "self" or "retention"."""
    if user.erased_at is not None:
        raise InvalidTransition(_("Dieses Konto ist bereits gelöscht."))
    profile = db.session.scalar(
        select(VolunteerProfile).where(VolunteerProfile.id.in_(profile_ids_of(user.id)))
    )
    needles = Needles.of(user.display_name, user.email, profile.phone if profile else "")
    if profile is not None:
        _erase_profile(profile)
    for model in (
        LoginSession,
        TotpCredential,
        RecoveryCode,
        TrustedDevice,
        Membership,
        ConversationRead,
        NotificationPreference,
        DigestItem,
        AnnouncementRecipient,
    ):
        db.session.execute(delete(model).where(model.user_id == user.id))
    # Their messages stay in the conversations (the others' record of the task), shown as
    # written by "ehemalige Ehrenamtliche"; the name words in any text are redacted below.
    user.unread_messages = 0
    db.session.expire(user, ["memberships"])
    db.session.execute(delete(OutboundEmail).where(OutboundEmail.recipient == user.email))
    audit.scrub_about(
        [("user", user.id)] + ([("volunteer", profile.id)] if profile is not None else [])
    )
    redact_everywhere(needles)
    user.email = f"geloescht-{user.id}@erased.invalid"
    user.display_name = ""
    user.password_hash = None
    user.active = False
    user.email_verified_at = None
    user.session_token = new_session_token()
    user.erasure_requested_at = None
    user.inactivity_warned_at = None
    user.erased_at = utcnow()
    audit.record("user.erased", actor=None, object_type="user", object_id=user.id, by=by)


def _erase_profile(profile: VolunteerProfile) -> None:
    active = db.session.scalars(
        select(Assignment).where(
            Assignment.volunteer_id == profile.id, Assignment.status == AssignmentStatus.ACTIVE
        )
    )
    for assignment in list(active):
        release_for_erasure(assignment)
    for model in (
        CalendarFeedToken,
        ConductCertificateCheck,
        VolunteerEvent,
        VolunteerLanguage,
        VolunteerInterest,
        VolunteerAvailability,
    ):
        db.session.execute(delete(model).where(model.volunteer_id == profile.id))
    db.session.execute(
        delete(volunteer_municipality).where(volunteer_municipality.c.volunteer_id == profile.id)
    )
    db.session.expire(profile)
    db.session.execute(
        update(VolunteerProfile)
        .where(VolunteerProfile.id == profile.id)
        .values(
            phone="",
            has_car=False,
            motivation="",
            decision_reason="",
            consent_version="",
            consent_at=None,
            pledge_signed_at=None,
        )
    )


def pending_request(user: Any) -> bool:
    return getattr(user, "erasure_requested_at", None) is not None
