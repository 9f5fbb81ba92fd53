"""Coordinator queue, decisions, e-mails, history, certificates and the overview."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.core.collation import german_key
from portal.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from portal.volunteers import certificates, decisions, profiles, queries
from portal.volunteers.models import ConductCertificateCheck
from tests import factories
from tests.factories_volunteers import certificate, profile_of, volunteer_profile

FRAGMENT = Path(__file__).resolve().parents[2] / "translations" / "fragments" / "volunteers.po"


@pytest.fixture
def towns(app):
    towns = factories.reference_data()
    db.session.commit()
    return towns


@pytest.fixture
def english(app, tmp_path):
    """This domain's English catalog (translations/fragments/volunteers.po), compiled."""
    target = tmp_path / "i18n" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with FRAGMENT.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    with (target / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    babel = app.extensions["babel"]
    babel.translation_directories = [*babel.translation_directories, str(tmp_path / "i18n")]
    return catalog


def mails(template: str | None = None) -> list[OutboundEmail]:
    stmt = select(OutboundEmail).order_by(OutboundEmail.id)
    if template:
        stmt = stmt.where(OutboundEmail.template == template)
    return list(db.session.scalars(stmt))


# --- transitions ----------------------------------------------------------------------------

VALID = [
    ("pending", "approve", "approved"),
    ("pending", "reject", "rejected"),
    ("pending", "request_info", "pending"),
    ("approved", "suspend", "suspended"),
    ("suspended", "reinstate", "approved"),
]
INVALID = [
    (state, action)
    for state in ("pending", "approved", "rejected", "suspended")
    for action in ("approve", "reject", "request_info", "suspend", "reinstate")
    if (state, action) not in {(s, a) for s, a, _ in VALID}
]


@pytest.mark.parametrize(("start", "action", "end"), VALID)
def test_valid_transitions_store_who_when_why(towns, start, action, end):
    coordinator = factories.coordinator(towns["Gaggenau"])
    profile = volunteer_profile(towns["Gaggenau"], start, email="v@example.org")
    db.session.commit()
    decisions.decide(coordinator, profile, action, "Weil es passt.")
    db.session.expire_all()
    assert profile.status == end
    event = profile.events[0]
    assert (event.kind, event.actor_id, event.message) == (
        decisions.TRANSITIONS[action].event,
        coordinator.id,
        "Weil es passt.",
    )
    assert (event.from_status, event.to_status) == (start, end)
    if end != start:
        assert profile.decided_by_id == coordinator.id
        assert profile.decided_at is not None and profile.decision_reason == "Weil es passt."
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == f"volunteer.{action}"))
    assert audit.actor_id == coordinator.id and audit.object_id == profile.id
    assert audit.municipality_id == towns["Gaggenau"].id
    assert audit.details["reason"] == "Weil es passt."
    (mail,) = mails()
    assert mail.recipient == "v@example.org"
    assert mail.template == f"volunteer_{decisions.TRANSITIONS[action].template}"


@pytest.mark.parametrize(("start", "action"), INVALID)
def test_invalid_transitions_are_refused_and_change_nothing(towns, start, action):
    coordinator = factories.coordinator(towns["Gaggenau"])
    profile = volunteer_profile(towns["Gaggenau"], start)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        decisions.decide(coordinator, profile, action, "Grund")
    db.session.expire_all()
    assert profile.status == start
    assert profile.events == []
    assert mails() == []


def test_a_decision_in_the_wrong_state_is_a_clear_message_over_http(client, auth, towns):
    factories.coordinator(towns["Gaggenau"], email="k@example.org")
    profile = volunteer_profile(towns["Gaggenau"], "approved", name="Anna Acker")
    db.session.commit()
    auth.login("k@example.org")
    response = client.post(f"/coordination/volunteers/{profile.id}/approve")
    assert response.status_code == 409
    assert "Das geht nicht: Anna Acker ist freigegeben." in response.get_data(as_text=True)
    assert mails() == []


