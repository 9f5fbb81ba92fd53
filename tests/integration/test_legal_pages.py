"""The legal pages: reachable from every page's footer, anonymously and signed in, in German
and English; their content comes from the settings (operator, DPO, retention periods)."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.core.labels import REGISTRY
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from tests import factories

LEGAL = {
    "/privacy": {"de": "Datenschutzerklärung", "en": "Privacy notice"},
    "/imprint": {"de": "Impressum", "en": "Imprint"},
    "/accessibility": {"de": "Erklärung zur Barrierefreiheit", "en": "Accessibility statement"},
    "/easy-read": {
        "de": "Das Ehrenamts·portal in Leichter Sprache",
        "en": "The volunteering portal in easy-read English",
    },
}


class FooterLinks(HTMLParser):
    """The links inside <footer>, and the page's <h1>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.h1 = ""
        self._footer = self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "footer":
            self._footer = True
        elif tag == "a" and self._footer:
            self.links.append(dict(attrs).get("href") or "")
        elif tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "footer":
            self._footer = False
        elif tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data


def parse(html: str) -> FooterLinks:
    parser = FooterLinks()
    parser.feed(html)
    return parser


@pytest.fixture
def people(app):
    places = factories.reference_data()
    volunteer = factories.volunteer(places["Gaggenau"], email="vol@example.org")
    admin = factories.admin(email="admin@example.org")
    db.session.commit()
    return {"volunteer": volunteer, "admin": admin}


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("who", ["anonymous", "vol@example.org", "admin@example.org"])
def test_every_legal_page_is_linked_from_the_footer(people, client, auth, language, who):
    if who != "anonymous":
        auth.login(who)
    client.post("/language", data={"language": language})
    start = "/" if who == "anonymous" else "/dashboard"
    for page in (start, "/imprint"):
        footer = parse(client.get(page).get_data(as_text=True)).links
        assert set(LEGAL) <= set(footer), (page, footer)
    for path, titles in LEGAL.items():
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert f'<html lang="{language}">' in page
        assert parse(page).h1.strip() == titles[language]


@pytest.mark.app_config(
    RETENTION_CLOSED_CLIENT_YEARS=7,
    RETENTION_SENT_MAIL_DAYS=45,
    RETENTION_AUDIT_YEARS=9,
    RETENTION_INACTIVE_VOLUNTEER_MONTHS=18,
    DPO_NAME="Frau Dr. Datenschutz",
    DPO_EMAIL="dsb@kreis.example",
    OPERATOR_NAME="Landratsamt Musterkreis",
    SUPERVISORY_AUTHORITY="Aufsicht Musterland",
)
def test_privacy_notice_states_controller_dpo_bases_periods_rights_and_authority(app, client):
    page = client.get("/privacy").get_data(as_text=True)
    for expected in (
        "Landratsamt Musterkreis",
        "Frau Dr. Datenschutz",
        "dsb@kreis.example",
        "Aufsicht Musterland",
        "Art. 6 Abs. 1 lit. e",
        "Art. 9 Abs. 2 lit. g und h",
        "Art. 6 Abs. 1 lit. c DSGVO i. V. m. § 72a Abs. 3 bis 5 SGB VIII",
        "7 Jahre nach Abschluss",
        "45 Tage nach dem Versand",
        "9 Jahre",
        "18 Monaten ohne Aktivität",
        "Art. 15",
        "Art. 16",
        "Art. 17",
        "Art. 18",
        "Art. 20",
        "Art. 21",
        "Art. 77",
        "Version 2026-11 vom 29.11.2026",
    ):
        assert expected in page, expected


