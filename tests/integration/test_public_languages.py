"""The public pages in their six languages.

Every page anyone reaches without logging in is rendered in each language of PUBLIC_LANGUAGES,
with its error states and messages, while a spy on the catalog records every msgid the request
asks for; each must have a non-empty translation in that language's catalog (German is the
source). The pages that need a log-in stay German or English.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request, request_started, session
from flask.testing import FlaskClient
from flask_babel import Domain, get_locale

from portal.auth import tokens
from portal.core.error_pages import PAGES, render_error
from portal.core.time import today_local
from portal.extensions import db
from portal.i18n import PUBLIC_PAGES, is_public_page
from tests import factories
from tests import factories_consultations as fc
from tests.conftest import ROOT
from tests.factories_auth import text

RTL = {"ar", "fa"}


class Recording:
    """Translations that note every msgid asked for (singular, or (singular, plural)) in the
    request's language (an e-mail rendered in its recipient's language is not the page)."""

    def __init__(self, real: Any, used: list[Any]) -> None:
        self._real = real
        self._used = used
        self._lang = session.get("lang", "de") if has_request_context() else "de"

    def _note(self, msgid: Any) -> None:
        if str(get_locale()) == str(self._lang):
            self._used.append(msgid)

    def ugettext(self, msgid: str) -> str:
        self._note(msgid)
        return str(self._real.ugettext(msgid))

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        self._note((singular, plural))
        return str(self._real.ungettext(singular, plural, n))

    def upgettext(self, context: str, msgid: str) -> str:
        self._note(msgid)
        return str(self._real.upgettext(context, msgid))

    gettext = ugettext
    ngettext = ungettext
    pgettext = upgettext

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def used(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    asked: list[Any] = []
    original = Domain.get_translations

    def recording(self: Domain) -> Recording:
        return Recording(original(self), asked)

    monkeypatch.setattr(Domain, "get_translations", recording)
    return asked


_catalogs: dict[str, Catalog] = {}


def catalog(lang: str) -> Catalog:
    if lang not in _catalogs:
        with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            _catalogs[lang] = read_po(f, locale=lang)
    return _catalogs[lang]


def untranslated(lang: str, msgids: list[Any]) -> list[str]:
    """The msgids without a (complete, non-empty) translation in ``lang``; none in German."""
    if lang == "de":
        return []
    found = catalog(lang)
    missing = []
    for msgid in dict.fromkeys(msgids):
        message = found.get(msgid[0] if isinstance(msgid, tuple) else msgid)
        strings = message.string if message is not None else ""
        complete = all(strings) if isinstance(strings, tuple) else bool(strings)
        if not complete:
            missing.append(str(msgid))
    return missing


def opening(lang: str) -> str:
    """The page's <html> tag: right-to-left scripts say so."""
    return f'<html lang="{lang}" dir="rtl">' if lang in RTL else f'<html lang="{lang}">'


def choose(client: FlaskClient, lang: str) -> None:
    with client.session_transaction() as kept:
        kept["lang"] = lang


@pytest.fixture
def visitors(app: Flask) -> dict[str, Any]:
    """What the pages show: offices with consultation hours, an account that has not yet
    confirmed its address, and one that has."""
    refs = factories.reference_data()
    refs["Gaggenau"].office.consultation_hours = "Dienstag 9–12 Uhr"
    factories.user("offen@example.org", verified=False)
    known = factories.user("bekannt@example.org")
    town_hall = fc.place(refs["Gaggenau"], "Rathaus Gaggenau, Zimmer 12")
    other_room = fc.place(refs["Gaggenau"], "Rathaus Gaggenau, Sitzungssaal")
    today = today_local()
    walk_in = fc.hours(town_hall, None, today.weekday(), today, languages=("de", "ar", "fa", "uk"))
    fc.hours(
        town_hall,
        None,
        (today.weekday() + 2) % 7,
        today,
        booking="appointment",
        slot_minutes=30,
        languages=("tr", "en", "fr"),
    )
    fc.exception(walk_in, today + timedelta(days=7), note="Urlaub")
    fc.exception(walk_in, today + timedelta(days=14), kind="moved", place_=other_room)
    db.session.commit()
    return {"known": known, "municipality": refs["Gaggenau"]}


