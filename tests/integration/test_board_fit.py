"""How well a need fits a volunteer: the score and the reasons the board shows, computed in SQL
from the link tables (languages, interests, availability) and the home municipality."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.time import to_local, today_local, utcnow
from portal.extensions import db
from portal.needs import rules, schedule
from portal.needs.board_sql import FIT_AVAILABILITY, FIT_HOME, FIT_INTEREST, FIT_LANGUAGE
from portal.needs.matching import BoardFilters, board
from portal.needs.models import Need, NeedCategory
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


# --- the SQL ranking agrees with the rules as the board had them in Python ---------------------


def _reference_fit(need, profile) -> tuple[int, list[str]]:
    """The fit score as the Python board computed it before the ranking moved into SQL."""
    score, reasons = 0, []
    wanted = set(need.languages)
    if wanted & set(profile.languages):
        score += FIT_LANGUAGE
        reasons.append("language")
    elif not wanted:
        score += FIT_LANGUAGE // 2
    if need.category in profile.interests:
        score += FIT_INTEREST
        reasons.append("interest")
    slot = _slot(need)
    if slot and slot[1] in profile.availability.get(slot[0], []):
        score += FIT_AVAILABILITY
        reasons.append("availability")
    elif slot and slot[0] in profile.availability:
        score += FIT_AVAILABILITY // 3
    if need.municipality_id == profile.home_municipality_id:
        score += FIT_HOME
        reasons.append("home")
    return score, reasons


def _slot(need):
    if need.schedule_kind == "weekly":
        if need.weekday is None or need.time_of_day is None:
            return None
        return need.weekday, schedule.part_of_day(need.time_of_day)
    local = to_local(need.starts_at)
    return local.weekday(), schedule.part_of_day(local.time())


def _reference_board(profile, needs, filters: BoardFilters) -> list[tuple[int, int, list[str]]]:
    """(id, score, reasons) in board order, by the rules of the former Python board (except
    that needs with the same next appointment keep the order they were published in, and needs
    without an appointment left are not listed)."""
    now, today = utcnow(), today_local()
    window_from = max(filters.date_from or today, today)
    window_to = filters.date_to or window_from + timedelta(days=366)
    far = datetime(9999, 12, 31)
    ranked = []
    for need in needs:
        slot = _slot(need)
        if filters.category and need.category != filters.category:
            continue
        if filters.language and filters.language not in need.languages:
            continue
        if filters.weekday is not None and (slot is None or slot[0] != filters.weekday):
            continue
        if filters.fits and not (slot and slot[1] in profile.availability.get(slot[0], [])):
            continue
        upcoming = next(
            (o for o in schedule.occurrences(need, window_from, window_to) if o[1] > now), None
        )
        if upcoming is None:  # no appointment left in the period: not on the board
            continue
        score, reasons = _reference_fit(need, profile)
        ranked.append((need.id, score, reasons, upcoming[0] if upcoming else far))
    if filters.sort == "fit":
        ranked.sort(key=lambda r: (-r[1], r[3], r[0]))
    else:
        ranked.sort(key=lambda r: (r[3], r[0]))  # same start: published first
    return [(i, score, reasons) for i, score, reasons, _next in ranked]


def _random_needs(
    world, rng: random.Random, n: int, categories: tuple[str, ...] = tuple(NeedCategory)
) -> None:
    today = today_local()
    places = [world["gaggenau"], world["buehl"]]
    for _ in range(n):
        place = rng.choice(places)
        languages = rng.sample(["de", "ar", "fa", "uk", "ti"], rng.randint(0, 2))
        category = str(rng.choice(categories))
        if rng.random() < 0.5:
            day = today + timedelta(days=rng.randint(0, 60))
            hour = rng.choice([7, 9, 11, 12, 14, 16, 17, 19, 22])
            start = fb.local(day, hour, rng.choice([0, 30]))
            if start <= utcnow():
                start = fb.local(today + timedelta(days=1), hour)
            fb.once_need(place, starts_at=start, category=category, languages=languages)
        else:
            first = today + timedelta(days=rng.randint(-40, 40))
            last = None if rng.random() < 0.3 else first + timedelta(days=rng.randint(0, 90))
            if last is not None and last < today:
                last = today + timedelta(days=rng.randint(0, 20))
            fb.weekly_need(
                place,
                weekday=rng.randint(0, 6),
                at=time(rng.choice([6, 8, 11, 12, 15, 16, 17, 20, 23]), rng.choice([0, 45])),
                minutes=rng.choice([30, 60, 120]),
                starts_on=first,
                ends_on=last,
                category=category,
                languages=languages,
            )
    db.session.commit()


READS = ["by municipality", "in date order", "from the language's needs"]


def _read(read: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Have the board read the needs as ``read`` says: by municipality (a volunteer who helps
    in a few), in date order (in many), and, filtered by a language, from that language's
    needs (a rare one, in many); else a language is read as any other filter."""
    from portal.needs import language_demand, matching

    if read != "by municipality":  # as for a volunteer who helps in many municipalities
        monkeypatch.setattr(matching, "NARROW_SCOPE", 1)
        monkeypatch.setattr(matching, "COUNT_NARROW", 1)
    if read != "from the language's needs":
        monkeypatch.setattr(language_demand, "RARE_LANGUAGE_NEEDS", -1)