@pytest.mark.app_config(
    OPERATOR_NAME="Landratsamt Musterkreis",
    OPERATOR_REPRESENTATIVE="Landrätin Muster",
    OPERATOR_ADDRESS="Hauptstraße 1, 12345 Musterstadt",
    OPERATOR_PHONE="01234 5678",
    OPERATOR_EMAIL="info@kreis.example",
    ACCESSIBILITY_ENFORCEMENT_ADDRESS="Beispielweg 2, 70173 Stuttgart",
)
def test_imprint_and_accessibility_statement_come_from_the_settings(app, client):
    imprint = client.get("/imprint").get_data(as_text=True)
    for expected in (
        "Landratsamt Musterkreis",
        "Landrätin Muster",
        "Hauptstraße 1, 12345 Musterstadt",
        "01234 5678",
        "info@kreis.example",
    ):
        assert expected in imprint
    statement = client.get("/accessibility").get_data(as_text=True)
    assert "teilweise barrierefrei" in statement
    assert "PDF-Dokumente" in statement
    assert "Landes-Behindertenbeauftragte Baden-Württemberg" in statement
    assert "Beispielweg 2, 70173 Stuttgart" in statement
    assert "29.11.2026" in statement


# --- the privacy notice's acknowledgement ----------------------------------------------------


@pytest.mark.app_config(PRIVACY_NOTICE_VERSION="2027-01")
@pytest.mark.parametrize("email", ["vol@example.org", "admin@example.org"])
def test_a_new_notice_must_be_acknowledged_before_anything_else(people, client, auth, email):
    user = db.session.scalars(select(User).where(User.email == email)).one()
    user.privacy_version = "2026-11"
    db.session.commit()
    response = auth.login(email)
    # The log-in itself goes through; the next page asks for the acknowledgement.
    response = client.get(response.headers["Location"])
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/privacy/acknowledge")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Version 2026-11" in page and "Version 2027-01" in page
    for blocked in ("/dashboard", "/volunteer/", "/admin/users", "/board/"):
        assert client.get(blocked).headers.get("Location", "").startswith("/privacy/acknowledge"), (
            blocked
        )
    for open_page in ("/privacy", "/imprint", "/accessibility", "/easy-read"):
        assert client.get(open_page).status_code == 200, open_page
    assert (
        client.post("/privacy/acknowledge", data={"next": "/dashboard"})
        .headers["Location"]
        .endswith("/dashboard")
    )
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.privacy_version == "2027-01"
    assert user.privacy_acknowledged_at is not None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "privacy.acknowledged")
    ).one()
    assert event.actor_id == user.id and event.details == {"version": "2027-01"}
    assert client.get("/dashboard").status_code == 200


@pytest.mark.app_config(PRIVACY_NOTICE_VERSION="2027-01")
def test_without_acknowledging_one_can_still_log_out(people, client, auth):
    people["volunteer"].privacy_version = "2026-11"
    db.session.commit()
    auth.login("vol@example.org")
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").headers["Location"].startswith("/login")


def test_an_acknowledged_version_asks_nothing(people, client, auth):
    auth.login("vol@example.org")
    assert client.get("/dashboard").status_code == 200
    assert client.get("/privacy/acknowledge").status_code == 200  # reachable, harmless


def test_an_invited_account_acknowledges_at_its_first_log_in(app, client, auth):
    user = factories.admin(email="new@example.org")
    user.privacy_version = ""  # as an invitation leaves it
    db.session.commit()
    auth.login("new@example.org")
    response = client.get("/dashboard")
    assert response.headers["Location"].startswith("/privacy/acknowledge")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "noch nicht bestätigt" in page


def test_the_next_address_after_acknowledging_stays_on_the_site(people, client, auth):
    people["volunteer"].privacy_version = ""
    db.session.commit()
    auth.login("vol@example.org")
    response = client.post("/privacy/acknowledge", data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/dashboard")


def test_english_legal_pages_show_no_german_ui_words(people, client):
    from tests.integration.test_ui_english import german_words, visible_text

    client.post("/language", data={"language": "en"})
    config = client.application.config
    data = {
        str(config[key])
        for key in config
        if key.startswith(("OPERATOR_", "DPO_", "SUPERVISORY", "ACCESSIBILITY_"))
    }
    # Names of laws and bodies stay German in an English text.
    data |= {"Landes-Behindertengleichstellungsgesetz", "Landeszentrum Barrierefreiheit"}
    data |= {"Baden-Württemberg", "Landkreis"}
    # The language switch names each language in itself.
    data |= set(REGISTRY["public_language"].values())
    for path in LEGAL:
        text = visible_text(client.get(path).get_data(as_text=True), data)
        assert german_words(text) == [], (path, german_words(text))


def test_legal_page_headings_are_in_order(people, client):
    for path in LEGAL:
        page = client.get(path).get_data(as_text=True)
        levels = [int(n) for n in re.findall(r"<h([1-6])", page)]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))


