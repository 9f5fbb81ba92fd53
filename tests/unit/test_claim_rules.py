"""Each rule of the claim loop, directly against the service `portal.needs.claims`."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from portal.core.errors import (
    CapacityReached,
    Conflict,
    InvalidTransition,
    NotAllowed,
    NotFound,
    ValidationFailed,
)
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.needs import claims, own_tasks, queries, reports, rules, services
from portal.needs.models import Assignment, AssignmentStatus, Need, NeedStatus
from portal.needs.report_models import Report
from portal.notifications.models import OutboundEmail
from portal.volunteers.models import VolunteerStatus
from tests import factories
from tests import factories_board as fb


@pytest.fixture
def world(app):
    data = fb.county()
    db.session.commit()
    return data


def outbox(template: str | None = None) -> list[OutboundEmail]:
    stmt = select(OutboundEmail).order_by(OutboundEmail.id)
    if template:
        stmt = stmt.where(OutboundEmail.template == template)
    return list(db.session.scalars(stmt))


def volunteer_in(municipality, email: str, **kw):
    user = factories.volunteer(municipality, email=email, **kw)
    return user, fb.profile_of(user)


def test_an_approved_volunteer_claims_an_open_need(world):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"], capacity=2)
    db.session.commit()

    assignment = claims.claim(world["volunteer"], need.id)

    db.session.refresh(need)
    assert assignment.status == AssignmentStatus.ACTIVE
    assert assignment.volunteer_id == world["profile"].id
    assert need.taken == 1
    assert need.status == NeedStatus.OPEN
    [to_manager] = outbox("board_claimed_manager")
    assert to_manager.recipient == "keller@example.org"
    assert "Lena Schmitt" in to_manager.body_text
    [to_volunteer] = outbox("board_claimed_volunteer")
    assert to_volunteer.recipient == "lena@example.org"
    assert "Vor dem Rathaus" in to_volunteer.body_text  # the meeting point after the claim
    assert "keller@example.org" in to_volunteer.body_text  # the manager's contact


def test_the_last_place_fills_the_need(world):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"], capacity=1)
    db.session.commit()
    claims.claim(world["volunteer"], need.id)
    db.session.refresh(need)
    assert (need.taken, need.status) == (1, NeedStatus.FILLED)

    _, other = volunteer_in(world["gaggenau"], "peter@example.org")
    db.session.commit()
    with pytest.raises(CapacityReached):
        claims.claim(other.user, need.id)
    assert db.session.scalar(select(Need.taken).where(Need.id == need.id)) == 1


@pytest.mark.parametrize("status", [VolunteerStatus.PENDING, VolunteerStatus.SUSPENDED])
def test_only_approved_volunteers_claim(world, status):
    need = fb.once_need(world["gaggenau"])
    user, _ = volunteer_in(world["gaggenau"], "neu@example.org", status=status)
    db.session.commit()
    with pytest.raises(NotAllowed):
        claims.claim(user, need.id)
    assert db.session.scalar(select(Assignment.id)) is None


def test_a_user_without_a_volunteer_profile_cannot_claim(world):
    need = fb.once_need(world["gaggenau"])
    db.session.commit()
    with pytest.raises(NotAllowed):
        claims.claim(world["manager"], need.id)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (NeedStatus.DRAFT, NotFound),
        (NeedStatus.CANCELLED, InvalidTransition),
        (NeedStatus.COMPLETED, InvalidTransition),
    ],
)
def test_only_open_needs_can_be_claimed(world, status, error):
    need = fb.once_need(world["gaggenau"], status=status)
    db.session.commit()
    with pytest.raises(error):
        claims.claim(world["volunteer"], need.id)


def test_a_need_of_another_municipality_cannot_be_claimed(world):
    need = fb.once_need(world["buehl"])
    db.session.commit()
    with pytest.raises(NotFound):
        claims.claim(world["volunteer"], need.id)


def test_a_further_municipality_the_volunteer_helps_in_counts(world):
    world["profile"].municipalities.append(world["buehl"])
    need = fb.once_need(world["buehl"])
    db.session.commit()
    assert claims.claim(world["volunteer"], need.id).status == AssignmentStatus.ACTIVE


def test_the_municipalities_a_volunteer_helps_in_come_with_the_profile_as_ids(world):
    """`profile_of` brings the further municipalities as ids; the rules read them without
    loading the municipalities, and follow a change made in the session."""
    world["profile"].municipalities.append(world["buehl"])
    db.session.commit()
    profile = fb.profile_of(world["volunteer"])
    assert profile.further_place_ids is not None
    assert set(profile.further_place_ids.split(",")) >= {str(world["buehl"].id)}
    others = set(factories.reference_data().values()) - {world["gaggenau"], world["buehl"]}
    other = next(iter(others))
    assert rules.helps_in_municipality(profile, world["gaggenau"].id)
    assert rules.helps_in_municipality(profile, world["buehl"].id)
    assert not rules.helps_in_municipality(profile, other.id)
    assert rules.helps_in(profile) == {world["gaggenau"].id, world["buehl"].id}
    assert "municipalities" in db.inspect(profile).unloaded
    profile.municipalities.append(other)  # loads them, then they are the truth
    assert rules.helps_in_municipality(profile, other.id)
    assert rules.helps_in(profile) == {world["gaggenau"].id, world["buehl"].id, other.id}


def test_a_past_appointment_cannot_be_claimed(world):
    need = fb.once_need(world["gaggenau"], starts_at=utcnow() - timedelta(hours=2))
    db.session.commit()
    with pytest.raises(InvalidTransition):
        claims.claim(world["volunteer"], need.id)


def test_no_second_active_claim_on_the_same_need(world):
    need = fb.once_need(world["gaggenau"], capacity=3)
    db.session.commit()
    claims.claim(world["volunteer"], need.id)
    with pytest.raises(Conflict, match="bereits übernommen"):
        claims.claim(world["volunteer"], need.id)
    assert db.session.scalar(select(Need.taken).where(Need.id == need.id)) == 1


def test_claiming_again_after_withdrawing_is_allowed(world):
    need = fb.once_need(world["gaggenau"], capacity=3)
    db.session.commit()
    first = claims.claim(world["volunteer"], need.id)
    claims.withdraw(world["volunteer"], first.id, "Doch verhindert")
    second = claims.claim(world["volunteer"], need.id)
    assert second.id != first.id
    assert db.session.scalar(select(Need.taken).where(Need.id == need.id)) == 1


def test_the_unique_index_refuses_a_second_active_claim(world):
    """The database itself guards the rule, not only the service's check."""
    from sqlalchemy.exc import IntegrityError

    need = fb.once_need(world["gaggenau"], capacity=3)
    fb.assignment(need, world["profile"])
    db.session.commit()
    db.session.add(Assignment(need_id=need.id, volunteer_id=world["profile"].id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_check_constraint_refuses_overbooking(world):
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    need = fb.once_need(world["gaggenau"], capacity=1)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(Need).where(Need.id == need.id).values(taken=2))
        db.session.commit()
    db.session.rollback()


# --- certificate of conduct ---------------------------------------------------------------------


def test_a_certificate_is_required_when_the_need_says_so(world):
    need = fb.weekly_need(world["gaggenau"], requires_conduct_certificate=True)
    db.session.commit()
    with pytest.raises(NotAllowed, match="Führungszeugnis"):
        claims.claim(world["volunteer"], need.id)


def test_a_valid_certificate_covering_the_schedule_allows_the_claim(world):
    need = fb.weekly_need(world["gaggenau"], requires_conduct_certificate=True)
    fb.certificate(world["profile"])
    db.session.commit()
    assert claims.claim(world["volunteer"], need.id).status == AssignmentStatus.ACTIVE


def test_a_certificate_expiring_before_the_last_date_is_refused(world):
    today = today_local()
    need = fb.weekly_need(
        world["gaggenau"],
        requires_conduct_certificate=True,
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(weeks=10),
    )
    fb.certificate(
        world["profile"],
        issued_on=today - timedelta(days=5 * 365 - 20),
        valid_until=today + timedelta(weeks=4),
    )
    db.session.commit()
    assert rules.certificate_covers(world["profile"], need) is False
    with pytest.raises(NotAllowed):
        claims.claim(world["volunteer"], need.id)


def test_an_expired_certificate_is_refused(world):
    today = today_local()
    need = fb.once_need(world["gaggenau"], requires_conduct_certificate=True)
    fb.certificate(
        world["profile"],
        issued_on=today - timedelta(days=6 * 365),
        valid_until=today - timedelta(days=1),
    )
    db.session.commit()
    with pytest.raises(NotAllowed):
        claims.claim(world["volunteer"], need.id)


# --- overlapping appointments -------------------------------------------------------------------


def test_an_overlapping_one_off_appointment_is_refused_with_a_clear_message(world):
    day = today_local() + timedelta(days=4)
    first = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 10), minutes=120)
    second = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 11), minutes=60)
    db.session.commit()
    claims.claim(world["volunteer"], first.id)
    with pytest.raises(Conflict) as exc:
        claims.claim(world["volunteer"], second.id)
    assert "überschneidet sich" in exc.value.message
    assert first.title in exc.value.message


