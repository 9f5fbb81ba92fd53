"""Clients (special-category data, managers only): pseudonymous references, the manager's scope,
creating, editing, closing and reopening a client, and the audited views of a client's record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from portal.audit.services import record, record_about
from portal.auth.models import Membership, Role, User
from portal.core.collation import german
from portal.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.core.time import today_local
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.plans.models import (
    Client,
    ClientStatus,
    IntegrationPlan,
    ReferenceCounter,
)
from portal.security import (
    managed_municipality_ids,
    may_manage_municipality,
    may_see_client,
    scope_to,
)


def _insert_counter_if_missing(prefix: str, year: int) -> None:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the dialect at hand (both support it)."""
    values = {"prefix": prefix, "year": year, "last_value": 0}
    keys = ["prefix", "year"]
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(
            postgresql_insert(ReferenceCounter)
            .values(values)
            .on_conflict_do_nothing(index_elements=keys)
        )
    else:
        db.session.execute(
            sqlite_insert(ReferenceCounter)
            .values(values)
            .on_conflict_do_nothing(index_elements=keys)
        )


def allocate_reference(year: int | None = None) -> str:
    """The next pseudonymous reference, e.g. ``RA-2026-0173``, inside the caller's transaction.

    The counter row is incremented with one conditional ``UPDATE ... RETURNING``: PostgreSQL
    keeps the updated row locked until the caller commits, SQLite runs the whole transaction
    under ``BEGIN IMMEDIATE``. Two concurrent creations therefore never get the same number.
    Numbers of rolled-back transactions are not reused (gaps are fine).
    """
    prefix = current_app.config["COUNTY_REFERENCE_PREFIX"]
    year = year or today_local().year
    _insert_counter_if_missing(prefix, year)
    value = db.session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .values(last_value=ReferenceCounter.last_value + 1)
        .returning(ReferenceCounter.last_value)
    ).scalar_one()
    return f"{prefix}-{year}-{value:04d}"


def managers_for(user: Any) -> list[tuple[int, str]]:
    """Managers whose scope overlaps the municipalities ``user`` manages (form choices): their
    id and name, in German order (no account objects: a state has a thousand managers)."""
    scope = (
        select(Membership.user_id)
        .outerjoin(Municipality, Municipality.office_id == Membership.office_id)
        .where(Membership.role == Role.MANAGER)
    )
    # The municipality a membership covers: its own, or (office scope) each of the office's.
    covered = func.coalesce(Municipality.id, Membership.municipality_id)
    scope = scope_to(scope, covered, managed_municipality_ids(user))
    stmt = (
        select(User.id, User.display_name)
        .where(User.active.is_(True), User.id.in_(scope))
        .order_by(german(User.display_name), User.id)
    )
    return list(db.session.execute(stmt).tuples())


def _check_manages(actor: Any, municipality_id: int | None) -> None:
    if not may_manage_municipality(actor, municipality_id):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))


@dataclass
class ClientInput:
    name: str
    municipality_id: int
    contact: str = ""
    languages: list[str] = field(default_factory=list)
    adults: int = 1
    children: list[int] = field(default_factory=list)
    manager_id: int | None = None


def _audit(action: str, actor: Any, object_type: str, object_id: int, client: Client) -> None:
    """Every change of a client's case ends here: one audit event in the change's transaction."""
    record(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        municipality_id=client.municipality_id,
    )


def _validate_client(data: ClientInput) -> None:
    if not data.name.strip():
        raise ValidationFailed(_("Bitte geben Sie einen Namen ein."), field="name")
    if data.adults < 0 or data.adults > 30:
        raise ValidationFailed(_("Bitte geben Sie eine plausible Zahl an."), field="adults")
    this_year = today_local().year
    for year in data.children:
        if year < this_year - 27 or year > this_year:
            raise ValidationFailed(
                _(
                    "Bitte geben Sie Geburtsjahre zwischen %(a)d und %(b)d an.",
                    a=this_year - 27,
                    b=this_year,
                ),
                field="children",
            )
    if data.adults + len(data.children) < 1:
        raise ValidationFailed(_("Ein Haushalt hat mindestens eine Person."), field="adults")
    if data.manager_id is not None:
        manager = db.session.get(User, data.manager_id)
        if (
            manager is None
            or Role.MANAGER not in manager.roles
            or not may_manage_municipality(manager, data.municipality_id)
        ):
            raise ValidationFailed(
                _(
                    "Diese Person ist nicht als Integrationsmanagerin oder Integrationsmanager "
                    "für die Gemeinde zuständig."
                ),
                field="manager_id",
            )


