"""Writing, editing and reading messages; the notes the portal itself writes.

Unread counts are exact and cost the pages nothing: each member's count per need is in
``conversation_read.unread`` and the sum of a user's counts in ``user.unread_messages``; both
change with relative UPDATEs in the transaction that writes or reads a message. A new message
locks the need's row first (PostgreSQL; SQLite serializes writers), so the read rows of one
conversation are created by one writer at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal.audit.services import record_about
from portal.auth.models import User
from portal.conversations import rules
from portal.conversations.models import AuthorRole, ConversationMessage, ConversationRead
from portal.core.errors import InvalidTransition, NotAllowed, NotFound
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.needs.models import Assignment, AssignmentStatus, Need
from portal.notifications.models import NotificationKind
from portal.notifications.preferences import modes_for, notify
from portal.notifications.services import external_url, queue_email

#: the notes the portal writes itself, stored as codes and shown in the reader's language
SCHEDULE_CHANGED = "schedule_changed"


def _need_locked(need_id: int) -> Need:
    need = db.session.get(Need, need_id, with_for_update=True)
    if need is None:
        raise NotFound(_("Diese Aufgabe gibt es nicht."))
    return need


def _count_unread(need_id: int, user_ids: Iterable[int]) -> None:
    """One more unread message for each of ``user_ids`` in this need (caller holds the need's
    lock)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    existing = set(
        db.session.scalars(
            select(ConversationRead.user_id).where(
                ConversationRead.need_id == need_id, ConversationRead.user_id.in_(ids)
            )
        )
    )
    for user_id in ids:
        if user_id not in existing:
            db.session.add(ConversationRead(need_id=need_id, user_id=user_id, unread=0))
    db.session.flush()
    # one row at a time in id order: concurrent writers (and readers) lock in the same order
    for user_id in ids:
        db.session.execute(
            update(ConversationRead)
            .where(ConversationRead.need_id == need_id, ConversationRead.user_id == user_id)
            .values(unread=ConversationRead.unread + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(unread_messages=User.unread_messages + 1)
            .execution_options(synchronize_session=False)
        )


def _tell(need: Need, message: ConversationMessage, recipients: list[User]) -> None:
    """Mail (or keep for the digest) the new message for each recipient, as they chose."""
    modes = modes_for([u.id for u in recipients], NotificationKind.MESSAGES)
    author = message.author.shown_name if message.author is not None else ""
    for user in recipients:
        notify(
            user,
            NotificationKind.MESSAGES,
            "conversation_message",
            title=need.title,
            body=message.body,
            link=external_url("conversations.show", need_id=need.id),
            mode=modes[user.id],
            need=need,
            author=author,
            message=message,
        )


@unit_of_work()
def post_message(actor: User, need_id: int, body: str | None) -> ConversationMessage:
    """``actor`` writes ``body`` in the need's conversation; the other members are counted
    one unread message and told as they chose."""
    need = _need_locked(need_id)
    access = rules.access_of(actor, need)
    if access is None:
        raise NotFound(_("Diese Aufgabe gibt es nicht."))
    if not access.can_write:
        raise NotAllowed(_("In diesem Gespräch können Sie nicht mehr schreiben."))
    text = rules.clean_body(body)
    rules.check_body(text, need)
    message = ConversationMessage(
        need_id=need.id, author_id=actor.id, author_role=access.role, body=text
    )
    db.session.add(message)
    db.session.flush()
    recipients = [u for u in rules.members(need) if u.id != actor.id]
    _count_unread(need.id, [u.id for u in recipients])
    _tell(need, message, recipients)
    record_about(
        "conversation.message_written",
        actor,
        need,
        need.municipality_id,
        message_id=message.id,
        role=access.role,
    )
    return message


@unit_of_work()
def edit_message(actor: User, message_id: int, body: str | None) -> ConversationMessage:
    """The author corrects their message within `rules.EDIT_WINDOW`; it shows as edited."""
    message = db.session.get(ConversationMessage, message_id)
    if message is None or message.author_id != actor.id:
        raise NotFound(_("Diese Nachricht gibt es nicht."))
    need = _need_locked(message.need_id)
    access = rules.access_of(actor, need)
    if access is None:
        raise NotFound(_("Diese Nachricht gibt es nicht."))
    if not access.can_write or not rules.may_edit(actor, message, utcnow()):
        raise InvalidTransition(str(rules.EDIT_CLOSED))
    text = rules.clean_body(body)
    rules.check_body(text, need)
    if text != message.body:
        message.body = text
        message.edited_at = utcnow()
        record_about(
            "conversation.message_edited", actor, need, need.municipality_id, message_id=message.id
        )
    return message


@unit_of_work()
def mark_read(user: User, need_id: int) -> int:
    """Everything in the need's conversation counts as read for ``user``; how many were
    unread. Locks the read row, so a message written meanwhile is counted after this."""
    row = db.session.scalar(
        select(ConversationRead)
        .where(ConversationRead.need_id == need_id, ConversationRead.user_id == user.id)
        .with_for_update()
    )
    if row is None:
        return 0
    count = row.unread
    row.read_at = utcnow()
    if count:
        row.unread = 0
        db.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(unread_messages=User.unread_messages - count)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    db.session.expire(user, ["unread_messages"])
    return count


def recompute_unread(user_ids: Iterable[int]) -> None:
    """Set each user's total from their read rows (caller's transaction): after rows were
    removed wholesale (erasure), or to repair a count."""
    for user_id in set(user_ids):
        total = db.session.scalar(
            select(func.coalesce(func.sum(ConversationRead.unread), 0)).where(
                ConversationRead.user_id == user_id
            )
        )
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(unread_messages=int(total or 0))
            .execution_options(synchronize_session=False)
        )