def _days_ahead(world, *days: int) -> list[Need]:
    """One-off needs on different days (none overlaps another)."""
    found = [
        fb.once_need(world["gaggenau"], starts_at=fb.local(today_local() + timedelta(days=d), 10))
        for d in days
    ]
    db.session.commit()
    return found


def test_a_volunteer_holds_at_most_the_limit_of_upcoming_tasks(world, app):
    app.config["ACTIVE_CLAIMS_LIMIT"] = 2
    first, second, third = _days_ahead(world, 3, 4, 5)
    claims.claim(world["volunteer"], first.id)
    claims.claim(world["volunteer"], second.id)
    with pytest.raises(Conflict) as exc:
        claims.claim(world["volunteer"], third.id)
    assert "schon 2 Aufgaben übernommen" in exc.value.message
    db.session.rollback()
    assert db.session.scalar(select(Need.taken).where(Need.id == third.id)) == 0
    # giving one back makes room
    held = db.session.scalar(select(Assignment).where(Assignment.need_id == first.id))
    claims.withdraw(world["volunteer"], held.id, "Doch verhindert")
    assert claims.claim(world["volunteer"], third.id).status == AssignmentStatus.ACTIVE


def test_claims_on_appointments_that_are_over_do_not_count_to_the_limit(world, app):
    """A claim whose appointment is over waits for its report or the manager's completion: it
    no longer holds a place the volunteer could hoard, nor does one on a cancelled need."""
    app.config["ACTIVE_CLAIMS_LIMIT"] = 1
    past = fb.once_need(world["gaggenau"], starts_at=utcnow() - timedelta(days=2))
    fb.assignment(past, world["profile"])
    ended_series = fb.weekly_need(
        world["gaggenau"],
        starts_on=today_local() - timedelta(days=30),
        ends_on=today_local() - timedelta(days=1),
    )
    fb.assignment(ended_series, world["profile"])
    cancelled = fb.once_need(
        world["gaggenau"],
        starts_at=fb.local(today_local() + timedelta(days=4), 10),
        status=NeedStatus.CANCELLED,
    )
    fb.assignment(cancelled, world["profile"])
    (upcoming,) = _days_ahead(world, 6)
    assert claims.claim(world["volunteer"], upcoming.id).status == AssignmentStatus.ACTIVE
    (next_one,) = _days_ahead(world, 8)
    with pytest.raises(Conflict, match="schon 1 Aufgabe übernommen, die noch ansteht"):
        claims.claim(world["volunteer"], next_one.id)


