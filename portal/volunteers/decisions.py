"""Vetting decisions on volunteers and the certificates of conduct their coordinators inspect.

Every change of a volunteer's status goes through `decide` (one table of transitions), stores
who/when/why, writes a history entry and an audit event, and e-mails the volunteer through the
outbox in their own language, all in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.orm import joinedload

from portal.audit import services as audit
from portal.auth.models import User
from portal.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.core.labels import label
from portal.core.time import today_local, utcnow
from portal.core.transaction import unit_of_work, writing
from portal.extensions import db
from portal.notifications.services import external_url, queue_email
from portal.security import is_own_account, may_coordinate_volunteer, refuse_own_account
from portal.volunteers.certificates import REMINDER_WEEKS, add_years
from portal.volunteers.models import (
    ConductCertificateCheck,
    VolunteerEventKind,
    VolunteerProfile,
    VolunteerStatus,
    record_event,
)
from portal.volunteers.queries import coordinators_of, profile_of
from portal.volunteers.queue import latest_check_filter

MAX_REASON = 2000


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    event: str
    reason_required: bool
    template: str


APPROVE, REJECT, REQUEST_INFO, SUSPEND, REINSTATE = (
    "approve",
    "reject",
    "request_info",
    "suspend",
    "reinstate",
)


S = VolunteerStatus


TRANSITIONS: dict[str, Transition] = {
    APPROVE: Transition((S.PENDING,), S.APPROVED, VolunteerEventKind.APPROVED, False, "approved"),
    REJECT: Transition((S.PENDING,), S.REJECTED, VolunteerEventKind.REJECTED, True, "rejected"),
    # A request for information keeps the application pending.
    REQUEST_INFO: Transition(
        (S.PENDING,), S.PENDING, VolunteerEventKind.INFO_REQUESTED, True, "info_requested"
    ),
    SUSPEND: Transition(
        (S.APPROVED,), S.SUSPENDED, VolunteerEventKind.SUSPENDED, True, "suspended"
    ),
    REINSTATE: Transition(
        (S.SUSPENDED,), S.APPROVED, VolunteerEventKind.REINSTATED, True, "reinstated"
    ),
}


ACTION_LABELS: dict[str, Any] = {
    APPROVE: _l("Freigeben"),
    REJECT: _l("Ablehnen"),
    REQUEST_INFO: _l("Rückfrage stellen"),
    SUSPEND: _l("Aussetzen"),
    REINSTATE: _l("Wieder freigeben"),
}


def allowed_actions(profile: VolunteerProfile, actor: User | None = None) -> list[str]:
    """The decisions possible in the profile's status (none on the actor's own profile)."""
    if is_own_account(actor, profile.user_id):
        return []
    return [name for name, t in TRANSITIONS.items() if profile.status in t.sources]


@unit_of_work()
def decide(actor: User, profile: VolunteerProfile, action: str, reason: str = "") -> None:
    """Apply a coordinator's decision. Raises InvalidTransition in the wrong state, and
    NotAllowed on the actor's own profile (another coordinator decides on it)."""
    if not may_coordinate_volunteer(actor, profile):
        raise NotAllowed(str(_l("Sie koordinieren diese Gemeinde nicht.")))
    refuse_own_account(actor, profile.user_id)
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise InvalidTransition(str(_l("Unbekannte Entscheidung.")))
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise ValidationFailed(str(_l("Bitte geben Sie eine Begründung an.")), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            str(_l("Höchstens %(max)d Zeichen.", max=MAX_REASON)), field="reason"
        )
    old = profile.status
    if old not in transition.sources:
        raise InvalidTransition(
            str(
                _l(
                    "Das geht nicht: %(name)s ist %(status)s.",
                    name=profile.user.display_name,
                    status=label("volunteer_status", old),
                )
            )
        )
    now = utcnow()
    if transition.target != old:
        # Compare-and-set: of two coordinators deciding at once, only one wins.
        result = db.session.execute(
            update(VolunteerProfile)
            .where(VolunteerProfile.id == profile.id, VolunteerProfile.status == old)
            .values(
                status=transition.target,
                decided_by_id=actor.id,
                decided_at=now,
                decision_reason=reason,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise InvalidTransition(
                str(_l("Jemand anderes hat gerade entschieden. Bitte laden Sie neu."))
            )
        db.session.expire(profile, ["status", "decided_by_id", "decided_at", "decision_reason"])
    record_event(
        profile, transition.event, actor, reason, from_status=old, to_status=transition.target
    )
    audit.record(
        f"volunteer.{action}",
        actor=actor,
        object_type="volunteer",
        object_id=profile.id,
        municipality_id=profile.home_municipality_id,
        from_status=old,
        to_status=transition.target,
        reason=reason,
    )
    volunteer = profile.user
    queue_email(
        volunteer.email,
        f"volunteer_{transition.template}",
        volunteer.locale,
        user=volunteer,
        profile=profile,
        actor=actor,
        reason=reason,
        municipality=profile.home_municipality.name,
        link=external_url("volunteers.home"),
    )


def notify_coordinators_of_application(profile: VolunteerProfile) -> int:
    """E-mail the coordinators of the home municipality that an application waits for them
    (in each coordinator's language). The caller commits. Returns the number of e-mails."""
    home_id = profile.home_municipality.id  # the relationship: the id may not be flushed yet
    coordinators = coordinators_of({home_id}).get(home_id, [])
    link = external_url("coordination.volunteer", volunteer_id=profile.id)
    for coordinator in coordinators:
        queue_email(
            coordinator.email,
            "volunteer_new_application",
            coordinator.locale,
            coordinator=coordinator,
            volunteer=profile.user,
            municipality=profile.home_municipality.name,
            link=link,
        )
    return len(coordinators)


def application_verified(user: User, **_extra: Any) -> None:
    """A volunteer who signed up has confirmed the address: now the town hall hears of it."""
    profile = profile_of(user)
    if profile is not None and profile.status == VolunteerStatus.PENDING:
        notify_coordinators_of_application(profile)


# --- certificates of conduct -----------------------------------------------------------


@unit_of_work()
def record_certificate_check(
    actor: User, profile: VolunteerProfile, issued_on: date, seen_on: date
) -> ConductCertificateCheck:
    """Record that ``actor`` inspected the certificate. Only these facts are stored; nobody
    vouches for their own certificate."""
    if not may_coordinate_volunteer(actor, profile):
        raise NotAllowed(str(_l("Sie koordinieren diese Gemeinde nicht.")))
    refuse_own_account(actor, profile.user_id)
    today = today_local()
    if seen_on > today:
        raise ValidationFailed(str(_l("Das Datum liegt in der Zukunft.")), field="seen_on")
    if issued_on > seen_on:
        raise ValidationFailed(
            str(_l("Das Zeugnis kann nicht nach der Einsichtnahme ausgestellt sein.")),
            field="issued_on",
        )
    years = current_app.config["CONDUCT_CERTIFICATE_VALID_YEARS"]
    valid_until = add_years(issued_on, years)
    if valid_until < today:
        raise ValidationFailed(
            str(_l("Dieses Führungszeugnis ist bereits abgelaufen.")), field="issued_on"
        )
    check = ConductCertificateCheck(
        volunteer=profile,
        issued_on=issued_on,
        seen_on=seen_on,
        seen_by_id=actor.id,
        valid_until=valid_until,
    )
    db.session.add(check)
    db.session.flush()
    record_event(profile, VolunteerEventKind.CERTIFICATE_RECORDED, actor)
    audit.record_about(
        "volunteer.certificate_recorded",
        actor,
        profile,
        profile.home_municipality_id,
        issued_on=issued_on.isoformat(),
        seen_on=seen_on.isoformat(),
        valid_until=valid_until.isoformat(),
    )
    return check


@writing()
def send_certificate_reminders(today: date | None = None) -> int:
    """E-mail volunteer and coordinators 8 weeks before a certificate expires, once.

    Returns the number of certificates reminded about. The marker is set with a
    compare-and-set, so two runs at once do not remind twice.
    """
    today = today or today_local()
    horizon = today + timedelta(weeks=REMINDER_WEEKS)
    due = list(
        db.session.scalars(
            select(ConductCertificateCheck)
            .join(VolunteerProfile, VolunteerProfile.id == ConductCertificateCheck.volunteer_id)
            .options(
                joinedload(ConductCertificateCheck.volunteer).joinedload(VolunteerProfile.user),
                joinedload(ConductCertificateCheck.volunteer).joinedload(
                    VolunteerProfile.home_municipality
                ),
            )
            .where(
                ConductCertificateCheck.reminder_sent_at.is_(None),
                ConductCertificateCheck.valid_until >= today,
                ConductCertificateCheck.valid_until <= horizon,
                VolunteerProfile.status.in_((VolunteerStatus.APPROVED, VolunteerStatus.SUSPENDED)),
                latest_check_filter(),
            )
            .order_by(ConductCertificateCheck.id)
        )
    )
    if not due:
        db.session.commit()
        return 0
    coordinators = coordinators_of({c.volunteer.home_municipality_id for c in due})
    sent = 0
    for check in due:
        claimed = db.session.execute(
            update(ConductCertificateCheck)
            .where(
                ConductCertificateCheck.id == check.id,
                ConductCertificateCheck.reminder_sent_at.is_(None),
            )
            .values(reminder_sent_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        profile = check.volunteer
        volunteer = profile.user
        municipality = profile.home_municipality.name
        team = coordinators.get(profile.home_municipality_id, [])
        queue_email(
            volunteer.email,
            "volunteer_certificate_expiring",
            volunteer.locale,
            user=volunteer,
            valid_until=check.valid_until,
            municipality=municipality,
            coordinators=team,
            link=external_url("volunteers.home"),
        )
        for coordinator in team:
            queue_email(
                coordinator.email,
                "volunteer_certificate_expiring_coordinator",
                coordinator.locale,
                user=coordinator,
                volunteer=volunteer,
                valid_until=check.valid_until,
                municipality=municipality,
                link=external_url("coordination.volunteer", volunteer_id=profile.id),
            )
        record_event(profile, VolunteerEventKind.CERTIFICATE_REMINDER, None)
        audit.record_about(
            "volunteer.certificate_reminder_sent",
            None,
            profile,
            profile.home_municipality_id,
            valid_until=check.valid_until.isoformat(),
            coordinators=len(team),
        )
        db.session.commit()
        sent += 1
    return sent