# --- a changed appointment --------------------------------------------------------------------


def schedule_changed(actor: Any, need: Need) -> list[Assignment]:
    """The manager changed date, time or meeting point of ``need`` (caller's transaction, the
    need locked): each active claim must be confirmed again, the conversation gets a note, and
    each assigned volunteer a mail. Returns the claims asked to confirm."""
    active = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.need_id == need.id, Assignment.status == AssignmentStatus.ACTIVE)
            .order_by(Assignment.id)
        )
    )
    if not active:
        return []
    now = utcnow()
    for assignment in active:
        assignment.change_notified_at = now
        assignment.change_confirmed_at = None
    note = ConversationMessage(
        need_id=need.id, author_id=None, author_role=AuthorRole.SYSTEM, body=SCHEDULE_CHANGED
    )
    db.session.add(note)
    db.session.flush()
    recipients = [u for u in rules.members(need) if u.id != getattr(actor, "id", None)]
    _count_unread(need.id, [u.id for u in recipients])
    for assignment in active:
        user = assignment.volunteer.user
        queue_email(
            user.email,
            "need_changed",
            user.locale,
            volunteer=user,
            need=need,
            link=external_url("board.need", need_id=need.id),
        )
    return active


@unit_of_work()
def confirm_change(actor: User, assignment_id: int) -> Assignment:
    """The volunteer confirms the changed appointment of their active claim."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.volunteer.user_id != actor.id:
        raise NotFound(_("Diese Übernahme gibt es nicht."))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise InvalidTransition(_("Diese Übernahme ist nicht mehr aktiv."))
    if not needs_confirmation(assignment):
        raise InvalidTransition(_("Es gibt keine Änderung zu bestätigen."))
    assignment.change_confirmed_at = utcnow()
    record_about(
        "assignment.change_confirmed",
        actor,
        assignment,
        assignment.need.municipality_id,
        need_id=assignment.need_id,
    )
    return assignment


def needs_confirmation(assignment: Assignment) -> bool:
    """An active claim whose appointment changed since the volunteer last confirmed."""
    return (
        assignment.status == AssignmentStatus.ACTIVE
        and assignment.change_notified_at is not None
        and assignment.change_confirmed_at is None
    )