def test_back_to_back_appointments_do_not_overlap(world):
    day = today_local() + timedelta(days=4)
    first = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 10), minutes=60)
    second = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 11), minutes=60)
    db.session.commit()
    claims.claim(world["volunteer"], first.id)
    assert claims.claim(world["volunteer"], second.id).status == AssignmentStatus.ACTIVE


def test_a_one_off_appointment_on_a_weekly_slot_is_refused(world):
    day = today_local() + timedelta(days=8)
    weekly = fb.weekly_need(
        world["gaggenau"],
        weekday=day.weekday(),
        at=time(16, 0),
        minutes=90,
        starts_on=today_local() + timedelta(days=1),
    )
    once = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 17), minutes=60)
    db.session.commit()
    claims.claim(world["volunteer"], weekly.id)
    with pytest.raises(Conflict, match="überschneidet"):
        claims.claim(world["volunteer"], once.id)


def test_a_second_weekly_need_on_the_same_weekday_and_time_is_refused(world):
    start = today_local() + timedelta(days=1)
    first = fb.weekly_need(world["gaggenau"], weekday=start.weekday(), at=time(16, 0))
    second = fb.weekly_need(
        world["gaggenau"], weekday=start.weekday(), at=time(16, 30), starts_on=start
    )
    other_day = fb.weekly_need(
        world["gaggenau"], weekday=(start.weekday() + 1) % 7, at=time(16, 0), starts_on=start
    )
    db.session.commit()
    claims.claim(world["volunteer"], first.id)
    with pytest.raises(Conflict, match="überschneidet"):
        claims.claim(world["volunteer"], second.id)
    assert claims.claim(world["volunteer"], other_day.id).status == AssignmentStatus.ACTIVE


