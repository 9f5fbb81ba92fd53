"""The life of a need on the managers' side: publish, edit, cancel, duplicate, complete.

Every function takes the acting user, checks that they manage the need's municipality, changes
the need in one transaction (audit event and e-mails included) and raises a DomainError, leaving
the session rolled back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal.audit.services import record_about
from portal.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.core.time import local_to_utc, to_local, today_local, utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.needs.fitting_news import tell_fitting_volunteers
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedCategory, NeedStatus
from portal.needs.report_models import Report
from portal.needs.schedule import FIELDS as SCHEDULE_FIELDS
from portal.needs.schedule import next_occurrence
from portal.needs.validation import (
    ONCE,
    NeedInput,
    NeedInvalid,
    _now_local,
    client_identity_errors,
    validate,
)
from portal.notifications.services import external_url, queue_email
from portal.plans.models import Client, Step, StepStatus
from portal.security import may_manage_municipality, may_see_client

CLOSED = (NeedStatus.COMPLETED, NeedStatus.CANCELLED)


def _source_step(actor: Any, step_id: int | None) -> Step | None:
    if step_id is None:
        return None
    step = db.session.get(Step, step_id)
    if step is None or not may_see_client(actor, step.goal.plan.client):
        raise ValidationFailed(_("Dieser Planschritt ist nicht verfügbar."), field="source_step_id")
    return step


def _client_of(step: Step | None) -> Client | None:
    """The client a need is about (through its plan step), whose identity its text must not
    give away."""
    return step.goal.plan.client if step is not None else None


def _apply(need: Need, data: NeedInput) -> None:
    need.category = data.category
    need.title = data.title.strip()
    need.public_description = data.public_description.strip()
    need.private_notes = data.private_notes.strip()
    need.municipality_id = data.municipality_id
    need.meeting_point = data.meeting_point.strip()
    need.languages = list(dict.fromkeys(data.languages))
    need.schedule_kind = data.schedule_kind
    need.capacity = data.capacity
    # Work with minors always needs an extended certificate of conduct (§72a SGB VIII).
    need.requires_conduct_certificate = (
        data.requires_conduct_certificate or data.category == NeedCategory.YOUTH_FAMILY
    )
    if data.schedule_kind == ONCE:
        assert data.starts_at is not None and data.ends_at is not None
        need.starts_at = local_to_utc(data.starts_at)
        need.ends_at = local_to_utc(data.ends_at)
        need.starts_on = data.starts_at.date()
        need.ends_on = data.ends_at.date()
        # the appointment's local weekday and start time (the board matches them in SQL)
        need.weekday = data.starts_at.weekday()
        need.time_of_day = data.starts_at.time()
        need.duration_minutes = None
    else:
        need.starts_at = need.ends_at = None
        need.weekday = data.weekday
        need.time_of_day = data.time_of_day
        need.duration_minutes = data.duration_minutes
        need.starts_on = data.starts_on
        need.ends_on = data.ends_on
    if data.status == NeedStatus.DRAFT:
        need.status = NeedStatus.DRAFT
    else:
        need.status = NeedStatus.FILLED if need.taken >= need.capacity else NeedStatus.OPEN


def _check(actor: Any, municipality_id: int | None) -> None:
    if not may_manage_municipality(actor, municipality_id):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))


@unit_of_work()
def create_need(actor: Any, data: NeedInput) -> Need:
    """Publish (status open) or save as draft a new need, optionally from a plan step."""
    _check(actor, data.municipality_id)
    step = _source_step(actor, data.source_step_id)
    errors = validate(data) | client_identity_errors(data, _client_of(step))
    if errors:
        raise NeedInvalid(errors)
    need = Need(taken=0, created_by_id=actor.id, source_step=step)
    _apply(need, data)
    db.session.add(need)
    if step is not None and step.status == StepStatus.OPEN:
        step.status = StepStatus.IN_PROGRESS
    db.session.flush()
    record_about("need.created", actor, need, need.municipality_id, status=need.status)
    if need.status == NeedStatus.OPEN:
        tell_fitting_volunteers(need)
    return need


@unit_of_work()
def update_need(actor: Any, need: Need, data: NeedInput) -> Need:
    _check(actor, need.municipality_id)
    _check(actor, data.municipality_id)
    if need.status in CLOSED:
        raise InvalidTransition(_("Ein abgeschlossener oder abgesagter Bedarf ist nicht änderbar."))
    # Lock the row (PostgreSQL; SQLite holds the database lock) so that the claims counter
    # cannot change between the checks below and the write.
    db.session.refresh(need, with_for_update=True)
    if data.municipality_id != need.municipality_id and need.taken > 0:
        raise NeedInvalid(
            {"municipality_id": _("Es gibt bereits Zusagen; die Gemeinde ist nicht änderbar.")}
        )
    data.source_step_id = need.source_step_id
    errors = validate(data, need) | client_identity_errors(data, _client_of(need.source_step))
    if errors:
        raise NeedInvalid(errors)
    before = _appointment(need)
    was_published = need.published_at is not None
    moved = data.municipality_id != need.municipality_id
    _apply(need, data)
    if moved:  # reports of earlier, ended claims follow the need to its new municipality
        db.session.execute(
            update(Report)
            .where(
                Report.assignment_id.in_(select(Assignment.id).where(Assignment.need_id == need.id))
            )
            .values(municipality_id=need.municipality_id)
            .execution_options(synchronize_session=False)
        )
    changed = need.taken > 0 and _appointment(need) != before
    if changed:
        # the assigned volunteers are told and asked to confirm (or withdraw)
        from portal.conversations.services import schedule_changed

        schedule_changed(actor, need)
    record_about(
        "need.updated", actor, need, need.municipality_id, status=need.status, moved=changed
    )
    if not was_published and need.status == NeedStatus.OPEN:
        tell_fitting_volunteers(need)  # a draft published now
    return need


#: what a volunteer has agreed to when claiming: the time and the place
_APPOINTMENT_FIELDS = (*SCHEDULE_FIELDS, "meeting_point")


def _appointment(need: Need) -> tuple[Any, ...]:
    return tuple(getattr(need, name) for name in _APPOINTMENT_FIELDS)


def active_assignments(need: Need) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.need_id == need.id, Assignment.status == AssignmentStatus.ACTIVE)
            .options(joinedload(Assignment.volunteer))
            .order_by(Assignment.id)
        )
    )


def _close(need: Need, status: str, allowed_from: tuple[str, ...], message: str) -> None:
    """Move ``need`` to a final status with one conditional UPDATE. On PostgreSQL the row
    stays locked until commit, and a concurrent claim (``... WHERE status = 'open'``) waits
    and then finds the need closed; SQLite serializes writers anyway (BEGIN IMMEDIATE)."""
    done = db.session.execute(
        update(Need)
        .where(Need.id == need.id, Need.status.in_(allowed_from))
        .values(status=status, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidTransition(message)
    db.session.refresh(need)


def _end_active(need: Need, status: str, reason: str = "") -> list[Assignment]:
    """End every active claim of ``need``; ``taken`` keeps counting active claims only."""
    ended = active_assignments(need)
    now = utcnow()
    for assignment in ended:
        assignment.status = status
        assignment.ended_at = now
        if reason:
            assignment.reason = reason
    if ended:
        need.taken = max(0, need.taken - len(ended))
    return ended


@unit_of_work()
def cancel_need(actor: Any, need: Need, reason: str) -> Need:
    """Cancel with a reason. Volunteers with an active claim are e-mailed in their language
    and their claims are released, all in one transaction."""
    _check(actor, need.municipality_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Bitte geben Sie einen Grund an."), field="reason")
    released = _cancel(need, reason)
    need.cancel_reason = reason
    record_about(
        "need.cancelled", actor, need, need.municipality_id, reason=reason, notified=len(released)
    )
    return need


def _cancel(need: Need, reason: Any) -> list[Assignment]:
    """Cancel ``need``, release its claims and e-mail their volunteers (``reason`` may be a
    lazy string: each mail is rendered in its recipient's language)."""
    _close(
        need,
        NeedStatus.CANCELLED,
        (NeedStatus.DRAFT, NeedStatus.OPEN, NeedStatus.FILLED),
        _("Dieser Bedarf ist bereits abgeschlossen oder abgesagt."),
    )
    released = _end_active(need, AssignmentStatus.RELEASED, str(reason))
    for assignment in released:
        user = assignment.volunteer.user
        queue_email(
            user.email,
            "need_cancelled",
            user.locale,
            user=user,
            need=need,
            reason=reason,
            link=external_url("core.dashboard"),
        )
    return released


def cancel_for_erased_client(need: Need) -> None:
    """The client's record is being erased: an unfinished need is cancelled and its
    volunteers are told, without anything about the client (caller's transaction)."""
    reason = _l("Der Bedarf entfällt.")
    released = _cancel(need, reason)
    need.cancel_reason = str(reason)
    record_about("need.cancelled", None, need, need.municipality_id, notified=len(released))


def _shift_to_future(value: date, today: date) -> int:
    """Whole weeks to add so that ``value`` is not in the past."""
    if value >= today:
        return 0
    return -((value - today).days // 7)


# What a duplicate takes over from its original (the schedule is then moved into the future).
COPIED_FIELDS = (
    "source_step_id",
    "category",
    "title",
    "public_description",
    "private_notes",
    "municipality_id",
    "meeting_point",
    "schedule_kind",
    "starts_at",
    "ends_at",
    "weekday",
    "time_of_day",
    "duration_minutes",
    "starts_on",
    "ends_on",
    "capacity",
    "requires_conduct_certificate",
)


@unit_of_work()
def duplicate_need(actor: Any, need: Need) -> Need:
    """A copy as a draft, its schedule moved on by whole weeks if it lies in the past."""
    _check(actor, need.municipality_id)
    errors = client_identity_errors(need, _client_of(need.source_step))
    if errors:
        raise NeedInvalid(errors)
    copy = Need(
        **{name: getattr(need, name) for name in COPIED_FIELDS},
        languages=list(need.languages),
        taken=0,
        status=NeedStatus.DRAFT,
        created_by_id=actor.id,
    )
    today = today_local()
    if need.schedule_kind == ONCE and need.starts_at is not None:
        start = to_local(need.starts_at).replace(tzinfo=None)
        weeks = _shift_to_future(start.date(), today)
        if start + timedelta(weeks=weeks) < _now_local():
            weeks += 1
        if weeks and need.ends_at is not None:
            end = to_local(need.ends_at).replace(tzinfo=None)
            copy.starts_at = local_to_utc(start + timedelta(weeks=weeks))
            copy.ends_at = local_to_utc(end + timedelta(weeks=weeks))
            copy.starts_on = (start + timedelta(weeks=weeks)).date()
            copy.ends_on = (end + timedelta(weeks=weeks)).date()
    elif need.starts_on is not None:
        weeks = _shift_to_future(need.starts_on, today)
        if weeks:
            copy.starts_on = need.starts_on + timedelta(weeks=weeks)
            if need.ends_on is not None:
                copy.ends_on = need.ends_on + timedelta(weeks=weeks)
    db.session.add(copy)
    db.session.flush()
    record_about("need.duplicated", actor, copy, copy.municipality_id, original_id=need.id)
    return copy


def appointment_ahead(need: Need) -> datetime | None:
    """The start (naive UTC) of the need's next appointment that has not ended yet: completing
    the need before it ends the claims early (the page warns)."""
    if need.status not in (NeedStatus.OPEN, NeedStatus.FILLED):
        return None
    upcoming = next_occurrence(need, utcnow())
    return upcoming[0] if upcoming else None


@unit_of_work()
def complete_need(actor: Any, need: Need, mark_step_done: bool = False) -> Need:
    """Mark a published need completed; its active claims end as completed (their volunteers
    can still report back). With ``mark_step_done`` the source plan step is marked done in
    the same transaction."""
    _check(actor, need.municipality_id)
    step = need.source_step if mark_step_done else None
    if step is not None and not may_see_client(actor, step.goal.plan.client):
        raise NotAllowed(_("Sie betreuen diese Klientin oder diesen Klienten nicht."))
    _close(
        need,
        NeedStatus.COMPLETED,
        (NeedStatus.OPEN, NeedStatus.FILLED),
        _("Nur ein veröffentlichter Bedarf kann abgeschlossen werden."),
    )
    _end_active(need, AssignmentStatus.COMPLETED)
    if step is not None:
        step.status = StepStatus.DONE
    record_about("need.completed", actor, need, need.municipality_id, step_done=step is not None)
    return need
