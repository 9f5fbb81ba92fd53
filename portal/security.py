"""Authorization in one place: the role decorator and object-permission helpers.

Views use `roles_required`; views *and* queries use the scope helpers, so list pages filter by
the same rule that guards a single object: `scope_to` narrows a query to the municipalities
`managed_municipality_ids` or `coordinated_municipality_ids` gives. A statement built once and
kept narrows by a bind parameter instead (`scope_shape`, `scope_to_param`, `scope_params`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar

from flask import abort, g
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Integer, Select, bindparam, false, select

from portal.auth.models import Membership, Role, User
from portal.core.errors import NotAllowed
from portal.extensions import db, login_manager
from portal.municipalities.models import Municipality

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: str) -> Callable[[F], F]:
    """Require a logged-in, verified user holding at least one of ``roles``.

    Anonymous users are sent to the log-in page; others without the role get 403.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def is_admin(user: User | Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.ADMIN)


@cache
def _office_municipalities() -> Select[Any]:
    """Built once: the municipalities of the offices ``offices`` (a list of ids)."""
    offices = bindparam("offices", type_=Integer, expanding=True)
    return select(Municipality.id).where(Municipality.office_id.in_(offices))


def municipality_ids(user: User | Any, role: str) -> set[int]:
    """The municipalities in which ``user`` holds ``role``. An office-scoped membership covers
    every municipality its office serves. Cached per request."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cache: dict[tuple[int, str], set[int]] = g.setdefault("_scope_cache", {})
    key = (user.id, role)
    if key in cache:
        return cache[key]
    direct = {m.municipality_id for m in user.memberships if m.role == role and m.municipality_id}
    offices = {m.office_id for m in user.memberships if m.role == role and m.office_id}
    if offices:
        found = db.session.scalars(_office_municipalities(), {"offices": sorted(offices)})
        direct |= set(found)
    cache[key] = direct
    return direct


def may_act_in_municipality(user: User | Any, role: str, municipality_id: int | None) -> bool:
    """True if ``user`` holds ``role`` for that municipality (admins always may)."""
    if is_admin(user):
        return True
    return municipality_id is not None and municipality_id in municipality_ids(user, role)


def may_manage_municipality(user: User | Any, municipality_id: int | None) -> bool:
    """Managers (and admins) of the municipality."""
    return may_act_in_municipality(user, Role.MANAGER, municipality_id)


def may_coordinate_municipality(user: User | Any, municipality_id: int | None) -> bool:
    """Coordinators (and admins) of the municipality."""
    return may_act_in_municipality(user, Role.COORDINATOR, municipality_id)


S = TypeVar("S", bound=Select[Any])


def scope_to(stmt: S, column: Any, ids: set[int] | None) -> S:
    """``stmt`` narrowed to rows whose ``column`` (a municipality id) lies in ``ids``.

    ``ids`` is what `managed_municipality_ids` / `coordinated_municipality_ids` answer: None
    means every municipality (admins), an empty set none at all.
    """
    if ids is None:
        return stmt
    return stmt.where(column.in_(ids) if ids else false())


#: the shapes of a scope (`scope_shape`): every municipality, none, or those of the bind
#: parameter ``scope``
SCOPE_ALL, SCOPE_NONE, SCOPE_SOME = "all", "none", "some"


def scope_shape(ids: set[int] | None) -> str:
    """How a kept statement is narrowed to ``ids`` (`scope_to_param`): part of its shape."""
    if ids is None:
        return SCOPE_ALL
    return SCOPE_SOME if ids else SCOPE_NONE


def scope_to_param(stmt: S, column: Any, shape: str) -> S:
    """`scope_to` for a statement built once per shape and kept: ``column`` in the expanding
    bind parameter ``scope`` (whose values `scope_params` gives) when the shape is
    `SCOPE_SOME` (the same SQL as a list of ids, so the same plans)."""
    if shape == SCOPE_ALL:
        return stmt
    if shape == SCOPE_NONE:
        return stmt.where(false())
    return stmt.where(column.in_(bindparam("scope", type_=Integer, expanding=True)))


def scope_params(ids: set[int] | None) -> dict[str, Any]:
    """The value of the bind parameter ``scope`` of `scope_to_param`: the ids in order."""
    return {"scope": sorted(ids)} if ids else {}


def require(condition: bool) -> None:
    """Abort with 404 when an object exists but is outside the user's scope.

    404 rather than 403, so that probing IDs does not reveal which objects exist.
    """
    if not condition:
        abort(404)


def is_own_account(actor: User | Any, user_id: int | None) -> bool:
    return actor is not None and user_id is not None and getattr(actor, "id", None) == user_id


def refuse_own_account(actor: User | Any, user_id: int | None) -> None:
    """Nobody decides on, vets, suspends, or edits the roles (or the second factor) of their
    own account: such a decision always needs a second person. Raises NotAllowed."""
    if is_own_account(actor, user_id):
        raise NotAllowed(_("Über Ihr eigenes Konto entscheidet eine andere Person."))


def memberships_for(user_id: int) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(Membership.user_id == user_id)))


# --- volunteers -------------------------------------------------------------------


def coordinated_municipality_ids(user: User | Any) -> set[int] | None:
    """Municipalities whose volunteers ``user`` coordinates; ``None`` means all (admins)."""
    if is_admin(user):
        return None
    return municipality_ids(user, Role.COORDINATOR)


def may_coordinate_volunteer(user: User | Any, profile: Any) -> bool:
    """Coordinators (and admins) of the volunteer's *home* municipality. The further
    municipalities a volunteer would help in give their coordinators no access: one town hall
    vets and decides."""
    return may_coordinate_municipality(user, profile.home_municipality_id)


# --- plans and needs --------------------------------------------------------------


def managed_municipality_ids(user: User | Any) -> set[int] | None:
    """Municipalities whose clients, plans and needs ``user`` manages; ``None`` means all
    (admins). Volunteers and coordinators get the empty set."""
    if is_admin(user):
        return None
    return municipality_ids(user, Role.MANAGER)


def may_see_client(user: User | Any, client: Any) -> bool:
    """Clients, their plans and the private notes of needs: managers of the client's
    municipality and admins only; an erased record by nobody."""
    if getattr(client, "erased_at", None) is not None:
        return False
    return may_manage_municipality(user, client.municipality_id)


def may_manage_need(user: User | Any, need: Any) -> bool:
    """Managers of the need's municipality (and admins) edit it and read its private notes."""
    return may_manage_municipality(user, need.municipality_id)
