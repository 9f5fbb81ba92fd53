"""The layout's top and bottom are rendered once per process for what they show and kept
(portal.core.layout): a page shown again renders neither, and what is a person's own (the name,
the CSRF token) or a page's own (its title, its address) goes in on every request."""

from __future__ import annotations

import re

import jinja2.meta
import pytest

from portal.core import layout
from portal.core.kept import Holes
from portal.extensions import db
from tests import factories_board as fb


@pytest.fixture
def world(app):
    data = fb.county()
    data["need"] = fb.once_need(data["gaggenau"], title="Hilfe <b>beim</b> Umzug")
    db.session.commit()
    return data


@pytest.fixture
def rendered(monkeypatch):
    """The pieces rendered (not taken from the store), in order."""
    pieces: list[str] = []

    class Counting(Holes):
        def __init__(self, html: str) -> None:
            pieces.append("top" if html.lstrip().startswith("<!doctype") else "bottom")
            super().__init__(html)

    monkeypatch.setattr(layout, "Holes", Counting)
    return pieces


def _get(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status
    return response.get_data(as_text=True)


def _tokens(html: str) -> list[str]:
    return re.findall(r'name="csrf_token" value="([^"]+)"', html)


def test_a_page_shown_again_renders_no_piece_of_the_layout(world, client, auth, rendered):
    auth.login("keller@example.org")
    first = _get(client, "/dashboard")
    assert rendered == ["top", "bottom"]
    rendered.clear()
    again = _get(client, "/dashboard")
    assert rendered == []
    assert again.count("<header") == 1 and again.count("<footer") == 1
    assert len(_tokens(first)) == len(_tokens(again)) == 2  # log-out form, language switch


def test_the_name_is_the_viewers_own(world, app, auth, rendered):
    keller, hofmann = app.test_client(), app.test_client()
    auth.__init__(keller)
    auth.login("keller@example.org")
    auth.__init__(hofmann)
    auth.login("hofmann@example.org")
    assert "Sabine Keller" in _get(keller, "/dashboard")
    rendered.clear()
    html = _get(hofmann, "/dashboard")
    assert rendered == []  # the same role on the same page: the same pieces
    assert '<span class="account-name">Markus Hofmann</span>' in html
    assert "Sabine Keller" not in html


def test_each_session_gets_its_own_working_token(world, app, auth):
    keller, hofmann = app.test_client(), app.test_client()
    for client, email in ((keller, "keller@example.org"), (hofmann, "hofmann@example.org")):
        auth.__init__(client)
        auth.login(email)
    own = _tokens(_get(keller, "/dashboard"))
    other = _tokens(_get(hofmann, "/dashboard"))
    assert len(own) == 2 and len(set(own)) == 1  # log-out form and language switch
    app.config["WTF_CSRF_ENABLED"] = True
    data = {"language": "en", "next": "/dashboard"}
    assert keller.post("/language", data={**data, "csrf_token": other[0]}).status_code == 400
    assert keller.post("/language", data={**data, "csrf_token": own[0]}).status_code == 302


def test_the_current_page_is_marked_in_the_navigation(world, client, auth):
    auth.login("keller@example.org")
    start = _get(client, "/dashboard")
    assert re.search(r'<a href="/dashboard" aria-current="page">', start)
    needs = _get(client, "/needs/")
    assert not re.search(r'<a href="/dashboard" aria-current="page">', needs)
    assert re.search(r'<a href="/needs/" aria-current="page">', needs)
    assert re.search(r'<a href="/imprint" aria-current="page">', _get(client, "/imprint"))


def test_unread_messages_show_at_once(world, client, auth):
    auth.login("keller@example.org")
    assert "ungelesen" not in _get(client, "/dashboard")
    world["manager"].unread_messages = 2
    db.session.commit()
    assert "2 ungelesen" in _get(client, "/dashboard")
    world["manager"].unread_messages = 0
    db.session.commit()
    assert "ungelesen" not in _get(client, "/dashboard")


def test_the_title_is_the_pages_own_and_escaped(world, client, auth):
    auth.login("keller@example.org")
    html = _get(client, f"/needs/{world['need'].id}")
    assert "<title>Hilfe &lt;b&gt;beim&lt;/b&gt; Umzug · Ehrenamtsportal" in html
    assert "<title>Bedarfe · " in _get(client, "/needs/")


def test_each_language_has_its_own_pieces(world, client, auth):
    auth.login("lena@example.org")
    german = _get(client, "/dashboard")
    assert '<html lang="de">' in german and "Zum Inhalt springen" in german
    world["volunteer"].locale = "en"
    db.session.commit()
    english = _get(client, "/dashboard")
    assert '<html lang="en">' in english and "Skip to content" in english


def test_a_public_page_in_arabic_reads_right_to_left(app, client):
    assert '<html lang="de">' in _get(client, "/imprint")
    client.post("/language", data={"language": "ar", "next": "/imprint"})
    html = _get(client, "/imprint")
    assert '<html lang="ar" dir="rtl">' in html and 'class="language-link"' in html


def test_the_next_address_is_the_pages_own(world, client, auth):
    auth.login("lena@example.org")
    html = _get(client, "/board/?sort=date&page=1")
    assert '<input type="hidden" name="next" value="/board/?sort=date&amp;page=1">' in html


def test_an_error_page_shows_no_navigation_and_no_name(world, client, auth):
    auth.login("keller@example.org")
    _get(client, "/dashboard")
    html = _get(client, "/no-such-page", 404)
    assert "Sabine Keller" not in html and 'class="main-nav"' not in html
    assert 'action="/logout"' in html  # signed in per the cookie: the log-out form stays


def test_signed_out_pages_show_the_public_account_links(app, client):
    html = _get(client, "/consultation-hours/")
    assert re.search(r'href="/consultation-hours/" aria-current="page"', html)
    assert 'class="main-nav"' not in html and 'action="/logout"' not in html


@pytest.mark.parametrize("name", ["layout/_top.html", "layout/_bottom.html"])
def test_a_piece_shows_only_its_values_holes_and_the_apps_globals(app, name):
    """What a kept piece shows must be in its key: its template may read nothing of the
    request, the session or the user beyond what portal.core.layout hands it."""
    environment = app.jinja_env
    source = environment.loader.get_source(environment, name)[0]
    used = jinja2.meta.find_undeclared_variables(environment.parse(source))
    assert used <= {"_", "url_for", "config"}


def test_the_store_is_bounded(app, client, monkeypatch):
    monkeypatch.setattr(layout, "KEPT_PIECES", 3)
    for path in ("/imprint", "/privacy", "/login"):
        _get(client, path)
    assert len(app.extensions["layout_pieces"].html) == 3
