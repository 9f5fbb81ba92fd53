"""Rules for municipalities and branch offices: listing, adding and editing.

Names are unique (case-insensitively); the official key (AGS, *Amtlicher Gemeindeschlüssel*)
is optional, but when given it has exactly eight digits and belongs to one municipality only.
Every change is audited in the same transaction.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, String, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.audit import services as audit
from portal.core.collation import german
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.inputs import like_escaped
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.municipalities.models import Municipality, Office

KINDS = ("Stadt", "Gemeinde")
AGS_PATTERN = re.compile(r"\d{8}")


# --- queries ----------------------------------------------------------------------------------


def name_matches(column: Any, query: str) -> Any:
    """A case-insensitive substring match that also works for umlauts on SQLite (whose
    LIKE folds only ASCII letters): match the spellings people type and names use."""
    query = query.strip()
    variants = {query, query.lower(), query.upper(), query[:1].upper() + query[1:].lower()}
    return or_(*(column.icontains(v, autoescape=True) for v in variants))


def name_variants(query: str) -> list[str]:
    """The spellings `name_matches` looks for, each once, escaped for LIKE (with ``/``, as
    SQLAlchemy's ``autoescape`` does): the values of `name_matches_params`."""
    query = query.strip()
    variants = [query, query.lower(), query.upper(), query[:1].upper() + query[1:].lower()]
    return list(dict.fromkeys(like_escaped(v) for v in variants))


def name_matches_params(column: Any, name: str, variants: int) -> Any:
    """`name_matches` for a statement built once and kept: the spellings are the bind
    parameters ``<name>_0`` … (`name_variants`, ``variants`` of them)."""
    return or_(
        *(
            column.icontains(bindparam(f"{name}_{i}", type_=String), escape="/")
            for i in range(variants)
        )
    )


def municipalities_query(office_id: int | None = None, search: str = "") -> Select[Any]:
    """Municipalities with their office (one query), optionally filtered, by name."""
    stmt = select(Municipality).options(joinedload(Municipality.office))
    if office_id:
        stmt = stmt.where(Municipality.office_id == office_id)
    if search.strip():
        stmt = stmt.where(name_matches(Municipality.name, search))
    return stmt.order_by(german(Municipality.name), Municipality.id)


def offices_query() -> Select[Any]:
    return select(Office).order_by(german(Office.name), Office.id)


def municipality_counts(office_ids: list[int]) -> dict[int, int]:
    """Number of municipalities per office, for the offices given (one query)."""
    if not office_ids:
        return {}
    rows = db.session.execute(
        select(Municipality.office_id, func.count(Municipality.id))
        .where(Municipality.office_id.in_(office_ids))
        .group_by(Municipality.office_id)
    )
    return {office_id: count for office_id, count in rows.tuples() if office_id is not None}


def all_offices() -> list[Office]:
    return list(db.session.scalars(offices_query()))


def get_municipality(municipality_id: int) -> Municipality:
    obj = db.session.get(Municipality, municipality_id)
    if obj is None:
        raise NotFound(_("Diese Gemeinde gibt es nicht."))
    return obj


def get_office(office_id: int) -> Office:
    obj = db.session.get(Office, office_id)
    if obj is None:
        raise NotFound(_("Diese Außenstelle gibt es nicht."))
    return obj


# --- rules ------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Bitte geben Sie einen Namen ein."), field="name")
    if len(name) > 120:
        raise ValidationFailed(_("Der Name darf höchstens 120 Zeichen lang sein."), field="name")
    return name


def _clean_ags(ags: str | None) -> str | None:
    ags = (ags or "").strip()
    if not ags:
        return None
    if not AGS_PATTERN.fullmatch(ags):
        raise ValidationFailed(
            _("Der Gemeindeschlüssel (AGS) besteht aus genau 8 Ziffern."), field="ags"
        )
    return ags


def _check_municipality(
    name: str, kind: str, ags: str | None, office_id: int | None, own_id: int | None
) -> None:
    if kind not in KINDS:
        raise ValidationFailed(_("Bitte wählen Sie Stadt oder Gemeinde."), field="kind")
    same_name = select(Municipality.id).where(func.lower(Municipality.name) == name.lower())
    if own_id is not None:
        same_name = same_name.where(Municipality.id != own_id)
    if db.session.scalar(same_name.limit(1)) is not None:
        raise Conflict(_("Eine Gemeinde mit diesem Namen gibt es bereits."), field="name")
    if ags is not None:
        same_ags = select(Municipality.id).where(Municipality.ags == ags)
        if own_id is not None:
            same_ags = same_ags.where(Municipality.id != own_id)
        if db.session.scalar(same_ags.limit(1)) is not None:
            raise Conflict(_("Dieser Gemeindeschlüssel (AGS) ist bereits vergeben."), field="ags")
    if office_id is not None and db.session.get(Office, office_id) is None:
        raise ValidationFailed(_("Diese Außenstelle gibt es nicht."), field="office_id")


def _flush_unique(message: str, field: str) -> None:
    """Write now; a unique constraint hit by a concurrent request becomes a Conflict."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict(message, field=field) from exc


@unit_of_work()
def create_municipality(
    actor: Any,
    name: str,
    kind: str,
    ags: str | None = None,
    office_id: int | None = None,
) -> Municipality:
    name, ags = _clean_name(name), _clean_ags(ags)
    _check_municipality(name, kind, ags, office_id, own_id=None)
    municipality = Municipality(name=name, kind=kind, ags=ags, office_id=office_id)
    db.session.add(municipality)
    db.session.flush()
    audit.record_about(
        "municipality.created",
        actor,
        municipality,
        municipality.id,
        name=name,
        kind=kind,
        ags=ags,
        office_id=office_id,
    )
    _flush_unique(_("Name oder Gemeindeschlüssel ist bereits vergeben."), "name")
    return municipality


@unit_of_work()
def update_municipality(
    actor: Any,
    municipality: Municipality,
    name: str,
    kind: str,
    ags: str | None = None,
    office_id: int | None = None,
) -> Municipality:
    name, ags = _clean_name(name), _clean_ags(ags)
    _check_municipality(name, kind, ags, office_id, own_id=municipality.id)
    new = {"name": name, "kind": kind, "ags": ags, "office_id": office_id}
    changes = audit.apply_changes(municipality, new)
    if not changes:
        return municipality
    audit.record_about(
        "municipality.updated", actor, municipality, municipality.id, changes=changes
    )
    _flush_unique(_("Name oder Gemeindeschlüssel ist bereits vergeben."), "name")
    return municipality


def _office_values(
    name: str, address: str, consultation_hours: str, email: str, phone: str
) -> dict[str, Any]:
    email = (email or "").strip().lower()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationFailed(_("Bitte geben Sie eine gültige E-Mail-Adresse ein."), field="email")
    return {
        "name": _clean_name(name),
        "address": (address or "").strip(),
        "consultation_hours": (consultation_hours or "").strip(),
        "email": email,
        "phone": (phone or "").strip(),
    }


def _check_office_name(name: str, own_id: int | None) -> None:
    stmt = select(Office.id).where(func.lower(Office.name) == name.lower())
    if own_id is not None:
        stmt = stmt.where(Office.id != own_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise Conflict(_("Eine Außenstelle mit diesem Namen gibt es bereits."), field="name")


@unit_of_work()
def create_office(
    actor: Any,
    name: str,
    address: str = "",
    consultation_hours: str = "",
    email: str = "",
    phone: str = "",
) -> Office:
    values = _office_values(name, address, consultation_hours, email, phone)
    _check_office_name(values["name"], own_id=None)
    office = Office(**values)
    db.session.add(office)
    db.session.flush()
    audit.record("office.created", actor=actor, object_type="office", object_id=office.id, **values)
    _flush_unique(_("Eine Außenstelle mit diesem Namen gibt es bereits."), "name")
    return office


@unit_of_work()
def update_office(
    actor: Any,
    office: Office,
    name: str,
    address: str = "",
    consultation_hours: str = "",
    email: str = "",
    phone: str = "",
) -> Office:
    values = _office_values(name, address, consultation_hours, email, phone)
    _check_office_name(values["name"], own_id=office.id)
    changes = audit.apply_changes(office, values)
    if not changes:
        return office
    audit.record(
        "office.updated", actor=actor, object_type="office", object_id=office.id, changes=changes
    )
    _flush_unique(_("Eine Außenstelle mit diesem Namen gibt es bereits."), "name")
    return office
