"""`flask seed-scale`: the bulk-loaded data set (COPY on PostgreSQL, batched inserts on SQLite)
at tiny sizes — row counts, referential integrity, the invariants the app relies on, and the
refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import and_, func, select

from portal.auth.models import Membership, Role, User
from portal.extensions import db
from portal.municipalities.models import Municipality, Office
from portal.needs.models import (
    Assignment,
    AssignmentStatus,
    Need,
    NeedStatus,
    _derive_local_schedule,
)
from portal.needs.report_models import Report
from portal.plans.models import Client, Goal, IntegrationPlan, Step
from portal.scale_seed import SCALE_PASSWORD, SQLITE_MAX_ROWS, SeedRefused, Sizes, seed_scale
from portal.volunteers.models import VolunteerProfile, volunteer_municipality
from tests import factories
from tests.factories_board import once_need

SIZES = Sizes(municipalities=60, volunteers=120, needs=400, reports=900)


def count(model, *where) -> int:
    stmt = select(func.count()).select_from(model)
    for cond in where:
        stmt = stmt.where(cond)
    return db.session.scalar(stmt) or 0


def dangling_references() -> dict[str, int]:
    """Rows whose foreign key points at no row (for every foreign key of every table)."""
    found = {}
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            target = fk.column
            missing = (
                select(func.count())
                .select_from(table)
                .where(
                    fk.parent.is_not(None),
                    ~select(target).where(target == fk.parent).exists(),
                )
            )
            n = db.session.scalar(missing) or 0
            if n:
                found[f"{table.name}.{fk.parent.name}"] = n
    return found


def seed(**kwargs):
    summary = seed_scale(SIZES, **kwargs)
    db.session.expire_all()
    return summary


def test_seed_scale_writes_the_sizes_asked_for_with_consistent_references(app):
    summary = seed()
    assert count(Municipality) == 60 and count(Office) == 2  # about 25 municipalities per county
    assert count(VolunteerProfile) == 120 + 3
    assert count(Need) == 400 and count(Report) == 900
    # staff: an admin, a coordinator per county, a manager per municipality (+ county manager)
    assert count(Membership, Membership.role == Role.MANAGER) == 60 + 1
    assert count(Membership, Membership.role == Role.COORDINATOR) == 2
    assert count(User) == count(Membership) == 1 + 2 + 61 + 123
    assert count(Client) == count(IntegrationPlan) == 60  # at least one per municipality
    assert count(Goal) == 120 and count(Step) == 240
    assert dangling_references() == {}
    assert summary["rows"]["report"] == 900  # type: ignore[index]
    # history: every status, reports with hours
    statuses = set(db.session.scalars(select(Need.status).distinct()))
    assert {NeedStatus.OPEN, NeedStatus.COMPLETED, NeedStatus.CANCELLED} <= statuses
    assert db.session.scalar(select(func.min(Report.minutes))) >= 30


def taken_not_matching_active_claims() -> int:
    """Needs whose taken places differ from their active claims."""
    active = (
        select(func.count())
        .where(Assignment.need_id == Need.id, Assignment.status == AssignmentStatus.ACTIVE)
        .scalar_subquery()
    )
    return count(Need, Need.taken != active)


def test_taken_places_match_the_active_claims(app):
    seed()
    assert taken_not_matching_active_claims() == 0
    assert count(Need, Need.status == NeedStatus.FILLED, Need.taken != Need.capacity) == 0
    completed = select(Assignment.id).where(Assignment.status == AssignmentStatus.COMPLETED)
    assert count(Report, Report.assignment_id.not_in(completed)) == 0


def test_reports_carry_their_volunteer_and_mark_their_claims_reported(app):
    seed()
    own = select(Assignment.volunteer_id).where(Assignment.id == Report.assignment_id)
    assert count(Report, Report.volunteer_id != own.scalar_subquery()) == 0
    first = (
        select(func.min(Report.created_at))
        .where(Report.assignment_id == Assignment.id)
        .scalar_subquery()
    )
    reported = count(Assignment, Assignment.reported_at.is_not(None))
    assert reported == count(Assignment, Assignment.reported_at == first) > 0
    assert count(Assignment, Assignment.reported_at.is_(None), first.is_not(None)) == 0


def test_no_volunteer_holds_more_claims_than_the_portal_lets_one_hold(app):
    """Seeded with a limit of 2 tasks at once, the claims spread further: no one holds more,
    and the taken places still match the claims."""
    app.config["ACTIVE_CLAIMS_LIMIT"] = 2
    seed()
    held = (
        select(func.count().label("held"))
        .where(Assignment.status == AssignmentStatus.ACTIVE)
        .group_by(Assignment.volunteer_id)
        .subquery()
    )
    assert db.session.scalar(select(func.max(held.c.held))) == 2
    assert taken_not_matching_active_claims() == 0


def test_volunteer_scopes_reach_from_one_municipality_to_the_whole_county(app):
    seed()
    per_volunteer = (
        select(func.count())
        .select_from(volunteer_municipality)
        .group_by(volunteer_municipality.c.volunteer_id)
        .subquery()
    )
    sizes = set(db.session.scalars(select(per_volunteer.c[0]).distinct()))
    assert {1, 30, 60} <= sizes  # home only, a whole county, everywhere
    home_in_scope = and_(
        volunteer_municipality.c.volunteer_id == VolunteerProfile.id,
        volunteer_municipality.c.municipality_id == VolunteerProfile.home_municipality_id,
    )
    assert (
        count(VolunteerProfile, ~select(volunteer_municipality).where(home_in_scope).exists()) == 0
    )


def test_the_well_known_accounts_can_log_in_and_see_the_board(app, client):
    summary = seed(password="Ein-Skala-Passwort-1")
    accounts = summary["accounts"]
    assert set(accounts) == {"admin", "coordinator", "manager", "county", "all", "volunteer"}
    response = client.post(
        "/login", data={"email": accounts["all"], "password": "Ein-Skala-Passwort-1"}
    )
    assert response.status_code == 302
    board = client.get("/board/")
    assert board.status_code == 200 and "Bedarf " in board.get_data(as_text=True)
    assert client.get("/board/my-tasks").status_code == 200


def test_ids_continue_after_the_bulk_load(app):
    seed()
    need = once_need(db.session.get(Municipality, 1))
    db.session.commit()
    assert need.id == 401


def test_a_non_empty_database_is_refused_unless_forced_or_appended(app):
    factories.admin(email="admin@example.org")
    db.session.commit()
    with pytest.raises(SeedRefused, match="--force"):
        seed()
    assert count(Need) == 0 and count(User) == 1  # nothing written
    seed(force=True)
    assert count(User, User.email == "admin@example.org") == 0
    assert count(Need) == 400
    summary = seed(append=True)
    assert count(Need) == 800 and count(Municipality) == 120
    assert summary["accounts"]["admin"] == "admin+61@scale.example"  # type: ignore[index]
    assert dangling_references() == {}
    with pytest.raises(SeedRefused, match="exclude"):
        seed(force=True, append=True)


def test_sqlite_takes_small_data_sets_only(app):
    if db.engine.dialect.name != "sqlite":
        assert seed_scale(Sizes(1, SQLITE_MAX_ROWS, 1, 0))["rows"]["volunteer_profile"] > 0  # type: ignore[index]
        return
    with pytest.raises(SeedRefused, match="PostgreSQL"):
        seed_scale(Sizes(municipalities=10, volunteers=SQLITE_MAX_ROWS, needs=1, reports=0))


def test_the_command_prints_the_accounts_and_refuses_a_second_run(app):
    runner = app.test_cli_runner()
    args = ["seed-scale", "--municipalities", "3", "--volunteers", "10", "--needs", "20"]
    result = runner.invoke(args=[*args, "--reports", "30"])
    assert result.exit_code == 0, result.output
    assert SCALE_PASSWORD in result.output and "county@scale.example" in result.output
    assert "need 20" in result.output and "report 30" in result.output
    again = runner.invoke(args=[*args, "--reports", "30"])
    assert again.exit_code == 1 and "not empty" in again.output


def test_every_need_has_the_first_day_the_save_hook_would_give_it(app):
    """The board reads needs by their first day: a bulk-loaded need without it never shows."""
    seed()
    needs = db.session.scalars(select(Need)).all()
    loaded = {need.id: need.first_on for need in needs}
    assert None not in loaded.values()
    for need in needs:  # derive it again as the model's save hook does
        _derive_local_schedule(None, None, need)
    assert {need.id: need.first_on for need in needs} == loaded
    db.session.rollback()
