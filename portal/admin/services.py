"""Account administration: the account list and the admin actions that wrap the account
rules of `portal.auth.services` in one transaction each."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select

from portal.auth import services as accounts
from portal.auth.models import Membership, Role, User
from portal.core.collation import german
from portal.core.errors import InvalidTransition, NotFound, ValidationFailed
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.municipalities.services import name_matches
from portal.notifications.models import OutboundEmail


def users_query(search: str = "", role: str | None = None) -> Select[Any]:
    """Accounts by name; memberships come with one extra query per page (selectin)."""
    stmt = select(User)
    if search.strip():
        stmt = stmt.where(
            or_(name_matches(User.display_name, search), name_matches(User.email, search))
        )
    if role:
        stmt = stmt.where(User.id.in_(select(Membership.user_id).where(Membership.role == role)))
    return stmt.order_by(german(User.display_name), User.id)


def outbox_query(status: str | None = None) -> Select[Any]:
    stmt = select(OutboundEmail)
    if status:
        stmt = stmt.where(OutboundEmail.status == status)
    return stmt.order_by(OutboundEmail.id.desc())


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("Dieses Konto gibt es nicht."))
    return user


def _check_admin_scope(role: str, municipality_id: int | None, office_id: int | None) -> None:
    """The administration covers the whole county: an admin role carries no scope."""
    if role == Role.ADMIN and (municipality_id or office_id):
        raise ValidationFailed(
            _("Die Administration gilt für den ganzen Landkreis, ohne Gemeinde oder Außenstelle."),
            field="municipality_id",
        )


@unit_of_work()
def invite(
    actor: User,
    email: str,
    display_name: str,
    locale: str,
    role: str,
    municipality_id: int | None = None,
    office_id: int | None = None,
) -> User:
    """Create a staff account with one role and e-mail the invitation (one transaction)."""
    _check_admin_scope(role, municipality_id, office_id)
    return accounts.invite_staff(
        actor, email, display_name, [(role, municipality_id, office_id)], locale=locale
    )


@unit_of_work()
def grant(
    actor: User,
    user: User,
    role: str,
    municipality_id: int | None = None,
    office_id: int | None = None,
) -> Membership:
    _check_admin_scope(role, municipality_id, office_id)
    return accounts.grant_role(actor, user, role, municipality_id, office_id)


@unit_of_work()
def revoke(actor: User, user: User, membership_id: int) -> None:
    """Revoke one of ``user``'s memberships (a membership of someone else is not found)."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.user_id != user.id:
        raise NotFound(_("Diese Rolle gibt es nicht."))
    accounts.revoke_role(actor, membership_id)


@unit_of_work()
def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (logs the account out everywhere) or reactivate an account."""
    accounts.set_active(actor, user, active)


@unit_of_work()
def resend_invitation(actor: User, user: User) -> None:
    """Send a fresh invitation link while the account has no password yet."""
    if user.password_hash is not None:
        raise InvalidTransition(
            _("Dieses Konto hat bereits ein Passwort; eine Einladung ist nicht nötig.")
        )
    if not user.active:
        raise InvalidTransition(_("Das Konto ist gesperrt. Bitte reaktivieren Sie es zuerst."))
    accounts.send_invitation(actor, user)