def test_a_withdrawn_claim_no_longer_blocks_the_time(world):
    day = today_local() + timedelta(days=4)
    first = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 10), minutes=120)
    second = fb.once_need(world["gaggenau"], starts_at=fb.local(day, 11), minutes=60)
    db.session.commit()
    claimed = claims.claim(world["volunteer"], first.id)
    claims.withdraw(world["volunteer"], claimed.id, "Terminänderung")
    assert claims.claim(world["volunteer"], second.id).status == AssignmentStatus.ACTIVE


# --- withdraw and release -----------------------------------------------------------------------


def test_withdrawing_reopens_a_filled_need_and_mails_both_sides(world):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"], capacity=1)
    db.session.commit()
    claimed = claims.claim(world["volunteer"], need.id)
    claims.withdraw(world["volunteer"], claimed.id, "Ich bin krank geworden.")
    db.session.refresh(need)
    db.session.refresh(claimed)
    assert (need.taken, need.status) == (0, NeedStatus.OPEN)
    assert claimed.status == AssignmentStatus.WITHDRAWN
    assert claimed.reason == "Ich bin krank geworden."
    assert claimed.ended_at is not None
    [manager_mail] = outbox("board_withdrawn_manager")
    assert manager_mail.recipient == "keller@example.org"
    assert "Ich bin krank geworden." in manager_mail.body_text
    [volunteer_mail] = outbox("board_withdrawn_volunteer")
    assert volunteer_mail.recipient == "lena@example.org"


def test_withdrawing_needs_a_reason_and_an_active_claim(world):
    need = fb.once_need(world["gaggenau"])
    db.session.commit()
    claimed = claims.claim(world["volunteer"], need.id)
    with pytest.raises(ValidationFailed) as exc:
        claims.withdraw(world["volunteer"], claimed.id, "   ")
    assert exc.value.field == "reason"
    claims.withdraw(world["volunteer"], claimed.id, "Verhindert")
    with pytest.raises(InvalidTransition):
        claims.withdraw(world["volunteer"], claimed.id, "Verhindert")
    assert db.session.scalar(select(Need.taken).where(Need.id == need.id)) == 0


def test_nobody_withdraws_someone_elses_claim(world):
    need = fb.once_need(world["gaggenau"])
    db.session.commit()
    claimed = claims.claim(world["volunteer"], need.id)
    other, _ = volunteer_in(world["gaggenau"], "peter@example.org")
    db.session.commit()
    with pytest.raises(NotFound):
        claims.withdraw(other, claimed.id, "Ich will")


def test_a_manager_releases_with_a_reason_and_both_sides_are_mailed(world):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"], capacity=1)
    db.session.commit()
    claimed = claims.claim(world["volunteer"], need.id)
    with pytest.raises(ValidationFailed):
        claims.release(world["manager"], claimed.id, "")
    claims.release(world["manager"], claimed.id, "Die Familie ist umgezogen.")
    db.session.refresh(need)
    db.session.refresh(claimed)
    assert claimed.status == AssignmentStatus.RELEASED
    assert (need.taken, need.status) == (0, NeedStatus.OPEN)
    [to_volunteer] = outbox("board_released_volunteer")
    assert to_volunteer.recipient == "lena@example.org"
    assert "Die Familie ist umgezogen." in to_volunteer.body_text
    [to_manager] = outbox("board_released_manager")
    assert to_manager.recipient == "keller@example.org"


def test_a_manager_of_another_municipality_cannot_release(world):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"])
    db.session.commit()
    claimed = claims.claim(world["volunteer"], need.id)
    with pytest.raises(NotFound):
        claims.release(world["other_manager"], claimed.id, "Nicht meine Sache")
    db.session.refresh(claimed)
    assert claimed.status == AssignmentStatus.ACTIVE


def test_managers_of_the_municipality_are_mailed_when_the_creator_is_gone(world):
    need = fb.once_need(world["gaggenau"], created_by=None)
    db.session.commit()
    claims.claim(world["volunteer"], need.id)
    assert [m.recipient for m in outbox("board_claimed_manager")] == ["keller@example.org"]


# --- reports ------------------------------------------------------------------------------------


def _claimed(world, **kw):
    need = fb.once_need(world["gaggenau"], created_by=world["manager"], **kw)
    claim = fb.assignment(need, world["profile"])
    db.session.commit()
    return need, claim


def test_a_report_is_filed(world):
    _need, claim = _claimed(world)
    report = reports.file_report(
        world["volunteer"],
        claim.id,
        activity_on=today_local(),
        minutes=90,
        outcome="Termin bei der Ausländerbehörde wahrgenommen.",
        follow_up_needed=True,
    )
    assert (report.minutes, report.follow_up_needed, report.concern_raised) == (90, True, False)
    assert outbox("board_concern") == []


