"""Claims, withdrawals, releases and reports back: every rule of the claim loop in one place.

A claim can never overbook a need, also not under concurrent requests (DESIGN.md §5): the
counter ``need.taken`` is raised with one conditional UPDATE (``WHERE taken < capacity AND
status = 'open'``; no row changed = full), the database keeps ``0 <= taken <= capacity`` with a
CHECK, and a partial UNIQUE index allows one active claim per (need, volunteer). On SQLite every
transaction starts with ``BEGIN IMMEDIATE``; on PostgreSQL the volunteer's row is locked so
that the same person's parallel claims are checked one after the other.

Every function takes the acting user, enforces the rules, commits, and raises a DomainError.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.audit import services as audit
from portal.auth.models import Membership, Role, User
from portal.core.errors import (
    CapacityReached,
    Conflict,
    InvalidTransition,
    NotAllowed,
    NotFound,
    ValidationFailed,
)
from portal.core.time import to_local, today_local, utcnow
from portal.extensions import db
from portal.needs import schedule
from portal.needs.models import (
    Assignment,
    AssignmentStatus,
    CalendarFeedToken,
    Need,
    NeedStatus,
    Report,
)
from portal.notifications.services import external_url, queue_email
from portal.security import may_manage_need
from portal.volunteers.certificates import may_work_with_minors
from portal.volunteers.models import VolunteerProfile, VolunteerStatus
from portal.volunteers.queries import profile_of

REASON_MAX = 1000
TEXT_MAX = 5000
VISIBLE_TO_VOLUNTEERS = (NeedStatus.OPEN, NeedStatus.FILLED)
LIVE = (NeedStatus.OPEN, NeedStatus.FILLED)


# --- who may see what --------------------------------------------------------------------------


def helps_in(profile: VolunteerProfile) -> set[int]:
    """The municipalities a volunteer helps in: the further ones and the home municipality."""
    return {m.id for m in profile.municipalities} | {profile.home_municipality_id}


def approved_profile(user: User) -> VolunteerProfile:
    """The acting volunteer's profile; only approved volunteers take on needs."""
    profile = profile_of(user)
    if profile is None:
        raise NotAllowed(_("Sie haben kein Profil als Ehrenamtliche/r."))
    if profile.status != VolunteerStatus.APPROVED:
        raise NotAllowed(
            _("Ihr Profil ist noch nicht freigegeben. Aufgaben übernehmen können Sie danach.")
        )
    return profile


def may_see_need(profile: VolunteerProfile, need: Need, has_claim: bool = False) -> bool:
    """Approved volunteers see open and filled needs of the municipalities they help in;
    anyone who holds (or held) a claim on a need keeps seeing it."""
    if has_claim:
        return True
    return (
        profile.status == VolunteerStatus.APPROVED
        and need.status in VISIBLE_TO_VOLUNTEERS
        and need.municipality_id in helps_in(profile)
    )


def own_assignment(profile: VolunteerProfile, need: Need) -> Assignment | None:
    """The volunteer's latest assignment on ``need`` (active first)."""
    rows = db.session.scalars(
        select(Assignment)
        .where(Assignment.need_id == need.id, Assignment.volunteer_id == profile.id)
        .order_by(Assignment.claimed_at.desc(), Assignment.id.desc())
    ).all()
    active = [a for a in rows if a.status == AssignmentStatus.ACTIVE]
    return (active or rows or [None])[0]


def certificate_covers(profile: VolunteerProfile, need: Need) -> bool:
    """A valid certificate of conduct on the first and on the last day of the schedule (from
    today on). A weekly need without an end cannot be covered by a certificate that expires:
    the certificate must then be valid for a year ahead."""
    today = today_local()
    first = max(schedule.first_day(need) or today, today)
    last = schedule.last_day(need)
    if last is None:
        last = first + timedelta(days=365)
    last = max(last, first)
    return may_work_with_minors(profile, first) and may_work_with_minors(profile, last)


def meets_certificate_requirement(profile: VolunteerProfile, need: Need) -> bool:
    return not need.requires_conduct_certificate or certificate_covers(profile, need)


def need_has_ended(need: Need) -> bool:
    now = utcnow()
    if schedule.is_once(need):
        interval = schedule.once_interval(need)
        return bool(interval and interval[0] <= now)
    return bool(need.ends_on and need.ends_on < today_local())


def managers_of(need: Need) -> list[User]:
    """Who hears about claims on ``need``: the manager who published it, else every manager of
    its municipality (directly or through the branch office)."""
    creator = need.created_by
    if creator is not None and creator.active:
        return [creator]
    office_id = need.municipality.office_id if need.municipality else None
    scope = [Membership.municipality_id == need.municipality_id]
    if office_id is not None:
        scope.append(Membership.office_id == office_id)
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.role == Role.MANAGER, or_(*scope), User.active.is_(True))
            .distinct()
            .order_by(User.id)
        )
    )


# --- e-mail ------------------------------------------------------------------------------------