@pytest.mark.parametrize("read", READS)
def test_the_sql_ranking_agrees_with_the_former_python_rules(
    world, read, monkeypatch, count_queries
):
    _read(read, monkeypatch)
    profile = world["profile"]
    profile.municipalities.append(world["buehl"])
    profile.languages = {"de": "native", "fa": "good"}
    profile.interests = ["tutoring", "housing_search"]
    profile.availability = {0: ["afternoon"], 2: ["morning", "evening"], 6: ["evening"]}
    _random_needs(world, random.Random(20261129), 120)
    needs = list(
        db.session.scalars(
            select(Need).where(Need.status == "open").options(selectinload(Need.language_rows))
        )
    )
    today = today_local()
    cases = [
        BoardFilters(),
        BoardFilters(sort="fit"),
        BoardFilters(weekday=2),
        BoardFilters(fits=True, sort="fit"),
        BoardFilters(language="fa", sort="fit"),
        BoardFilters(language="ar"),
        BoardFilters(language="uk", weekday=3),
        BoardFilters(language="ti", date_from=today + timedelta(days=5), sort="fit"),
        BoardFilters(date_from=today + timedelta(days=3), date_to=today + timedelta(days=5)),
        BoardFilters(date_to=today + timedelta(days=10), sort="fit"),
        BoardFilters(date_from=today + timedelta(days=30)),
    ]
    for filters in cases:
        visible = [n for n in needs if not rules.need_has_ended(n)]
        expected = _reference_board(profile, visible, filters)
        with count_queries() as ran:
            page = board(profile, filters, per_page=500)
        from_language = any("language_needs" in statement for statement in ran.statements)
        assert from_language == (read == READS[2] and bool(filters.language)), filters
        got = [(e.need.id, e.score, e.reasons) for e in page.items]
        assert got == expected, filters
        assert page.total == len(expected)
        assert expected, filters  # every case has something to compare
        # small pages read few rows of each index range: the same order, page by page
        for number in (1, 2, 3):
            small = board(profile, filters, page=number, per_page=4)
            if (number - 1) * 4 < len(expected):
                got_ids = [e.need.id for e in small.items]
                assert got_ids == [i for i, *_ in expected[(number - 1) * 4 : number * 4]]


@pytest.mark.parametrize("read", READS)
def test_the_board_filtered_by_category_and_language_pages_as_the_rules_say(
    world, read, monkeypatch, count_queries
):
    """Filtered by category and language, the board walks the category's needs in date order
    (read in date order), finds the language's needs by municipality, or reads the language's
    own needs: either way the same needs in the same order, page by page, up to the bounded
    count."""
    from portal.needs import matching

    _read(read, monkeypatch)
    profile = world["profile"]
    profile.municipalities.append(world["buehl"])
    rng = random.Random(20261130)
    _random_needs(world, rng, 60)
    _random_needs(world, rng, 90, categories=("accompanying", "tutoring"))
    needs = list(
        db.session.scalars(
            select(Need).where(Need.status == "open").options(selectinload(Need.language_rows))
        )
    )
    visible = [n for n in needs if not rules.need_has_ended(n)]
    for sort in ("date", "fit"):
        filters = BoardFilters(category="accompanying", language="ar", sort=sort)
        expected = [i for i, *_ in _reference_board(profile, visible, filters)]
        assert len(expected) > 12, len(expected)  # more than the count below allows
        with count_queries() as ran:
            everything = board(profile, filters, per_page=500)
        from_language = any("language_needs" in statement for statement in ran.statements)
        assert from_language == (read == READS[2]), sort
        assert [e.need.id for e in everything.items] == expected, sort
        assert everything.total == len(expected) and not everything.more
        monkeypatch.setattr(matching, "COUNT_LIMIT", 12)
        first = board(profile, filters, page=1, per_page=5)
        assert [e.need.id for e in first.items] == expected[:5], sort
        assert (first.total, first.more) == (12, True)
        last = board(profile, filters, page=3, per_page=5)
        assert [e.need.id for e in last.items] == expected[10:12], sort
        assert board(profile, filters, page=9, per_page=5).page == 3
        monkeypatch.setattr(matching, "COUNT_LIMIT", 500)