def test_reasons_are_required_where_the_rule_says_so(client, auth, towns):
    factories.coordinator(towns["Gaggenau"], email="k@example.org")
    profile = volunteer_profile(towns["Gaggenau"], "pending")
    db.session.commit()
    auth.login("k@example.org")
    for action in ("reject", "request_info"):
        response = client.post(f"/coordination/volunteers/{profile.id}/{action}")
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert f'id="{action}-reason-error"' in html
        assert "Bitte geben Sie eine Begründung an." in html
    long = {"reject-reason": "x" * 2001}
    response = client.post(f"/coordination/volunteers/{profile.id}/reject", data=long)
    assert response.status_code == 400
    assert "Höchstens 2000 Zeichen" in response.get_data(as_text=True)
    db.session.expire_all()
    assert profile.status == "pending" and profile.events == [] and mails() == []
    # Approval needs no reason.
    assert client.post(f"/coordination/volunteers/{profile.id}/approve").status_code == 302
    db.session.expire_all()
    assert profile.status == "approved"


def test_a_coordinator_of_another_municipality_may_not_decide(towns):
    other = factories.coordinator(towns["Bühl"])
    profile = volunteer_profile(towns["Gaggenau"], "pending")
    profile.municipalities.append(towns["Bühl"])  # helps in Bühl, lives in Gaggenau
    db.session.commit()
    with pytest.raises(NotAllowed):
        decisions.decide(other, profile, "approve")
    assert profile.status == "pending"


