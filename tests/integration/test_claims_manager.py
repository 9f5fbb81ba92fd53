"""The manager's side of the claim loop: claims and reports on the need page, release with a
reason, acknowledge, complete, the reports list; and who may do it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.time import today_local
from portal.extensions import db
from portal.needs import services, validation
from portal.needs.models import AssignmentStatus, NeedStatus
from portal.needs.report_models import Report
from portal.notifications.models import OutboundEmail
from tests import factories
from tests import factories_board as fb


@pytest.fixture
def world(app):
    data = fb.county()
    need = fb.once_need(
        data["gaggenau"], title="Begleitung Kinderarzt", created_by=data["manager"], capacity=2
    )
    claim = fb.assignment(need, data["profile"])
    report = fb.report(
        claim,
        today_local() - timedelta(days=1),
        60,
        outcome="Termin wahrgenommen.",
        concern="Das Kind hat seit Tagen Fieber, die Eltern haben keine Krankenversicherungskarte.",
        concern_raised=True,
    )
    plain = fb.report(claim, today_local(), 30, outcome="Rezept abgeholt.")
    db.session.commit()
    data.update(need=need, claim=claim, report=report, plain=plain)
    return data


def test_the_managers_need_page_shows_claims_and_highlights_concerns(world, client, auth):
    auth.login("keller@example.org")
    response = client.get(f"/needs/{world['need'].id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Übernahmen und Berichte" in html
    assert "Lena Schmitt" in html
    assert "Dringendes Anliegen" in html
    assert "keine Krankenversicherungskarte" in html
    assert 'class="report report-concern"' in html
    assert html.count("Bericht bestätigen") == 2
    assert "Übernahme beenden" in html


def test_the_reports_list_puts_concerns_first(world, client, auth):
    auth.login("keller@example.org")
    html = client.get("/needs/reports").get_data(as_text=True)
    # the concern was filed before the plain report, yet it comes first
    assert html.index(f"#report-{world['report'].id}") < html.index(f"#report-{world['plain'].id}")
    assert html.count('class="report-concern"') == 1


def test_a_manager_acknowledges_a_report(world, client, auth):
    auth.login("keller@example.org")
    response = client.post(
        f"/needs/reports/{world['report'].id}/acknowledge",
        data={"next": f"/needs/{world['need'].id}"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/needs/{world['need'].id}")
    report = db.session.get(Report, world["report"].id)
    db.session.refresh(report)
    assert report.acknowledged_by_id == world["manager"].id
    html = client.get(f"/needs/{world['need'].id}").get_data(as_text=True)
    assert html.count("Bericht bestätigen") == 1
    assert "Bestätigt am" in html


def test_release_needs_a_reason_and_mails_both_sides(world, client, auth):
    auth.login("keller@example.org")
    claim_id = world["claim"].id
    empty = client.post(f"/needs/assignments/{claim_id}/release", data={"reason": ""})
    assert empty.status_code == 400
    assert "Bitte geben Sie einen Grund an." in empty.get_data(as_text=True)

    done = client.post(
        f"/needs/assignments/{claim_id}/release",
        data={"reason": "Die Familie wird jetzt vom Jugendamt begleitet."},
    )
    assert done.status_code == 302
    db.session.refresh(world["claim"])
    db.session.refresh(world["need"])
    assert world["claim"].status == AssignmentStatus.RELEASED
    assert world["need"].taken == 0
    templates = {(m.template, m.recipient) for m in db.session.scalars(select(OutboundEmail))}
    assert ("board_released_volunteer", "lena@example.org") in templates
    assert ("board_released_manager", "keller@example.org") in templates


def test_completing_the_need_ends_the_loop(world, client, auth):
    auth.login("keller@example.org")
    response = client.post(f"/needs/{world['need'].id}/complete")
    assert response.status_code == 302
    db.session.refresh(world["need"])
    db.session.refresh(world["claim"])
    assert world["need"].status == NeedStatus.COMPLETED
    assert world["claim"].status == AssignmentStatus.COMPLETED


def test_a_manager_of_another_municipality_reaches_nothing(world, client, auth):
    auth.login("hofmann@example.org")
    need, claim, report = world["need"], world["claim"], world["report"]
    assert client.get(f"/needs/{need.id}").status_code == 404
    assert (
        client.post(
            f"/needs/assignments/{claim.id}/release", data={"reason": "Weil ich kann"}
        ).status_code
        == 404
    )
    assert client.post(f"/needs/reports/{report.id}/acknowledge").status_code == 404
    assert client.post(f"/needs/{need.id}/complete").status_code == 404
    assert "Begleitung Kinderarzt" not in client.get("/needs/reports").get_data(as_text=True)
    db.session.refresh(claim)
    assert claim.status == AssignmentStatus.ACTIVE


@pytest.mark.parametrize("who", ["volunteer", "coordinator"])
def test_volunteers_and_coordinators_cannot_use_manager_routes(world, client, auth, who):
    if who == "coordinator":
        factories.coordinator(world["gaggenau"], email="rathaus@example.org")
        db.session.commit()
        auth.login("rathaus@example.org")
    else:
        auth.login("lena@example.org")
    need, claim, report = world["need"], world["claim"], world["report"]
    assert client.get(f"/needs/{need.id}").status_code == 403
    assert client.get("/needs/reports").status_code == 403
    assert (
        client.post(f"/needs/assignments/{claim.id}/release", data={"reason": "x"}).status_code
        == 403
    )
    assert client.post(f"/needs/reports/{report.id}/acknowledge").status_code == 403
    assert client.post(f"/needs/{need.id}/complete").status_code == 403


def test_an_admin_may_act_everywhere(world, client, auth):
    factories.admin(email="admin@example.org")
    db.session.commit()
    auth.login("admin@example.org")
    assert client.get(f"/needs/{world['need'].id}").status_code == 200
    response = client.post(f"/needs/reports/{world['plain'].id}/acknowledge")
    assert response.status_code == 302


def test_the_managers_need_page_issues_a_bounded_number_of_queries(
    world, client, auth, count_queries
):
    auth.login("keller@example.org")
    path = f"/needs/{world['need'].id}"
    client.get(path)
    db.session.commit()
    with count_queries() as few:
        client.get(path)
    for i in range(8):
        volunteer = factories.volunteer(world["gaggenau"], email=f"v{i}@example.org")
        claim = fb.assignment(world["need"], fb.profile_of(volunteer), status="withdrawn")
        fb.report(claim, today_local(), 20)
    db.session.commit()
    with count_queries() as many:
        client.get(path)
    assert few.count == many.count


def test_a_report_belongs_to_its_needs_municipality_and_moves_with_the_need(world, client, auth):
    """The reports list is scoped by the report's own municipality: set when the report is
    written, and carried along when a need without active claims moves elsewhere."""
    need, claim = world["need"], world["claim"]
    assert {world["report"].municipality_id, world["plain"].municipality_id} == {
        world["gaggenau"].id
    }
    claim.status = AssignmentStatus.WITHDRAWN
    need.taken = 0
    admin = factories.admin(email="admin@example.org")
    db.session.commit()
    data = validation.NeedInput.from_need(need)
    data.municipality_id = world["buehl"].id
    services.update_need(admin, need, data)
    moved = db.session.scalars(
        select(Report.municipality_id).where(Report.assignment_id == claim.id)
    )
    assert set(moved) == {world["buehl"].id}
    auth.login("keller@example.org")
    assert "Termin wahrgenommen." not in client.get("/needs/reports").get_data(as_text=True)
    auth.logout()
    auth.login("hofmann@example.org")
    html = client.get("/needs/reports").get_data(as_text=True)
    assert f"#report-{world['report'].id}" in html and f"#report-{world['plain'].id}" in html
