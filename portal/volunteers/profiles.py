"""Volunteer sign-up, application and profile changes (rules and transactions)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    select,
)

from portal.audit import services as audit
from portal.auth.models import Membership, Role, User
from portal.auth.passwords import spend_hash_effort
from portal.auth.services import (
    create_user,
    find_user_by_email,
    send_verification,
    tell_owner_of_registration_attempt,
)
from portal.core.errors import Conflict, NotAllowed, ValidationFailed
from portal.core.labels import REGISTRY
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.needs.schedule import WEEKDAYS
from portal.volunteers.decisions import notify_coordinators_of_application
from portal.volunteers.models import (
    VolunteerEventKind,
    VolunteerProfile,
    VolunteerStatus,
    record_event,
)
from portal.volunteers.queries import profile_of

LANGUAGES = REGISTRY["language"]


LEVELS = REGISTRY["language_level"]


INTERESTS = REGISTRY["category"]


DAYPARTS = REGISTRY["part_of_day"]


MAX_MOTIVATION = 2000


@dataclass
class ProfileData:
    """What a volunteer tells us about themselves (sign-up, application, profile edit)."""

    home_municipality_id: int
    municipality_ids: list[int] = field(default_factory=list)
    phone: str = ""
    # ISO 639 code -> level
    languages: dict[str, str] = field(default_factory=dict)
    interests: list[str] = field(default_factory=list)
    # weekday (0 = Monday) -> parts of the day
    availability: dict[int, list[str]] = field(default_factory=dict)
    has_car: bool = False
    motivation: str = ""


def _clean(data: ProfileData) -> tuple[Municipality, list[Municipality]]:
    """Check the data against the reference lists; the municipalities it names."""
    ids = {data.home_municipality_id, *data.municipality_ids}
    found = {
        m.id: m for m in db.session.scalars(select(Municipality).where(Municipality.id.in_(ids)))
    }
    home = found.get(data.home_municipality_id)
    if home is None:
        raise ValidationFailed(
            str(_l("Bitte wählen Sie eine Gemeinde aus der Liste.")), field="home_municipality_id"
        )
    if any(mid not in found for mid in data.municipality_ids):
        raise ValidationFailed(
            str(_l("Bitte wählen Sie Gemeinden aus der Liste.")), field="municipality_ids"
        )
    for code, level in data.languages.items():
        if code not in LANGUAGES or level not in LEVELS:
            raise ValidationFailed(str(_l("Unbekannte Sprache oder Stufe.")), field="languages")
    if any(i not in INTERESTS for i in data.interests):
        raise ValidationFailed(str(_l("Unbekannter Bereich.")), field="interests")
    for day, parts in data.availability.items():
        if type(day) is not int or day not in WEEKDAYS or any(p not in DAYPARTS for p in parts):
            raise ValidationFailed(str(_l("Unbekannte Zeitangabe.")), field="availability")
    if len(data.motivation) > MAX_MOTIVATION:
        raise ValidationFailed(
            str(_l("Höchstens %(max)d Zeichen.", max=MAX_MOTIVATION)), field="motivation"
        )
    further = [found[mid] for mid in dict.fromkeys(data.municipality_ids) if mid != home.id]
    return home, further


def _apply_data(
    profile: VolunteerProfile,
    data: ProfileData,
    home: Municipality,
    further: list[Municipality],
) -> None:
    profile.home_municipality = home
    profile.municipalities = [home, *further]
    profile.phone = data.phone.strip()
    profile.languages = {code: data.languages[code] for code in LANGUAGES if code in data.languages}
    profile.interests = [i for i in INTERESTS if i in data.interests]
    profile.availability = {
        day: [p for p in DAYPARTS if p in data.availability.get(day, [])]
        for day in WEEKDAYS
        if data.availability.get(day)
    }
    profile.has_car = bool(data.has_car)
    profile.motivation = data.motivation.strip()


def _create_profile(user: User, data: ProfileData, consent: bool, pledge: bool) -> VolunteerProfile:
    if not consent:
        raise ValidationFailed(
            str(_l("Bitte bestätigen Sie, dass Sie die Datenschutzerklärung gelesen haben.")),
            field="consent",
        )
    if not pledge:
        raise ValidationFailed(
            str(_l("Bitte unterschreiben Sie die Verschwiegenheitserklärung.")), field="pledge"
        )
    home, further = _clean(data)
    now = utcnow()
    profile = VolunteerProfile(
        user=user,
        status=VolunteerStatus.PENDING,
        consent_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        consent_at=now,
        pledge_signed_at=now,
        submitted_at=now,
        decision_reason="",
    )
    _apply_data(profile, data, home, further)
    db.session.add(profile)
    # Ticking the box acknowledges the privacy notice in force (portal.legal.notice).
    user.privacy_version, user.privacy_acknowledged_at = profile.consent_version, now
    if Role.VOLUNTEER not in user.roles:
        user.memberships.append(Membership(role=Role.VOLUNTEER))
    db.session.flush()
    record_event(profile, VolunteerEventKind.SUBMITTED, user, to_status=VolunteerStatus.PENDING)
    audit.record_about(
        "volunteer.applied", user, profile, home.id, consent_version=profile.consent_version
    )
    return profile


@unit_of_work()
def register_volunteer(
    email: str,
    display_name: str,
    password: str,
    data: ProfileData,
    *,
    consent: bool,
    pledge: bool,
    locale: str = "de",
) -> VolunteerProfile | None:
    """Create account and profile in one transaction and e-mail a verification link.

    As with the normal sign-up, a registered address is not revealed: its owner is e-mailed and
    None is returned; nothing else is stored.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        _clean(data)  # bad input is still bad input
        spend_hash_effort(password)  # as long as hashing the new account's password
        tell_owner_of_registration_attempt(existing)
        return None
    user = create_user(email, display_name, password, locale=locale)
    profile = _create_profile(user, data, consent, pledge)
    send_verification(user)
    audit.record("user.signed_up", actor=user, object_type="user", object_id=user.id)
    return profile


