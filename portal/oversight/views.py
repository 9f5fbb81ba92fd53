"""Oversight pages: the Pakt-für-Integration report and its files."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from portal.auth.models import Role
from portal.core.inputs import query_id
from portal.municipalities.models import Office
from portal.municipalities.options import catalogue
from portal.needs import queries as need_queries
from portal.needs.forms import NeedFilterForm
from portal.oversight import charts, figures, lists, outcomes
from portal.oversight import report as pakt
from portal.oversight.consultations import consultation_counts
from portal.oversight.exports import Sheet, record_export, render
from portal.oversight.periods import Period, PeriodForm
from portal.oversight.report_pdf import render_report
from portal.security import (
    is_admin,
    managed_municipality_ids,
    municipality_ids,
    require,
    roles_required,
)
from portal.volunteers import queue as volunteer_queue
from portal.volunteers.coordination import queue_filters

bp = Blueprint("oversight", __name__)

STAFF = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN, Role.OFFICE_LEAD)
#: the roles whose scope the statistics count (admins see everything)
SCOPED = (Role.COORDINATOR, Role.MANAGER, Role.OFFICE_LEAD)


def scope_ids(user: Any) -> set[int] | None:
    """The municipalities whose figures ``user`` sees: admins all (None), coordinators and
    managers their own, office leads those of their office."""
    if is_admin(user):
        return None
    return set().union(*(municipality_ids(user, role) for role in SCOPED))


def _period() -> tuple[PeriodForm, Period, bool]:
    form = PeriodForm(request.args)
    period, valid = form.period(asked=bool(request.args))
    return form, period, valid


def download(sheets: list[Sheet], fmt: str, name: str, what: str, **details: Any) -> Response:
    """An audited file download of ``sheets``."""
    record_export(current_user, what, fmt, **details)
    data, mimetype = render(sheets, fmt)
    return attachment(data, mimetype, f"{name}.{fmt}")


def attachment(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def report_sheets(tables: list[pakt.Table]) -> list[Sheet]:
    return [
        Sheet(
            t.title,
            t.header,
            [[row[0], *(int(v) if v.isdigit() else v for v in row[1:])] for row in t.published()],
            totals=True,
        )
        for t in tables
    ]


@bp.get("/report")
@roles_required(*STAFF)
def report() -> tuple[str, int]:
    form, period, valid = _period()
    tables = pakt.build(period, scope_ids(current_user))
    page = render_template(
        "oversight/report.html",
        form=form,
        period=period,
        tables=tables,
        legend=pakt.legend(),
        notes=pakt.notes(),
    )
    return page, 200 if valid else 400


@bp.get("/report.<any(csv, xlsx, pdf):fmt>")
@roles_required(*STAFF)
def report_file(fmt: str) -> Response:
    _form, period, valid = _period()
    if not valid:
        abort(400)
    tables = pakt.build(period, scope_ids(current_user))
    name = f"pakt-{period.slug}"
    if fmt == "pdf":
        record_export(current_user, "pakt_report", fmt, period=period.slug)
        return attachment(render_report(period, tables), "application/pdf", f"{name}.pdf")
    return download(report_sheets(tables), fmt, name, "pakt_report", period=period.slug)


def dashboard_ids(user: Any) -> tuple[set[int] | None, dict[int, int | None], list[Office]]:
    """The municipalities the dashboard counts (narrowed by ``?municipality=`` or, for
    admins and office leads, ``?office=``), the municipalities offered (id -> office id) and
    the offices. Outside the user's scope: 404."""
    ids = scope_ids(user)
    places = pakt.offices_by_municipality(ids)
    leads = ids is None or user.has_role(Role.OFFICE_LEAD)
    offices = pakt.offices({o for o in places.values() if o is not None}) if leads else []
    chosen, office = query_id("municipality"), query_id("office")
    if chosen is not None:
        require(chosen in places)
        return {chosen}, places, offices
    if office is not None and leads:
        require(any(o.id == office for o in offices))
        return {m for m, o in places.items() if o == office}, places, offices
    return ids, places, offices


@bp.get("/dashboard")
@roles_required(*STAFF)
def dashboard() -> tuple[str, int]:
    form, period, valid = _period()
    ids, places, offices = dashboard_ids(current_user)
    numbers = figures.figures(period, ids)
    managing = current_user.has_role(Role.MANAGER, Role.ADMIN, Role.OFFICE_LEAD)
    page = render_template(
        "oversight/dashboard.html",
        form=form,
        period=period,
        figures=numbers,
        charts=charts.dashboard_charts(numbers),
        outcomes=outcomes.outcomes(period, ids) if managing else None,
        consultations=consultation_counts(period, ids),
        place_options=catalogue(frozenset(places)).options(places, query_id("municipality")),
        offices=offices,
        office=query_id("office"),
        plans_link=current_user.has_role(Role.MANAGER, Role.ADMIN),
    )
    return page, 200 if valid else 400


# --- exports of the coordinators' and managers' lists ------------------------------------------


@bp.get("/exports/volunteers.<any(csv, xlsx):fmt>")
@roles_required(Role.COORDINATOR, Role.ADMIN)
def export_volunteers(fmt: str) -> Response:
    """The coordinator's list of volunteers, as filtered on the page."""
    stmt = volunteer_queue.queue_statement(current_user, queue_filters())
    return download([lists.volunteers_sheet(stmt)], fmt, "ehrenamtliche", "volunteer_list")


@bp.get("/exports/needs.<any(csv, xlsx):fmt>")
@roles_required(Role.MANAGER, Role.ADMIN)
def export_needs(fmt: str) -> Response:
    """The manager's list of needs with claims and reported hours, as filtered on the page."""
    form = NeedFilterForm(request.args)
    form.municipality_id.offer(managed_municipality_ids(current_user))
    filters = form.filters()
    if form.errors:
        abort(400)
    stmt = need_queries.needs_query(current_user, filters)
    return download([lists.needs_sheet(stmt)], fmt, "bedarfe", "need_list")