# --- feedback on the accessibility statement -------------------------------------------------

FEEDBACK = {
    "name": "Uta Beispiel",
    "email": "uta@example.org",
    "page": "/board/",
    "message": "Der Kalender lässt sich mit der Tastatur nicht bedienen.",
}


def _outbox() -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))


def test_feedback_reaches_every_admin_and_the_sender_is_acknowledged(app, client):
    factories.admin(email="admin1@example.org")
    factories.admin(email="admin2@example.org", locale="en")
    factories.coordinator(factories.reference_data()["Bühl"], email="coord@example.org")
    db.session.commit()
    response = client.post("/accessibility", data=FEEDBACK)
    assert response.status_code == 302
    mails = _outbox()
    to_admins = [m for m in mails if m.template == "accessibility_feedback"]
    assert sorted(m.recipient for m in to_admins) == ["admin1@example.org", "admin2@example.org"]
    assert all(FEEDBACK["message"] in m.body_text for m in to_admins)
    assert all("uta@example.org" in m.body_text for m in to_admins)
    (receipt,) = [m for m in mails if m.template == "accessibility_feedback_received"]
    assert receipt.recipient == "uta@example.org"
    # Nothing the sender typed goes back out: the form cannot relay text to a stranger.
    assert FEEDBACK["message"] not in receipt.body_text
    assert FEEDBACK["name"] not in receipt.body_text
    assert "Danke!" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_without_admins_the_feedback_goes_to_the_operator(app, client):
    assert client.post("/accessibility", data=FEEDBACK).status_code == 302
    recipients = {m.recipient for m in _outbox() if m.template == "accessibility_feedback"}
    assert recipients == {app.config["OPERATOR_EMAIL"]}


def test_one_acknowledgement_per_address_however_often_the_form_is_sent(app, client):
    for _ in range(3):
        assert client.post("/accessibility", data=FEEDBACK).status_code == 302
    templates = [m.template for m in _outbox()]
    assert templates.count("accessibility_feedback") == 3
    assert templates.count("accessibility_feedback_received") == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"message": ""}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"name": "Zeile\nUmbruch"}, "name"),
    ],
)
def test_bad_feedback_is_refused_at_the_field_and_kept(app, client, overrides, field):
    data = {**FEEDBACK, **overrides}
    response = client.post("/accessibility", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page
    assert _outbox() == []
    if field != "page":
        assert "/board/" in page  # the other answers are still in the form


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_FEEDBACK="2 per hour")
def test_feedback_is_rate_limited(app, client):
    codes = [client.post("/accessibility", data=FEEDBACK).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert client.get("/accessibility").status_code == 200


@pytest.mark.csrf
def test_feedback_needs_the_csrf_token(app, client):
    assert client.post("/accessibility", data=FEEDBACK).status_code == 400
    assert _outbox() == []


def test_signing_up_as_a_volunteer_acknowledges_the_notice_in_force(app, client):
    from tests.factories_volunteers import signup_form

    places = factories.reference_data()
    app.config["PRIVACY_NOTICE_VERSION"] = "2027-01"
    assert client.post("/volunteer/signup", data=signup_form(places["Bühl"].id)).status_code == 302
    user = db.session.scalars(select(User)).one()
    assert user.privacy_version == "2027-01" and user.privacy_acknowledged_at is not None


@pytest.mark.app_config(PRIVACY_NOTICE_VERSION="2027-01")
def test_after_acknowledging_one_lands_on_the_page_one_asked_for(people, client, auth):
    people["volunteer"].privacy_version = "2026-11"
    db.session.commit()
    auth.login("vol@example.org")
    asked = client.get("/volunteer/profile")
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    form = re.search(r'<form method="post" action="/privacy/acknowledge">.*?</form>', page, re.S)
    assert form is not None
    fields = re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form.group(0))
    assert [name for name, _value in fields].count("next") == 1
    fields = dict(fields)
    response = client.post("/privacy/acknowledge", data={"next": fields["next"]})
    assert response.headers["Location"].endswith("/volunteer/profile")
