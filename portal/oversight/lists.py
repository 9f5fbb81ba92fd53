"""Exports of the lists a coordinator or a manager already sees, with the same filters and
the same scope as the page (the page's own query is passed in). Two queries per export
whatever its length (the rows, and one grouped query for the figures beside them); capped
at ``MAX_ROWS``. No client appears: the needs list shows the need, never its client."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.core.formatting import format_day
from portal.core.labels import label
from portal.core.pagination import Bound, first_items
from portal.extensions import db
from portal.needs.models import Assignment
from portal.needs.queries import counts_for
from portal.needs.report_models import Report
from portal.oversight.exports import Sheet

MAX_ROWS = 5000


def volunteers_sheet(stmt: Bound) -> Sheet:
    profiles = first_items(stmt, MAX_ROWS)
    return Sheet(
        _("Ehrenamtliche"),
        [
            _("Name"),
            _("E-Mail-Adresse"),
            _("Wohngemeinde"),
            _("Status"),
            _("Sprachen"),
            _("Eingegangen"),
        ],
        [
            [
                p.user.display_name,
                p.user.email,
                p.home_municipality.name,
                label("volunteer_status", p.status),
                ", ".join(label("language", code) for code in sorted(p.languages)),
                format_day(p.submitted_at.date()),
            ]
            for p in profiles
        ],
    )


def needs_sheet(stmt: Bound) -> Sheet:
    needs = first_items(stmt, MAX_ROWS)
    ids = [n.id for n in needs]
    counts = counts_for(ids)
    minutes: dict[int, int] = {}
    if ids:
        rows = db.session.execute(
            select(Assignment.need_id, func.sum(Report.minutes))
            .join(Report, Report.assignment_id == Assignment.id)
            .where(Assignment.need_id.in_(ids))
            .group_by(Assignment.need_id)
        )
        minutes = {need_id: int(total or 0) for need_id, total in rows}
    return Sheet(
        _("Bedarfe"),
        [
            _("Titel"),
            _("Art der Aufgabe"),
            _("Gemeinde"),
            _("Status"),
            _("Beginn"),
            _("Plätze"),
            _("Aktive Übernahmen"),
            _("Berichtete Stunden"),
        ],
        [
            [
                n.title,
                label("category", n.category),
                n.municipality.name,
                label("need_status", n.status),
                format_day(n.starts_on) if n.starts_on else "",
                n.capacity,
                counts[n.id].claims if n.id in counts else 0,
                round(minutes.get(n.id, 0) / 60, 1),
            ]
            for n in needs
        ],
    )
