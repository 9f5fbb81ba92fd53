"""The Pakt-für-Integration report: per municipality and in total, for a period.

Every figure is one grouped SQL query (five in all, whatever the amount of data); the tables
then go through `suppression` so that no cell below 5 and no cell that would give one away is
published. The overview repeats the goals and hours per municipality, which are the row totals
of the goals and hours tables: all three tables are protected together (`suppress_linked`), so
no hidden cell can be worked out from any combination of them. Only counts and sums leave the
database: never a client or a volunteer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, distinct, func, select, union

from portal.core.collation import german, german_key
from portal.core.labels import label
from portal.core.time import local_to_utc
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from portal.municipalities.services import offices_query
from portal.needs.models import Assignment, Need, NeedCategory, NeedStatus
from portal.needs.report_models import Report
from portal.oversight.periods import Period
from portal.oversight.suppression import COMPLEMENTARY, PRIMARY, suppress_linked, with_totals
from portal.plans.models import Client, Goal, GoalArea, GoalStatus, IntegrationPlan, Step
from portal.security import scope_to
from portal.volunteers.models import VolunteerProfile

SMALL, HIDDEN = "< 5", "•"


MUNICIPALITY_ROWS = 60
"""Up to this many municipalities the report has a row for each; for more (a state's
administrator: 1,100) a row for each office (in a state, a county's), adding up its
municipalities' figures. Protecting 1,100 rows of small figures together did not end: the exact
test of what the sums give away grows with the cube of the hidden cells."""


@dataclass(frozen=True)
class Row:
    """A row of the report: a municipality, or the municipalities of an office."""

    name: str
    members: tuple[int, ...]


@dataclass
class Table:
    """One published table: rows are municipalities (or offices) plus a total row."""

    key: str
    title: str
    columns: list[str]
    rows: list[str]
    values: list[list[int]]  # with totals (see `suppression.with_totals`)
    row_totals: bool
    hidden: dict[tuple[int, int], str] = field(default_factory=dict)
    by_office: bool = False

    @property
    def header(self) -> list[str]:
        place = _("Geschäftsstelle") if self.by_office else _("Gemeinde")
        return [place, *self.columns, *([_("Summe")] if self.row_totals else [])]

    def cell(self, r: int, c: int) -> str:
        why = self.hidden.get((r, c))
        if why == PRIMARY:
            return SMALL
        if why == COMPLEMENTARY:
            return HIDDEN
        return str(self.values[r][c])

    def published(self) -> list[list[str]]:
        """Every row as it is published (name first), the total row last."""
        names = [*self.rows, _("Gesamt")]
        return [
            [names[r], *(self.cell(r, c) for c in range(len(self.values[r])))]
            for r in range(len(self.values))
        ]


def legend() -> str:
    return _(
        "Datenschutz: Werte unter 5 erscheinen als „< 5“. Damit sie sich nicht aus den Summen "
        "zurückrechnen lassen, sind weitere Werte mit „•“ verborgen."
    )


def notes() -> str:
    return _(
        "Erreichte Personen: Klientinnen und Klienten mit einem abgeschlossenen Bedarf oder "
        "einem erledigten Schritt im Zeitraum. Aktive Ehrenamtliche: mit mindestens einem "
        "Bericht im Zeitraum, nach Wohngemeinde. Stunden: gerundet je Zelle, Summen aus den "
        "gerundeten Werten."
    )


def _bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as naive UTC instants [start, end) of Berlin days."""
    start = local_to_utc(datetime.combine(period.first, time()))
    end = local_to_utc(datetime.combine(period.last + timedelta(days=1), time()))
    return start, end


def offices_by_municipality(ids: set[int] | None) -> dict[int, int | None]:
    """The office of each municipality of ``ids`` (None: all)."""
    stmt = scope_to(select(Municipality.id, Municipality.office_id), Municipality.id, ids)
    return dict(db.session.execute(stmt).tuples().all())


def offices(ids: set[int]) -> list[Office]:
    """The offices ``ids`` in German order (as every list of offices)."""
    if not ids:
        return []
    return list(db.session.scalars(offices_query().where(Office.id.in_(sorted(ids)))))


def municipalities(ids: set[int] | None) -> list[Municipality]:
    stmt = scope_to(select(Municipality), Municipality.id, ids)
    return list(db.session.scalars(stmt.order_by(german(Municipality.name), Municipality.id)))


def report_rows(ids: set[int] | None) -> tuple[list[Row], bool]:
    """The report's rows for the municipalities ``ids`` (None: all), and whether they are
    offices (`MUNICIPALITY_ROWS`): in German order, those without an office last."""
    places = municipalities(ids)
    if len(places) <= MUNICIPALITY_ROWS:
        return [Row(m.name, (m.id,)) for m in places], False
    members: dict[int | None, list[int]] = {}
    for place in places:
        members.setdefault(place.office_id, []).append(place.id)
    offices = db.session.scalars(select(Office).where(Office.id.in_([o for o in members if o])))
    rows = sorted(
        (Row(office.name, tuple(members[office.id])) for office in offices),
        key=lambda row: german_key(row.name),
    )
    if None in members:
        rows.append(Row(_("Ohne Geschäftsstelle"), tuple(members[None])))
    return rows, True


def _grouped(stmt: Select[Any]) -> dict[tuple[int, str], int]:
    """(municipality, code) -> figure; a query grouped by municipality alone has code ""."""
    return {
        (row[0], row[1] if len(row) == 3 else ""): int(row[-1] or 0)
        for row in db.session.execute(stmt)
    }


def people_reached(period: Period, ids: set[int] | None) -> dict[tuple[int, str], int]:
    """Distinct clients with a need completed or a plan step done in the period."""
    start, end = _bounds(period)
    from_needs = (
        select(Client.id.label("client_id"), Client.municipality_id.label("mid"))
        .join(IntegrationPlan, IntegrationPlan.client_id == Client.id)
        .join(Goal, Goal.plan_id == IntegrationPlan.id)
        .join(Step, Step.goal_id == Goal.id)
        .join(Need, Need.source_step_id == Step.id)
        .where(Need.status == NeedStatus.COMPLETED, Need.closed_at >= start, Need.closed_at < end)
    )
    from_steps = (
        select(Client.id.label("client_id"), Client.municipality_id.label("mid"))
        .join(IntegrationPlan, IntegrationPlan.client_id == Client.id)
        .join(Goal, Goal.plan_id == IntegrationPlan.id)
        .join(Step, Step.goal_id == Goal.id)
        .where(Step.done_on >= period.first, Step.done_on <= period.last)
    )
    reached = union(from_needs, from_steps).subquery()
    stmt = select(reached.c.mid, func.count(distinct(reached.c.client_id))).group_by(reached.c.mid)
    return _grouped(scope_to(stmt, reached.c.mid, ids))


def plans_agreed(period: Period, ids: set[int] | None) -> dict[tuple[int, str], int]:
    stmt = (
        select(Client.municipality_id, func.count(IntegrationPlan.id))
        .join(Client, Client.id == IntegrationPlan.client_id)
        .where(IntegrationPlan.agreed_on >= period.first, IntegrationPlan.agreed_on <= period.last)
        .group_by(Client.municipality_id)
    )
    return _grouped(scope_to(stmt, Client.municipality_id, ids))


def active_volunteers(period: Period, ids: set[int] | None) -> dict[tuple[int, str], int]:
    """Distinct volunteers who reported an activity in the period, by home municipality: each
    volunteer of the scope is looked up once in the reports of the period (their own index
    range), not every report of the scope's claims joined and made distinct."""
    home = VolunteerProfile.home_municipality_id
    reported = (
        select(Report.id)
        .where(
            Report.volunteer_id == VolunteerProfile.id,
            Report.activity_on >= period.first,
            Report.activity_on <= period.last,
        )
        .exists()
    )
    stmt = select(home, func.count()).where(reported).group_by(home)
    return _grouped(scope_to(stmt, home, ids))


def goals_achieved(period: Period, ids: set[int] | None) -> dict[tuple[int, str], int]:
    stmt = (
        select(Client.municipality_id, Goal.area, func.count(Goal.id))
        .join(IntegrationPlan, IntegrationPlan.id == Goal.plan_id)
        .join(Client, Client.id == IntegrationPlan.client_id)
        .where(
            Goal.status == GoalStatus.ACHIEVED,
            Goal.closed_on >= period.first,
            Goal.closed_on <= period.last,
        )
        .group_by(Client.municipality_id, Goal.area)
    )
    return _grouped(scope_to(stmt, Client.municipality_id, ids))


def hours_by_category(period: Period, ids: set[int] | None) -> dict[tuple[int, str], int]:
    """Reported minutes per municipality of the need and category."""
    return _grouped(category_minutes(period, ids, Report.municipality_id))


def category_minutes(period: Period, ids: set[int] | None, *by: Any) -> Select[Any]:
    """Rows (``*by``, the need's category, minutes) of the minutes reported in the period in
    the municipalities ``ids`` (None: all).

    The reports of the period are summed per claim from one index range of the reports alone
    (``ix_report_municipality_period``; a report carries its need's municipality), not found
    through every need and claim of the scope's history. Then each claim's category: in a
    scope, looked up by primary keys claim by claim (a subquery in the select list; joined,
    PostgreSQL misjudged how few claims a county's quarter has and read every claim of the
    database to hash them); in the whole database, joined (every claim hashed once is then
    the cheaper way)."""
    per_claim = scope_to(
        select(Report.assignment_id, *by, func.sum(Report.minutes).label("minutes"))
        .where(Report.activity_on >= period.first, Report.activity_on <= period.last)
        .group_by(Report.assignment_id, *by),
        Report.municipality_id,
        ids,
    ).subquery()
    keys = [per_claim.c[column.name] for column in by]
    total = func.sum(per_claim.c.minutes)
    if ids is None:
        stmt = (
            select(*keys, Need.category, total)
            .select_from(per_claim)
            .join(Assignment, Assignment.id == per_claim.c.assignment_id)
            .join(Need, Need.id == Assignment.need_id)
        )
        return stmt.group_by(*keys, Need.category)
    category = (
        select(Need.category)
        .join(Assignment, Assignment.need_id == Need.id)
        .where(Assignment.id == per_claim.c.assignment_id)
        .scalar_subquery()
    )
    return select(*keys, category, total).group_by(*keys, category)


def _table(
    key: str,
    title: str,
    rows: list[Row],
    columns: list[tuple[str, str]],
    cells: Any,
    row_totals: bool,
    by_office: bool,
) -> Table:
    """``cells(members, code)``: the figure of a row's municipalities for a column."""
    body = [[cells(row.members, code) for code, _name in columns] for row in rows]
    values = with_totals(body, row_totals) if rows else [[0] * len(columns)]
    names = [row.name for row in rows]
    return Table(
        key, title, [n for _c, n in columns], names, values, row_totals, by_office=by_office
    )


def _summed(figures: dict[tuple[int, str], int]) -> Any:
    """``cells`` of `_table` adding up a row's municipalities' figures."""
    return lambda members, code: sum(figures.get((mid, code), 0) for mid in members)


def _row_totals(table: Table) -> list[int]:
    return [row[-1] for row in table.values[:-1]]


def build(period: Period, ids: set[int] | None) -> list[Table]:
    """The report's tables for the municipalities ``ids`` (None: all)."""
    rows, by_office = report_rows(ids)
    reached = _summed(people_reached(period, ids))
    agreed = _summed(plans_agreed(period, ids))
    active = _summed(active_volunteers(period, ids))
    goals = _summed(goals_achieved(period, ids))
    minutes = _summed(hours_by_category(period, ids))
    goal_table = _table(
        "goals",
        _("Erreichte Ziele nach Bereich"),
        rows,
        [(a.value, label("area", a.value)) for a in GoalArea],
        goals,
        row_totals=True,
        by_office=by_office,
    )
    hour_table = _table(
        "hours",
        _("Stunden der Ehrenamtlichen nach Art der Aufgabe"),
        rows,
        [(c.value, label("category", c.value)) for c in NeedCategory],
        # whole hours per cell; totals add the published cells up
        lambda members, code: round(minutes(members, code) / 60),
        row_totals=True,
        by_office=by_office,
    )
    index = {row.members: i for i, row in enumerate(rows)}
    overview = {
        "reached": lambda members: reached(members, ""),
        "agreed": lambda members: agreed(members, ""),
        "volunteering": lambda members: active(members, ""),
        "goals": lambda members: _row_totals(goal_table)[index[members]],
        "hours": lambda members: _row_totals(hour_table)[index[members]],
    }
    overview_table = _table(
        "overview",
        _("Überblick"),
        rows,
        [
            ("reached", _("Erreichte Personen")),
            ("agreed", _("Vereinbarte Integrationspläne")),
            ("volunteering", _("Aktive Ehrenamtliche")),
            ("goals", _("Erreichte Ziele")),
            ("hours", _("Stunden")),
        ],
        lambda members, code: overview[code](members),
        row_totals=False,
        by_office=by_office,
    )
    tables = [overview_table, goal_table, hour_table]
    # the overview's goals and hours columns (total row included) are the other tables' totals
    links = [
        ((0, r, column), (t, r, len(tables[t].values[0]) - 1))
        for t, column in ((1, 3), (2, 4))
        for r in range(len(overview_table.values))
    ]
    hidden = suppress_linked([(t.values, t.row_totals) for t in tables], links if rows else [])
    for table, cells in zip(tables, hidden, strict=True):
        table.hidden = cells
    return tables
