"""The self-service data export (JSON and PDF) holds everything about the person and nothing
about anyone else; a manager's export of a client's record; both are audited."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.announcements.models import Announcement, AnnouncementRecipient
from portal.audit.models import AuditEvent
from portal.audit.services import record, record_about
from portal.auth.models import Role
from portal.auth.security_models import RecoveryCode, TotpCredential, TrustedDevice
from portal.conversations.models import ConversationMessage, ConversationRead
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.needs.models import AssignmentStatus
from portal.notifications.models import DigestItem, NotificationPreference, OutboundEmail
from portal.volunteers.models import ConductCertificateCheck, record_event
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp

PARTS = {
    "account",
    "memberships",
    "sign_in_sessions",
    "two_factor",
    "trusted_devices",
    "volunteer_profile",
    "languages",
    "interests",
    "available_times",
    "conduct_certificate_checks",
    "volunteer_events",
    "assignments",
    "reports",
    "hours",
    "messages",
    "audit_events",
    "conversation_messages",
    "conversation_reads",
    "announcements_received",
    "notification_settings",
    "digest_items",
}


def _person(places: dict[str, Any], key: str, coordinator: Any) -> dict[str, Any]:
    """A volunteer with something in every part of the export; every text carries ``key``."""
    user = factories.volunteer(
        places["home"], email=f"{key.lower()}@example.org", name=f"Person {key}"
    )
    profile = fb.profile_of(user)
    profile.phone = f"0151 {key}"
    profile.motivation = f"Motivation {key}"
    profile.languages = {"de": "native", "ar": "good"}
    profile.interests = ["tutoring", "housing_search"]
    profile.availability = {2: ["morning", "evening"]}
    profile.consent_at = utcnow()
    profile.pledge_signed_at = utcnow()
    db.session.add(
        ConductCertificateCheck(
            volunteer_id=profile.id,
            issued_on=today_local() - timedelta(days=20),
            seen_on=today_local() - timedelta(days=10),
            valid_until=today_local() + timedelta(days=1000),
            seen_by_id=coordinator.id,
        )
    )
    record_event(profile, "info_requested", coordinator, message=f"Bitte Nachweis {key}")
    need = fb.once_need(places["home"], title=f"Aufgabe {key}")
    assignment = fb.assignment(need, profile)
    fb.report(assignment, today_local() - timedelta(days=2), 90, outcome=f"Bericht {key}")
    ended = fb.assignment(
        fb.once_need(places["home"], title=f"Frühere {key}"),
        profile,
        status=AssignmentStatus.WITHDRAWN,
    )
    ended.reason = f"Grund {key}"
    db.session.add(
        OutboundEmail(recipient=user.email, subject=f"Betreff {key}", body_text=f"Text {key}")
    )
    db.session.add_all(
        [
            ConversationMessage(
                need_id=need.id, author_id=user.id, author_role="volunteer", body=f"Frage {key}"
            ),
            ConversationRead(need_id=need.id, user_id=user.id, unread=0, read_at=utcnow()),
            NotificationPreference(user_id=user.id, kind="announcements", mode="daily"),
            DigestItem(user_id=user.id, kind="announcements", title=f"Vorgemerkt {key}"),
        ]
    )
    announcement = Announcement(
        sender_id=coordinator.id,
        sender_role="coordinator",
        subject=f"Rundschreiben {key}",
        body="Für alle",
        audience={},
        recipient_count=1,
    )
    db.session.add(announcement)
    db.session.flush()
    db.session.add(AnnouncementRecipient(announcement_id=announcement.id, user_id=user.id))
    record_about("volunteer.approved", coordinator, profile, places["home"].id, note=f"Notiz {key}")
    record("test.own", actor=user, object_type="user", object_id=user.id, mark=f"Spur {key}")
    db.session.commit()
    return {"user": user, "profile": profile, "need": need}


def _second_factor(*users: Any) -> None:
    """Second-factor rows (added after the log-in, which would otherwise ask for a code)."""
    for user in users:
        key = user.display_name.split()[-1]
        db.session.add(
            TotpCredential(user_id=user.id, secret=f"TOTPSECRET{key}", confirmed_at=utcnow())
        )
        db.session.add(RecoveryCode(user_id=user.id, code_hash=f"codehash{key}" * 4))
        db.session.add(
            TrustedDevice(
                user_id=user.id,
                token_hash=f"devicehash{key}" * 4,
                expires_at=utcnow() + timedelta(days=9),
            )
        )
    db.session.commit()


@pytest.fixture
def people(app) -> dict[str, Any]:
    places = {"home": factories.municipality("Ahausen")}
    coordinator = factories.coordinator(places["home"], name="Kora Koordination")
    return {
        "a": _person(places, "Alpha", coordinator),
        "b": _person(places, "Beta", coordinator),
        "places": places,
    }


BETA = (
    "Person Beta",
    "beta@example.org",
    "Bericht Beta",
    "0151 Beta",
    "Motivation Beta",
    "Betreff Beta",
    "Text Beta",
    "Aufgabe Beta",
    "Grund Beta",
    "Spur Beta",
    "Notiz Beta",
    "Bitte Nachweis Beta",
    "Frühere Beta",
    "Frage Beta",
    "Vorgemerkt Beta",
    "Rundschreiben Beta",
)
ALPHA = tuple(text.replace("Beta", "Alpha").replace("beta", "alpha") for text in BETA)
SECRETS = ("TOTPSECRETAlpha", "codehashAlpha", "devicehashAlpha", "Kora Koordination")


def test_the_json_export_holds_every_part_of_own_data_and_nothing_of_others(people, client, auth):
    auth.login("alpha@example.org")
    _second_factor(people["a"]["user"], people["b"]["user"])
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    data = json.loads(text)
    assert data["format"] == "ehrenamtsportal.personal-data" and data["version"] == 1
    parts = data["parts"]
    assert set(parts) == PARTS
    assert all(parts[key] for key in PARTS), [key for key in PARTS if not parts[key]]
    assert parts["account"]["email"] == "alpha@example.org"
    assert parts["account"]["display_name"] == "Person Alpha"
    assert {m["role"] for m in parts["memberships"]} == {Role.VOLUNTEER}
    assert parts["volunteer_profile"]["phone"] == "0151 Alpha"
    assert parts["volunteer_profile"]["consent_version"] == "2026-11"
    assert parts["languages"] == [
        {"code": "de", "level": "native"},
        {"code": "ar", "level": "good"},
    ]
    assert [i["category"] for i in parts["interests"]] == ["tutoring", "housing_search"]
    assert parts["available_times"] == [{"weekday": 2, "parts": ["morning", "evening"]}]
    assert len(parts["conduct_certificate_checks"]) == 1
    assert parts["volunteer_events"][0]["message"] == "Bitte Nachweis Alpha"
    assert {a["title"] for a in parts["assignments"]} == {"Aufgabe Alpha", "Frühere Alpha"}
    assert parts["reports"][0]["outcome"] == "Bericht Alpha"
    assert parts["reports"][0]["hours"] == 1.5
    assert parts["hours"] == [{"category": "accompanying", "activities": 1, "hours": 1.5}]
    assert parts["messages"][0]["subject"] == "Betreff Alpha"
    assert parts["conversation_messages"][0]["body"] == "Frage Alpha"
    assert parts["conversation_messages"][0]["task"] == "Aufgabe Alpha"
    assert parts["conversation_reads"][0]["task"] == "Aufgabe Alpha"
    assert parts["announcements_received"][0]["subject"] == "Rundschreiben Alpha"
    assert "announcements_sent" not in parts
    assert {"kind": "announcements", "mode": "daily"} in parts["notification_settings"]
    assert parts["digest_items"][0]["title"] == "Vorgemerkt Alpha"
    assert parts["two_factor"]["enabled"] is True
    assert parts["two_factor"]["recovery_codes_unused"] == 1
    assert len(parts["trusted_devices"]) == 1
    assert parts["sign_in_sessions"], "the current sign-in"
    actions = {(e["action"], e["by_you"]) for e in parts["audit_events"]}
    assert ("volunteer.approved", False) in actions  # about the person (as subject)
    assert ("test.own", True) in actions  # by the person (as actor)
    for own in ALPHA:
        assert own in text, own
    for foreign in (*BETA, *SECRETS, people["a"]["user"].password_hash):
        assert foreign not in text, foreign
    assert people["a"]["user"].session_token not in text


def test_the_pdf_export_reads_the_same_and_nothing_of_others(people, client, auth):
    auth.login("alpha@example.org")
    _second_factor(people["a"]["user"], people["b"]["user"])
    response = client.get("/account/data.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for own in ALPHA:
        assert own in flat, own
    for foreign in (*BETA, *SECRETS):
        assert foreign not in flat, foreign
    for heading in (
        "Konto",
        "Rollen",
        "Sprachen",
        "Berichte",
        "E-Mails an Sie",
        "Protokollierte Vorgänge",
        "Erweiterte Führungszeugnisse (eingesehen)",
    ):
        assert heading in text
    assert "Arabisch" in flat and "Lernhilfe und Nachhilfe" in flat  # codes by their labels
    assert reader.trailer["/Root"]["/Lang"] == "de"


def test_every_download_is_audited(people, client, auth):
    auth.login("alpha@example.org")
    client.get("/account/data.json")
    client.get("/account/data.pdf")
    user = people["a"]["user"]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.data_exported")
    ).all()
    assert [(e.actor_id, e.object_type, e.object_id, e.details) for e in events] == [
        (user.id, "user", user.id, {"format": "json"}),
        (user.id, "user", user.id, {"format": "pdf"}),
    ]


def test_staff_export_their_own_data_too(app, client, auth):
    home = factories.municipality("Ahausen")
    factories.manager(home, email="im@example.org", name="Ines Manager")
    other = factories.volunteer(home, email="v@example.org", name="Vera Volunteer")
    place = fp.client(home, name="Familie Geheim")
    record_about("client.viewed", other, place, home.id, page="client")
    db.session.commit()
    auth.login("im@example.org")
    data = client.get("/account/data.json").get_json()
    assert data["parts"]["account"]["display_name"] == "Ines Manager"
    assert [m["role"] for m in data["parts"]["memberships"]] == [Role.MANAGER]
    assert "volunteer_profile" not in data["parts"]
    text = json.dumps(data, ensure_ascii=False)
    assert "Vera Volunteer" not in text and "Familie Geheim" not in text


# --- a client's record --------------------------------------------------------------------------


def _record(app) -> dict[str, Any]:
    a = factories.municipality("Ahausen")
    b = factories.municipality("Bedorf")
    manager = factories.manager(a, email="im.a@example.org", name="Ines A")
    factories.manager(b, email="im.b@example.org")
    helper = factories.volunteer(a, email="helfer@example.org", name="Hanna Helfer")
    profile = fb.profile_of(helper)
    profile.phone = "0170 HELFER"
    person = fp.client(a, name="Familie Haidari", manager_=manager, languages=["fa", "de"])
    goal = fp.goal(person, text="Ziel Deutschkurs")
    step = fp.step(goal, text="Schritt Anmeldung")
    need = fb.once_need(a, title="Bedarf Begleitung", source_step_id=step.id)
    assignment = fb.assignment(need, profile)
    fb.report(assignment, today_local() - timedelta(days=1), 60, outcome="Bericht Kurs")
    other = fp.client(a, name="Familie Andere")
    fb.once_need(a, title="Bedarf Andere", source_step_id=fp.step(fp.goal(other)).id)
    db.session.commit()
    return {"client": person}


def test_a_manager_exports_a_clients_record_as_json_and_pdf(app, client, auth):
    world = _record(app)
    auth.login("im.a@example.org")
    url = f"/plans/clients/{world['client'].id}/export"
    response = client.get(f"{url}.json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["format"] == "ehrenamtsportal.client-record"
    parts = data["parts"]
    assert parts["client_data"]["name"] == "Familie Haidari"
    assert [row["code"] for row in parts["languages"]] == ["fa", "de"]
    assert parts["plan"]["agreed_on"]
    assert [g["text"] for g in parts["goals"]] == ["Ziel Deutschkurs"]
    assert [s["text"] for s in parts["steps"]] == ["Schritt Anmeldung"]
    assert [n["title"] for n in parts["needs"]] == ["Bedarf Begleitung"]
    assert [a["volunteer_name"] for a in parts["assignments"]] == ["Hanna Helfer"]
    assert [r["outcome"] for r in parts["reports"]] == ["Bericht Kurs"]
    text = response.get_data(as_text=True)
    for foreign in ("helfer@example.org", "0170 HELFER", "Familie Andere", "Bedarf Andere"):
        assert foreign not in text

    pdf = client.get(f"{url}.pdf")
    assert pdf.status_code == 200
    flat = " ".join(
        "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split()
    )
    for own in (
        "Familie Haidari",
        "Ziel Deutschkurs",
        "Schritt Anmeldung",
        "Bericht Kurs",
        "Hanna Helfer",
        "Persisch",
    ):
        assert own in flat, own
    assert "helfer@example.org" not in flat and "Familie Andere" not in flat

    exported = select(AuditEvent).where(AuditEvent.action == "client.exported")
    events = db.session.scalars(exported.order_by(AuditEvent.id))
    details = [(e.object_id, e.details) for e in events]
    assert details == [
        (world["client"].id, {"format": "json"}),
        (world["client"].id, {"format": "pdf"}),
    ]
    assert "Haidari" not in json.dumps(details)


def test_a_manager_of_another_municipality_gets_nothing_and_nothing_is_recorded(app, client, auth):
    world = _record(app)
    auth.login("im.b@example.org")
    for fmt in ("json", "pdf"):
        response = client.get(f"/plans/clients/{world['client'].id}/export.{fmt}")
        assert response.status_code == 403
        assert "Haidari" not in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client.exported")) is None
    )
    assert client.get("/plans/clients/999999/export.json").status_code == 404


def test_the_pages_link_the_downloads(app, client, auth):
    world = _record(app)
    auth.login("im.a@example.org")
    own = client.get("/account/security").get_data(as_text=True)
    assert 'href="/account/data.pdf"' in own and 'href="/account/data.json"' in own
    page = client.get(f"/plans/clients/{world['client'].id}").get_data(as_text=True)
    assert f'href="/plans/clients/{world["client"].id}/export.pdf"' in page


def test_a_long_audit_trail_is_whole_in_the_json_and_the_newest_in_the_pdf(app, client, auth):
    from portal.privacy import export

    home = factories.municipality("Ahausen")
    user = factories.volunteer(home, email="viel@example.org", name="Viel Aktiv")
    for number in range(export.PDF_RECORDS + 5):
        record("test.step", actor=user, object_type="user", object_id=user.id, n=f"Nr{number}X")
    db.session.commit()
    auth.login("viel@example.org")
    events = client.get("/account/data.json").get_json()["parts"]["audit_events"]
    assert sum(1 for e in events if e["action"] == "test.step") == export.PDF_RECORDS + 5
    reader = PdfReader(io.BytesIO(client.get("/account/data.pdf").data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert f"Nr{export.PDF_RECORDS + 4}X" in text and "Nr4X" not in text
    assert f"Die neuesten {export.PDF_RECORDS} von" in text
