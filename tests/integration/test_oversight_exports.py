"""Exports of the coordinators' and managers' lists: the page's filters and scope, no client,
every download audited."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_volunteer_export_follows_the_page(app, client, auth):
    places = factories.reference_data()
    factories.coordinator(places["Gaggenau"], email="k@example.org")
    factories.volunteer(places["Gaggenau"], status="pending", name="Anna Wartend")
    factories.volunteer(places["Gaggenau"], name="Bert Aktiv")
    factories.volunteer(places["Bühl"], status="pending", name="Carla Anderswo")
    db.session.commit()
    auth.login("k@example.org")
    rows = _csv(client.get("/oversight/exports/volunteers.csv?status=pending"))
    assert rows[0][0] == "Name"
    assert [r[0] for r in rows[1:]] == ["Anna Wartend"]
    book = load_workbook(io.BytesIO(client.get("/oversight/exports/volunteers.xlsx").data))
    names = sorted(r[0] for r in book.active.iter_rows(min_row=2, values_only=True))
    assert names == ["Anna Wartend", "Bert Aktiv"]
    assert book.active["A1"].font.bold
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.downloaded"))
    assert [(e.object_type, e.details["format"]) for e in events] == [
        ("volunteer_list", "csv"),
        ("volunteer_list", "xlsx"),
    ]


def test_need_export_has_claims_and_hours_but_no_client(app, client, auth):
    data = fb.county()
    home = data["gaggenau"]
    owner = fp.client(home, name="Familie Geheim", reference="RA-2026-0999")
    need = fp.need(home, title="Lernhilfe Mathe", source_step=fp.step(fp.goal(owner)))
    claim = fb.assignment(need, data["profile"])
    fb.report(claim, date(2026, 2, 1), 90)
    fb.report(claim, date(2026, 2, 8), 60)
    fp.need(data["buehl"], title="Anderswo")
    db.session.commit()
    auth.login("keller@example.org")
    response = client.get("/oversight/exports/needs.csv")
    rows = _csv(response)
    assert rows[1][0] == "Lernhilfe Mathe" and rows[1][-2:] == ["1", "2.5"]
    assert len(rows) == 2  # not the other office's need
    text = response.data.decode("utf-8-sig")
    assert "Geheim" not in text and "RA-2026-0999" not in text and "Interne Notiz" not in text
    assert client.get("/oversight/exports/needs.csv?date_from=kaputt").status_code == 400
