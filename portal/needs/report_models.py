"""Reports back on a claim: the model, and what every saved report sets (its municipality and
volunteer, the claim's "reported" mark)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, Text, event, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from portal.core.time import utcnow
from portal.extensions import Model
from portal.needs.models import Assignment, Need

if TYPE_CHECKING:
    from portal.auth.models import User


class Report(Model):
    __tablename__ = "report"
    # the managers' list of reports (portal.needs.queries.manager_reports_stmt), read backwards:
    # of one municipality (a manager's scope), or of all (an administrator's)
    __table_args__ = (
        Index("ix_report_review", "acknowledged_at", "concern_raised", "created_at", "id"),
        Index(
            "ix_report_municipality_review",
            "municipality_id",
            "acknowledged_at",
            "concern_raised",
            "created_at",
            "id",
        ),
        # a claim's reports, and its hours summed from the index alone
        Index("ix_report_assignment_hours", "assignment_id", "activity_on", "minutes"),
        # a volunteer's hours of a period, from the index alone (however long their history)
        Index("ix_report_volunteer_hours", "volunteer_id", "activity_on", "minutes"),
        # the hours of a period in municipalities (statistics), from the index alone
        Index(
            "ix_report_municipality_period",
            "municipality_id",
            "activity_on",
            "minutes",
            "assignment_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    # the municipality of the need reported on (set on insert, see `_report_municipality`;
    # moves with the need): the managers' list is scoped and ordered by one index
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    # the volunteer of the claim (set on insert, see `_report_municipality`)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_profile.id", ondelete="CASCADE")
    )
    activity_on: Mapped[date] = mapped_column(index=True)
    minutes: Mapped[int]
    outcome: Mapped[str] = mapped_column(Text)
    follow_up_needed: Mapped[bool] = mapped_column(default=False)
    concern: Mapped[str] = mapped_column(Text, default="")
    concern_raised: Mapped[bool] = mapped_column(default=False)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    acknowledged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="reports")
    acknowledged_by: Mapped[User | None] = relationship()


@event.listens_for(Report, "before_insert")
def _report_municipality(_mapper: Any, connection: Any, report: Report) -> None:
    """A report belongs to the municipality of the need it is about and to the volunteer of
    the claim."""
    if report.municipality_id is not None and report.volunteer_id is not None:
        return
    assignment = report.__dict__.get("assignment")
    need = assignment.__dict__.get("need") if assignment is not None else None
    known = (need.municipality_id, assignment.volunteer_id) if need is not None else (None, None)
    if None not in known:
        found = known
    else:
        assignment_id = report.assignment_id if assignment is None else assignment.id
        found = connection.execute(
            select(Need.municipality_id, Assignment.volunteer_id)
            .join(Assignment, Assignment.need_id == Need.id)
            .where(Assignment.id == assignment_id)
        ).one()
    if report.municipality_id is None:
        report.municipality_id = found[0]
    if report.volunteer_id is None:
        report.volunteer_id = found[1]


@event.listens_for(Report, "after_insert")
def _claim_reported(_mapper: Any, connection: Any, report: Report) -> None:
    """The claim reported on is reported from its first report on (in the same transaction).
    A claim loaded as reported on is left alone: the time is set once and never cleared."""
    assignment = report.__dict__.get("assignment")
    if assignment is not None and assignment.__dict__.get("reported_at") is not None:
        return
    at = report.__dict__.get("created_at") or utcnow()
    connection.execute(
        update(Assignment)
        .where(Assignment.id == report.assignment_id, Assignment.reported_at.is_(None))
        .values(reported_at=at)
    )
    if assignment is not None:
        set_committed_value(assignment, "reported_at", at)


def note_reported_claims(connection: Any) -> None:
    """Set `Assignment.reported_at` of every claim from its reports (after reports were written
    in bulk, e.g. by `flask seed-scale`, which the ORM's events do not see): one pass over the
    reports, grouped by claim."""
    first = (
        select(Report.assignment_id, func.min(Report.created_at).label("at"))
        .group_by(Report.assignment_id)
        .subquery("first")
    )
    connection.execute(
        update(Assignment)
        .where(Assignment.id == first.c.assignment_id)
        .values(reported_at=first.c.at)
    )
