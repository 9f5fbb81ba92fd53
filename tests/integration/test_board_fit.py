"""How well a need fits a volunteer: the score and the reasons the board shows, computed in SQL
from the link tables (languages, interests, availability) and the home municipality."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from portal.core.time import today_local
from portal.extensions import db
from portal.needs.matching import (
    FIT_AVAILABILITY,
    FIT_HOME,
    FIT_INTEREST,
    FIT_LANGUAGE,
    BoardFilters,
    board,
)
from tests import factories_board as fb


@pytest.fixture
def world(app):
    data = fb.county()
    profile = data["profile"]
    profile.languages = {"de": "native", "ar": "good"}
    profile.interests = ["tutoring"]
    profile.availability = {0: ["afternoon"]}  # Monday afternoons
    db.session.commit()
    return data


def next_monday():
    today = today_local()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def entry(profile, need):
    found = [e for e in board(profile, BoardFilters(), per_page=100).items if e.need.id == need.id]
    assert len(found) == 1
    return found[0]


def test_a_need_that_fits_in_every_way_scores_100(world):
    lessons = fb.weekly_need(
        world["gaggenau"],
        weekday=0,
        at=time(16, 0),
        starts_on=next_monday(),
        category="tutoring",
        languages=["ar"],
    )
    db.session.commit()
    found = entry(world["profile"], lessons)
    assert (found.score, found.reasons) == (100, ["language", "interest", "availability", "home"])


def test_without_a_common_language_the_language_points_go(world):
    lessons = fb.weekly_need(
        world["gaggenau"],
        weekday=0,
        at=time(16, 0),
        starts_on=next_monday(),
        category="tutoring",
        languages=["ar"],
    )
    world["profile"].languages = {"de": "native"}
    db.session.commit()
    found = entry(world["profile"], lessons)
    assert found.score == 60 and "language" not in found.reasons
    assert found.reasons == ["interest", "availability", "home"]


def test_a_need_asking_for_no_language_gets_half_the_language_points(world):
    need = fb.weekly_need(
        world["gaggenau"], weekday=2, at=time(9, 0), category="other", languages=[]
    )
    db.session.commit()
    found = entry(world["profile"], need)
    assert (found.score, found.reasons) == (FIT_LANGUAGE // 2 + FIT_HOME, ["home"])


def test_the_right_day_at_another_time_gets_a_third_of_the_availability_points(world):
    morning = fb.weekly_need(
        world["gaggenau"], weekday=0, at=time(9, 0), category="other", languages=["uk"]
    )
    db.session.commit()
    found = entry(world["profile"], morning)
    assert (found.score, found.reasons) == (FIT_AVAILABILITY // 3 + FIT_HOME, ["home"])


def test_a_one_off_appointment_is_matched_by_its_local_weekday_and_time(world):
    monday = next_monday()
    afternoon = fb.once_need(
        world["gaggenau"], starts_at=fb.local(monday, 16, 30), category="tutoring", languages=[]
    )
    evening = fb.once_need(
        world["gaggenau"], starts_at=fb.local(monday, 19, 0), category="tutoring", languages=[]
    )
    db.session.commit()
    assert (afternoon.weekday, afternoon.time_of_day) == (0, time(16, 30))
    found = entry(world["profile"], afternoon)
    assert found.reasons == ["interest", "availability", "home"]
    assert found.score == FIT_LANGUAGE // 2 + FIT_INTEREST + FIT_AVAILABILITY + FIT_HOME
    assert entry(world["profile"], evening).reasons == ["interest", "home"]


def test_a_need_outside_the_home_municipality_gets_no_home_points(world):
    world["profile"].municipalities.append(world["buehl"])
    need = fb.once_need(world["buehl"], category="accompanying", languages=["ar", "fa"])
    db.session.commit()
    found = entry(world["profile"], need)
    assert (found.score, found.reasons) == (FIT_LANGUAGE, ["language"])


def test_the_fits_filter_keeps_only_needs_in_the_volunteers_times(world):
    monday = next_monday()
    fits = fb.weekly_need(world["gaggenau"], weekday=0, at=time(15, 0), starts_on=monday)
    fb.weekly_need(world["gaggenau"], weekday=0, at=time(11, 59), starts_on=monday)
    fb.weekly_need(world["gaggenau"], weekday=1, at=time(15, 0), starts_on=monday)
    fb.once_need(world["gaggenau"], starts_at=fb.local(monday, 17, 0))
    db.session.commit()
    page = board(world["profile"], BoardFilters(fits=True))
    assert [e.need.id for e in page.items] == [fits.id]
    world["profile"].availability = {0: ["morning", "afternoon", "evening"]}
    db.session.commit()
    assert board(world["profile"], BoardFilters(fits=True)).total == 3