Visit = Callable[[FlaskClient, dict[str, Any]], Any]


def _reset_link(world: dict[str, Any]) -> str:
    user = world["known"]
    return "/password/reset/" + tokens.make_token(tokens.RESET, uid=user.id, st=user.session_token)


def _signup_data(world: dict[str, Any]) -> dict[str, str]:
    return {
        "display_name": "Lina Neu",
        "email": "lina.neu@example.org",
        "password": "Sicheres-Passwort-1",
        "confirm": "Sicheres-Passwort-1",
        "municipality": str(world["municipality"].id),
        "consent": "y",
        "pledge": "y",
    }


#: Each public page in each of its states: GET, the errors of an empty form, the message after
#: a successful submission (redirects followed).
VISITS: dict[str, Visit] = {
    "start page": lambda c, w: c.get("/"),
    "log-in": lambda c, w: c.get("/login"),
    "log-in, empty": lambda c, w: c.post("/login", data={}),
    "log-in, wrong password": lambda c, w: c.post(
        "/login", data={"email": "bekannt@example.org", "password": "falsch-falsch-1"}
    ),
    "log-in, address not confirmed": lambda c, w: c.post(
        "/login", data={"email": "offen@example.org", "password": factories.PASSWORD}
    ),
    "sign-up": lambda c, w: c.get("/signup"),
    "sign-up, empty": lambda c, w: c.post("/signup", data={}),
    "volunteer sign-up": lambda c, w: c.get("/volunteer/signup"),
    "volunteer sign-up, empty": lambda c, w: c.post("/volunteer/signup", data={}),
    "volunteer sign-up, sent": lambda c, w: c.post(
        "/volunteer/signup", data=_signup_data(w), follow_redirects=True
    ),
    "resend the link": lambda c, w: c.post(
        "/verify/resend", data={"email": "offen@example.org"}, follow_redirects=True
    ),
    "check mail, no address kept": lambda c, w: c.get("/signup/check-mail"),
    "verification link invalid": lambda c, w: c.get("/verify/kaputt"),
    "forgotten password": lambda c, w: c.get("/password/forgot"),
    "forgotten password, empty": lambda c, w: c.post("/password/forgot", data={}),
    "forgotten password, sent": lambda c, w: c.post(
        "/password/forgot", data={"email": "bekannt@example.org"}, follow_redirects=True
    ),
    "reset link invalid": lambda c, w: c.get("/password/reset/kaputt"),
    "reset": lambda c, w: c.get(_reset_link(w)),
    "reset, mismatch": lambda c, w: c.post(
        _reset_link(w), data={"password": "Sicheres-Passwort-1", "confirm": "anders"}
    ),
    "reset, done": lambda c, w: c.post(
        _reset_link(w),
        data={"password": "Neues-Passwort-2026", "confirm": "Neues-Passwort-2026"},
        follow_redirects=True,
    ),
    "privacy notice": lambda c, w: c.get("/privacy"),
    "imprint": lambda c, w: c.get("/imprint"),
    "accessibility statement": lambda c, w: c.get("/accessibility"),
    "accessibility feedback, empty": lambda c, w: c.post("/accessibility", data={}),
    "accessibility feedback, sent": lambda c, w: c.post(
        "/accessibility",
        data={"email": "hinweis@example.org", "message": "Der Kontrast ist zu schwach."},
        follow_redirects=True,
    ),
    "easy-read page": lambda c, w: c.get("/easy-read"),
    "not found": lambda c, w: c.get("/gibt-es-nicht"),
    "consultation hours": lambda c, w: c.get("/consultation-hours/"),
    "consultation hours of a town": lambda c, w: c.get(
        f"/consultation-hours/{w['municipality'].id}"
    ),
    "poster": lambda c, w: c.get(f"/consultation-hours/{w['municipality'].id}/poster.pdf"),
    "wrong method": lambda c, w: c.get("/logout"),
}


