"""Integration plans: goals, steps, progress, overdue steps, the start page, bounded lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.time import today_local
from portal.extensions import db
from portal.plans.models import Goal, IntegrationPlan, Step, StepStatus
from tests import factories
from tests import factories_plans as fp


@pytest.fixture
def world(app):
    places = factories.reference_data()
    keller = factories.manager(office_=places["Gaggenau"].office, email="keller@example.org")
    person = fp.client(places["Gaggenau"], manager_=keller)
    db.session.commit()
    return {"places": places, "keller": keller, "client": person}


def test_goals_and_steps_are_created_and_edited(world, client, auth):
    person = world["client"]
    auth.login("keller@example.org")
    response = client.post(
        f"/plans/clients/{person.id}/goals/new",
        data={"area": "work", "text": "Ausbildung als Pflegehelferin", "status": "open"},
    )
    assert response.status_code == 302
    goal = db.session.scalars(select(Goal)).one()
    due = today_local() + timedelta(days=10)
    response = client.post(
        f"/plans/goals/{goal.id}/steps/new",
        data={
            "text": "Termin bei der Agentur für Arbeit",
            "due_on": due.isoformat(),
            "status": "open",
            "actor": "partner",
            "partner": "employment_agency",
        },
    )
    assert response.status_code == 302
    step = db.session.scalars(select(Step)).one()
    assert (step.goal_id, step.due_on, step.actor, step.partner) == (
        goal.id,
        due,
        "partner",
        "employment_agency",
    )
    response = client.post(
        f"/plans/steps/{step.id}/edit",
        data={"text": step.text, "due_on": due.isoformat(), "status": "done", "actor": "client"},
    )
    assert response.status_code == 302
    db.session.refresh(step)
    assert (step.status, step.actor, step.partner) == ("done", "client", "")
    response = client.post(
        f"/plans/goals/{goal.id}/edit",
        data={"area": "work", "text": goal.text, "status": "achieved"},
    )
    assert response.status_code == 302
    db.session.refresh(goal)
    assert goal.status == "achieved"


def test_step_and_plan_validation_at_the_field(world, client, auth):
    person = world["client"]
    goal = fp.goal(person)
    db.session.commit()
    auth.login("keller@example.org")
    yesterday = (today_local() - timedelta(days=1)).isoformat()
    response = client.post(
        f"/plans/goals/{goal.id}/steps/new",
        data={"text": "Zu spät", "due_on": yesterday, "status": "open", "actor": "client"},
    )
    assert response.status_code == 400
    assert 'id="due_on-error"' in response.get_data(as_text=True)
    response = client.post(
        f"/plans/goals/{goal.id}/steps/new",
        data={"text": "Partner fehlt", "status": "open", "actor": "partner", "partner": ""},
    )
    assert response.status_code == 400
    assert 'id="partner-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Step)) == 0
    response = client.post(
        f"/plans/clients/{person.id}/plan/edit",
        data={
            "agreed_on": today_local().isoformat(),
            "next_review_on": yesterday,
        },
    )
    assert response.status_code == 400
    assert 'id="next_review_on-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(IntegrationPlan, person.plan.id).next_review_on is None


def test_plan_page_shows_progress_per_goal_and_overdue_steps(world, client, auth):
    person = world["client"]
    goal = fp.goal(person, text="Deutsch B1")
    today = today_local()
    fp.step(goal, text="Kurs anmelden", status=StepStatus.DONE)
    fp.step(goal, text="Prüfung ablegen-überfällig", due_on=today - timedelta(days=3))
    fp.step(goal, text="Verworfen", status=StepStatus.DROPPED)
    db.session.commit()
    auth.login("keller@example.org")
    html = client.get(f"/plans/clients/{person.id}/plan").get_data(as_text=True)
    assert "1 von 2 Schritten erledigt" in html
    assert 'value="1"' in html and 'max="2"' in html
    assert "Überfällige Schritte" in html
    assert "Prüfung ablegen-überfällig" in html
    assert "Bedarf veröffentlichen" in html


def test_start_page_lists_reviews_due_and_overdue_steps(world, client, auth):
    places = world["places"]
    today = today_local()
    person = world["client"]
    person.plan.next_review_on = today + timedelta(days=3)
    fp.step(fp.goal(person), text="Überfällig-Gaggenau", due_on=today - timedelta(days=1))
    later = fp.client(places["Gaggenau"], name="Später")
    later.plan.next_review_on = today + timedelta(days=90)
    other = fp.client(places["Bühl"], name="Bühl")
    other.plan.next_review_on = today
    fp.step(fp.goal(other), text="Überfällig-Bühl", due_on=today - timedelta(days=1))
    db.session.commit()
    auth.login("keller@example.org")
    html = client.get("/plans/").get_data(as_text=True)
    assert person.reference in html
    assert later.reference not in html
    assert other.reference not in html
    assert "Überfällig-Gaggenau" in html
    assert "Überfällig-Bühl" not in html
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert person.reference in dashboard
    assert "Überfällige Schritte" in dashboard


def test_clients_list_issues_the_same_number_of_queries_for_5_and_50(
    world, client, auth, count_queries
):
    auth.login("keller@example.org")
    gaggenau = world["places"]["Gaggenau"]

    def add(n: int) -> None:
        for i in range(n):
            fp.client(gaggenau, name=f"Haushalt {i}", manager_=world["keller"])
        db.session.commit()

    add(4)
    with count_queries() as few:
        assert client.get("/plans/clients").status_code == 200
    add(45)
    with count_queries() as many:
        assert client.get("/plans/clients").status_code == 200
    assert few.count == many.count
    assert many.count <= 8


def test_start_page_issues_the_same_number_of_queries_for_5_and_50(
    world, client, auth, count_queries
):
    auth.login("keller@example.org")
    gaggenau = world["places"]["Gaggenau"]
    today = today_local()

    def add(n: int) -> None:
        for i in range(n):
            person = fp.client(gaggenau, name=f"Haushalt {i}")
            person.plan.next_review_on = today
            fp.step(fp.goal(person), due_on=today - timedelta(days=2))
        db.session.commit()

    add(5)
    with count_queries() as few:
        assert client.get("/plans/").status_code == 200
    add(45)
    with count_queries() as many:
        assert client.get("/plans/").status_code == 200
    assert few.count == many.count
