"""Municipalities and offices in the admin UI: list, filter, add, edit, validation, audit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from tests import factories


@pytest.fixture
def admin_client(app, client, auth):
    factories.admin(email="admin@example.org")
    db.session.commit()
    auth.login("admin@example.org")
    return client


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _field_error(html: str, field: str) -> str:
    """The error text shown at ``field`` and tied to it via aria-describedby."""
    control = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field}"[^>]*>', html)
    assert control and f"{field}-error" in control.group(0), f"{field} is not tied to its error"
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert match, f"no error shown at {field}"
    return match.group(1)


# --- municipalities ---------------------------------------------------------------------------


def test_list_shows_kind_ags_and_office_and_filters(admin_client):
    places = factories.reference_data()
    places["Rastatt"].ags = "08216043"
    db.session.commit()

    html = admin_client.get("/admin/municipalities").get_data(as_text=True)
    assert "23 Gemeinden" in html
    row = re.search(r"<th scope=\"row\">Rastatt</th>(.*?)</tr>", html, re.S).group(1)
    assert "Stadt" in row and "08216043" in row and "Rastatt" in row

    buehl = db.session.scalar(select(Office).where(Office.name == "Bühl"))
    html = admin_client.get(f"/admin/municipalities?office={buehl.id}").get_data(as_text=True)
    shown = re.findall(r'<th scope="row">([^<]+)</th>', html)
    expected = sorted(m.name for m in places.values() if m.office_id == buehl.id)
    assert shown == expected and "Bühlertal" in shown and "Gaggenau" not in shown

    # Case-insensitive search, also for umlauts on SQLite.
    html = admin_client.get("/admin/municipalities?q=ötig").get_data(as_text=True)
    assert re.findall(r'<th scope="row">([^<]+)</th>', html) == ["Ötigheim"]
    html = admin_client.get("/admin/municipalities?q=BÜHL").get_data(as_text=True)
    assert re.findall(r'<th scope="row">([^<]+)</th>', html) == ["Bühl", "Bühlertal"]
    # A "%" is searched literally, not as a wildcard.
    html = admin_client.get("/admin/municipalities?q=%25").get_data(as_text=True)
    assert "Keine Gemeinden gefunden." in html


def test_list_is_paginated(admin_client):
    factories.reference_data()
    db.session.commit()
    first = admin_client.get("/admin/municipalities").get_data(as_text=True)
    assert "Seite 1 von 1" not in first  # 23 fit on one page (25 per page): no pager
    for i in range(5):
        factories.municipality(f"Zusatzgemeinde {i}")
    db.session.commit()
    first = admin_client.get("/admin/municipalities").get_data(as_text=True)
    second = admin_client.get("/admin/municipalities?page=2").get_data(as_text=True)
    assert "Seite 1 von 2" in first and "Seite 2 von 2" in second
    assert len(re.findall(r'<th scope="row">', first)) == 25
    assert len(re.findall(r'<th scope="row">', second)) == 3


def test_list_issues_the_same_number_of_queries_for_few_and_many(admin_client, count_queries):
    office = factories.office("Außenstelle Test")
    for i in range(3):
        factories.municipality(f"Ort {i:02d}", office_=office)
    office_id = office.id
    db.session.commit()
    db.session.remove()  # each request starts with an empty identity map, as in production
    with count_queries() as few:
        assert admin_client.get("/admin/municipalities").status_code == 200
    for i in range(3, 60):
        factories.municipality(f"Ort {i:02d}", office_=factories.office(), ags=f"082160{i:02d}")
    db.session.commit()
    db.session.remove()
    with count_queries() as many:
        assert admin_client.get("/admin/municipalities").status_code == 200
    assert few.count == many.count <= 6
    db.session.remove()
    with count_queries() as filtered:
        response = admin_client.get(f"/admin/municipalities?office={office_id}&q=ort&page=1")
        assert response.status_code == 200
    assert filtered.count == many.count


def test_add_municipality(admin_client):
    office = factories.office("Rastatt")
    db.session.commit()
    form = admin_client.get("/admin/municipalities/new").get_data(as_text=True)
    assert '<label for="ags">' in form and 'name="office_id"' in form

    response = admin_client.post(
        "/admin/municipalities/new",
        data={"name": "  Neuweier ", "kind": "Gemeinde", "ags": "08216999", "office_id": office.id},
    )
    assert response.status_code == 302
    created = db.session.scalar(select(Municipality).where(Municipality.name == "Neuweier"))
    assert (created.kind, created.ags, created.office_id) == ("Gemeinde", "08216999", office.id)
    [event] = _events("municipality.created")
    assert event.object_id == created.id and event.details["ags"] == "08216999"
    assert "Neuweier ist angelegt" in admin_client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_add_municipality_without_ags_or_office(admin_client):
    response = admin_client.post(
        "/admin/municipalities/new", data={"name": "Ohneschlüssel", "kind": "Stadt", "ags": ""}
    )
    assert response.status_code == 302
    created = db.session.scalar(select(Municipality).where(Municipality.name == "Ohneschlüssel"))
    assert created.ags is None and created.office_id is None and created.kind == "Stadt"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "rastatt"}, "name", "Eine Gemeinde mit diesem Namen gibt es bereits."),
        ({"name": ""}, "name", "Bitte geben Sie einen Namen ein."),
        ({"ags": "1234"}, "ags", "genau 8 Ziffern"),
        ({"ags": "0821604a"}, "ags", "genau 8 Ziffern"),
        ({"ags": "082160431"}, "ags", "genau 8 Ziffern"),
        ({"ags": "08216043"}, "ags", "bereits vergeben"),
        ({"kind": "Dorf"}, "kind", ""),
        ({"office_id": "999999"}, "office_id", ""),
    ],
)
def test_invalid_municipality_is_refused_at_the_field(admin_client, data, field, message):
    factories.municipality("Rastatt", kind="Stadt", ags="08216043")
    db.session.commit()
    before = _count(Municipality)
    payload = {"name": "Neuort", "kind": "Gemeinde", "ags": "", "office_id": "", **data}
    response = admin_client.post("/admin/municipalities/new", data=payload)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in _field_error(html, field)
    assert "Bitte prüfen Sie Ihre Angaben" in html  # the error summary, linked to the field
    assert f'<a href="#{field}">' in html
    assert _count(Municipality) == before
    assert _events("municipality.created") == []


def test_edit_municipality(admin_client):
    old, new = factories.office("Alt"), factories.office("Neu")
    place = factories.municipality("Musterdorf", office_=old)
    db.session.commit()
    form = admin_client.get(f"/admin/municipalities/{place.id}/edit").get_data(as_text=True)
    assert 'value="Musterdorf"' in form

    response = admin_client.post(
        f"/admin/municipalities/{place.id}/edit",
        data={"name": "Musterstadt", "kind": "Stadt", "ags": "08216100", "office_id": new.id},
    )
    assert response.status_code == 302
    db.session.refresh(place)
    assert (place.name, place.kind, place.ags, place.office_id) == (
        "Musterstadt",
        "Stadt",
        "08216100",
        new.id,
    )
    [event] = _events("municipality.updated")
    assert event.details["changes"]["name"] == ["Musterdorf", "Musterstadt"]
    assert event.details["changes"]["office_id"] == [old.id, new.id]

    # Keeping its own name and AGS is no conflict; saving unchanged writes no event.
    response = admin_client.post(
        f"/admin/municipalities/{place.id}/edit",
        data={"name": "Musterstadt", "kind": "Stadt", "ags": "08216100", "office_id": new.id},
    )
    assert response.status_code == 302
    assert len(_events("municipality.updated")) == 1


def test_edit_municipality_refuses_a_taken_name_and_ags(admin_client):
    factories.municipality("Rastatt", ags="08216043")
    place = factories.municipality("Musterdorf", ags="08216100")
    db.session.commit()
    url = f"/admin/municipalities/{place.id}/edit"
    response = admin_client.post(url, data={"name": "RASTATT", "kind": "Gemeinde", "ags": ""})
    assert response.status_code == 400
    assert "gibt es bereits" in _field_error(response.get_data(as_text=True), "name")
    response = admin_client.post(
        url, data={"name": "Musterdorf", "kind": "Gemeinde", "ags": "08216043"}
    )
    assert response.status_code == 400
    assert "bereits vergeben" in _field_error(response.get_data(as_text=True), "ags")
    db.session.refresh(place)
    assert (place.name, place.ags) == ("Musterdorf", "08216100")
    assert _events("municipality.updated") == []


def test_editing_a_missing_municipality_is_404(admin_client):
    assert admin_client.get("/admin/municipalities/4711/edit").status_code == 404
    assert admin_client.get("/admin/offices/4711/edit").status_code == 404


@pytest.mark.csrf
def test_forms_carry_and_need_the_csrf_token(app, client):
    factories.admin(email="admin@example.org")
    db.session.commit()

    def token_from(html: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    token = token_from(client.get("/login").get_data(as_text=True))
    client.post(
        "/login",
        data={"csrf_token": token, "email": "admin@example.org", "password": factories.PASSWORD},
    )
    data = {"name": "Neuort", "kind": "Stadt", "ags": "", "office_id": ""}
    assert client.post("/admin/municipalities/new", data=data).status_code == 400
    assert _count(Municipality) == 0

    form = client.get("/admin/municipalities/new").get_data(as_text=True)
    assert "<form" in form and 'name="name"' in form
    response = client.post(
        "/admin/municipalities/new", data={**data, "csrf_token": token_from(form)}
    )
    assert response.status_code == 302
    assert _count(Municipality) == 1


# --- offices ----------------------------------------------------------------------------------


def test_office_list_shows_the_municipality_count(admin_client, count_queries):
    places = factories.reference_data()
    factories.office("Leere Außenstelle")
    db.session.commit()
    expected = {"Leere Außenstelle": "0"}
    for place in places.values():
        expected[place.office.name] = str(int(expected.get(place.office.name, 0)) + 1)
    assert sorted(expected) == ["Bühl", "Gaggenau", "Leere Außenstelle", "Rastatt"]
    with count_queries() as q:
        html = admin_client.get("/admin/offices").get_data(as_text=True)
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>.*?office=\d+"[^>]*>(\d+)<', html, re.S))
    assert rows == expected
    assert "Am Schlossplatz 5, 76437 Rastatt" in html
    for i in range(30):
        factories.office(f"Weitere {i:02d}")
    db.session.commit()
    with count_queries() as many:
        assert admin_client.get("/admin/offices").status_code == 200
    assert q.count == many.count


def test_add_and_edit_office(admin_client):
    response = admin_client.post(
        "/admin/offices/new",
        data={
            "name": "Außenstelle Murgtal",
            "address": "Hauptstraße 1\n76593 Gernsbach",
            "consultation_hours": "Mi 9–12",
            "email": "Murgtal@Example.org",
            "phone": "07224 1234",
        },
    )
    assert response.status_code == 302
    office = db.session.scalar(select(Office).where(Office.name == "Außenstelle Murgtal"))
    assert office.email == "murgtal@example.org" and office.consultation_hours == "Mi 9–12"
    assert _events("office.created")[0].object_id == office.id

    response = admin_client.post(
        f"/admin/offices/{office.id}/edit",
        data={
            "name": "Außenstelle Murgtal",
            "address": office.address,
            "consultation_hours": "Mi 9–12",
            "email": "",
            "phone": "07224 9999",
        },
    )
    assert response.status_code == 302
    db.session.refresh(office)
    assert office.phone == "07224 9999" and office.email == ""
    [event] = _events("office.updated")
    assert event.details["changes"]["phone"] == ["07224 1234", "07224 9999"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "rastatt"}, "name", "Eine Außenstelle mit diesem Namen gibt es bereits."),
        ({"name": ""}, "name", "Bitte geben Sie einen Namen ein."),
        ({"email": "kein-at-zeichen"}, "email", "gültige E-Mail-Adresse"),
    ],
)
def test_invalid_office_is_refused_at_the_field(admin_client, data, field, message):
    factories.office("Rastatt")
    db.session.commit()
    response = admin_client.post("/admin/offices/new", data={"name": "Neu", **data})
    assert response.status_code == 400
    assert message in _field_error(response.get_data(as_text=True), field)
    assert _count(Office) == 1
    assert _events("office.created") == []


def test_renaming_an_office_to_a_taken_name_is_refused(admin_client):
    factories.office("Rastatt")
    office = factories.office("Bühl")
    db.session.commit()
    response = admin_client.post(f"/admin/offices/{office.id}/edit", data={"name": "Rastatt"})
    assert response.status_code == 400
    assert "gibt es bereits" in _field_error(response.get_data(as_text=True), "name")
    db.session.refresh(office)
    assert office.name == "Bühl"