def test_the_first_report_marks_the_claim_reported_and_leaves_the_reports_due(world, count_queries):
    profile = world["profile"]
    _need, claim = _claimed(world, starts_at=fb.local(today_local() - timedelta(days=1), 10))
    due, counted = own_tasks.reports_due(profile, 5, 10)
    assert ([item.id for item in due], counted) == ([claim.id], 1)
    first = reports.file_report(
        world["volunteer"], claim.id, activity_on=today_local(), minutes=90, outcome="Erledigt."
    )
    with count_queries() as second:
        reports.file_report(
            world["volunteer"], claim.id, activity_on=today_local(), minutes=30, outcome="Nachtrag."
        )
    # the claim read by the service shows its first report: no second mark is sent
    assert not [sql for sql in second.statements if sql.startswith("UPDATE assignment")]
    db.session.expire_all()
    stored = db.session.get(Assignment, claim.id)
    assert stored.reported_at == first.created_at
    assert {report.volunteer_id for report in stored.reports} == {profile.id}
    assert own_tasks.reports_due(profile, 5, 10) == ([], 0)
    assert own_tasks.minutes_this_year(profile) == 120
    assert queries.hours(profile).this_year == 120


def test_a_report_written_without_the_claim_loaded_finds_its_volunteer(world):
    _need, claim = _claimed(world)
    db.session.expire_all()
    report = Report(assignment_id=claim.id, activity_on=today_local(), minutes=15, outcome="Kurz.")
    db.session.add(report)
    db.session.commit()
    stored = db.session.get(Assignment, claim.id)
    assert report.volunteer_id == stored.volunteer_id
    assert report.municipality_id == world["gaggenau"].id
    assert stored.reported_at == report.created_at


def test_a_concern_mails_the_manager_at_once(world):
    _need, claim = _claimed(world)
    report = reports.file_report(
        world["volunteer"],
        claim.id,
        activity_on=today_local(),
        minutes=60,
        outcome="Gespräch geführt.",
        concern="Das Kind wirkte verängstigt und hatte blaue Flecken.",
    )
    assert report.concern_raised is True
    [mail] = outbox("board_concern")
    assert mail.recipient == "keller@example.org"
    assert "blaue Flecken" in mail.body_text


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("activity_on", {"activity_on": None}),
        ("activity_on", {"activity_on": "tomorrow"}),
        ("activity_on", {"activity_on": "before-claim"}),
        ("minutes", {"minutes": 0}),
        ("minutes", {"minutes": 1441}),
        ("outcome", {"outcome": "  "}),
    ],
)
def test_bad_reports_are_refused_at_the_field(world, field, values):
    _need, claim = _claimed(world)
    args = {"activity_on": today_local(), "minutes": 60, "outcome": "Gut."}
    args.update(values)
    if args["activity_on"] == "tomorrow":
        args["activity_on"] = today_local() + timedelta(days=1)
    if args["activity_on"] == "before-claim":
        args["activity_on"] = today_local() - timedelta(days=365)
    with pytest.raises(ValidationFailed) as exc:
        reports.file_report(world["volunteer"], claim.id, **args)
    assert exc.value.field == field


def test_only_the_volunteer_reports_on_their_claim(world):
    _need, claim = _claimed(world)
    other, _ = volunteer_in(world["gaggenau"], "peter@example.org")
    db.session.commit()
    with pytest.raises(NotFound):
        reports.file_report(other, claim.id, activity_on=today_local(), minutes=5, outcome="x")


def test_a_manager_acknowledges_a_report_once(world):
    _need, claim = _claimed(world)
    report = fb.report(claim, today_local(), 45)
    db.session.commit()
    with pytest.raises(NotFound):
        reports.acknowledge_report(world["other_manager"], report.id)
    done = reports.acknowledge_report(world["manager"], report.id)
    assert done.acknowledged_by_id == world["manager"].id
    assert done.acknowledged_at is not None
    with pytest.raises(InvalidTransition):
        reports.acknowledge_report(world["manager"], report.id)


def test_completing_the_need_completes_the_active_claims(world):
    need, claim = _claimed(world, capacity=2)
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.complete_need(world["other_manager"], need)
    services.complete_need(world["manager"], need)
    db.session.refresh(need)
    db.session.refresh(claim)
    assert need.status == NeedStatus.COMPLETED
    assert claim.status == AssignmentStatus.COMPLETED