def _apply_client(client: Client, data: ClientInput) -> None:
    client.name = data.name.strip()
    client.contact = data.contact.strip()
    client.municipality_id = data.municipality_id
    client.languages = list(dict.fromkeys(data.languages))
    client.household = {"adults": data.adults, "children": sorted(data.children)}
    client.manager_id = data.manager_id


@unit_of_work()
def create_client(actor: Any, data: ClientInput) -> Client:
    """Create a client with a fresh pseudonymous reference and an empty integration plan."""
    _check_manages(actor, data.municipality_id)
    _validate_client(data)
    client = Client(reference=allocate_reference(), status=ClientStatus.ACTIVE)
    _apply_client(client, data)
    client.plan = IntegrationPlan()
    db.session.add(client)
    db.session.flush()
    record_about(
        "client.created", actor, client, client.municipality_id, reference=client.reference
    )
    return client


@unit_of_work()
def update_client(actor: Any, client: Client, data: ClientInput) -> Client:
    _check_manages(actor, client.municipality_id)
    _check_manages(actor, data.municipality_id)
    _validate_client(data)
    _apply_client(client, data)
    _audit("client.updated", actor, "client", client.id, client)
    return client


@unit_of_work()
def close_client(actor: Any, client: Client, closed_on: date | None = None) -> Client:
    """Close a client's case (status closed, with the date)."""
    _check_manages(actor, client.municipality_id)
    if client.status == ClientStatus.CLOSED:
        raise InvalidTransition(_("Der Fall ist bereits abgeschlossen."))
    closed_on = closed_on or today_local()
    if closed_on > today_local():
        raise ValidationFailed(_("Das Datum darf nicht in der Zukunft liegen."), field="closed_on")
    client.status = ClientStatus.CLOSED
    client.closed_on = closed_on
    _audit("client.closed", actor, "client", client.id, client)
    return client


@unit_of_work()
def reopen_client(actor: Any, client: Client) -> Client:
    _check_manages(actor, client.municipality_id)
    if client.status != ClientStatus.CLOSED:
        raise InvalidTransition(_("Der Fall ist nicht abgeschlossen."))
    client.status = ClientStatus.ACTIVE
    client.closed_on = None
    _audit("client.reopened", actor, "client", client.id, client)
    return client


@unit_of_work()
def record_client_view(actor: Any, client: Client, page: str = "client") -> None:
    """Every look at a client's page (or plan) is audited (special-category data)."""
    if not may_see_client(actor, client):
        raise NotAllowed(_("Kein Zugriff."))
    record_about("client.viewed", actor, client, client.municipality_id, page=page)


def clients_query(
    user: Any,
    *,
    status: str | None = None,
    municipality_id: int | None = None,
    q: str | None = None,
) -> Select[Any]:
    stmt = (
        select(Client)
        .options(
            joinedload(Client.municipality),
            joinedload(Client.manager),
            joinedload(Client.plan),
        )
        .order_by(Client.reference.desc())
    )
    stmt = scope_to(stmt, Client.municipality_id, managed_municipality_ids(user))
    stmt = stmt.where(Client.erased_at.is_(None))
    if status:
        stmt = stmt.where(Client.status == status)
    if municipality_id:
        stmt = stmt.where(Client.municipality_id == municipality_id)
    if q:
        pattern = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(Client.reference).like(pattern), func.lower(Client.name).like(pattern))
        )
    return stmt