def test_request_for_information_is_mailed_and_kept_in_the_history(client, auth, towns):
    factories.coordinator(towns["Gaggenau"], email="k@example.org", name="Thomas Wagner")
    profile = volunteer_profile(towns["Gaggenau"], "pending", email="v@example.org")
    db.session.commit()
    auth.login("k@example.org")
    message = "Könnten Sie uns sagen, an welchen Tagen Sie Zeit haben?"
    response = client.post(
        f"/coordination/volunteers/{profile.id}/request_info",
        data={"request_info-reason": message},
        follow_redirects=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Rückfrage gestellt" in html and message in html and "Thomas Wagner" in html
    (mail,) = mails()
    assert mail.recipient == "v@example.org" and message in mail.body_text
    assert mail.subject == "Rückfrage zu Ihrer Bewerbung"
    # The volunteer sees the question on their home page.
    auth.logout()
    auth.login("v@example.org")
    assert message in client.get("/volunteer/").get_data(as_text=True)


# --- e-mails in the volunteer's language ----------------------------------------------------


def test_decision_mails_go_to_the_volunteer_in_their_language(towns, english):
    coordinator = factories.coordinator(towns["Gaggenau"])
    de = volunteer_profile(towns["Gaggenau"], "pending", email="de@example.org", locale="de")
    en = volunteer_profile(towns["Gaggenau"], "pending", email="en@example.org", locale="en")
    db.session.commit()
    decisions.decide(coordinator, de, "approve")
    decisions.decide(coordinator, en, "approve")
    decisions.decide(coordinator, en, "suspend", "Bitte melden Sie sich.")
    german, english_mail, suspended = mails()
    assert (german.recipient, german.locale) == ("de@example.org", "de")
    assert german.subject == "Ihre Bewerbung ist freigegeben"
    assert "das Rathaus Gaggenau hat Ihre Bewerbung" in german.body_text
    assert (english_mail.recipient, english_mail.locale) == ("en@example.org", "en")
    assert english_mail.subject == "Your application has been approved"
    assert "Gaggenau town hall has approved your application" in english_mail.body_text
    assert suspended.recipient == "en@example.org"
    assert suspended.subject == "Your volunteering has been suspended"
    assert "Bitte melden Sie sich." in suspended.body_text


def test_every_volunteer_msgid_has_an_english_translation(english):
    untranslated = [m.id for m in english if m.id and not m.string]
    assert untranslated == []


# --- certificates ---------------------------------------------------------------------------


def test_recording_a_certificate_check_stores_only_the_facts(client, auth, towns):
    coordinator = factories.coordinator(towns["Gaggenau"], email="k@example.org")
    profile = volunteer_profile(towns["Gaggenau"], "approved")
    db.session.commit()
    auth.login("k@example.org")
    issued = today_local() - timedelta(days=20)
    seen = today_local() - timedelta(days=2)
    response = client.post(
        f"/coordination/volunteers/{profile.id}/certificate",
        data={"issued_on": issued.isoformat(), "seen_on": seen.isoformat()},
    )
    assert response.status_code == 302
    check = db.session.scalar(select(ConductCertificateCheck))
    assert (check.issued_on, check.seen_on, check.seen_by_id) == (issued, seen, coordinator.id)
    assert check.valid_until == certificates.add_years(issued, 5)
    columns = set(ConductCertificateCheck.__table__.columns.keys())
    assert columns == {
        "id",
        "volunteer_id",
        "issued_on",
        "seen_on",
        "seen_by_id",
        "valid_until",
        "reminder_sent_at",
        "created_at",
    }
    html = client.get(f"/coordination/volunteers/{profile.id}").get_data(as_text=True)
    assert 'data-certificate="valid"' in html


@pytest.mark.app_config(CONDUCT_CERTIFICATE_VALID_YEARS=3)
def test_the_validity_is_a_setting(towns):
    coordinator = factories.coordinator(towns["Gaggenau"])
    profile = volunteer_profile(towns["Gaggenau"], "approved")
    db.session.commit()
    issued = today_local() - timedelta(days=5)
    check = decisions.record_certificate_check(coordinator, profile, issued, today_local())
    assert check.valid_until == certificates.add_years(issued, 3)


def test_bad_certificate_dates_are_answered_at_the_field(client, auth, towns):
    factories.coordinator(towns["Gaggenau"], email="k@example.org")
    profile = volunteer_profile(towns["Gaggenau"], "approved")
    db.session.commit()
    auth.login("k@example.org")
    today = today_local()
    cases = [
        ({"issued_on": "", "seen_on": today.isoformat()}, "issued_on"),
        ({"issued_on": "kein Datum", "seen_on": today.isoformat()}, "issued_on"),
        (
            {"issued_on": today.isoformat(), "seen_on": (today + timedelta(days=3)).isoformat()},
            "seen_on",
        ),
        (
            {
                "issued_on": (today - timedelta(days=1)).isoformat(),
                "seen_on": (today - timedelta(days=5)).isoformat(),
            },
            "issued_on",
        ),
        (
            {
                "issued_on": (today - timedelta(days=6 * 365)).isoformat(),
                "seen_on": today.isoformat(),
            },
            "issued_on",
        ),
    ]
    for data, field in cases:
        response = client.post(f"/coordination/volunteers/{profile.id}/certificate", data=data)
        assert response.status_code == 400, data
        assert f'id="{field}-error"' in response.get_data(as_text=True), data
    assert db.session.scalar(select(ConductCertificateCheck)) is None


def test_certificate_states_for_volunteer_and_coordinator(client, auth, towns):
    factories.coordinator(towns["Gaggenau"], email="k@example.org")
    user = factories.volunteer(towns["Gaggenau"], email="v@example.org")
    profile = profile_of(user)
    profile.interests = ["youth_family"]
    db.session.commit()
    auth.login("v@example.org")
    html = client.get("/volunteer/").get_data(as_text=True)
    assert 'data-certificate="missing"' in html
    assert "bitte bringen Sie Ihr erweitertes Führungszeugnis" in html.replace("Bitte", "bitte")
    # expiring within 8 weeks
    certificate(profile, certificates.add_years(today_local() + timedelta(days=30), -5))
    db.session.commit()
    html = client.get("/volunteer/").get_data(as_text=True)
    assert 'data-certificate="expiring"' in html
    # a fresh one: valid, no request to bring one
    certificate(profile, today_local() - timedelta(days=3))
    db.session.commit()
    html = client.get("/volunteer/").get_data(as_text=True)
    assert 'data-certificate="valid"' in html
    assert "erweitertes Führungszeugnis zur Koordination" not in html


# --- the volunteer's home page --------------------------------------------------------------


def test_home_page_shows_state_next_step_and_coordinator(client, auth, towns):
    factories.coordinator(towns["Gaggenau"], email="k@example.org", name="Thomas Wagner")
    factories.coordinator(towns["Bühl"], email="b@example.org", name="Aylin Demir")
    factories.volunteer(towns["Gaggenau"], status="pending", email="v@example.org")
    db.session.commit()
    auth.login("v@example.org")
    html = client.get("/volunteer/").get_data(as_text=True)
    assert "Wir warten auf die Rückmeldung des Rathauses Gaggenau." in html
    assert "Thomas Wagner" in html and "k@example.org" in html
    assert "Aylin Demir" not in html
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Wir warten auf die Rückmeldung des Rathauses Gaggenau." in dashboard


# --- the queue ------------------------------------------------------------------------------


def _queue_names(client, **params) -> list[str]:
    html = client.get("/coordination/volunteers", query_string=params).get_data(as_text=True)
    return [name for name in NAMES if f">{name}</a>" in html]


NAMES = ["Ada Arabisch", "Bert Bühl", "Carla Kinder", "Dora Dari", "Emil Entzogen"]


def test_queue_filters_and_search(client, auth, towns):
    g, b, r = towns["Gaggenau"], towns["Bühl"], towns["Rastatt"]
    coordinator = factories.coordinator(g, email="k@example.org")
    # Coordinates two municipalities.
    factories.grant_role(None, coordinator, "coordinator", b.id)
    specs = [
        ("Ada Arabisch", g, "approved", [("de", "good"), ("ar", "native")], ["accompanying"]),
        ("Bert Bühl", b, "pending", [("de", "native")], ["tutoring"]),
        ("Carla Kinder", g, "pending", [("de", "native"), ("en", "good")], ["youth_family"]),
        ("Dora Dari", r, "pending", [("prs", "native")], ["youth_family"]),  # not in scope
        ("Emil Entzogen", g, "suspended", [("de", "native")], ["other"]),
    ]
    for name, home, status, langs, interests in specs:
        p = volunteer_profile(home, status, name=name)
        p.languages = dict(langs)
        p.interests = interests
    db.session.commit()
    auth.login("k@example.org")
    assert _queue_names(client) == ["Ada Arabisch", "Bert Bühl", "Carla Kinder", "Emil Entzogen"]
    assert _queue_names(client, status="pending") == ["Bert Bühl", "Carla Kinder"]
    assert _queue_names(client, municipality=b.id) == ["Bert Bühl"]
    assert _queue_names(client, municipality=r.id) == []  # outside the scope stays empty
    assert _queue_names(client, language="ar") == ["Ada Arabisch"]
    assert _queue_names(client, language="prs") == []
    assert _queue_names(client, interest="youth_family") == ["Carla Kinder"]
    assert _queue_names(client, q="kind") == ["Carla Kinder"]
    assert _queue_names(client, q="%") == []
    assert _queue_names(client, status="pending", language="en", interest="youth_family") == [
        "Carla Kinder"
    ]
    assert client.get("/coordination/volunteers?municipality=abc&page=x").status_code == 200


def test_the_volunteer_page_shows_languages_interests_and_times(client, auth, towns):
    factories.coordinator(towns["Gaggenau"], email="k@example.org")
    profile = volunteer_profile(towns["Gaggenau"], "pending", name="Ada Arabisch")
    profile.languages = {"ar": "native", "de": "good"}
    profile.interests = ["youth_family", "tutoring"]
    profile.availability = {5: ["evening", "morning"], 0: ["afternoon"]}
    db.session.commit()
    auth.login("k@example.org")
    html = client.get(f"/coordination/volunteers/{profile.id}").get_data(as_text=True)
    assert "Deutsch (gut), Arabisch (Muttersprache)" in html
    assert "Lernhilfe und Nachhilfe, Angebote für Kinder, Jugendliche und Familien" in html
    assert "Montag: nachmittags; Samstag: vormittags, abends" in html


def test_queue_issues_a_bounded_number_of_queries(client, auth, towns, count_queries):
    g = towns["Gaggenau"]
    factories.coordinator(g, email="k@example.org")
    db.session.commit()
    auth.login("k@example.org")

    def fill(n: int) -> None:
        for _ in range(n):
            p = volunteer_profile(g, "pending")
            p.municipalities.append(towns["Bühl"])
            certificate(p, today_local() - timedelta(days=10))
        db.session.commit()

    fill(3)
    client.get("/coordination/")  # warm: the municipality catalogue is built once per process
    with count_queries() as few:
        assert client.get("/coordination/volunteers?language=de").status_code == 200
    with count_queries() as few_overview:
        assert client.get("/coordination/").status_code == 200
    fill(40)
    with count_queries() as many:
        assert client.get("/coordination/volunteers?language=de").status_code == 200
    with count_queries() as many_overview:
        assert client.get("/coordination/").status_code == 200
    assert few.count == many.count
    assert many.count <= 6
    assert few_overview.count == many_overview.count


def test_queue_is_paginated(client, auth, towns):
    g = towns["Gaggenau"]
    factories.coordinator(g, email="k@example.org")
    for _ in range(30):
        volunteer_profile(g, "pending")
    db.session.commit()
    auth.login("k@example.org")
    first = client.get("/coordination/volunteers").get_data(as_text=True)
    assert first.count("/coordination/volunteers/") == 25 and 'rel="next"' in first
    second = client.get("/coordination/volunteers?page=2").get_data(as_text=True)
    assert second.count("/coordination/volunteers/") == 5


def test_the_queue_offers_the_coordinated_municipalities_only(client, auth, towns):
    """The place filter holds the coordinator's municipalities, in German order, the chosen
    one selected; an administrator's holds every municipality."""
    coordinator = factories.coordinator(towns["Rastatt"], email="k@example.org")
    factories.grant_role(None, coordinator, "coordinator", towns["Bühl"].id)
    factories.admin(email="admin@example.org")
    db.session.commit()
    auth.login("k@example.org")
    bühl = towns["Bühl"].id
    html = client.get(f"/coordination/volunteers?municipality={bühl}").get_data(as_text=True)
    select = html[
        html.index('id="f-municipality"') : html.index(
            "</select>", html.index('id="f-municipality"')
        )
    ]
    assert select.count("<option") == 3  # "alle", Bühl, Rastatt
    assert select.index(">Bühl<") < select.index(">Rastatt<")
    assert f'<option value="{bühl}" selected="selected">Bühl</option>' in select
    assert "Gaggenau" not in select
    auth.logout()
    auth.login("admin@example.org")
    html = client.get("/coordination/volunteers").get_data(as_text=True)
    select = html[
        html.index('id="f-municipality"') : html.index(
            "</select>", html.index('id="f-municipality"')
        )
    ]
    assert select.count("<option") == len(towns) + 1 and "selected" not in select


# --- the overview ---------------------------------------------------------------------------


def test_overview_counts_expiring_certificates_and_oldest_pending(client, auth, towns):
    g, b = towns["Gaggenau"], towns["Bühl"]
    coordinator = factories.coordinator(g, email="k@example.org")
    factories.grant_role(None, coordinator, "coordinator", b.id)
    now = utcnow()
    old = volunteer_profile(g, "pending", name="Olga Alt")
    old.submitted_at = now - timedelta(days=40)
    young = volunteer_profile(b, "pending", name="Jana Jung")
    young.submitted_at = now - timedelta(days=1)
    volunteer_profile(g, "approved")
    volunteer_profile(g, "approved")
    soon = volunteer_profile(b, "approved", name="Sven Bald")
    certificate(soon, certificates.add_years(today_local() + timedelta(days=20), -5))
    renewed = volunteer_profile(b, "approved", name="Rita Erneuert")
    certificate(renewed, certificates.add_years(today_local() + timedelta(days=20), -5))
    certificate(renewed, today_local() - timedelta(days=1))  # supersedes the old one
    volunteer_profile(b, "suspended")
    volunteer_profile(towns["Rastatt"], "pending", name="Nicht Meine")
    db.session.commit()
    auth.login("k@example.org")

    data = queries.overview(coordinator)
    counts = {
        row["name"]: (row["pending"], row["approved"], row["suspended"]) for row in data.counts
    }
    assert counts == {"Bühl": (1, 2, 1), "Gaggenau": (1, 2, 0)}
    assert [p.user.display_name for _c, p in data.expiring] == ["Sven Bald"]
    assert [p.user.display_name for p in data.oldest_pending] == ["Olga Alt", "Jana Jung"]

    html = client.get("/coordination/").get_data(as_text=True)
    assert html.index("Olga Alt") < html.index("Jana Jung")
    assert "Sven Bald" in html and "Rita Erneuert" not in html and "Nicht Meine" not in html


def test_overview_lists_every_coordinated_municipality_in_german_order(towns, count_queries):
    """Also those without volunteers; the names come from the process's catalogue, so the
    overview reads the counts, the certificates and the applications: three statements."""
    coordinator = factories.coordinator(towns["Rastatt"], email="k@example.org")
    for name in ("Gaggenau", "Bühl"):
        factories.grant_role(None, coordinator, "coordinator", towns[name].id)
    volunteer_profile(towns["Gaggenau"], "approved")
    db.session.commit()
    queries.overview(coordinator)  # the catalogue is built once per process
    with count_queries() as counted:
        data = queries.overview(coordinator)
    assert [(row["name"], row["approved"]) for row in data.counts] == [
        ("Bühl", 0),
        ("Gaggenau", 1),
        ("Rastatt", 0),
    ]
    assert counted.count <= 3


def test_admin_sees_every_municipality(towns):
    """Also those without volunteers (which the county has are worth seeing too)."""
    admin = factories.admin()
    volunteer_profile(towns["Rastatt"], "pending")
    volunteer_profile(towns["Bühl"], "approved")
    db.session.commit()
    counts = {
        row["name"]: (row["pending"], row["approved"]) for row in queries.overview(admin).counts
    }
    assert set(counts) == set(towns)
    assert (counts["Rastatt"], counts["Bühl"], counts["Gaggenau"]) == ((1, 0), (0, 1), (0, 0))


def test_the_overview_counts_a_page_of_municipalities_at_a_time(client, auth, towns, count_queries):
    """A state's administrator sees 1,100 municipalities: 50 a page, in German order, each
    page counting its own municipalities' volunteers; a page past the last shows the last."""
    places = [factories.municipality(f"Ort {n:02d}") for n in range(40)]
    volunteer_profile(places[0], "approved")
    volunteer_profile(places[39], "pending")
    volunteer_profile(places[39], "suspended")
    factories.admin(email="admin@example.org")
    db.session.commit()
    every = sorted([*towns, *(place.name for place in places)], key=german_key)
    assert len(every) == 63 > queries.PLACES_PER_PAGE

    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    first = queries.overview(admin)
    second = queries.overview(admin, page=2)
    assert [row["name"] for row in first.counts] == every[:50]
    assert [row["name"] for row in second.counts] == every[50:]
    assert (first.places.page, first.places.pages, second.places.page) == (1, 2, 2)
    assert queries.overview(admin, page=99).counts == second.counts
    found = {row["name"]: row for row in first.counts + second.counts}
    assert found["Ort 00"]["approved"] == 1
    assert (found["Ort 39"]["pending"], found["Ort 39"]["suspended"]) == (1, 1)

    auth.login("admin@example.org")
    client.get("/coordination/")  # warm: the municipality catalogue is built once per process
    with count_queries() as one_page:
        html = client.get("/coordination/").get_data(as_text=True)
    assert html.count('data-municipality="') == 50
    assert "Seite 1 von 2" in html and 'href="/coordination/?page=2"' in html
    last = client.get("/coordination/?page=2").get_data(as_text=True)
    assert last.count('data-municipality="') == 13 and 'rel="prev"' in last
    assert 'data-municipality="Ort 39"' in last
    assert one_page.count <= 4  # the user, the page's counts, certificates, applications


def test_validation_failed_is_raised_by_the_service_for_unknown_municipality(towns):
    user = factories.user()
    db.session.commit()
    data = profiles.ProfileData(home_municipality_id=987654)
    with pytest.raises(ValidationFailed) as info:
        profiles.apply(user, data, consent=True, pledge=True)
    assert info.value.field == "home_municipality_id"
    assert queries.profile_of(user) is None
