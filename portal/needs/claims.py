"""Claims, withdrawals and releases: the claim loop's state changes.

A claim can never overbook a need, also not under concurrent requests (DESIGN.md §5): the
counter ``need.taken`` is raised with one conditional UPDATE (``WHERE taken < capacity AND
status = 'open'``; no row changed = full), the database keeps ``0 <= taken <= capacity`` with a
CHECK, and a partial UNIQUE index allows one active claim per (need, volunteer). On SQLite every
transaction starts with ``BEGIN IMMEDIATE``; on PostgreSQL the volunteer's row is locked so
that the same person's parallel claims are checked one after the other.

Every function takes the acting user, enforces the rules (`portal.needs.rules`), and is one unit
of work: it commits, or raises a DomainError with the session rolled back.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from portal.audit import services as audit
from portal.auth.models import User
from portal.core.errors import (
    CapacityReached,
    Conflict,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.needs.models import (
    Assignment,
    AssignmentStatus,
    Need,
    NeedStatus,
)
from portal.needs.rules import LIVE, approved_profile, check_claim, managers_of
from portal.notifications.services import external_url, queue_email
from portal.security import may_manage_need
from portal.volunteers.models import VolunteerProfile
from portal.volunteers.queries import profile_of

REASON_MAX = 1000


def mail_managers(need: Need, template: str, **context: object) -> None:
    link = external_url("needs.detail", need_id=need.id)
    for manager in managers_of(need):
        queue_email(
            manager.email,
            template,
            manager.locale,
            manager=manager,
            need=need,
            link=link,
            **context,
        )


def mail_volunteer(profile: VolunteerProfile, need: Need, template: str, **context: object) -> None:
    user = profile.user
    queue_email(
        user.email,
        template,
        user.locale,
        volunteer=user,
        need=need,
        link=external_url("board.need", need_id=need.id),
        **context,
    )


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Bitte geben Sie einen Grund an."), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            _("Der Grund darf höchstens %(max)d Zeichen lang sein.", max=REASON_MAX),
            field="reason",
        )
    return reason


def _lock_profile(profile_id: int) -> VolunteerProfile:
    """Serialize one volunteer's claims (PostgreSQL row lock; SQLite is serialized anyway)."""
    profile = db.session.scalar(
        select(VolunteerProfile)
        .where(VolunteerProfile.id == profile_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert profile is not None
    return profile


@unit_of_work()
def claim(actor: User, need_id: int) -> Assignment:
    """Take on a need: one transaction that cannot overbook."""
    profile = approved_profile(actor)
    profile = _lock_profile(profile.id)
    need = db.session.get(Need, need_id, populate_existing=True)
    if need is None:
        raise NotFound(_("Diese Aufgabe gibt es nicht (mehr)."))
    check_claim(profile, need)
    taken = db.session.execute(
        update(Need)
        .where(Need.id == need.id, Need.taken < Need.capacity, Need.status == NeedStatus.OPEN)
        .values(taken=Need.taken + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise CapacityReached(_("Alle Plätze dieser Aufgabe sind bereits vergeben."))
    db.session.execute(
        update(Need)
        .where(Need.id == need.id, Need.taken >= Need.capacity, Need.status == NeedStatus.OPEN)
        .values(status=NeedStatus.FILLED)
        .execution_options(synchronize_session=False)
    )
    assignment = Assignment(need_id=need.id, volunteer_id=profile.id)
    db.session.add(assignment)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(_("Sie haben diese Aufgabe bereits übernommen.")) from None
    db.session.refresh(need)
    audit.record_about(
        "assignment.claimed", actor, assignment, need.municipality_id, need_id=need.id
    )
    mail_managers(need, "board_claimed_manager", volunteer=profile.user, profile=profile)
    mail_volunteer(profile, need, "board_claimed_volunteer", contacts=managers_of(need))
    return assignment


def _end(assignment: Assignment, status: str, reason: str) -> None:
    """Move an active assignment to ``status`` and give its place back, atomically."""
    ended = db.session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.status == AssignmentStatus.ACTIVE)
        .values(status=status, ended_at=utcnow(), reason=reason)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidTransition(_("Diese Übernahme ist nicht mehr aktiv."))
    db.session.execute(
        update(Need)
        .where(Need.id == assignment.need_id, Need.taken > 0)
        .values(
            taken=Need.taken - 1,
            status=case((Need.status == NeedStatus.FILLED, NeedStatus.OPEN), else_=Need.status),
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(assignment)
    db.session.refresh(assignment.need)


def get_assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(_("Diese Übernahme gibt es nicht."))
    return assignment


@unit_of_work()
def withdraw(actor: User, assignment_id: int, reason: str) -> Assignment:
    """The volunteer gives a claim back; the place opens again."""
    profile = profile_of(actor)
    assignment = get_assignment(assignment_id)
    if profile is None or assignment.volunteer_id != profile.id:
        raise NotFound(_("Diese Übernahme gibt es nicht."))
    reason = _clean_reason(reason)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise InvalidTransition(_("Diese Übernahme ist nicht mehr aktiv."))
    if assignment.need.status not in LIVE:
        raise InvalidTransition(_("Diese Aufgabe ist abgeschlossen oder abgesagt."))
    _end(assignment, AssignmentStatus.WITHDRAWN, reason)
    need = assignment.need
    audit.record_about(
        "assignment.withdrawn", actor, assignment, need.municipality_id, need_id=need.id
    )
    mail_managers(need, "board_withdrawn_manager", volunteer=profile.user, reason=reason)
    mail_volunteer(profile, need, "board_withdrawn_volunteer", reason=reason)
    return assignment


@unit_of_work()
def release(actor: User, assignment_id: int, reason: str) -> Assignment:
    """A manager of the need's municipality ends a claim; the place opens again."""
    assignment = get_assignment(assignment_id)
    need = assignment.need
    if not may_manage_need(actor, need):
        raise NotFound(_("Diese Übernahme gibt es nicht."))
    reason = _clean_reason(reason)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise InvalidTransition(_("Diese Übernahme ist nicht mehr aktiv."))
    if need.status not in LIVE:
        raise InvalidTransition(_("Diese Aufgabe ist abgeschlossen oder abgesagt."))
    _end(assignment, AssignmentStatus.RELEASED, reason)
    profile = assignment.volunteer
    audit.record_about(
        "assignment.released",
        actor,
        assignment,
        need.municipality_id,
        need_id=need.id,
        reason=reason,
    )
    mail_volunteer(profile, need, "board_released_volunteer", reason=reason, manager=actor)
    mail_managers(need, "board_released_manager", volunteer=profile.user, reason=reason, by=actor)
    return assignment


def release_for_erasure(assignment: Assignment) -> None:
    """The volunteer's account is being erased: end the active claim and tell the need's
    managers that a place is free again, without naming anyone (caller's transaction)."""
    _end(assignment, AssignmentStatus.RELEASED, "")
    need = assignment.need
    audit.record_about("assignment.released", None, assignment, need.municipality_id)
    mail_managers(need, "erasure_place_freed")