def visit_all(app: Flask, lang: str, world: dict[str, Any], used: list[Any]) -> dict[str, Any]:
    """Every visit with a fresh client in ``lang``: what each asked the catalog for, and every
    endpoint reached."""
    asked: dict[str, list[Any]] = {}
    reached: set[str] = set()

    def note(sender: Flask, **_: Any) -> None:
        reached.add(str(request.endpoint))

    request_started.connect(note, app)
    try:
        for name, visit in VISITS.items():
            client = app.test_client()
            choose(client, lang)
            used.clear()
            response = visit(client, world)
            assert response.status_code < 500, name
            if response.mimetype == "text/html":
                assert opening(lang) in text(response), name
            asked[name] = list(used)
    finally:
        request_started.disconnect(note, app)
    for code in (*PAGES, 500, 503):
        with app.test_request_context("/"):
            session["lang"] = lang
            used.clear()
            html, _status = render_error(code)
            assert f'<html lang="{lang}"' in html
            asked[f"error {code}"] = list(used)
    return {"asked": asked, "reached": reached}


@pytest.mark.parametrize("lang", ["de", "en", "ar", "fa", "uk", "tr"])
def test_every_string_of_every_public_page_is_translated(app, visitors, used, lang):
    assert lang in app.config["PUBLIC_LANGUAGES"]
    seen = visit_all(app, lang, visitors, used)
    missing = {
        name: gaps for name, msgids in seen["asked"].items() if (gaps := untranslated(lang, msgids))
    }
    assert missing == {}
    assert sum(len(msgids) for msgids in seen["asked"].values()) > 500


def test_the_visits_reach_every_public_page(app, visitors, used):
    """A new public page must join VISITS (and so the check of its translations)."""
    seen = visit_all(app, "de", visitors, used)
    # the language switch only redirects
    assert PUBLIC_PAGES - seen["reached"] == {"auth.set_language"}


def test_the_catalogs_cover_the_public_languages(app):
    for lang in app.config["PUBLIC_LANGUAGES"]:
        if lang != "de":
            assert (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").is_file()


def test_a_page_that_needs_a_log_in_falls_back_to_german(app, client, auth, visitors):
    choose(client, "ar")
    assert '<html lang="ar" dir="rtl">' in text(client.get("/login"))
    auth.login("bekannt@example.org")  # the account's language (German) takes over
    assert '<html lang="de">' in text(client.get("/privacy"))
    # a signed-in volunteer reads the public pages in Arabic ...
    response = client.post("/language", data={"language": "ar", "next": "/privacy"})
    assert response.status_code == 302
    assert '<html lang="ar" dir="rtl">' in text(client.get("/privacy"))
    # ... while the pages behind the log-in stay in the account's language, which is unchanged
    html = text(client.get("/dashboard"))
    assert '<html lang="de">' in html
    db.session.expire_all()
    assert db.session.get(type(visitors["known"]), visitors["known"].id).locale == "de"
    # the switch offers the six languages on a public page, the interface's two elsewhere
    assert 'value="ar" lang="ar" dir="rtl"' not in html
    assert 'value="ar" lang="ar" dir="rtl"' in text(client.get("/privacy"))


def test_the_switch_accepts_only_known_languages(app, client):
    response = client.post("/language", data={"language": "xx", "next": "/login"})
    assert response.status_code == 302
    assert '<html lang="de">' in text(client.get("/login"))
    client.post("/language", data={"language": "uk", "next": "/login"})
    html = text(client.get("/login"))
    assert '<html lang="uk">' in html
    assert "<h1>Увійти</h1>" in html
    assert 'aria-current="true">Українська</button>' in html


def test_is_public_page_outside_a_request_is_false(app):
    assert is_public_page() is False
