"""The schedule-clash check of a claim (`rules.conflicting_need`) reads only the volunteer's claims
that could clash, in a bounded number of statements, and finds the same clash as comparing the
need with every claim by `schedule.overlaps` would (one-off and weekly schedules, appointments
past midnight, changes of daylight saving time)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.core.time import local_to_utc, today_local
from portal.extensions import db
from portal.needs import claims, rules, schedule
from portal.needs.clashes import could_clash
from portal.needs.models import AssignmentStatus, Need
from tests import factories
from tests import factories_board as fb


@pytest.fixture
def world(app):
    data = fb.county()
    db.session.commit()
    return data


class Reads:
    """How many claims the check compared with `schedule.overlaps` (the rows it read)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = schedule.overlaps

        def counted(a: Any, b: Any) -> bool:
            self.count += 1
            return real(a, b)

        monkeypatch.setattr(schedule, "overlaps", counted)


def clash_by_brute_force(need: Need, others: list[Need]) -> Need | None:
    """The first claim (by need id) whose schedule collides with ``need``: the rule itself."""
    found = [other for other in others if schedule.overlaps(need, other)]
    return min(found, key=lambda other: other.id) if found else None


# --- the same clash as the rule finds --------------------------------------------------------

# a week in each direction around both changes of daylight saving time of 2027
TRANSITIONS = (date(2027, 3, 28), date(2027, 10, 31))
DURATIONS = (30, 60, 60, 90, 90, 120, 240, 600, 1500, 60 * 24 * 9)


def random_need(world: dict[str, Any], rng: random.Random, **kw: Any) -> Need:
    base = rng.choice(TRANSITIONS) + timedelta(days=rng.randint(-8, 8))
    at = time(rng.randint(0, 23), rng.choice((0, 15, 30, 45)))
    minutes = rng.choice(DURATIONS)
    if rng.random() < 0.5:
        start = local_to_utc(datetime.combine(base, at))
        extra = {"ends_at": None} if rng.random() < 0.15 else {}
        return fb.once_need(world["gaggenau"], starts_at=start, minutes=minutes, **extra, **kw)
    starts_on = base - timedelta(days=rng.randint(0, 20)) if rng.random() < 0.8 else None
    ends_on = base + timedelta(days=rng.randint(0, 20)) if rng.random() < 0.8 else None
    need = fb.weekly_need(
        world["gaggenau"],
        weekday=rng.randint(0, 6),
        at=at,
        minutes=min(minutes, 600),
        starts_on=starts_on,
        **kw,
    )
    need.ends_on = ends_on
    return need


@pytest.fixture
def schedules(world):
    """The volunteer's claims on ``HELD`` random schedules and ``PROBES`` random needs."""
    rng = random.Random(20271031)
    held = []
    for _ in range(HELD):
        need = random_need(world, rng, capacity=2)
        fb.assignment(need, world["profile"])
        held.append(need)
    probes = [random_need(world, rng, capacity=2) for _ in range(PROBES)]
    db.session.commit()
    return held, probes


HELD, PROBES = 40, 200


def test_the_sql_lets_through_every_claim_that_clashes(schedules):
    """`could_clash` is a superset of the rule, pair by pair, and a tight one."""
    held, probes = schedules
    ids = [need.id for need in held]
    let_through = clashing = 0
    for probe in probes:
        clashes = {other.id for other in held if schedule.overlaps(probe, other)}
        wanted = could_clash(probe)
        found = (
            set()
            if wanted is None
            else set(db.session.scalars(select(Need.id).where(Need.id.in_(ids), wanted)))
        )
        assert clashes <= found, (probe.id, clashes - found)
        let_through += len(found)
        clashing += len(clashes)
    assert clashing > PROBES  # the random schedules do clash
    assert let_through < 2 * clashing  # and not many near misses


