"""The audit trail page for the county's data-protection checks (GET /admin/audit)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.audit.services import record
from portal.extensions import db
from portal.municipalities.models import Municipality
from tests import factories
from tests import factories_plans as fp
from tests.integration.test_ui_english import german_words, visible_text

URL = "/admin/audit"
REF_RE = re.compile(r"ref=(E\d+)")


def _event(
    action: str,
    actor: Any,
    object_type: str,
    object_id: int | None,
    place: Any,
    at: datetime,
    ref: str,
    **details: Any,
):
    event = record(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        municipality_id=place.id if place else None,
        ref=ref,
        **details,
    )
    event.at = at
    return event


@pytest.fixture
def trail(app) -> dict[str, Any]:
    """Five events (ref E1..E5) plus the people who log in to read them."""
    north = factories.municipality("Nordheim")
    south = factories.municipality("Südheim")
    admin = factories.admin(email="admin@example.org", name="Anna Admin")
    keller = factories.manager(north, email="keller@example.org", name="Klara Keller")
    koch = factories.coordinator(north, email="koch@example.org", name="Kurt Koch")
    volunteer = factories.volunteer(north, email="ehrenamt@example.org")
    # Times are naive UTC. E2 is 23:30 UTC on 10 March = 00:30 on 11 March in Berlin (CET).
    _event(
        "client.viewed", keller, "client", 17, north, datetime(2026, 3, 10, 9, 0), "E1", page="plan"
    )
    _event("client.closed", keller, "client", 18, south, datetime(2026, 3, 10, 23, 30), "E2")
    _event("volunteer.approved", koch, "volunteer", 17, north, datetime(2026, 3, 12, 8, 0), "E3")
    _event(
        "user.role_granted",
        admin,
        "user",
        keller.id,
        None,
        datetime(2026, 3, 13, 8, 0),
        "E4",
        role="manager",
        scope={"municipality": north.id},
    )
    _event("reminder.sent", None, "need", 5, south, datetime(2026, 3, 14, 8, 0), "E5")
    db.session.commit()
    return {
        "north": north.id,
        "south": south.id,
        "admin": admin,
        "keller": keller,
        "koch": koch,
        "volunteer": volunteer,
    }


def _shown(client, **params: Any) -> list[str]:
    response = client.get(URL, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return REF_RE.findall(response.get_data(as_text=True))


# --- permissions -----------------------------------------------------------------------------


def test_only_admins_may_read_the_trail(client, auth, trail):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    for email in ("ehrenamt@example.org", "koch@example.org", "keller@example.org"):
        assert auth.login(email).status_code == 302
        assert client.get(URL).status_code == 403, email
        assert (
            client.get(URL, query_string={"object_type": "client", "object_id": 17}).status_code
            == 403
        )
        auth.logout()
    auth.login("admin@example.org")
    assert client.get(URL).status_code == 200


def test_admin_navigation_and_account_page_link_to_the_trail(client, auth, trail):
    auth.login("admin@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/audit"' in page
    assert "Protokoll" in page
    account = client.get(f"/admin/users/{trail['keller'].id}").get_data(as_text=True)
    assert "Aktivitäten dieses Kontos" in account
    assert f'href="/admin/audit?actor_id={trail["keller"].id}"' in account


# --- the list and its filters ----------------------------------------------------------------


def test_all_events_newest_first_with_actor_municipality_and_details(client, auth, trail):
    auth.login("admin@example.org")
    response = client.get(URL)
    html = response.get_data(as_text=True)
    assert REF_RE.findall(html) == ["E5", "E4", "E3", "E2", "E1"]
    assert "Klara Keller" in html and "keller@example.org" in html
    assert "Kurt Koch" in html and "koch@example.org" in html
    assert "Nordheim" in html and "Südheim" in html
    assert "System" in html  # E5 has no actor
    # Details as compact key=value, nested values as compact JSON.
    assert f"ref=E4 role=manager scope={{&#34;municipality&#34;:{trail['north']}}}" in html
    assert "page=plan ref=E1" in html
    # The time in Berlin: 09:00 UTC on 10 March is 10:00 CET.
    assert "10.03.2026, 10:00:00" in html
    # The object links to all events about it.
    assert 'href="/admin/audit?object_type=client&amp;object_id=17"' in html
    # Reading the trail is not itself recorded (that would flood it).
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert client.get(URL, query_string={"action": "client."}).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_action_filter_exact_and_prefix(client, auth, trail):
    auth.login("admin@example.org")
    assert _shown(client, action="client.viewed") == ["E1"]
    assert _shown(client, action="client.") == ["E2", "E1"]
    assert _shown(client, action="client") == []
    assert _shown(client, action="user.role_granted") == ["E4"]


def test_object_filter_needs_type_and_id(client, auth, trail):
    auth.login("admin@example.org")
    # Client 17 and volunteer 17 share the id: the type tells them apart.
    assert _shown(client, object_type="client", object_id=17) == ["E1"]
    assert _shown(client, object_type="volunteer", object_id=17) == ["E3"]
    assert _shown(client, object_type="client") == ["E2", "E1"]


def test_actor_filters(client, auth, trail):
    auth.login("admin@example.org")
    assert _shown(client, actor="keller@example") == ["E2", "E1"]
    assert _shown(client, actor="KOCH@EXAMPLE.ORG") == ["E3"]
    assert _shown(client, actor="niemand@example.org") == []
    assert _shown(client, actor_id=trail["koch"].id) == ["E3"]
    response = client.get(URL, query_string={"actor_id": trail["keller"].id})
    assert "Aktivitäten des Kontos Klara Keller (keller@example.org)." in response.get_data(
        as_text=True
    )


def test_municipality_filter(client, auth, trail):
    auth.login("admin@example.org")
    assert _shown(client, municipality=trail["north"]) == ["E3", "E1"]
    assert _shown(client, municipality=trail["south"]) == ["E5", "E2"]


def _place_options(html: str) -> str:
    found = re.search(r'<select [^>]*name="municipality"[^>]*>(.*?)</select>', html, re.S)
    assert found, html
    return found.group(1)


def test_the_municipality_filter_offers_every_municipality_and_marks_the_chosen_one(
    client, auth, trail
):
    auth.login("admin@example.org")
    options = _place_options(client.get(URL).get_data(as_text=True))
    assert options.startswith('<option value="" selected="selected">alle Gemeinden</option>')
    assert f'<option value="{trail["north"]}">Nordheim</option>' in options
    assert f'<option value="{trail["south"]}">Südheim</option>' in options
    assert options.count("<option") == 1 + db.session.scalar(
        select(func.count()).select_from(Municipality)
    )
    html = client.get(URL, query_string={"municipality": trail["north"]}).get_data(as_text=True)
    options = _place_options(html)
    assert options.startswith('<option value="">alle Gemeinden</option>')
    assert f'<option value="{trail["north"]}" selected="selected">Nordheim</option>' in options
    later = factories.municipality("Westheim")  # a new one is offered and accepted at once
    db.session.commit()
    html = client.get(URL, query_string={"municipality": later.id}).get_data(as_text=True)
    assert f'<option value="{later.id}" selected="selected">Westheim</option>' in html


def test_date_range_is_in_berlin_time_and_inclusive(client, auth, trail):
    auth.login("admin@example.org")
    # E2 (23:30 UTC on 10 March) happened on 11 March in Berlin.
    assert _shown(client, date_from="2026-03-10", date_to="2026-03-10") == ["E1"]
    assert _shown(client, date_from="2026-03-11", date_to="2026-03-11") == ["E2"]
    assert _shown(client, date_from="2026-03-12") == ["E5", "E4", "E3"]
    assert _shown(client, date_to="2026-03-12") == ["E3", "E2", "E1"]


def test_filters_combine(client, auth, trail):
    auth.login("admin@example.org")
    assert _shown(client, action="client.", municipality=trail["north"]) == ["E1"]
    assert _shown(client, actor="keller", date_from="2026-03-11") == ["E2"]


@pytest.mark.app_config(PER_PAGE=2)
def test_pages_keep_the_filters(client, auth, trail):
    auth.login("admin@example.org")  # the log-in itself is recorded: the newest event
    march = {"date_to": "2026-03-31"}
    assert _shown(client, **march) == ["E5", "E4"]
    assert _shown(client, **march, page=2) == ["E3", "E2"]
    assert _shown(client, **march, page=3) == ["E1"]
    html = client.get(URL, query_string=march).get_data(as_text=True)
    assert "date_to=2026-03-31" in html and "page=2" in html
    html = client.get(URL, query_string={"action": "client."}).get_data(as_text=True)
    assert REF_RE.findall(html) == ["E2", "E1"]
    assert 'rel="next"' not in html


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"date_from": "2026-03-12", "date_to": "2026-03-10"},
            "date_to",
            "Das Enddatum liegt vor dem Anfangsdatum.",
        ),
        ({"object_type": "client", "object_id": "abc"}, "object_id", "Keine gültige, ganze Zahl."),
        ({"object_id": "17"}, "object_id", "Bitte geben Sie zur Objekt-Nr. auch den Objekttyp an."),
        (
            {"object_type": "client", "object_id": "0"},
            "object_id",
            "Bitte geben Sie eine Nummer ab 1 ein.",
        ),
        ({"actor_id": "x"}, "actor_id", "Keine gültige, ganze Zahl."),
        ({"date_from": "2026-02-31"}, "date_from", "Kein gültiges Datum."),
        ({"municipality": "999999"}, "municipality", "Keine gültige Auswahl."),
        ({"action": "x" * 61}, "action", "Höchstens 60 Zeichen."),
    ],
)
def test_bad_filter_input_is_answered_at_the_field_with_400(
    client, auth, trail, params, field, message
):
    auth.login("admin@example.org")
    response = client.get(URL, query_string=params)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', html)
    assert error, html
    assert error.group(1) == message
    assert re.search(rf'aria-describedby="([\w-]+ )?{field}-error"', html)
    # No events are listed for a filter that could not be read.
    assert REF_RE.findall(html) == []


# --- the audit of client views shows up here --------------------------------------------------


def test_a_managers_look_at_a_client_appears_in_the_trail(client, auth, trail):
    places = factories.reference_data()
    gaggenau = places["Gaggenau"]
    bauer = factories.manager(
        office_=gaggenau.office, email="bauer@example.org", name="Berta Bauer"
    )
    person = fp.client(gaggenau, manager_=bauer)
    other = fp.client(gaggenau, name="Familie Noori", manager_=bauer)
    db.session.commit()

    auth.login("bauer@example.org")
    assert client.get(f"/plans/clients/{person.id}").status_code == 200
    assert client.get(f"/plans/clients/{other.id}").status_code == 200
    auth.logout()

    auth.login("admin@example.org")
    response = client.get(URL, query_string={"object_type": "client", "object_id": person.id})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<code>client.viewed</code>") == 1
    assert "Berta Bauer" in html and "bauer@example.org" in html
    assert "Gaggenau" in html
    assert "page=client" in html
    # Filtered by the manager: both looks.
    response = client.get(URL, query_string={"actor": "bauer@", "action": "client.viewed"})
    assert response.get_data(as_text=True).count("<code>client.viewed</code>") == 2


# --- bounded queries -------------------------------------------------------------------------


def _many(start: int, n: int) -> None:
    for i in range(start, start + n):
        place = factories.municipality(f"Ort {i}")
        actor = factories.user(f"person{i}@example.org", f"Person {i}")
        record(
            "client.viewed",
            actor=actor,
            object_type="client",
            object_id=i + 1,
            municipality_id=place.id,
            page="client",
        )
    db.session.commit()


@pytest.mark.app_config(PER_PAGE=100)
def test_the_page_issues_the_same_number_of_queries_for_5_and_50_events(
    client, auth, count_queries
):
    factories.admin(email="admin@example.org")
    db.session.commit()
    auth.login("admin@example.org")
    counts = []
    for start, n in ((0, 5), (5, 45)):
        _many(start, n)
        with count_queries() as q:
            response = client.get(URL, query_string={"action": "client.viewed"})
        assert response.status_code == 200
        counts.append(
            (response.get_data(as_text=True).count("<code>client.viewed</code>"), q.count)
        )
    assert [shown for shown, _ in counts] == [5, 50]
    assert counts[0][1] == counts[1][1]


# --- English ---------------------------------------------------------------------------------


def test_the_trail_page_is_in_english_for_an_english_admin(client, auth, trail):
    trail["admin"].locale = "en"
    db.session.commit()
    auth.login("admin@example.org")
    html = client.get(URL).get_data(as_text=True)
    data = {"Nordheim", "Südheim", "Klara Keller", "Kurt Koch", "Anna Admin", "Erika Mustermann"}
    assert german_words(visible_text(html, data)) == []
    response = client.get(URL, query_string={"date_from": "2026-03-12", "date_to": "2026-03-10"})
    assert response.status_code == 400
    assert german_words(visible_text(response.get_data(as_text=True), data)) == []
