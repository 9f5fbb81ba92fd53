"""The frame of every page: who runs the portal, one overview in the menu (folded behind a
button on phones), the error summary after a refused form with "Fehler:" in the title, the
sign-up in parts, the public start page, references that never break."""

from __future__ import annotations

import re

import pytest

from portal.auth.models import Role
from portal.extensions import db
from tests import factories
from tests import factories_plans as fp
from tests.factories_volunteers import signup_form


@pytest.fixture
def everyone(app):
    towns = factories.reference_data()
    gaggenau = towns["Gaggenau"]
    person = factories.user(
        "alle@example.org",
        name="Alex Allrounder",
        roles=[
            (Role.VOLUNTEER, None, None),
            (Role.COORDINATOR, gaggenau.id, None),
            (Role.MANAGER, None, gaggenau.office_id),
            (Role.ADMIN, None, None),
        ],
    )
    factories.volunteer_profile(person, gaggenau)
    db.session.commit()
    return towns


def nav_links(html: str) -> list[str]:
    nav = html[html.index('aria-label="Hauptnavigation"') : html.index("</nav>")]
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav)


def test_the_menu_has_one_overview_start(everyone, client, auth):
    auth.login("alle@example.org")
    html = client.get("/dashboard").get_data(as_text=True)
    links = nav_links(html)
    assert links[0] == "Start"
    assert [text for text in links if "Übersicht" in text or text == "Start"] == ["Start"]
    # Phones: the menu is folded behind a button that works without JavaScript.
    assert re.search(r'<details class="menu" data-menu>\s*<summary class="menu-button">', html)
    assert '<script src="/static/js/menu.js" defer>' in html


def test_the_header_shows_who_runs_the_portal(app, client):
    app.config.update(OPERATOR_NAME="Landratsamt Musterkreis", OPERATOR_REGION="Musterkreis")
    html = client.get("/login").get_data(as_text=True)
    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    assert "Landratsamt Musterkreis" in header and "Musterkreis" in header
    assert f'src="/static/{app.config["OPERATOR_LOGO"]}"' in header
    assert re.search(r"<title>[^<]*Ehrenamtsportal Musterkreis</title>", html)


def test_the_public_start_page_says_what_for_whom_how_and_whom_to_ask(app, client):
    office = factories.office("Außenstelle Gaggenau", consultation_hours="Di 9–12 Uhr")
    factories.municipality("Gaggenau", office_=office)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    for text in ("Für wen?", "So machen Sie mit", "Ihre Ansprechperson", "Di 9–12 Uhr"):
        assert text in html
    for setting in ("OPERATOR_NAME", "OPERATOR_ADDRESS", "OPERATOR_PHONE", "OPERATOR_EMAIL"):
        assert app.config[setting] in html
    assert 'href="/volunteer/signup"' in html
    # German grammar: "im Landkreis", never "in Landkreis"
    assert f"im {app.config['OPERATOR_REGION']}" in html
    assert f"in {app.config['OPERATOR_REGION']}" not in html


def test_a_refused_form_shows_a_linked_error_summary_and_fehler_in_the_title(app, client):
    factories.reference_data()
    db.session.commit()
    response = client.post("/volunteer/signup", data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r"<title>Fehler: ", html)
    summary = html[
        html.index('class="error-summary"') : html.index(
            "</div>", html.index('class="error-summary"')
        )
    ]
    assert (
        "autofocus"
        in html[
            html.index('<div class="error-summary"') : html.index('class="error-summary"') + 200
        ]
    )
    links = re.findall(r'<a href="#([\w-]+)">', summary)
    for target in (
        "display_name",
        "email",
        "password",
        "home_municipality_id",
        "interests-0",
        "consent",
    ):
        assert target in links, target
        assert f'id="{target}"' in html
    assert any(target.startswith("lang_") for target in links)  # the language grid


def test_the_english_title_starts_with_error(app, client):
    client.post("/language", data={"language": "en", "next": "/login"})
    html = client.post("/login", data={}).get_data(as_text=True)
    assert re.search(r"<title>Error: ", html)
    assert "Fehler" not in html


def test_a_first_visit_has_no_error_title(app, client):
    html = client.get("/login").get_data(as_text=True)
    assert "Fehler:" not in html and "error-summary" not in html


def test_the_sign_up_comes_in_three_parts_with_their_list_on_top(app, client):
    towns = factories.reference_data()
    db.session.commit()
    html = client.get("/volunteer/signup").get_data(as_text=True)
    parts = re.findall(
        r'<fieldset class="form-part" id="([\w-]+)">\s*'
        r'<legend><span class="form-part-count">Teil (\d) von 3</span>',
        html,
    )
    assert parts == [("part-account", "1"), ("part-profile", "2"), ("part-consent", "3")]
    progress = html[
        html.index('class="form-progress"') : html.index(
            "</nav>", html.index('class="form-progress"')
        )
    ]
    assert re.findall(r'href="#([\w-]+)"', progress) == [
        "part-account",
        "part-profile",
        "part-consent",
    ]
    assert (
        client.post("/volunteer/signup", data=signup_form(towns["Gaggenau"].id)).status_code == 302
    )


def test_references_are_kept_in_one_piece(app, client, auth):
    towns = factories.reference_data()
    manager = factories.manager(office_=towns["Gaggenau"].office, email="keller@example.org")
    person = fp.client(towns["Gaggenau"], manager_=manager)
    db.session.commit()
    auth.login("keller@example.org")
    html = client.get(f"/plans/clients/{person.id}/plan").get_data(as_text=True)
    assert f'<span class="ref">{person.reference}</span>' in html
    assert f"<title>Integrationsplan {person.reference} ·" in html
