"""Bad input gets 400 or 404 with a clear message, never a 500 (on SQLite and PostgreSQL):
NUL bytes, ids beyond the database's 32-bit integers, absurd page numbers and dates, control
characters in single-line fields, and request bodies beyond MAX_CONTENT_LENGTH."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.models import User
from portal.core.time import today_local
from portal.extensions import db
from portal.needs.models import Need
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp
from tests.factories_auth import text

BIG = "2147483648"  # 2**31: one more than PostgreSQL's INTEGER holds
HUGE = "99999999999999999999"


@pytest.fixture
def world(app):
    world = fb.county()
    world["coordinator"] = factories.coordinator(world["gaggenau"], email="koord@example.org")
    world["admin"] = factories.admin(email="admin@example.org")
    client_ = fp.client(world["gaggenau"], manager_=world["manager"])
    world["step"] = fp.step(fp.goal(client_))
    world["need"] = fb.once_need(world["gaggenau"], title="Lernhilfe")
    db.session.commit()
    return world


ROLES = {
    "volunteer": "lena@example.org",
    "manager": "keller@example.org",
    "coordinator": "koord@example.org",
    "admin": "admin@example.org",
}


def as_role(auth, role: str | None) -> None:
    if role is not None:
        assert auth.login(ROLES[role]).status_code == 302


def assert_refused(response, *codes: int) -> str:
    assert response.status_code in (codes or (400, 404)), response.status_code
    html = text(response)
    assert "<h1>" in html and "Traceback" not in html
    return html


# --- NUL bytes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "method", "url", "data"),
    [
        (None, "GET", "/board/calendar/%00.ics", None),
        (None, "GET", "/login?next=/%00", None),
        (None, "POST", "/signup", {"display_name": "A\x00B", "email": "x@example.org"}),
        (None, "POST", "/login", {"email": "a\x00@example.org", "password": "x"}),
        (None, "POST", "/password/forgot", {"email": "\x00"}),
        ("volunteer", "GET", "/board/?category=%00", None),
        ("manager", "GET", "/plans/clients?q=%00", None),
        ("manager", "POST", "/needs/new", {"title": "Titel\x00"}),
        ("coordinator", "GET", "/coordination/volunteers?q=a%00b", None),
        ("admin", "GET", "/admin/audit?action=%00", None),
        ("admin", "GET", "/admin/users?q=%00", None),
    ],
)
def test_a_nul_byte_anywhere_is_a_400(world, client, auth, role, method, url, data):
    as_role(auth, role)
    html = assert_refused(client.open(url, method=method, data=data), 400)
    assert "unzulässige Steuerzeichen" in html


# --- ids beyond 32 bits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("volunteer", f"/board/needs/{BIG}"),
        ("volunteer", f"/board/needs/{HUGE}/claim"),
        ("manager", f"/needs/{BIG}"),
        ("manager", f"/plans/clients/{BIG}"),
        ("manager", f"/plans/goals/{HUGE}/edit"),
        ("coordinator", f"/coordination/volunteers/{BIG}"),
        ("admin", f"/admin/users/{BIG}"),
        ("admin", f"/admin/outbox/{HUGE}"),
        ("volunteer", "/board/needs/١٢"),  # Arabic-Indic digits are no record number
    ],
)
def test_ids_beyond_the_integer_range_are_404(world, client, auth, role, url):
    as_role(auth, role)
    assert_refused(client.get(url), 404)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("manager", f"/needs/new?step_id={BIG}"),
        ("manager", "/needs/new?step_id=²"),
        ("coordinator", f"/coordination/volunteers?municipality={BIG}"),
        ("coordinator", "/coordination/volunteers?municipality=+"),
        ("coordinator", "/coordination/volunteers?municipality=-1"),
        ("volunteer", f"/board/?municipality={BIG}"),
        ("volunteer", "/board/?municipality=+"),
        ("manager", f"/needs/?municipality_id={BIG}"),
        ("manager", "/needs/?municipality_id=+"),
        ("admin", f"/admin/audit?municipality={BIG}"),
        ("admin", "/admin/audit?municipality=+"),
        ("admin", f"/admin/municipalities?office={BIG}"),
    ],
)
def test_ids_in_query_strings_beyond_the_range_are_ignored_or_refused(
    world, client, auth, role, url
):
    as_role(auth, role)
    assert client.get(url).status_code in (200, 400, 404)


@pytest.mark.parametrize("field", ["object_id", "actor_id"])
def test_audit_filters_refuse_ids_beyond_the_range_at_the_field(world, client, auth, field):
    as_role(auth, "admin")
    response = client.get(f"/admin/audit?object_type=need&{field}={BIG}")
    assert response.status_code == 400
    assert "Die Zahl ist zu groß." in text(response)


# --- page numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("volunteer", "/board/"),
        ("volunteer", "/board/my-tasks"),
        ("manager", "/needs/"),
        ("manager", "/needs/reports"),
        ("manager", "/plans/clients"),
        ("coordinator", "/coordination/volunteers"),
        ("admin", "/admin/users"),
        ("admin", "/admin/audit"),
        ("admin", "/admin/outbox"),
        ("admin", "/admin/municipalities"),
    ],
)
def test_absurd_page_numbers_are_404(world, client, auth, role, url):
    as_role(auth, role)
    assert_refused(client.get(f"{url}?page={HUGE}"), 404)
    assert_refused(client.get(f"{url}?page=100001"), 404)
    for harmless in ("abc", "-3", "0", "", "1.5"):
        assert client.get(f"{url}?page={harmless}").status_code == 200, harmless


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("volunteer", "/board/?date_to=9999-12-31"),
        ("volunteer", "/board/?date_from=0001-01-01"),
        ("volunteer", "/board/?date_from=0001-01-01&date_to=9999-12-31"),
        ("manager", "/needs/?date_to=9999-12-31"),
        ("admin", "/admin/audit?date_to=9999-12-31"),
        ("admin", "/admin/audit?date_from=0001-01-01"),
        ("volunteer", "/board/certificate?date_from=0001-01-01&date_to=9999-12-31"),
    ],
)
def test_far_dates_are_refused_with_a_message(world, client, auth, role, url):
    as_role(auth, role)
    response = client.get(url)
    assert response.status_code == 400
    assert "Bitte geben Sie ein Datum zwischen 1900 und 2100 an." in text(response)


def need_form(**overrides: str) -> dict[str, str]:
    day = (today_local() + timedelta(days=7)).isoformat()
    data = {
        "category": "tutoring",
        "title": "Hausaufgabenhilfe",
        "public_description": "Zwei Kinder brauchen Hilfe bei den Hausaufgaben.",
        "municipality_id": "",
        "schedule_kind": "weekly",
        "weekday": "2",
        "time_of_day": "16:00",
        "duration_minutes": "60",
        "starts_on": day,
        "capacity": "1",
        "status": "open",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"starts_on": "9999-12-31"}, "zwischen 1900 und 2100"),
        ({"ends_on": "9999-12-31"}, "zwischen 1900 und 2100"),
        (
            {
                "schedule_kind": "once",
                "starts_at": "9999-12-31T10:00",
                "ends_at": "9999-12-31T11:00",
            },
            "zwischen 1900 und 2100",
        ),
        ({"schedule_kind": "weekly", "duration_hours": HUGE}, "Die Dauer muss zwischen"),
        ({"capacity": BIG}, "Die Zahl ist zu groß."),
        ({"title": "Erste Zeile\nBcc: jemand@example.org"}, "ohne Zeilenumbrüche"),
        ({"title": "Glocke \x07"}, "ohne Zeilenumbrüche"),
        ({"public_description": "Text mit Escape \x1b[31m"}, "unzulässige Steuerzeichen"),
    ],
)
def test_the_need_form_refuses_far_dates_huge_numbers_and_control_characters(
    world, client, auth, overrides, field_text
):
    as_role(auth, "manager")
    data = need_form(municipality_id=str(world["gaggenau"].id), **overrides)
    before = db.session.query(Need).count()
    response = client.post("/needs/new", data=data)
    assert response.status_code == 400
    assert field_text in text(response)
    assert db.session.query(Need).count() == before


def test_single_line_names_refuse_line_breaks_at_sign_up(world, client):
    before = db.session.query(User).count()
    response = client.post(
        "/signup",
        data={
            "display_name": "Erika\r\nSubject: Gewinn",
            "email": "erika@example.org",
            "password": "Sicheres-Passwort-1",
            "confirm": "Sicheres-Passwort-1",
        },
    )
    assert response.status_code == 400
    assert "ohne Zeilenumbrüche" in text(response)
    assert db.session.query(User).count() == before


# --- request size ------------------------------------------------------------------------------


def test_a_request_body_over_the_limit_gets_the_friendly_413(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    response = client.post("/login", data={"email": "x" * (2 * 1024 * 1024), "password": "x"})
    html = assert_refused(response, 413)
    assert "<h1>Die Anfrage ist zu groß</h1>" in html
    assert "xxxxxxxxxx" not in html  # nothing is echoed back


@pytest.mark.app_config(MAX_CONTENT_LENGTH=2048)
def test_the_limit_is_a_setting(app, client):
    assert client.post("/login", data={"email": "x" * 4096}).status_code == 413
    assert client.post("/login", data={"email": "x" * 100}).status_code == 400


def test_over_long_fields_are_refused_at_the_field_without_echo(world, client):
    response = client.post("/login", data={"email": "a" * 300 + "@example.org", "password": "x"})
    assert response.status_code == 400
    assert "a" * 300 not in text(response)