def test_the_check_finds_the_clash_the_rule_finds_among_many_schedules(
    world, schedules, monkeypatch
):
    held, probes = schedules
    expected = [clash_by_brute_force(probe, held) for probe in probes]
    reads = Reads(monkeypatch)
    got = [rules.conflicting_need(world["profile"], probe) for probe in probes]
    assert [n.id if n else None for n in got] == [n.id if n else None for n in expected]
    # both outcomes are well represented, and most claims were never read
    clashes = sum(n is not None for n in got)
    assert PROBES // 4 <= clashes <= PROBES * 3 // 4, clashes
    assert reads.count < HELD * PROBES // 10, reads.count


def test_the_check_finds_a_clash_at_the_changes_of_daylight_saving_time(world):
    """Weekly Sundays 01:30 local for two hours, across the change in March: on that Sunday the
    appointment lasts until 04:30 summer time, so a one-off appointment at 03:30 clashes (by
    the wall clock it would not), one at 04:30 does not."""
    profile = world["profile"]
    sunday = TRANSITIONS[0]
    weekly = fb.weekly_need(
        world["gaggenau"],
        weekday=6,
        at=time(1, 30),
        minutes=120,
        starts_on=sunday - timedelta(weeks=2),
        ends_on=sunday + timedelta(weeks=2),
    )
    fb.assignment(weekly, profile)
    inside = fb.once_need(world["gaggenau"], starts_at=local_to_utc(datetime(2027, 3, 28, 3, 30)))
    after = fb.once_need(world["gaggenau"], starts_at=local_to_utc(datetime(2027, 3, 28, 4, 30)))
    db.session.commit()
    assert rules.conflicting_need(profile, inside) == weekly
    assert rules.conflicting_need(profile, after) is None
    # and the other way round: the one-off appointments held, the weekly need to claim
    other = fb.profile_of(factories.volunteer(world["gaggenau"], email="peter@example.org"))
    fb.assignment(after, other)
    db.session.commit()
    assert rules.conflicting_need(other, weekly) is None
    db.session.refresh(inside)
    fb.assignment(inside, other)
    db.session.commit()
    assert rules.conflicting_need(other, weekly) == inside


# --- bounded --------------------------------------------------------------------------------


def non_clashing_claims(world: dict[str, Any], day: date, n: int) -> None:
    """``n`` claims that do not clash with 10:00-11:00 on ``day``: two near misses (weekly on
    that weekday, right before and right after), then one-off appointments on other days or
    right after, weekly ones on other weekdays or later in the day."""
    profile = world["profile"]
    for i in range(n):
        kind = i % 4
        if i < 2:  # near misses: weekly 08:30-09:30 and 11:00-12:00
            need = fb.weekly_need(
                world["gaggenau"],
                weekday=day.weekday(),
                at=time(8, 30) if i == 0 else time(11, 0),
                starts_on=day - timedelta(days=30),
                ends_on=day + timedelta(days=60),
                capacity=2,
            )
        elif kind == 0:
            other_day = day + timedelta(days=2 + i)
            need = fb.once_need(world["gaggenau"], starts_at=fb.local(other_day, 10), capacity=2)
        elif kind == 1:  # back to back on the same day
            need = fb.once_need(
                world["gaggenau"], starts_at=fb.local(day, 11 + i % 8), minutes=60, capacity=2
            )
        elif kind == 2:
            need = fb.weekly_need(
                world["gaggenau"],
                weekday=(day.weekday() + 2 + i % 5) % 7,
                at=time(10, 0),
                starts_on=day - timedelta(days=30),
                ends_on=day + timedelta(days=60),
                capacity=2,
            )
        else:  # the same weekday, later in the day
            need = fb.weekly_need(
                world["gaggenau"],
                weekday=day.weekday(),
                at=time(14 + i % 6, 0),
                starts_on=day - timedelta(days=30),
                ends_on=day + timedelta(days=60),
                capacity=2,
            )
        fb.assignment(need, profile)
    db.session.commit()