@unit_of_work()
def apply(user: User, data: ProfileData, *, consent: bool, pledge: bool) -> VolunteerProfile:
    """A logged-in user without a profile applies as a volunteer."""
    if profile_of(user) is not None:
        raise Conflict(str(_l("Sie haben sich bereits beworben.")))
    profile = _create_profile(user, data, consent, pledge)
    if user.email_verified_at is not None:
        notify_coordinators_of_application(profile)
    return profile


@unit_of_work()
def update_profile(user: User, profile: VolunteerProfile, data: ProfileData) -> bool:
    """Save the volunteer's own changes. A new home municipality sends an approved or rejected
    profile back to review (the new town hall decides); returns True in that case."""
    if profile.user_id != user.id:
        raise NotAllowed(str(_l("Das ist nicht Ihr Profil.")))
    home, further = _clean(data)
    old_home_id = profile.home_municipality_id
    moved = home.id != old_home_id
    _apply_data(profile, data, home, further)
    back_to_review = moved and profile.status in (
        VolunteerStatus.APPROVED,
        VolunteerStatus.REJECTED,
    )
    if back_to_review:
        old = profile.status
        profile.status = VolunteerStatus.PENDING
        profile.submitted_at = utcnow()
        profile.decided_by_id = None
        profile.decided_at = None
        profile.decision_reason = ""
        record_event(
            profile,
            VolunteerEventKind.RESUBMITTED,
            user,
            from_status=old,
            to_status=VolunteerStatus.PENDING,
        )
        notify_coordinators_of_application(profile)
    else:
        record_event(profile, VolunteerEventKind.PROFILE_UPDATED, user)
    audit.record_about(
        "volunteer.profile_updated",
        user,
        profile,
        home.id,
        moved_from=old_home_id if moved else None,
        back_to_review=back_to_review,
    )
    return back_to_review
