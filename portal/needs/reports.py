"""Reports back on a claim, and the manager's acknowledgement of them."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import update

from portal.audit import services as audit
from portal.auth.models import User
from portal.core.errors import (
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from portal.core.formatting import hours_number
from portal.core.time import to_local, today_local, utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.needs.claims import get_assignment, mail_managers
from portal.needs.models import AssignmentStatus
from portal.needs.report_models import Report
from portal.security import may_manage_need
from portal.volunteers.queries import profile_of

TEXT_MAX = 5000
# A report's duration: a quarter of an hour to a whole day (asked in hours, stored in minutes).
MIN_MINUTES, MAX_MINUTES = 15, 24 * 60


@unit_of_work()
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
    assignment = get_assignment(assignment_id)
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
    if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValidationFailed(
            _(
                "Die Dauer muss zwischen %(low)s und %(high)s Stunden liegen.",
                low=hours_number(MIN_MINUTES),
                high=hours_number(MAX_MINUTES),
            ),
            field="minutes",
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
    audit.record_about(
        "report.filed",
        actor,
        report,
        need.municipality_id,
        need_id=need.id,
        concern=report.concern_raised,
    )
    if report.concern_raised:
        mail_managers(need, "board_concern", volunteer=profile.user, report=report)
    return report


@unit_of_work()
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
        raise InvalidTransition(_("Dieser Bericht wurde bereits bestätigt."))
    audit.record_about("report.acknowledged", actor, report, report.assignment.need.municipality_id)
    return report
