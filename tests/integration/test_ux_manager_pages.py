"""The managers' pages after the walk of the core loop: one completion with the plan step ticked,
a goal whose steps are all done offered as achieved, reports readable before they are
acknowledged, a warning before completing ahead of the appointment, two buttons on the need
form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.needs.models import Need, NeedStatus
from portal.plans.models import GoalStatus, StepStatus
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp


@pytest.fixture
def world(app):
    places = factories.reference_data()
    gaggenau = places["Gaggenau"]
    keller = factories.manager(office_=gaggenau.office, email="keller@example.org")
    person = fp.client(gaggenau, manager_=keller)
    goal = fp.goal(person)
    step = fp.step(goal)
    need = fp.need(gaggenau, title="Begleitung zum Jobcenter", source_step=step)
    volunteer = factories.volunteer(gaggenau, email="lena@example.org", name="Lena Schmitt")
    db.session.commit()
    return {"gaggenau": gaggenau, "goal": goal, "step": step, "need": need, "volunteer": volunteer}


def claim(world) -> None:
    """An active claim of the world's volunteer (the need loaded first: no autoflush midway)."""
    need = world["need"]
    db.session.refresh(need)
    fb.assignment(need, fb.profile_of(world["volunteer"]))
    db.session.commit()


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_completion_ticks_the_plan_step_by_default(world, client, auth):
    auth.login("keller@example.org")
    html = page_of(client, f"/needs/{world['need'].id}")
    box = re.search(r'<input[^>]*name="mark_step_done"[^>]*>', html)
    assert box is not None and "checked" in box.group(0)


def test_a_goal_whose_steps_are_all_done_is_offered_as_achieved(world, client, auth):
    need, goal = world["need"], world["goal"]
    auth.login("keller@example.org")
    assert "Ziel als erreicht markieren" not in page_of(client, f"/needs/{need.id}")
    # Completing with the box ticked marks the step done, the need's page offers the goal.
    client.post(f"/needs/{need.id}/complete", data={"mark_step_done": "y"})
    db.session.refresh(world["step"])
    assert world["step"].status == StepStatus.DONE
    html = page_of(client, f"/needs/{need.id}")
    assert "Alle Schritte dieses Ziels sind erledigt." in html
    assert f'action="/plans/goals/{goal.id}/achieve"' in html
    plan_url = f"/plans/clients/{goal.plan.client_id}/plan"
    assert f'action="/plans/goals/{goal.id}/achieve"' in page_of(client, plan_url)

    response = client.post(f"/plans/goals/{goal.id}/achieve", data={"next": f"/needs/{need.id}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/needs/{need.id}"
    db.session.refresh(goal)
    assert goal.status == GoalStatus.ACHIEVED
    assert "Ziel als erreicht markieren" not in page_of(client, plan_url)


def test_a_goal_with_open_steps_cannot_be_marked_achieved(world, client, auth):
    goal = world["goal"]
    auth.login("keller@example.org")
    assert "Ziel als erreicht markieren" not in page_of(
        client, f"/plans/clients/{goal.plan.client_id}/plan"
    )
    response = client.post(f"/plans/goals/{goal.id}/achieve", follow_redirects=True)
    assert "erst als erreicht gelten" in response.get_data(as_text=True)
    db.session.refresh(goal)
    assert goal.status != GoalStatus.ACHIEVED


def test_the_reports_list_shows_what_the_volunteer_wrote_before_the_button(world, client, auth):
    db.session.refresh(world["need"])
    assignment = fb.assignment(world["need"], fb.profile_of(world["volunteer"]))
    fb.report(
        assignment,
        today_local() - timedelta(days=1),
        90,
        outcome="Formular für das Jobcenter gemeinsam ausgefüllt.",
        concern_raised=True,
        concern="Die Familie hat keinen Strom mehr.",
    )
    db.session.commit()
    auth.login("keller@example.org")
    html = page_of(client, "/needs/reports")
    text = html.index("Formular für das Jobcenter gemeinsam ausgefüllt.")
    assert text < html.index("Bericht bestätigen")
    assert html.index("Die Familie hat keinen Strom mehr.") < html.index("Bericht bestätigen")


def test_completing_before_the_appointment_warns_and_says_what_happens(world, client, auth):
    need = world["need"]  # a week ahead
    claim(world)
    auth.login("keller@example.org")
    html = page_of(client, f"/needs/{need.id}")
    assert 'id="complete-early"' in html
    assert "Der Termin liegt noch vor Ihnen" in html
    assert "enden die Übernahmen von 1 Ehrenamtlichen als abgeschlossen" in html
    assert "aus ihrer Aufgabenliste und ihrem Kalender" in html
    assert "Trotzdem abschließen" in html


def test_completing_after_the_appointment_needs_no_warning(world, client, auth):
    need = world["need"]
    start = utcnow() - timedelta(days=2)
    need.starts_at, need.ends_at = start, start + timedelta(hours=1)
    db.session.commit()
    auth.login("keller@example.org")
    html = page_of(client, f"/needs/{need.id}")
    assert 'id="complete-early"' not in html
    assert ">Abschließen</button>" in html


def need_form(world, status: str | None) -> dict[str, str]:
    day = (today_local() + timedelta(days=5)).isoformat()
    data = {
        "category": "tutoring",
        "title": "Mathe mit Amir",
        "public_description": "Bruchrechnen üben.",
        "municipality_id": str(world["gaggenau"].id),
        "languages": "de",
        "schedule_kind": "once",
        "starts_at": f"{day}T15:00",
        "ends_at": f"{day}T16:00",
        "capacity": "1",
    }
    if status:
        data["status"] = status
    return data


def test_the_need_form_has_two_buttons_draft_and_publish(world, client, auth):
    auth.login("keller@example.org")
    html = page_of(client, "/needs/new")
    buttons = re.findall(r'<button type="submit" name="status" value="(\w+)"[^>]*>([^<]+)<', html)
    assert buttons == [("draft", "Als Entwurf speichern"), ("open", "Veröffentlichen")]
    assert 'type="radio" name="status"' not in html

    client.post("/needs/new", data=need_form(world, "draft"))
    client.post("/needs/new", data={**need_form(world, "open"), "title": "Mathe mit Sara"})
    statuses = dict(db.session.execute(select(Need.title, Need.status)).tuples().all())
    assert statuses["Mathe mit Amir"] == NeedStatus.DRAFT
    assert statuses["Mathe mit Sara"] == NeedStatus.OPEN


def test_a_need_with_claims_offers_no_way_back_to_draft(world, client, auth):
    need = world["need"]
    claim(world)
    auth.login("keller@example.org")
    html = page_of(client, f"/needs/{need.id}/edit")
    assert 'value="draft"' not in html
    assert "Änderungen veröffentlichen" in html
