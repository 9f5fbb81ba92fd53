"""Retention (GDPR Art. 5(1)(e)): what has been kept long enough is erased or emptied.

``flask retention run [--dry-run]`` (daily, with the other daily jobs) works through these
categories, each in batches of ``BATCH`` rows, each batch one transaction:

- ``closed_clients``: a client's case closed at least RETENTION_CLOSED_CLIENT_YEARS years ago
  (``closed_on`` on or before today minus the years) is erased like a manager's erasure
  (`portal.privacy.client_erasure`).
- ``inactivity_warnings_cancelled``: a warned account that was active again after the warning
  is no longer due (a log-in cancels).
- ``inactive_volunteers``: a warned account still inactive RETENTION_INACTIVE_WARNING_DAYS days
  after the warning is erased (`portal.privacy.erasure`).
- ``inactivity_warnings``: an inactive account gets the warning e-mail.
- ``sent_mail_bodies``: the text and HTML of mail sent at least RETENTION_SENT_MAIL_DAYS days ago
  are emptied (recipient, subject and times stay as the delivery log).
- ``audit_events``: events at least RETENTION_AUDIT_YEARS years old are deleted.
- ``conversation_messages``: the messages on a need completed or cancelled at least
  RETENTION_CONVERSATION_MONTHS months ago are deleted with the members' read state (their
  unread counters recomputed).
- ``announcements``: announcements sent at least RETENTION_ANNOUNCEMENT_MONTHS months ago are
  deleted with their archive entries.

*Inactive* (volunteers and accounts without a role; never staff accounts, whom an admin
deactivates): the account is older than RETENTION_INACTIVE_VOLUNTEER_MONTHS months and in that
time has not logged in, claimed a need or written a report, and holds no active claim. Being
active again after the warning (a log-in, a claim, a report) cancels it.

Each category selects only what is still due, so a second run finds nothing (idempotent).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, select, update

from portal.announcements.models import Announcement, AnnouncementRecipient
from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.auth.models import STAFF_ROLES, Membership, User
from portal.conversations.models import ConversationMessage, ConversationRead
from portal.conversations.services import recompute_unread
from portal.core.time import to_local, utcnow
from portal.core.transaction import read_only, unit_of_work
from portal.extensions import db
from portal.needs.models import Assignment, AssignmentStatus, Need
from portal.needs.report_models import Report
from portal.notifications.models import OutboundEmail, OutboxStatus
from portal.notifications.services import external_url, queue_email
from portal.plans.models import Client, ClientStatus
from portal.privacy.client_erasure import erase_for_retention
from portal.privacy.erasure import erase_volunteer
from portal.volunteers.queries import profile_ids_of

BATCH = 200


def years_before(day: date, years: int) -> date:
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def months_before(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last))


# --- what counts as activity ---------------------------------------------------------------


def _active_since(since: Any) -> ColumnElement[bool]:
    """The account logged in, claimed or reported after ``since`` (a time or a column), or
    holds an active claim."""
    mine = Assignment.volunteer_id.in_(profile_ids_of(User.id).correlate(User))
    claims = select(Assignment.id).where(mine)
    reports = select(Report.id).join(Assignment, Assignment.id == Report.assignment_id).where(mine)
    return or_(
        and_(User.last_login_at.is_not(None), User.last_login_at > since),  # never: NULL
        exists(
            claims.where(
                or_(Assignment.claimed_at > since, Assignment.status == AssignmentStatus.ACTIVE)
            )
        ),
        exists(reports.where(Report.created_at > since)),
    )


def _staff() -> ColumnElement[bool]:
    return exists(
        select(Membership.id).where(Membership.user_id == User.id, Membership.role.in_(STAFF_ROLES))
    )


def _erasable() -> ColumnElement[bool]:
    return and_(User.erased_at.is_(None), ~_staff())


# --- the categories --------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    name: str
    due: Callable[[datetime], Select[Any]]  # ids still due at ``now``, ordered
    apply: Callable[[list[int], datetime], None]  # one batch, inside a unit of work


def _closed_clients(now: datetime) -> Select[Any]:
    cutoff = years_before(to_local(now).date(), current_app.config["RETENTION_CLOSED_CLIENT_YEARS"])
    return select(Client.id).where(
        Client.status == ClientStatus.CLOSED,
        Client.erased_at.is_(None),
        Client.closed_on <= cutoff,
    )


def _erase_clients(ids: list[int], _now: datetime) -> None:
    for client in db.session.scalars(select(Client).where(Client.id.in_(ids))):
        erase_for_retention(client)


def _warnings_to_cancel(_now: datetime) -> Select[Any]:
    return select(User.id).where(
        User.inactivity_warned_at.is_not(None),
        or_(_active_since(User.inactivity_warned_at), ~_erasable()),
    )


def _cancel_warnings(ids: list[int], _now: datetime) -> None:
    db.session.execute(update(User).where(User.id.in_(ids)).values(inactivity_warned_at=None))


def _inactive_to_erase(now: datetime) -> Select[Any]:
    days = current_app.config["RETENTION_INACTIVE_WARNING_DAYS"]
    return select(User.id).where(
        _erasable(),
        User.inactivity_warned_at <= now - timedelta(days=days),
        ~_active_since(User.inactivity_warned_at),
    )


def _erase_inactive(ids: list[int], _now: datetime) -> None:
    for user in db.session.scalars(select(User).where(User.id.in_(ids))):
        erase_volunteer(user, by="retention")


def _inactive_to_warn(now: datetime) -> Select[Any]:
    cutoff = months_before(now, current_app.config["RETENTION_INACTIVE_VOLUNTEER_MONTHS"])
    return select(User.id).where(
        _erasable(),
        User.inactivity_warned_at.is_(None),
        User.created_at <= cutoff,
        ~_active_since(cutoff),
    )


def _warn(ids: list[int], now: datetime) -> None:
    days = current_app.config["RETENTION_INACTIVE_WARNING_DAYS"]
    months = current_app.config["RETENTION_INACTIVE_VOLUNTEER_MONTHS"]
    link = external_url("auth.login")
    erase_on = to_local(now + timedelta(days=days)).date()
    for user in db.session.scalars(select(User).where(User.id.in_(ids))):
        user.inactivity_warned_at = now
        queue_email(
            user.email,
            "retention_inactive_warning",
            user.locale,
            user=user,
            months=months,
            erase_on=erase_on,
            link=link,
        )


def _sent_mail(now: datetime) -> Select[Any]:
    days = current_app.config["RETENTION_SENT_MAIL_DAYS"]
    return select(OutboundEmail.id).where(
        OutboundEmail.status == OutboxStatus.SENT,
        OutboundEmail.sent_at <= now - timedelta(days=days),
        or_(OutboundEmail.body_text != "", OutboundEmail.body_html.is_not(None)),
    )


def _empty_bodies(ids: list[int], _now: datetime) -> None:
    db.session.execute(
        update(OutboundEmail).where(OutboundEmail.id.in_(ids)).values(body_text="", body_html=None)
    )


def _old_audit_events(now: datetime) -> Select[Any]:
    day = years_before(now.date(), current_app.config["RETENTION_AUDIT_YEARS"])
    cutoff = now.replace(year=day.year, month=day.month, day=day.day)
    return select(AuditEvent.id).where(AuditEvent.at <= cutoff)


def _delete_audit_events(ids: list[int], _now: datetime) -> None:
    db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids)))


def _old_conversations(now: datetime) -> Select[Any]:
    cutoff = months_before(now, current_app.config["RETENTION_CONVERSATION_MONTHS"])
    return (
        select(ConversationMessage.id)
        .join(Need, Need.id == ConversationMessage.need_id)
        .where(Need.closed_at.is_not(None), Need.closed_at <= cutoff)
    )


def _delete_messages(ids: list[int], _now: datetime) -> None:
    need_ids = set(
        db.session.scalars(
            select(ConversationMessage.need_id).where(ConversationMessage.id.in_(ids))
        )
    )
    readers = set(
        db.session.scalars(
            select(ConversationRead.user_id).where(
                ConversationRead.need_id.in_(need_ids), ConversationRead.unread > 0
            )
        )
    )
    db.session.execute(delete(ConversationMessage).where(ConversationMessage.id.in_(ids)))
    db.session.execute(delete(ConversationRead).where(ConversationRead.need_id.in_(need_ids)))
    recompute_unread(readers)


def _old_announcements(now: datetime) -> Select[Any]:
    cutoff = months_before(now, current_app.config["RETENTION_ANNOUNCEMENT_MONTHS"])
    return select(Announcement.id).where(Announcement.created_at <= cutoff)


def _delete_announcements(ids: list[int], _now: datetime) -> None:
    db.session.execute(
        delete(AnnouncementRecipient).where(AnnouncementRecipient.announcement_id.in_(ids))
    )
    db.session.execute(delete(Announcement).where(Announcement.id.in_(ids)))


CATEGORIES = (
    Category("closed_clients", _closed_clients, _erase_clients),
    Category("inactivity_warnings_cancelled", _warnings_to_cancel, _cancel_warnings),
    Category("inactive_volunteers", _inactive_to_erase, _erase_inactive),
    Category("inactivity_warnings", _inactive_to_warn, _warn),
    Category("sent_mail_bodies", _sent_mail, _empty_bodies),
    Category("audit_events", _old_audit_events, _delete_audit_events),
    Category("conversation_messages", _old_conversations, _delete_messages),
    Category("announcements", _old_announcements, _delete_announcements),
)


def run(
    dry_run: bool = False,
    now: datetime | None = None,
    report: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Run every category once; rows done (or, dry, due) per category. ``report`` is told
    each category's progress after every batch."""
    now = now or utcnow()
    done: dict[str, int] = {}
    for category in CATEGORIES:
        count = 0
        if dry_run:
            with read_only():
                due = category.due(now).subquery()
                count = db.session.scalar(select(func.count()).select_from(due)) or 0
        else:
            last = 0
            while ids := _next_batch(category, now, last):
                last = ids[-1]
                with unit_of_work():
                    category.apply(ids, now)
                count += len(ids)
                if report:
                    report(category.name, count)
            if count:
                with unit_of_work():
                    audit.record(
                        "retention.run",
                        actor=None,
                        object_type="retention",
                        category=category.name,
                        count=count,
                    )
        done[category.name] = count
    return done


def _next_batch(category: Category, now: datetime, after: int) -> list[int]:
    """The next ids still due, after ``after`` (keyset: each batch reads on from the last, so
    a large backlog is read once, and a row that stays due cannot stall the run)."""
    with read_only():
        stmt = category.due(now)
        key = stmt.selected_columns[0]
        return list(db.session.scalars(stmt.where(key > after).order_by(key).limit(BATCH)))


def total() -> int:
    """The daily job: every category once, the number of rows changed."""
    return sum(run().values())