@pytest.mark.parametrize("held", [5, 60, 200])
def test_the_check_reads_a_bounded_number_of_claims_and_still_finds_the_clash(
    world, count_queries, monkeypatch, held
):
    day = today_local() + timedelta(days=10)
    probe = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 10), minutes=60)
    non_clashing_claims(world, day, held)
    profile = world["profile"]
    db.session.refresh(profile)
    db.session.refresh(probe)  # loaded, as the callers hold them
    reads = Reads(monkeypatch)
    with count_queries() as counted:
        assert rules.conflicting_need(profile, probe) is None
    assert counted.count == 1
    assert reads.count == 2  # the two near misses, whatever else the volunteer holds

    # the clash, claimed after all the others: found, still in one statement
    clash = fb.weekly_need(
        world["gaggenau"],
        title="Sprachcafé",
        weekday=day.weekday(),
        at=time(10, 30),
        starts_on=day - timedelta(days=7),
        ends_on=day + timedelta(days=7),
        capacity=2,
    )
    fb.assignment(clash, profile)
    db.session.commit()
    db.session.refresh(profile)
    db.session.refresh(probe)
    reads.count = 0
    with count_queries() as counted:
        assert rules.conflicting_need(profile, probe) == clash
    assert counted.count == 1
    assert reads.count == 3


def test_more_near_misses_than_a_statement_reads_are_read_on_until_the_clash(
    world, count_queries, monkeypatch
):
    """Weekly claims right after the appointment pass the SQL's margin: when a statement's
    worth of them holds no clash, the next statement reads on (the rule is never cut short)."""
    day = today_local() + timedelta(days=10)
    probe = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 10), minutes=60)
    for _ in range(rules.CLASH_BATCH + 3):
        near = fb.weekly_need(world["gaggenau"], weekday=day.weekday(), at=time(11, 0))
        fb.assignment(near, world["profile"])
    clash = fb.once_need(world["gaggenau"], title="Arzttermin", starts_at=fb.local(day, 10, 30))
    fb.assignment(clash, world["profile"])
    db.session.commit()
    db.session.refresh(world["profile"])
    db.session.refresh(probe)
    reads = Reads(monkeypatch)
    with count_queries() as counted:
        assert rules.conflicting_need(world["profile"], probe) == clash
    assert counted.count == 2
    assert reads.count == rules.CLASH_BATCH + 4


def test_the_need_page_and_the_claim_cost_the_same_for_60_claims_as_for_5(
    world, client, auth, count_queries, app
):
    """Both callers of the check (the need page offering the claim, the claim itself) find
    the clash among the claims in the same number of statements (and the count of the
    volunteer's upcoming claims against a limit raised above them)."""
    app.config["ACTIVE_CLAIMS_LIMIT"] = 100
    day = today_local() + timedelta(days=10)
    taken = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 10), minutes=60)
    clash = fb.once_need(world["gaggenau"], title="Arzttermin", starts_at=fb.local(day, 10, 30))
    fb.assignment(clash, world["profile"])
    non_clashing_claims(world, day, 5)
    auth.login("lena@example.org")
    client.get(f"/board/needs/{taken.id}")  # warm caches
    db.session.commit()

    def costs(free_on: date) -> tuple[int, int, int]:
        free = fb.once_need(world["gaggenau"], starts_at=fb.local(free_on, 7))
        db.session.commit()
        with count_queries() as page:
            html = client.get(f"/board/needs/{taken.id}").get_data(as_text=True)
        assert "überschneidet sich mit Ihrer Aufgabe „Arzttermin“" in html
        with count_queries() as refusal:
            refused = client.post(f"/board/needs/{taken.id}/claim")
        assert refused.status_code == 409
        assert "überschneidet sich" in refused.get_data(as_text=True)
        with count_queries() as claim:
            assert claims.claim(world["volunteer"], free.id).status == AssignmentStatus.ACTIVE
        db.session.commit()
        return page.count, refusal.count, claim.count

    few = costs(day + timedelta(days=1))
    non_clashing_claims(world, day, 55)
    many = costs(day - timedelta(days=1))
    assert few == many
    assert few[0] <= 7
