"""Language of parts (WCAG 3.1.2): a ``lang`` attribute inside a page marks text that really is
in that language. Language names are shown in the page's language without a ``lang`` of their
own; only a name in its own language (the language switch's "Deutsch" / "English") carries one.
Every page that shows language names is scanned, in German and in English."""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser

import pytest
from flask import url_for

from portal.core.labels import REGISTRY
from portal.extensions import db
from tests import factories_board, factories_plans
from tests.integration.test_ui_english import county  # noqa: F401 - the shared fixture

#: Names of languages in their own language (the language switch), and the script each
#: language is written in.
OWN_NAMES = {code: {name} for code, name in REGISTRY["public_language"].items()}
SCRIPTS = {
    "ar": "ARABIC",
    "fa": "ARABIC",
    "prs": "ARABIC",
    "ps": "ARABIC",
    "ru": "CYRILLIC",
    "uk": "CYRILLIC",
    "ti": "ETHIOPIC",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class LangParts(HTMLParser):
    """(lang, text) of every element inside <body> that declares a ``lang``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[list[str]] = []  # [lang, text]
        self._stack: list[list[str] | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        lang = dict(attrs).get("lang")
        if tag == "html" or tag in VOID:
            return
        part = [lang, ""] if lang else None
        if part is not None:
            self.parts.append(part)  # type: ignore[arg-type]
        self._stack.append(part)

    def handle_endtag(self, tag: str) -> None:
        if tag != "html" and tag not in VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        for part in self._stack:
            if part is not None:
                part[1] += data


def in_language(lang: str, text: str) -> bool:
    """Whether ``text`` can be in ``lang``: the language's own name, or written in its script."""
    text = " ".join(text.split())
    if text in OWN_NAMES.get(lang, set()):
        return True
    script = SCRIPTS.get(lang)
    letters = [c for c in text if c.isalpha()]
    return bool(script and letters) and all(script in unicodedata.name(c, "") for c in letters)


def wrong_parts(html: str) -> list[tuple[str, str]]:
    parser = LangParts()
    parser.feed(html)
    return [(lang, text.strip()) for lang, text in parser.parts if not in_language(lang, text)]


def test_the_check_tells_a_german_word_marked_arabic_from_arabic():
    assert wrong_parts('<body><label lang="ar">Arabisch</label></body>') == [("ar", "Arabisch")]
    assert wrong_parts('<body><span lang="ar">العربية</span></body>') == []
    assert wrong_parts('<body><span lang="uk">Українська</span></body>') == []
    assert wrong_parts('<body><button lang="en">English</button></body>') == []
    assert wrong_parts('<body><button lang="en">Englisch</button></body>') == [("en", "Englisch")]
    assert wrong_parts('<body><p lang="fr">Französisch</p></body>') == [("fr", "Französisch")]


def _pages(county_: dict, need_id: int, client_id: int, volunteer_id: int) -> dict[str, list]:
    return {
        "anonymous": ["core.index", "volunteers.signup", "auth.signup", "legal.accessibility"],
        "volunteer": [
            "volunteers.home",
            "volunteers.edit_profile",
            "board.index",
            ("board.need", {"need_id": need_id}),
            "board.my_tasks",
        ],
        "coordinator": [
            "coordination.queue",
            ("coordination.volunteer", {"volunteer_id": volunteer_id}),
        ],
        "manager": [
            "needs.index",
            "needs.create",
            ("needs.detail", {"need_id": need_id}),
            ("needs.edit", {"need_id": need_id}),
            "plans.clients",
            "plans.create_client",
            ("plans.client_detail", {"client_id": client_id}),
            ("plans.edit_client", {"client_id": client_id}),
        ],
    }


@pytest.mark.parametrize("language", ["de", "en"])
def test_no_page_marks_text_with_a_language_it_is_not_in(app, client, auth, county, language):  # noqa: F811
    manager = county["manager"]
    gaggenau = manager.memberships[0].municipality
    need = factories_board.once_need(
        gaggenau, created_by=manager, title="Arabic practice", languages=["ar", "uk", "fr"]
    )
    person = factories_plans.client(gaggenau, manager_=manager, languages=["ar", "ti", "ru"])
    db.session.commit()
    profile = factories_board.profile_of(county["volunteer"])
    pages = _pages(county, need.id, person.id, profile.id)
    checked = 0
    for role, endpoints in pages.items():
        client.post("/logout")
        if role != "anonymous":
            auth.login(county[role].email)
        client.post("/language", data={"language": language})
        for item in endpoints:
            endpoint, values = item if isinstance(item, tuple) else (item, {})
            with app.test_request_context():
                path = url_for(endpoint, **values)
            response = client.get(path)
            assert response.status_code == 200, (endpoint, response.status_code)
            html = response.get_data(as_text=True)
            assert f'<html lang="{language}">' in html
            assert wrong_parts(html) == [], endpoint
            checked += 1
    assert checked == sum(len(e) for e in pages.values())
    # The profile's language table names the languages in the page's language, unmarked.
    client.post("/logout")
    auth.login(county["volunteer"].email)
    client.post("/language", data={"language": language})
    with app.test_request_context():
        page = client.get(url_for("volunteers.edit_profile")).get_data(as_text=True)
    assert {"de": ">Arabisch</label>", "en": ">Arabic</label>"}[language] in page
