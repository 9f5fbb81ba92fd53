"""The board's cards are rendered once for what they show and kept (portal.board.cards): a page
shown again reads them from the store, and whatever a card shows that changes (a place taken, a
title, the language, the volunteer's claim) gives a card of its own."""

from __future__ import annotations

import re

import pytest

from portal.board import cards
from portal.extensions import db
from portal.needs.models import Need
from portal.volunteers.models import VolunteerProfile
from tests import factories
from tests import factories_board as fb


@pytest.fixture
def world(app):
    data = fb.county()
    data["first"] = fb.once_need(data["gaggenau"], title="Hausaufgabenhilfe Mathe", capacity=3)
    data["second"] = fb.once_need(data["gaggenau"], title="Begleitung zur Ausländerbehörde")
    db.session.commit()
    return data


@pytest.fixture
def rendered(monkeypatch):
    """The ids of the needs whose card was rendered (not taken from the store), in order."""
    calls: list[int] = []
    card = cards._Renderer.card

    def counting(self, entry):
        calls.append(entry.need.id)
        return card(self, entry)

    monkeypatch.setattr(cards._Renderer, "card", counting)
    return calls


def _cards(html: str) -> str:
    """The list of cards of a board page."""
    found = re.search(r'<ul class="cards board-list">.*?</ul>', html, re.S)
    assert found
    return found.group(0)


def _board(client) -> str:
    response = client.get("/board/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_page_shown_again_renders_no_card(world, client, auth, rendered):
    auth.login("lena@example.org")
    first = _board(client)
    assert sorted(rendered) == sorted([world["first"].id, world["second"].id])
    assert "Hausaufgabenhilfe Mathe" in first and "Begleitung zur Ausländerbehörde" in first
    rendered.clear()
    again = _board(client)
    assert rendered == []
    assert _cards(again) == _cards(first)


def test_what_changes_on_a_need_shows_at_once(world, client, auth, rendered):
    auth.login("lena@example.org")
    assert "3 Plätze frei" in _board(client)
    first = world["first"]
    first.taken = 1
    first.title = "Hausaufgabenhilfe Deutsch"
    db.session.commit()
    rendered.clear()
    html = _board(client)
    assert rendered == [first.id]  # the other card comes from the store
    assert "2 Plätze frei" in html and "3 Plätze frei" not in html
    assert "Hausaufgabenhilfe Deutsch" in html and "Hausaufgabenhilfe Mathe" not in html


def test_each_language_has_its_own_cards(world, client, auth, rendered):
    auth.login("lena@example.org")
    assert "3 Plätze frei" in _board(client)
    client.post("/language", data={"language": "en"})
    rendered.clear()
    html = _board(client)
    assert len(rendered) == 2
    assert "3 places free" in html and "Plätze frei" not in html
    client.post("/language", data={"language": "de"})
    rendered.clear()
    assert "3 Plätze frei" in _board(client)
    assert rendered == []  # the German cards were kept


def test_the_volunteers_own_claim_is_a_card_of_its_own(world, client, auth):
    auth.login("lena@example.org")
    assert "Von Ihnen übernommen" not in _board(client)
    need = db.session.get(Need, world["first"].id)
    fb.assignment(need, db.session.get(VolunteerProfile, world["profile"].id))
    db.session.commit()
    html = _board(client)
    assert html.count("Von Ihnen übernommen") == 1
    # another volunteer who sees the same need is not shown the badge
    factories.volunteer(world["gaggenau"], email="omar@example.org")
    db.session.commit()
    auth.logout()
    auth.login("omar@example.org")
    html = _board(client)
    assert "Hausaufgabenhilfe Mathe" in html and "Von Ihnen übernommen" not in html


def test_a_kept_card_is_escaped(world, client, auth):
    world["second"].title = '<script>alert("x")</script> Begleitung'
    world["second"].public_description = "Erste Zeile <b>fett</b>"
    db.session.commit()
    auth.login("lena@example.org")
    for _ in range(2):  # rendered, then kept
        html = _board(client)
        assert "<script>alert" not in html and "&lt;script&gt;" in html
        assert "<b>fett</b>" not in html and "&lt;b&gt;fett&lt;/b&gt;" in html
