"""With locale "en", every role's main pages are in English: no German UI word is left in the
visible text (text nodes and user-facing attributes), once the data this test created itself
(municipality and office names, people's names, need and client texts) is taken out."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from portal.volunteers.models import VolunteerStatus
from tests import factories, factories_board, factories_plans

# Words that only appear in German UI text (capitalised nouns/verbs of buttons, headings and
# hints, plus function words that no English sentence contains).
TELLTALE = (
    "Bitte",
    "Übersicht",
    "Zurück",
    "Speichern",
    "Gemeinde",
    "Gemeinden",
    "Ehrenamtliche",
    "Ehrenamtlichen",
    "Abmelden",
    "Startseite",
    "Anzeigen",
    "Filtern",
    "Suchen",
    "Seite",
    "Weiter",
    "Alle",
    "keine",
    "und",
    "oder",
    "nicht",
    "für",
    "Sie",
    "Ihre",
    "Ihr",
    "mit",
    "Bedarf",
    "Aufgaben",
    "Außenstelle",
)
TELLTALE_RE = re.compile(r"(?<![\wÄÖÜäöüß])(" + "|".join(TELLTALE) + r")(?![\wÄÖÜäöüß])")
# Any word with an umlaut or ß is German too (names with umlauts are data and are removed first).
UMLAUT_RE = re.compile(r"[\wÄÖÜäöüß-]*[ÄÖÜäöüß][\wÄÖÜäöüß-]*")
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
HIDDEN_ELEMENTS = ("script", "style", "template")

# The one German word the English UI shows on purpose: the language switch names German in German.
OWN_NAME_OF_GERMAN = "Deutsch"


class VisibleText(HTMLParser):
    """Collects text nodes and user-facing attribute values, skipping script/style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
        values = dict(attrs)
        for name in VISIBLE_ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_ELEMENTS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data)


def visible_text(html: str, data: set[str]) -> str:
    parser = VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    # Longest first, so that "Au am Rhein" goes before "Au".
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return text.replace(OWN_NAME_OF_GERMAN, " ")


def german_words(text: str) -> list[str]:
    return sorted(set(TELLTALE_RE.findall(text)) | set(UMLAUT_RE.findall(text)))


def test_the_check_finds_german_and_ignores_data():
    html = (
        "<main><h1>Übersicht</h1><p title='Bitte wählen'>Volunteers in Bühl</p>"
        "<script>var s = 'Speichern';</script><button>Save</button></main>"
    )
    assert german_words(visible_text(html, set())) == ["Bitte", "Bühl", "wählen", "Übersicht"]
    assert german_words(visible_text(html, {"Bühl", "Übersicht", "Bitte wählen"})) == []
    assert german_words(visible_text("<p>Submit the form and finish</p>", set())) == []


@pytest.fixture
def county(app) -> dict[str, Any]:
    """Users of every role (all with locale "en") and some data on each of their pages."""
    places = factories.reference_data()
    gaggenau = places["Gaggenau"]
    volunteer = factories.volunteer(
        gaggenau, email="vol@example.org", name="Lena Schmitt", locale="en"
    )
    factories.volunteer(
        gaggenau,
        status=VolunteerStatus.PENDING,
        email="pending@example.org",
        name="Jonas Becker",
        locale="en",
    )
    coordinator = factories.coordinator(
        gaggenau, email="coord@example.org", name="Petra Wagner", locale="en"
    )
    manager = factories.manager(
        gaggenau, email="manager@example.org", name="Sabine Keller", locale="en"
    )
    admin = factories.admin(email="admin@example.org", name="Anna Admin", locale="en")
    factories_board.certificate(factories_board.profile_of(volunteer))
    once = factories_board.once_need(
        gaggenau,
        created_by=manager,
        title="Visit to the registry office",
        public_description="Help with a form.",
        meeting_point="Town hall",
        private_notes="Room 12",
    )
    weekly = factories_board.weekly_need(
        gaggenau,
        created_by=manager,
        title="Homework help",
        public_description="Maths, year 7.",
        meeting_point="Library",
    )
    factories_board.assignment(weekly, factories_board.profile_of(volunteer))
    client = factories_plans.client(
        gaggenau, name="Family Haidari", manager_=manager, contact="Station Road 3"
    )
    factories_plans.step(
        factories_plans.goal(client, text="Pass the B1 exam"), text="Enrol in a language course"
    )
    db.session.commit()
    data = {
        *db.session.scalars(select(Municipality.name)),
        *db.session.scalars(select(Office.name)),
        "Lena Schmitt",
        "Jonas Becker",
        "Petra Wagner",
        "Sabine Keller",
        "Anna Admin",
        "vol@example.org",
        "pending@example.org",
        "coord@example.org",
        "manager@example.org",
        "admin@example.org",
        once.title,
        weekly.title,
        client.name,
        client.reference,
    }
    return {
        "volunteer": volunteer,
        "coordinator": coordinator,
        "manager": manager,
        "admin": admin,
        "data": data,
    }


PAGES = {
    "volunteer": ["core.dashboard", "volunteers.home", "board.index", "board.my_tasks"],
    "coordinator": ["core.dashboard", "coordination.queue", "coordination.overview"],
    "manager": ["core.dashboard", "plans.start", "plans.clients", "needs.index"],
    "admin": ["core.dashboard", "admin.municipalities"],
}
# Data each list page shows, so that the check covers list rows and not just empty states.
SHOWN = {
    "board.index": "Visit to the registry office",
    "board.my_tasks": "Homework help",
    "coordination.queue": "Jonas Becker",
    "needs.index": "Homework help",
    "plans.clients": "Family Haidari",
    "admin.municipalities": "Gaggenau",
}


@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_of_each_role_are_in_english(app, client, auth, county, role):
    user = county[role]
    response = auth.login(user.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.test_request_context():
        paths = {endpoint: url_for(endpoint) for endpoint in PAGES[role]}
    found: dict[str, list[str]] = {}
    for endpoint, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, (endpoint, response.status_code)
        html = response.get_data(as_text=True)
        assert '<html lang="en"' in html, endpoint
        assert SHOWN.get(endpoint, "") in html, endpoint
        words = german_words(visible_text(html, county["data"]))
        if words:
            found[endpoint] = words
    assert found == {}


def test_the_language_switch_turns_the_pages_english(app, client, auth, county):
    """POST /language switches a German-speaking user's pages to English."""
    user = county["manager"]
    user.locale = "de"
    db.session.commit()
    auth.login(user.email)
    with app.test_request_context():
        path = url_for("needs.index")
    german = german_words(visible_text(client.get(path).get_data(as_text=True), county["data"]))
    assert german  # the check sees the German page
    client.post("/language", data={"language": "en", "next": path})
    html = client.get(path).get_data(as_text=True)
    assert german_words(visible_text(html, county["data"])) == []
