"""How each person wants to hear of each kind of news: at once, in a daily digest, or never.

Every mail of a kind (`NotificationKind`) goes through `notify`, which reads the person's choice:
at once it is queued in the outbox with a one-click unsubscribe link (RFC 8058: the
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers, and the same link in the text); daily
it becomes a `DigestItem`, which the daily job `send_digests` gathers into one mail per person
and kind; never, nothing is sent. The unsubscribe link carries a signed token (user and kind)
and needs no log-in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from portal.auth import tokens
from portal.auth.models import User
from portal.core.errors import ValidationFailed
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work, writing
from portal.extensions import db
from portal.notifications.models import (
    DeliveryMode,
    DigestItem,
    NotificationKind,
    NotificationPreference,
)
from portal.notifications.services import external_url, queue_email

KINDS: tuple[str, ...] = tuple(NotificationKind)
MODES: tuple[str, ...] = tuple(DeliveryMode)
DEFAULT_MODE = DeliveryMode.IMMEDIATE
#: kinds whose news comes in numbers: once a day unless the person chooses otherwise
DEFAULTS: dict[str, str] = {NotificationKind.NEW_NEEDS: DeliveryMode.DAILY}


def default_mode(kind: str) -> str:
    return DEFAULTS.get(kind, DEFAULT_MODE)


# --- the choices ------------------------------------------------------------------------------


def modes_for(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """Each user's mode for ``kind`` (one query for all of them)."""
    ids = list(dict.fromkeys(user_ids))
    chosen: dict[int, str] = {}
    if ids:
        chosen = {
            row[0]: row[1]
            for row in db.session.execute(
                select(NotificationPreference.user_id, NotificationPreference.mode).where(
                    NotificationPreference.user_id.in_(ids), NotificationPreference.kind == kind
                )
            )
        }
    return {uid: chosen.get(uid, default_mode(kind)) for uid in ids}


def preferences_of(user: User) -> dict[str, str]:
    """The user's mode for every kind, in the order of `KINDS`."""
    chosen: dict[str, str] = {
        row[0]: row[1]
        for row in db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id == user.id
            )
        )
    }
    return {kind: chosen.get(kind, default_mode(kind)) for kind in KINDS}


def _set(user_id: int, kind: str, mode: str) -> bool:
    """Store one choice (caller's transaction); whether it changed."""
    row = db.session.get(NotificationPreference, (user_id, kind))
    if row is None:
        if mode == default_mode(kind):
            return False
        db.session.add(NotificationPreference(user_id=user_id, kind=kind, mode=mode))
        return True
    if row.mode == mode:
        return False
    row.mode = mode
    row.changed_at = utcnow()
    return True


@unit_of_work()
def set_preferences(user: User, modes: Mapping[str, str]) -> int:
    """Store the user's choices; the number that changed. A daily digest switched off or to
    "at once" forgets what was waiting for it (an "at once" choice cannot send the past)."""
    for kind, mode in modes.items():
        if kind not in KINDS or mode not in MODES:
            raise ValidationFailed(_("Diese Auswahl gibt es nicht."), field=kind)
    changed = 0
    for kind, mode in modes.items():
        if _set(user.id, kind, mode):
            changed += 1
            if mode != DeliveryMode.DAILY:
                db.session.execute(
                    delete(DigestItem).where(DigestItem.user_id == user.id, DigestItem.kind == kind)
                )
    return changed


# --- one-click unsubscribe --------------------------------------------------------------------


def unsubscribe_token(user_id: int, kind: str) -> str:
    return tokens.make_token(tokens.UNSUBSCRIBE, uid=user_id, kind=kind)


def unsubscribe_url(user_id: int, kind: str) -> str:
    return external_url("notifications.unsubscribe", token=unsubscribe_token(user_id, kind))


def unsubscribe_headers(user_id: int, kind: str) -> dict[str, str]:
    """The RFC 8058 headers: a mail client may POST to the link without asking anything."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    """The user and kind an unsubscribe link names; TokenInvalid when forged, expired, or the
    account is gone."""
    data = tokens.read_token(tokens.UNSUBSCRIBE, token)
    kind = data.get("kind")
    uid = data.get("uid")
    if kind not in KINDS or not isinstance(uid, int):
        raise tokens.TokenInvalid()
    user = db.session.get(User, uid)
    if user is None or user.erased_at is not None:
        raise tokens.TokenInvalid()
    return user, kind


@unit_of_work()
def unsubscribe(token: str) -> tuple[User, str]:
    """Switch the link's kind off for its user (idempotent)."""
    user, kind = read_unsubscribe_token(token)
    if _set(user.id, kind, DeliveryMode.NEVER):
        db.session.execute(
            delete(DigestItem).where(DigestItem.user_id == user.id, DigestItem.kind == kind)
        )
    return user, kind


# --- sending ----------------------------------------------------------------------------------


def notify(
    user: User,
    kind: str,
    template: str,
    /,
    *,
    title: str,
    body: str = "",
    link: str = "",
    mode: str | None = None,
    **context: Any,
) -> str:
    """Tell ``user`` of news of ``kind`` as they chose (caller's transaction): queue
    ``template`` now (its context has ``user``, ``link`` and ``unsubscribe_url``), keep
    ``title``/``body``/``link`` for the daily digest, or nothing. ``mode`` saves the query
    when the caller looked the choices up in bulk. Returns the mode."""
    if mode is None:
        mode = modes_for([user.id], kind)[user.id]
    if mode == DeliveryMode.IMMEDIATE:
        queue_email(
            user.email,
            template,
            user.locale,
            headers=unsubscribe_headers(user.id, kind),
            unsubscribe_url=unsubscribe_url(user.id, kind),
            link=link,
            user=user,
            **context,
        )
    elif mode == DeliveryMode.DAILY:
        db.session.add(DigestItem(user_id=user.id, kind=kind, title=title, body=body, link=link))
    return mode


@writing()
def send_digests(now: datetime | None = None) -> int:
    """The daily job: one mail per person and kind with everything that waited for it until
    ``now``. Each item is taken with a DELETE in the transaction that queues its mail, so two
    runs at once never send an item twice. Returns the number of digest mails queued."""
    now = now or utcnow()
    rows = db.session.execute(
        select(DigestItem.user_id, DigestItem.kind, DigestItem.id)
        .where(DigestItem.created_at <= now)
        .order_by(DigestItem.user_id, DigestItem.kind, DigestItem.id)
    ).all()
    db.session.commit()
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for user_id, kind, item_id in rows:
        groups[(user_id, kind)].append(item_id)
    sent = 0
    for (user_id, kind), ids in groups.items():
        items = list(
            db.session.scalars(
                select(DigestItem).where(DigestItem.id.in_(ids)).order_by(DigestItem.id)
            )
        )
        taken = db.session.execute(
            delete(DigestItem)
            .where(DigestItem.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != len(ids):  # type: ignore[attr-defined]
            db.session.rollback()  # another run took them
            continue
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            db.session.commit()  # a closed account hears nothing more
            continue
        queue_email(
            user.email,
            "digest",
            user.locale,
            headers=unsubscribe_headers(user.id, kind),
            unsubscribe_url=unsubscribe_url(user.id, kind),
            user=user,
            kind=kind,
            items=items,
            link=external_url("notifications.settings"),
        )
        db.session.commit()
        sent += 1
    return sent
