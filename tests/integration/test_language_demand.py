"""Which languages the board treats as rare (few open needs ask for them), and when it reads a
rare language's own needs instead of walking the volunteer's needs in date order."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.needs import language_demand, matching
from portal.needs.matching import NARROW_SCOPE, BoardFilters
from portal.needs.models import NeedStatus
from portal.volunteers.queries import profile_of
from tests import factories
from tests import factories_board as fb


@pytest.fixture
def places(app):
    found = factories.reference_data()
    db.session.commit()
    return found


def test_only_open_needs_asking_for_the_whole_code_count_up_to_the_bound(places, monkeypatch):
    monkeypatch.setattr(language_demand, "RARE_LANGUAGE_NEEDS", 2)
    gaggenau = places["Gaggenau"]
    fb.once_need(gaggenau, languages=["ar", "ti"])
    fb.once_need(gaggenau, languages=["ti"], status=NeedStatus.DRAFT)
    fb.once_need(gaggenau, languages=["ti"], status=NeedStatus.CANCELLED)
    fb.once_need(gaggenau, languages=["tr"])
    db.session.commit()
    assert language_demand._bounded_count("ti") == 1
    assert language_demand._bounded_count("ku") == 0
    for _ in range(4):
        fb.once_need(gaggenau, languages=["ti"])
    db.session.commit()
    assert language_demand._bounded_count("ti") == 3  # the bound + 1: "more than rare"
    assert not language_demand.is_rare("ti")
    assert language_demand.is_rare("tr") and language_demand.is_rare("ku")


def test_the_count_is_kept_for_a_while_then_counted_again(places, monkeypatch, count_queries):
    monkeypatch.setattr(language_demand, "RARE_LANGUAGE_NEEDS", 1)
    gaggenau = places["Gaggenau"]
    fb.once_need(gaggenau, languages=["so"])
    db.session.commit()
    with count_queries() as first:
        assert language_demand.is_rare("so")
    assert first.count == 1
    fb.once_need(gaggenau, languages=["so"])
    db.session.commit()
    with count_queries() as kept:
        assert language_demand.is_rare("so")  # the count kept: still one need
    assert kept.count == 0
    later = language_demand.monotonic() + language_demand.MAX_AGE_SECONDS
    monkeypatch.setattr(language_demand, "monotonic", lambda: later)
    with count_queries() as again:
        assert not language_demand.is_rare("so")
    assert again.count == 1


def test_a_rare_languages_needs_are_read_for_a_volunteer_of_many_municipalities(
    places, monkeypatch, count_queries
):
    rare = BoardFilters(language="so")
    with count_queries() as asked:  # a few municipalities: read by municipality, not counted
        assert not matching._reads_language_needs(rare, helps_in=NARROW_SCOPE)
    assert asked.count == 0
    assert matching._reads_language_needs(rare, helps_in=NARROW_SCOPE + 1)
    assert matching._reads_language_needs(rare, helps_in=None)  # not known: by the language
    assert not matching._reads_language_needs(BoardFilters(sort="fit"), helps_in=500)
    monkeypatch.setattr(language_demand, "RARE_LANGUAGE_NEEDS", -1)  # now a common one
    assert not matching._reads_language_needs(rare, helps_in=NARROW_SCOPE + 1)


def test_the_board_page_reads_a_rare_languages_needs_for_a_volunteer_of_the_county(
    places, client, auth, count_queries
):
    """The page knows in how many municipalities its volunteer helps: the one of the whole
    county has the page read from the language's needs, the one of a single municipality by
    municipality; both see the same need."""
    gaggenau = places["Gaggenau"]
    need = fb.once_need(gaggenau, title="Begleitung auf Somali", languages=["so"])
    fb.once_need(gaggenau, title="Begleitung auf Arabisch", languages=["ar"])
    wide = factories.volunteer(gaggenau, email="weit@example.org", name="Wera Weit")
    profile_of(wide).municipalities = list(places.values())
    factories.volunteer(gaggenau, email="nah@example.org", name="Nina Nah")
    db.session.commit()
    assert len(places) > NARROW_SCOPE + 1
    for email, from_language in (("weit@example.org", True), ("nah@example.org", False)):
        auth.login(email)
        with count_queries() as ran:
            response = client.get("/board/?language=so")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert need.title in page and "Begleitung auf Arabisch" not in page
        assert any("language_needs" in s for s in ran.statements) is from_language, email
        auth.logout()
