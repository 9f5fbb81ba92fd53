"""The board: scope, filters, sorting by fit, pagination, bounded queries, permissions."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from portal.core.time import today_local
from portal.extensions import db
from portal.needs.models import NeedStatus
from tests import factories
from tests import factories_board as fb
from tests.factories_auth import without_csrf


@pytest.fixture
def world(app):
    data = fb.county()
    profile = data["profile"]
    profile.languages = {"de": "native", "ar": "good"}
    profile.interests = ["tutoring"]
    profile.availability = {0: ["afternoon"], 5: ["evening"]}  # Monday and Saturday
    db.session.commit()
    return data


def titles(html: str, *candidates: str) -> list[str]:
    return [t for t in candidates if t in html]


def test_the_board_shows_open_needs_of_the_volunteers_municipalities_only(world, client, auth):
    g, b = world["gaggenau"], world["buehl"]
    fb.once_need(g, title="Offen in Gaggenau")
    fb.once_need(g, title="Entwurf in Gaggenau", status=NeedStatus.DRAFT)
    fb.once_need(g, title="Abgesagt in Gaggenau", status=NeedStatus.CANCELLED)
    fb.once_need(g, title="Besetzt in Gaggenau", status=NeedStatus.FILLED)
    fb.once_need(b, title="Offen in Bühl")
    db.session.commit()
    auth.login("lena@example.org")

    response = client.get("/board/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert titles(
        html,
        "Offen in Gaggenau",
        "Entwurf in Gaggenau",
        "Abgesagt in Gaggenau",
        "Besetzt in Gaggenau",
        "Offen in Bühl",
    ) == ["Offen in Gaggenau"]


def test_only_the_public_description_is_shown(world, client, auth):
    fb.once_need(
        world["gaggenau"],
        title="Begleitung Jobcenter",
        public_description="Begleitung zum Jobcenter, Deutschkenntnisse reichen.",
        private_notes="Herr A. K., Aktenzeichen 4711",
        meeting_point="Bahnhofstraße 3, 2. OG",
    )
    db.session.commit()
    auth.login("lena@example.org")
    html = client.get("/board/").get_data(as_text=True)
    assert "Begleitung zum Jobcenter, Deutschkenntnisse reichen." in html
    assert "Aktenzeichen 4711" not in html
    assert "Bahnhofstraße 3" not in html


def test_the_filters_narrow_the_board(world, client, auth):
    g = world["gaggenau"]
    world["profile"].municipalities.append(world["buehl"])
    monday = today_local() + timedelta(days=(7 - today_local().weekday()) % 7 or 7)
    fb.once_need(g, title="Begleitung Arabisch", languages=["ar"], category="accompanying")
    fb.once_need(
        world["buehl"], title="Bühl Sprachpraxis", languages=["uk"], category="language_practice"
    )
    fb.weekly_need(
        g,
        title="Nachhilfe montags",
        weekday=0,
        at=time(15, 0),
        starts_on=monday,
        languages=[],
    )
    fb.once_need(
        g,
        title="Termin in einem Monat",
        starts_at=fb.local(today_local() + timedelta(days=30), 9),
        languages=["fa"],
    )
    db.session.commit()
    auth.login("lena@example.org")
    every = (
        "Begleitung Arabisch",
        "Bühl Sprachpraxis",
        "Nachhilfe montags",
        "Termin in einem Monat",
    )

    def board(**args) -> list[str]:
        response = client.get("/board/", query_string=args)
        assert response.status_code == 200
        return titles(response.get_data(as_text=True), *every)

    assert sorted(board()) == sorted(every)
    assert board(municipality=world["buehl"].id) == ["Bühl Sprachpraxis"]
    assert board(category="tutoring") == ["Nachhilfe montags"]
    assert board(language="ar") == ["Begleitung Arabisch"]
    assert board(language="fa") == ["Termin in einem Monat"]
    soon = (today_local() + timedelta(days=20)).isoformat()
    assert "Termin in einem Monat" not in board(date_to=soon)
    later_day = today_local() + timedelta(days=29)
    if later_day.weekday() == 0:  # keep the Monday lessons out of the one-day range
        later_day -= timedelta(days=1)
    later = later_day.isoformat()
    assert board(date_from=later, date_to=later) == []
    assert "Termin in einem Monat" in board(date_from=later)
    assert "Nachhilfe montags" in board(weekday=0)
    assert "Nachhilfe montags" not in board(weekday=1)
    # Mondays 15:00 is in the volunteer's availability (mon afternoon); the others are not
    assert board(fits="y") == ["Nachhilfe montags"]


def test_a_date_range_before_its_start_is_a_clear_error(world, client, auth):
    auth.login("lena@example.org")
    today = today_local()
    response = client.get(
        "/board/",
        query_string={
            "date_from": (today + timedelta(days=5)).isoformat(),
            "date_to": today.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "Das Enddatum liegt vor dem Anfangsdatum." in response.get_data(as_text=True)


def test_sorting_by_fit_puts_the_best_match_first(world, client, auth):
    g = world["gaggenau"]
    later = today_local() + timedelta(days=20)
    fb.once_need(g, title="Früh und unpassend", languages=["ti"], category="housing_search")
    fb.weekly_need(
        g,
        title="Spät und passend",
        weekday=0,
        at=time(15, 0),
        starts_on=later + timedelta(days=(7 - later.weekday()) % 7),
        languages=["ar"],
        category="tutoring",
    )
    db.session.commit()
    auth.login("lena@example.org")
    by_date = client.get("/board/").get_data(as_text=True)
    assert by_date.index("Früh und unpassend") < by_date.index("Spät und passend")
    by_fit = client.get("/board/?sort=fit").get_data(as_text=True)
    assert by_fit.index("Spät und passend") < by_fit.index("Früh und unpassend")
    assert "Passung: 100 %" in by_fit


@pytest.mark.app_config(PER_PAGE=5)
def test_the_board_is_paginated(world, client, auth):
    for i in range(12):
        fb.once_need(
            world["gaggenau"],
            title=f"Aufgabe Nummer {i:02d}",
            starts_at=fb.local(today_local() + timedelta(days=2 + i), 10),
        )
    db.session.commit()
    auth.login("lena@example.org")
    first = client.get("/board/").get_data(as_text=True)
    third = client.get("/board/?page=3").get_data(as_text=True)
    assert "Aufgabe Nummer 00" in first and "Aufgabe Nummer 05" not in first
    assert "Aufgabe Nummer 10" in third and "Aufgabe Nummer 11" in third
    assert "Seite 3 von 3" in third


def test_the_board_issues_the_same_number_of_queries_for_10_and_500_needs(
    world, client, auth, count_queries
):
    g = world["gaggenau"]
    auth.login("lena@example.org")

    def add(n: int) -> None:
        for i in range(n):
            if i % 2:
                fb.once_need(g, starts_at=fb.local(today_local() + timedelta(days=1 + i % 60), 10))
            else:
                fb.weekly_need(g, weekday=i % 7, languages=["ar"])
        db.session.commit()

    add(10)
    client.get("/board/")  # warm caches (templates, translations)
    db.session.commit()  # expire what the warm-up loaded, as a fresh request would find it
    with count_queries() as few:
        assert client.get("/board/?sort=fit").status_code == 200
    add(490)
    with count_queries() as many:
        response = client.get("/board/?sort=fit")
        assert response.status_code == 200
    assert "500 passende Aufgaben" in response.get_data(as_text=True)
    assert few.count == many.count
    assert many.count <= 4  # the user with roles, the profile, the count, the page


def test_a_pending_volunteer_does_not_see_the_board(world, client, auth):
    factories.volunteer(world["gaggenau"], email="neu@example.org", status="pending")
    need = fb.once_need(world["gaggenau"], title="Geheime Aufgabe")
    db.session.commit()
    auth.login("neu@example.org")
    response = client.get("/board/")
    assert response.status_code == 403
    assert "noch nicht freigegeben" in response.get_data(as_text=True)
    assert "Geheime Aufgabe" not in response.get_data(as_text=True)
    assert client.get(f"/board/needs/{need.id}").status_code == 403
    assert client.post(f"/board/needs/{need.id}/claim").status_code == 404


@pytest.mark.parametrize("who", ["manager", "coordinator", "anonymous"])
def test_other_roles_do_not_reach_the_board(world, client, auth, who):
    if who == "manager":
        auth.login("keller@example.org")
    elif who == "coordinator":
        factories.coordinator(world["gaggenau"], email="rathaus@example.org")
        db.session.commit()
        auth.login("rathaus@example.org")
    response = client.get("/board/")
    if who == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403


def test_the_board_counts_only_up_to_its_limit(world, client, auth, monkeypatch):
    from portal.needs import matching

    monkeypatch.setattr(matching, "COUNT_LIMIT", 3)
    for i in range(5):
        fb.once_need(
            world["gaggenau"], starts_at=fb.local(today_local() + timedelta(days=2 + i), 9)
        )
    db.session.commit()
    auth.login("lena@example.org")
    html = client.get("/board/").get_data(as_text=True)
    assert "Mehr als 3 passende Aufgaben" in html
    monkeypatch.setattr(matching, "COUNT_LIMIT", 5)
    html = client.get("/board/").get_data(as_text=True)
    assert "5 passende Aufgaben" in html and "Mehr als" not in html


def test_the_board_statements_do_not_grow_with_the_municipalities_a_volunteer_helps_in(
    world, client, auth, count_queries
):
    """The scope is a subquery on the link table, not a list of ids: a volunteer who helps in
    every municipality of the state sends statements of the same size as one who helps in two."""
    profile = world["profile"]
    auth.login("lena@example.org")

    def statement_sizes() -> list[int]:
        db.session.commit()
        with count_queries() as seen:
            response = client.get("/board/?sort=fit")
            assert response.status_code == 200
        return [len(s) for s in seen.statements]

    few = statement_sizes()
    profile.municipalities.extend(factories.municipality(f"Ort {i}") for i in range(60))
    db.session.commit()
    many = statement_sizes()
    assert many == few
    page = client.get("/board/").get_data(as_text=True)
    assert page.count("<option") >= 60 + 2  # every place is still offered in the filter
    assert '<option value="">Alle</option>' in page


def test_the_filter_form_is_rendered_once_per_language_places_and_query(world, client, auth, app):
    from flask import template_rendered

    rendered: list[str] = []

    def note(_sender, template, **_extra):
        rendered.append(template.name)

    def forms() -> int:
        return rendered.count("board/_filters.html")

    template_rendered.connect(note, app)
    try:
        auth.login("lena@example.org")
        first = [client.get("/board/?sort=fit").get_data(as_text=True) for _ in range(3)]
        same = [without_csrf(page) for page in first]  # the first page greets
        assert forms() == 1 and same[1] == same[2]
        assert '<option selected value="fit">' in first[2]
        client.get("/board/?sort=date")
        assert forms() == 2
        # a renamed municipality shows at once in the process that renamed it
        world["gaggenau"].name = "Gaggenau-Neu"
        db.session.commit()
        assert "Gaggenau-Neu" in client.get("/board/?sort=fit").get_data(as_text=True)
        assert forms() == 3
        # a refused filter is never kept: its message shows every time
        for _ in range(2):
            refused = client.get("/board/?municipality=999999")
            assert refused.status_code == 400
            assert 'aria-invalid="true"' in refused.get_data(as_text=True)
        assert forms() == 5
        # another language, another form
        world["volunteer"].locale = "en"
        db.session.commit()
        english = client.get("/board/?sort=fit").get_data(as_text=True)
        assert forms() == 6 and "Sort by" in english
    finally:
        template_rendered.disconnect(note, app)
