"""Consultation hours in the oversight figures: per municipality and month of the period, the
walk-in visitors counted (no names) and the home visits recorded. Two grouped queries, however
many rows; only counts leave the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from portal.consultations.models import HomeVisit, WalkInCount
from portal.core.collation import german_key
from portal.extensions import db
from portal.municipalities.models import Municipality
from portal.oversight.periods import Period
from portal.security import scope_to


@dataclass(frozen=True)
class ConsultationRow:
    municipality: str
    year: int
    month: int
    walk_ins: int
    home_visits: int


def _month(column: Any) -> Any:
    """``2026-03`` of a date column, in either database."""
    return func.substr(func.cast(column, db.String), 1, 7)


def _grouped(date_column: Any, municipality_column: Any, amount: Any, period: Period,
             ids: set[int] | None) -> dict[tuple[str, str], int]:  # fmt: skip
    month = _month(date_column)  # one expression in both clauses (PostgreSQL binds it once)
    stmt = (
        select(Municipality.name, month, amount)
        .join(Municipality, Municipality.id == municipality_column)
        .where(date_column.between(period.first, period.last))
        .group_by(Municipality.name, month)
    )
    rows = db.session.execute(scope_to(stmt, municipality_column, ids))
    return {(name, month): int(total or 0) for name, month, total in rows}


def consultation_counts(period: Period, ids: set[int] | None) -> list[ConsultationRow]:
    """Walk-in visitors and home visits per municipality and month, by name and month."""
    walk_ins = _grouped(
        WalkInCount.on_date, WalkInCount.municipality_id, func.sum(WalkInCount.visitors),
        period, ids,
    )  # fmt: skip
    visits = _grouped(
        HomeVisit.visited_on, HomeVisit.municipality_id, func.count(HomeVisit.id), period, ids
    )
    rows = []
    for name, month in sorted(set(walk_ins) | set(visits), key=lambda k: (german_key(k[0]), k[1])):
        year, number = (int(part) for part in month.split("-"))
        rows.append(
            ConsultationRow(
                name, year, number, walk_ins.get((name, month), 0), visits.get((name, month), 0)
            )
        )
    return rows
