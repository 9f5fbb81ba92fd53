"""The Pakt-für-Integration report equals a hand-counted data set; small cells are hidden and
cannot be worked out; the page, the CSV and the XLSX agree cell by cell; every file is audited.

The data set, first quarter of 2026 (Bühl | Gaggenau | total):
- people reached (a step done or a need completed in the quarter): 5 | 9 | 14
- plans agreed: 2 | 6 | 8;  active volunteers (a report in the quarter): 3 | 6 | 9
- goals achieved: language 5 | 6, work 6 | 2
- hours: tutoring 8 | 10, accompanying 6 | 2
with one of each kind of record just outside the quarter, which must not count.
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.oversight.suppression import THRESHOLD
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp
from tests.integration.test_documents import check_tagged, structure
from tests.unit.test_oversight_linked_suppression import solutions

Q1 = date(2026, 2, 10)
Q2 = date(2026, 4, 5)
PERIOD = {"kind": "quarter", "year": "2026", "number": "1"}


def _client(place, agreed_on=date(2025, 6, 1)):
    client = fp.client(place)
    client.plan.agreed_on = agreed_on
    return client


def _done_step(client, day):
    return fp.step(fp.goal(client), status="done", done_on=day)


def _goal(client, area, status="achieved", day=Q1):
    goal = fp.goal(client, area=area)
    goal.status, goal.closed_on = status, day
    return goal


def _completed_need(client, place, closed):
    step = fp.step(fp.goal(client))
    need = fp.need(place, status="completed", source_step=step)
    need.closed_at = datetime.combine(closed, datetime.min.time().replace(hour=12))
    return need


def _reports(place, home, minutes_each, category, count):
    for _ in range(count):
        profile = fb.profile_of(factories.volunteer(home))
        need = fb.once_need(place, category=category)
        claim = fb.assignment(need, profile, claimed_at=datetime(2026, 1, 5, 9))
        fb.report(claim, Q1, minutes_each)


@pytest.fixture
def county(app):
    places = factories.reference_data()
    buehl, gaggenau = places["Bühl"], places["Gaggenau"]
    user = factories.coordinator(buehl, email="k@example.org")
    factories.user(email="m@example.org", roles=[("manager", gaggenau.id, None)])
    from portal.auth.services import grant_role

    grant_role(None, user, "coordinator", gaggenau.id, None)
    b = [_client(buehl, Q1 if i < 2 else date(2025, 6, 1)) for i in range(5)]
    g = [_client(gaggenau, Q1 if i < 6 else date(2025, 6, 1)) for i in range(11)]
    for client in b:
        _done_step(client, Q1)
    for client in g[:7]:
        _done_step(client, Q1)
    _completed_need(g[7], gaggenau, Q1)
    _done_step(g[8], Q1)
    _completed_need(g[8], gaggenau, Q1)  # the same person once
    _done_step(g[9], Q2)  # outside
    _completed_need(g[10], gaggenau, Q2)  # outside
    for client in b:
        _goal(client, "language")
    for i in range(6):
        _goal(b[i % 5], "work")
    for client in g[:6]:
        _goal(client, "language")
    _goal(g[0], "work")
    _goal(g[1], "work")
    _goal(g[2], "work", status="dropped")  # not achieved
    _goal(g[3], "housing", day=date(2025, 12, 31))  # outside
    _reports(buehl, buehl, 240, "tutoring", 2)
    _reports(buehl, buehl, 360, "accompanying", 1)
    _reports(gaggenau, gaggenau, 120, "tutoring", 5)
    _reports(gaggenau, gaggenau, 120, "accompanying", 1)
    late = fb.assignment(fb.once_need(gaggenau), fb.profile_of(factories.volunteer(gaggenau)))
    fb.report(late, Q2, 600)  # outside
    db.session.commit()
    return places


RAW = {
    "overview": [[5, 2, 3, 11, 14], [9, 6, 6, 8, 12], [14, 8, 9, 19, 26]],
    "goals": [[5, 6, 0, 0, 0, 0, 11], [6, 2, 0, 0, 0, 0, 8], [11, 8, 0, 0, 0, 0, 19]],
    "hours": [[8, 0, 6, 0, 0, 0, 14], [10, 0, 2, 0, 0, 0, 12], [18, 0, 8, 0, 0, 0, 26]],
}


def _page_tables(text: str) -> dict[str, list[list[str]]]:
    tables = {}
    for key, body in re.findall(r'data-table="(\w+)">(.*?)</table>', text, re.S):
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
        tables[key] = [
            [html.unescape(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in rows
        ]
    return tables


def test_report_equals_the_hand_count_and_hides_small_cells(county, client, auth):
    from portal.oversight import report

    tables = {
        t.key: t
        for t in report.build(
            report.Period("quarter", 2026, 1), {county["Bühl"].id, county["Gaggenau"].id}
        )
    }
    for key, raw in RAW.items():
        table = tables[key]
        assert table.rows == ["Bühl", "Gaggenau"]
        assert table.values == raw, key
        for r, row in enumerate(raw):
            for c, value in enumerate(row):
                assert ((r, c) in table.hidden) >= (value < THRESHOLD), (key, r, c)
    overview = tables["overview"].published()
    assert overview == [
        ["Bühl", "5", "< 5", "< 5", "11", "14"],
        ["Gaggenau", "9", "•", "•", "8", "12"],
        ["Gesamt", "14", "8", "9", "19", "26"],
    ]
    # the overview's goals and hours are the other tables' row totals: hidden alike, and an
    # attacker solving all three tables together finds two values for every hidden cell
    ordered = [tables[k] for k in ("overview", "goals", "hours")]
    links = [((0, r, c), (t, r, 6)) for t, c in ((1, 3), (2, 4)) for r in range(3)]
    for (a, ra, ca), (b, rb, cb) in links:
        assert ordered[a].cell(ra, ca) == ordered[b].cell(rb, cb)
    grids = [(t.values, t.row_totals) for t in ordered]
    found = solutions(grids, links, [t.hidden for t in ordered])
    assert found and all(len(values) >= 2 for values in found.values()), found


def test_page_csv_and_xlsx_agree_cell_by_cell(county, client, auth):
    auth.login("k@example.org")
    page = client.get("/oversight/report", query_string=PERIOD)
    assert page.status_code == 200
    shown = _page_tables(page.get_data(as_text=True))
    assert set(shown) == {"overview", "goals", "hours"}
    assert shown["overview"][1:] == [
        ["Bühl", "5", "< 5", "< 5", "11", "14"],
        ["Gaggenau", "9", "•", "•", "8", "12"],
        ["Gesamt", "14", "8", "9", "19", "26"],
    ]

    csv_file = client.get("/oversight/report.csv", query_string=PERIOD)
    assert csv_file.status_code == 200 and "attachment" in csv_file.headers["Content-Disposition"]
    text = csv_file.data.decode("utf-8-sig")
    blocks = [b for b in text.split("\r\n\r\n") if b.strip()]
    parsed = [list(csv.reader(io.StringIO(b), delimiter=";")) for b in blocks]
    assert [block[1:] for block in parsed] == [shown[k] for k in ("overview", "goals", "hours")]

    xlsx = client.get("/oversight/report.xlsx", query_string=PERIOD)
    book = load_workbook(io.BytesIO(xlsx.data))
    assert len(book.worksheets) == 3
    for sheet, key in zip(book.worksheets, ("overview", "goals", "hours"), strict=True):
        cells = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        assert cells == shown[key]
        assert sheet["A1"].font.bold and sheet.cell(sheet.max_row, 1).font.bold
        assert sheet.column_dimensions["A"].width >= len("Gaggenau")

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export.downloaded")
    ).all()
    assert sorted(e.details["format"] for e in events) == ["csv", "xlsx"]


def test_an_office_lead_sees_the_municipalities_of_their_office(county, client, auth):
    buehl = county["Bühl"]
    factories.user("leitung@example.org", roles=[("office_lead", None, buehl.office_id)])
    db.session.commit()
    auth.login("leitung@example.org")
    ours = sorted(m.name for m in county.values() if m.office_id == buehl.office_id)
    rows = _page_tables(client.get("/oversight/report", query_string=PERIOD).get_data(True))
    assert [r[0] for r in rows["overview"][1:]] == [*ours, "Gesamt"]
    from portal.oversight import report

    office = {m.id for m in county.values() if m.office_id == buehl.office_id}
    expected = report.build(report.Period("quarter", 2026, 1), office)[0]
    assert rows["overview"][1:] == expected.published()
    assert expected.values[-1][0] == 5  # the people reached in Bühl, the office's only data
    dashboard = client.get("/oversight/dashboard", query_string=PERIOD)
    assert dashboard.status_code == 200
    text = dashboard.get_data(as_text=True)
    assert "Gaggenau" not in text and 'name="office"' in text
    assert 'data-table="goals"' in text  # plan outcomes, as counts only
    outside = client.get(
        "/oversight/dashboard", query_string={"municipality": county["Gaggenau"].id}
    )
    assert outside.status_code == 404
    start = client.get("/dashboard").get_data(as_text=True)
    assert "Leitung der Außenstelle" in start and "/oversight/dashboard?office=" in start
    assert client.get("/plans/").status_code in (403, 404)


def test_a_manager_sees_only_their_municipality_and_bad_periods_are_refused(county, client, auth):
    auth.login("m@example.org")
    page = client.get("/oversight/report", query_string=PERIOD).get_data(as_text=True)
    rows = _page_tables(page)["overview"]
    assert [r[0] for r in rows[1:]] == ["Gaggenau", "Gesamt"]
    bad = client.get("/oversight/report", query_string={**PERIOD, "kind": "half", "number": "3"})
    assert bad.status_code == 400
    assert "Bitte eine Zahl von 1 bis 2." in bad.get_data(as_text=True)
    assert (
        client.get("/oversight/report.csv", query_string={**PERIOD, "year": "x"}).status_code == 400
    )


def _pdf_lines(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [
        " ".join(line.split())
        for page in reader.pages
        for line in page.extract_text().splitlines()
        if line.strip()
    ]


def test_the_pdf_prints_the_same_cells_as_the_page_and_the_xlsx(county, client, auth):
    auth.login("k@example.org")
    shown = _page_tables(client.get("/oversight/report", query_string=PERIOD).get_data(True))
    pdf = client.get("/oversight/report.pdf", query_string=PERIOD)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert 'filename="pakt-2026-quarter-1.pdf"' in pdf.headers["Content-Disposition"]
    reader = check_tagged(pdf.data, "de", "Bericht Pakt für Integration · 1. Quartal 2026")
    lines = _pdf_lines(pdf.data)
    book = load_workbook(io.BytesIO(client.get("/oversight/report.xlsx", query_string=PERIOD).data))
    position = 0
    for sheet, key in zip(book.worksheets, ("overview", "goals", "hours"), strict=True):
        cells = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        assert cells == shown[key]
        # every body row is one line of the PDF, cell after cell, in the page's order
        for row in shown[key][1:]:
            position = lines.index(" ".join(row), position) + 1
    headers = [th for _d, kind, th in structure(reader) if kind == "TH"]
    assert len(headers) == sum(len(shown[k][0]) for k in shown)
    assert "Datenschutz: Werte unter 5" in " ".join(lines)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export.downloaded")
    ).all()
    assert sorted(e.details["format"] for e in events) == ["pdf", "xlsx"]


def test_a_scope_of_many_municipalities_is_reported_by_office(county, client, auth, monkeypatch):
    """Beyond `MUNICIPALITY_ROWS` municipalities (a state's 1,100) a row adds up an office's
    municipalities: the same totals, every office once, small cells protected as before."""
    from portal.oversight import report

    monkeypatch.setattr(report, "MUNICIPALITY_ROWS", 10)  # the county's 23 are "many"
    tables = {t.key: t for t in report.build(report.Period("quarter", 2026, 1), None)}
    offices = {m.office.name for m in county.values()}
    for key, raw in RAW.items():
        table = tables[key]
        assert table.header[0] == "Geschäftsstelle"
        assert sorted(table.rows) == sorted(offices) and len(table.rows) == len(offices)
        assert table.values[-1] == raw[-1], key  # the totals
        measured = {"Bühl": 0, "Gaggenau": 1}  # the rows of RAW
        for name in measured:
            office = county[name].office_id
            same = [row for n, row in measured.items() if county[n].office_id == office]
            expected = [sum(raw[row][c] for row in same) for c in range(len(raw[0]))]
            assert table.values[table.rows.index(county[name].office.name)] == expected, key
        for r, row in enumerate(table.values):
            for c, value in enumerate(row):
                assert ((r, c) in table.hidden) >= (value < THRESHOLD), (key, r, c)

    factories.admin(email="admin@example.org")
    db.session.commit()
    auth.login("admin@example.org")
    page = client.get("/oversight/report?kind=quarter&year=2026&number=1").get_data(as_text=True)
    assert '<th scope="col">Geschäftsstelle</th>' in page
    assert all(html.escape(name) in page for name in offices)