def _mail_managers(need: Need, template: str, **context: object) -> None:
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


def _mail_volunteer(
    profile: VolunteerProfile, need: Need, template: str, **context: object
) -> None:
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


# --- the claim loop ----------------------------------------------------------------------------


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


def conflicting_need(profile: VolunteerProfile, need: Need) -> Need | None:
    """Another active claim of the volunteer whose schedule collides with ``need``."""
    others = db.session.scalars(
        select(Need)
        .join(Assignment, Assignment.need_id == Need.id)
        .where(
            Assignment.volunteer_id == profile.id,
            Assignment.status == AssignmentStatus.ACTIVE,
            Need.id != need.id,
            Need.status.in_(LIVE),
        )
    )
    for other in others:
        if schedule.overlaps(need, other):
            return other
    return None


def check_claim(profile: VolunteerProfile, need: Need) -> None:
    """Every rule of a claim except capacity under concurrency (the UPDATE decides that)."""
    if profile.status != VolunteerStatus.APPROVED:
        raise NotAllowed(
            _("Ihr Profil ist noch nicht freigegeben. Aufgaben übernehmen können Sie danach.")
        )
    if need.municipality_id not in helps_in(profile) or need.status == NeedStatus.DRAFT:
        raise NotFound(_("Diese Aufgabe gibt es nicht (mehr)."))
    already = db.session.scalar(
        select(Assignment.id).where(
            Assignment.need_id == need.id,
            Assignment.volunteer_id == profile.id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    )
    if already is not None:
        raise Conflict(_("Sie haben diese Aufgabe bereits übernommen."))
    if need.status == NeedStatus.FILLED:
        raise CapacityReached(_("Alle Plätze dieser Aufgabe sind bereits vergeben."))
    if need.status != NeedStatus.OPEN:
        raise InvalidTransition(_("Diese Aufgabe ist abgeschlossen oder abgesagt."))
    if need_has_ended(need):
        raise InvalidTransition(_("Dieser Termin liegt in der Vergangenheit."))
    if need.requires_conduct_certificate and not certificate_covers(profile, need):
        raise NotAllowed(
            _(
                "Für diese Aufgabe brauchen Sie ein erweitertes Führungszeugnis, das für den "
                "ganzen Zeitraum gültig ist. Bitte zeigen Sie es Ihrer Koordination im Rathaus."
            )
        )
    other = conflicting_need(profile, need)
    if other is not None:
        raise Conflict(
            _(
                "Dieser Termin überschneidet sich mit Ihrer Aufgabe „%(title)s“. Bitte geben "
                "Sie dort zuerst ab oder wählen Sie einen anderen Termin.",
                title=other.title,
            )
        )
    if need.taken >= need.capacity:
        raise CapacityReached(_("Alle Plätze dieser Aufgabe sind bereits vergeben."))


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
        db.session.rollback()
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
        db.session.rollback()
        raise Conflict(_("Sie haben diese Aufgabe bereits übernommen.")) from None
    db.session.refresh(need)
    audit.record(
        "assignment.claimed",
        actor=actor,
        object_type="assignment",
        object_id=assignment.id,
        municipality_id=need.municipality_id,
        need_id=need.id,
    )
    _mail_managers(need, "board_claimed_manager", volunteer=profile.user, profile=profile)
    _mail_volunteer(profile, need, "board_claimed_volunteer", contacts=managers_of(need))
    db.session.commit()
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
        db.session.rollback()
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


def _get_assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(_("Diese Übernahme gibt es nicht."))
    return assignment


def withdraw(actor: User, assignment_id: int, reason: str) -> Assignment:
    """The volunteer gives a claim back; the place opens again."""
    profile = profile_of(actor)
    assignment = _get_assignment(assignment_id)
    if profile is None or assignment.volunteer_id != profile.id:
        raise NotFound(_("Diese Übernahme gibt es nicht."))
    reason = _clean_reason(reason)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise InvalidTransition(_("Diese Übernahme ist nicht mehr aktiv."))
    if assignment.need.status not in LIVE:
        raise InvalidTransition(_("Diese Aufgabe ist abgeschlossen oder abgesagt."))
    _end(assignment, AssignmentStatus.WITHDRAWN, reason)
    need = assignment.need
    audit.record(
        "assignment.withdrawn",
        actor=actor,
        object_type="assignment",
        object_id=assignment.id,
        municipality_id=need.municipality_id,
        need_id=need.id,
    )
    _mail_managers(need, "board_withdrawn_manager", volunteer=profile.user, reason=reason)
    _mail_volunteer(profile, need, "board_withdrawn_volunteer", reason=reason)
    db.session.commit()
    return assignment


def release(actor: User, assignment_id: int, reason: str) -> Assignment:
    """A manager of the need's municipality ends a claim; the place opens again."""
    assignment = _get_assignment(assignment_id)
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
    audit.record(
        "assignment.released",
        actor=actor,
        object_type="assignment",
        object_id=assignment.id,
        municipality_id=need.municipality_id,
        need_id=need.id,
        reason=reason,
    )
    _mail_volunteer(profile, need, "board_released_volunteer", reason=reason, manager=actor)
    _mail_managers(need, "board_released_manager", volunteer=profile.user, reason=reason, by=actor)
    db.session.commit()
    return assignment


# --- reports back ------------------------------------------------------------------------------


def file_report(
    actor: User,
    assignment_id: int,
    *,
    activity_on: date | None,
    minutes: int | None,
    outcome: str | None,
    follow_up_needed: bool = False,
    concern: str | None = "",
) -> Report:
    """A volunteer reports one activity. A concern e-mails the managers at once."""
    profile = profile_of(actor)
    assignment = _get_assignment(assignment_id)
    if profile is None or assignment.volunteer_id != profile.id:
        raise NotFound(_("Diese Übernahme gibt es nicht."))
    if activity_on is None:
        raise ValidationFailed(_("Bitte geben Sie das Datum an."), field="activity_on")
    if activity_on > today_local():
        raise ValidationFailed(
            _("Berichten Sie bitte erst nach dem Einsatz: das Datum liegt in der Zukunft."),
            field="activity_on",
        )
    if activity_on < to_local(assignment.claimed_at).date():
        raise ValidationFailed(
            _("Das Datum liegt vor Ihrer Übernahme dieser Aufgabe."), field="activity_on"
        )
    if (
        assignment.ended_at
        and assignment.status != AssignmentStatus.COMPLETED
        and activity_on > to_local(assignment.ended_at).date()
    ):
        raise ValidationFailed(
            _("Das Datum liegt nach dem Ende Ihrer Übernahme."), field="activity_on"
        )
    if minutes is None or not 1 <= minutes <= 24 * 60:
        raise ValidationFailed(
            _("Die Dauer muss zwischen 1 und 1440 Minuten liegen."), field="minutes"
        )
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed(_("Bitte beschreiben Sie kurz, was passiert ist."), field="outcome")
    concern = (concern or "").strip()
    for text, field in ((outcome, "outcome"), (concern, "concern")):
        if len(text) > TEXT_MAX:
            raise ValidationFailed(
                _("Höchstens %(max)d Zeichen.", max=TEXT_MAX),
                field=field,
            )
    report = Report(
        assignment=assignment,
        activity_on=activity_on,
        minutes=minutes,
        outcome=outcome,
        follow_up_needed=bool(follow_up_needed),
        concern=concern,
        concern_raised=bool(concern),
    )
    db.session.add(report)
    db.session.flush()
    need = assignment.need
    audit.record(
        "report.filed",
        actor=actor,
        object_type="report",
        object_id=report.id,
        municipality_id=need.municipality_id,
        need_id=need.id,
        concern=report.concern_raised,
    )
    if report.concern_raised:
        _mail_managers(need, "board_concern", volunteer=profile.user, report=report)
    db.session.commit()
    return report


def acknowledge_report(actor: User, report_id: int) -> Report:
    """A manager of the need's municipality confirms having read a report (once)."""
    report = db.session.get(Report, report_id)
    if report is None or not may_manage_need(actor, report.assignment.need):
        raise NotFound(_("Diesen Bericht gibt es nicht."))
    done = db.session.execute(
        update(Report)
        .where(Report.id == report.id, Report.acknowledged_at.is_(None))
        .values(acknowledged_by_id=actor.id, acknowledged_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise InvalidTransition(_("Dieser Bericht wurde bereits bestätigt."))
    audit.record(
        "report.acknowledged",
        actor=actor,
        object_type="report",
        object_id=report.id,
        municipality_id=report.assignment.need.municipality_id,
    )
    db.session.commit()
    db.session.refresh(report)
    return report


# --- calendar feed -----------------------------------------------------------------------------


def calendar_token(profile: VolunteerProfile) -> CalendarFeedToken | None:
    return db.session.scalar(
        select(CalendarFeedToken).where(CalendarFeedToken.volunteer_id == profile.id)
    )


def renew_calendar_token(actor: User) -> CalendarFeedToken:
    """Create the secret feed address, or replace it: the old address stops working."""
    profile = profile_of(actor)
    if profile is None:
        raise NotAllowed(_("Sie haben kein Profil als Ehrenamtliche/r."))
    feed = calendar_token(profile)
    if feed is None:
        feed = CalendarFeedToken(volunteer_id=profile.id)
        db.session.add(feed)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = utcnow()
    audit.record(
        "calendar_feed.renewed", actor=actor, object_type="volunteer", object_id=profile.id
    )
    db.session.commit()
    return feed


def profile_for_calendar_token(token: str) -> VolunteerProfile | None:
    if not token or len(token) > 64:
        return None
    feed = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.token == token))
    if feed is None or feed.volunteer.status != VolunteerStatus.APPROVED:
        return None
    return feed.volunteer
