"""Daily reminder: one e-mail to each volunteer 24 hours before a one-off appointment.

Sent as the volunteer chose for reminders (at once, in the daily digest, or not at all), at
most once per claim: the job marks ``assignment.reminder_sent_at`` with a
compare-and-set in the same transaction that queues the e-mail, so two runs (or two job
runners at once) never remind twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal.core.time import utcnow
from portal.core.transaction import writing
from portal.extensions import db
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus
from portal.notifications.models import NotificationKind
from portal.notifications.preferences import notify
from portal.notifications.services import external_url
from portal.volunteers.models import VolunteerProfile


@writing()
def send_appointment_reminders(now: datetime | None = None) -> int:
    """Remind volunteers of one-off appointments starting within the next 24 hours."""
    now = now or utcnow()
    horizon = now + timedelta(hours=current_app.config.get("APPOINTMENT_REMINDER_HOURS", 24))
    due = list(
        db.session.scalars(
            select(Assignment)
            .join(Need, Need.id == Assignment.need_id)
            .where(
                Assignment.status == AssignmentStatus.ACTIVE,
                Assignment.reminder_sent_at.is_(None),
                Need.status.in_((NeedStatus.OPEN, NeedStatus.FILLED)),
                Need.schedule_kind != "weekly",
                Need.starts_at > now,
                Need.starts_at <= horizon,
            )
            .options(
                joinedload(Assignment.need),
                joinedload(Assignment.volunteer).joinedload(VolunteerProfile.user),
            )
            .order_by(Assignment.id)
        ).unique()
    )
    db.session.commit()
    sent = 0
    for assignment in due:
        marked = db.session.execute(
            update(Assignment)
            .where(Assignment.id == assignment.id, Assignment.reminder_sent_at.is_(None))
            .values(reminder_sent_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            continue  # another runner got it first
        user = assignment.volunteer.user
        notify(
            user,
            NotificationKind.REMINDERS,
            "board_reminder",
            title=assignment.need.title,
            link=external_url("board.need", need_id=assignment.need_id),
            volunteer=user,
            need=assignment.need,
        )
        db.session.commit()
        sent += 1
    return sent
