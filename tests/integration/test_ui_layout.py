"""The base layout stays intact whatever a page passes to its template."""

from __future__ import annotations

import re

from portal.extensions import db
from tests import factories


def test_the_language_switch_offers_the_ui_languages_on_every_volunteer_page(app, client, auth):
    towns = factories.reference_data()
    factories.volunteer(towns["Gaggenau"], email="v@example.org")
    db.session.commit()
    auth.login("v@example.org")
    for url in ("/dashboard", "/volunteer/", "/volunteer/profile", "/board/"):
        page = client.get(url).get_data(as_text=True)
        footer = page[page.index('class="language-form"') :]
        assert re.findall(r'name="language" value="(\w+)"', footer) == ["de", "en"], url


def test_the_current_page_is_marked_once_in_the_navigation_and_the_footer(app, client, auth):
    towns = factories.reference_data()
    factories.volunteer(towns["Gaggenau"], email="lena@example.org", name="Lena Schmitt")
    db.session.commit()
    auth.login("lena@example.org")
    current = re.compile(r'<a href="([^"]+)" aria-current="page">')
    assert current.findall(client.get("/imprint").get_data(as_text=True)) == ["/imprint"]
    assert current.findall(client.get("/dashboard").get_data(as_text=True)) == ["/dashboard"]
    assert current.findall(client.get("/board/my-tasks").get_data(as_text=True)) == [
        "/board/my-tasks"
    ]
