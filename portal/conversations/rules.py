"""Who reads and writes a need's conversation, and what a message may say.

Members are the managers of the need's municipality (not the administration: a conversation
on a task belongs to the people doing it) and the volunteers assigned to it. A volunteer whose
claim ended (withdrawn, released, completed) keeps reading what was said until it ended, and
writes no more. Nobody writes once the need is completed or cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.models import Role, User
from portal.conversations.models import AuthorRole, ConversationMessage
from portal.core.errors import ValidationFailed
from portal.core.privacy_guard import address_errors, identity_errors
from portal.extensions import db
from portal.needs import rules as need_rules
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus
from portal.plans.models import Client
from portal.security import municipality_ids
from portal.volunteers.models import VolunteerProfile, VolunteerStatus
from portal.volunteers.queries import profile_of

#: how long after writing the author may still correct a message
EDIT_WINDOW = timedelta(minutes=15)
BODY_MAX = 4000
BODY_LABEL = _l("Nachricht")
WRITABLE_STATUSES = (NeedStatus.OPEN, NeedStatus.FILLED)
EDIT_CLOSED = _l(
    "Eine Nachricht lässt sich nur in der ersten Viertelstunde nach dem Schreiben ändern."
)


class MessageInvalid(ValidationFailed):
    """The text was refused; ``errors`` maps the field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = errors


@dataclass(frozen=True)
class Access:
    """What ``user`` may do in a need's conversation."""

    role: str  # AuthorRole.MANAGER or AuthorRole.VOLUNTEER
    can_write: bool
    #: a former member reads the messages written until this moment; None: all of them
    until: datetime | None = None


def manages(user: User | Any, need: Need) -> bool:
    """A manager of the need's municipality (directly or through the branch office)."""
    return need.municipality_id in municipality_ids(user, Role.MANAGER)


def access_of(user: User | Any, need: Need) -> Access | None:
    """None: not a member, now or earlier."""
    if not getattr(user, "is_authenticated", False) or need.status == NeedStatus.DRAFT:
        return None
    writable = need.status in WRITABLE_STATUSES
    if manages(user, need):
        return Access(AuthorRole.MANAGER, writable)
    profile = profile_of(user)
    if profile is None:
        return None
    claims = list(
        db.session.execute(
            select(Assignment.status, Assignment.ended_at).where(
                Assignment.need_id == need.id, Assignment.volunteer_id == profile.id
            )
        ).all()
    )
    if any(status == AssignmentStatus.ACTIVE for status, _ended in claims):
        return Access(AuthorRole.VOLUNTEER, writable and profile.status == VolunteerStatus.APPROVED)
    ended = [ended for _status, ended in claims if ended is not None]
    if ended:
        return Access(AuthorRole.VOLUNTEER, False, max(ended))
    return None


def members(need: Need) -> list[User]:
    """Who hears of a new message: the need's managers (the one who published it, else every
    manager of its municipality, plus every manager who wrote in it) and the volunteers with
    an active claim."""
    people: dict[int, User] = {u.id: u for u in need_rules.managers_of(need)}
    writers = db.session.scalars(
        select(User)
        .join(ConversationMessage, ConversationMessage.author_id == User.id)
        .where(
            ConversationMessage.need_id == need.id,
            ConversationMessage.author_role == AuthorRole.MANAGER,
            User.active.is_(True),
        )
        .distinct()
    )
    for writer in writers:
        if manages(writer, need):
            people.setdefault(writer.id, writer)
    volunteers = db.session.scalars(
        select(User).where(
            User.active.is_(True),
            User.id.in_(
                select(VolunteerProfile.user_id)
                .join(Assignment, Assignment.volunteer_id == VolunteerProfile.id)
                .where(Assignment.need_id == need.id, Assignment.status == AssignmentStatus.ACTIVE)
            ),
        )
    )
    for volunteer in volunteers:
        people.setdefault(volunteer.id, volunteer)
    return sorted(people.values(), key=lambda u: u.id)


def client_of(need: Need) -> Client | None:
    """The client a need is about (through its plan step), whose identity no message may
    give away."""
    step = need.source_step
    return step.goal.plan.client if step is not None else None


def clean_body(body: str | None) -> str:
    """The text as stored: line ends unified, surrounding blank space dropped."""
    return (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def check_body(body: str, need: Need) -> None:
    """Raise MessageInvalid for an empty, overlong or identifying text."""
    if not body:
        raise MessageInvalid({"body": _("Bitte schreiben Sie eine Nachricht.")})
    if len(body) > BODY_MAX:
        raise MessageInvalid({"body": _("Höchstens %(max)d Zeichen.", max=BODY_MAX)})
    if "\x00" in body:
        raise MessageInvalid({"body": _("Der Text enthält unzulässige Steuerzeichen.")})
    client = client_of(need)
    texts = {"body": (str(BODY_LABEL), body)}
    errors = identity_errors(texts, client) or address_errors(
        texts, client.contact if client is not None else None
    )
    if errors:
        raise MessageInvalid(errors)


def may_edit(user: User | Any, message: ConversationMessage, now: datetime) -> bool:
    return (
        message.author_id == getattr(user, "id", None)
        and message.author_role != AuthorRole.SYSTEM
        and now - message.created_at <= EDIT_WINDOW
    )
