"""Start pages lead to work: each role sees the day's figures, and every figure is a link to
the list it counts, which shows exactly that many rows."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from portal.core.pagination import count_upto, counts_upto
from portal.core.time import today_local, utcnow
from portal.extensions import db
from portal.needs.models import AssignmentStatus, NeedStatus
from portal.volunteers.models import VolunteerProfile
from portal.volunteers.queue import idle_volunteer
from tests import factories
from tests import factories_board as fb
from tests import factories_plans as fp

ROWS = re.compile(r"<tr[ >]")


def _figure(html: str, label: str) -> tuple[str, int]:
    """The link and the number after ``label`` on the start page."""
    match = re.search(re.escape(label) + r'\S*:? <a class="count" href="([^"]+)">(\d+)</a>', html)
    assert match, label
    return match.group(1).replace("&amp;", "&"), int(match.group(2))


def _rows(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return len(ROWS.findall(response.get_data(as_text=True))) - 1  # minus the header row


def test_coordinator_start_page_counts_link_to_their_lists(app, client, auth):
    places = factories.reference_data()
    home, other = places["Gaggenau"], places["Bühl"]
    factories.coordinator(home, email="k@example.org")
    old = factories.volunteer(home, status="pending", name="Alte Bewerbung")
    fb.profile_of(old).submitted_at = utcnow() - timedelta(days=12)
    factories.volunteer(home, status="pending", name="Neue Bewerbung")
    factories.volunteer(other, status="pending")  # not theirs
    idle = fb.profile_of(factories.volunteer(home, name="Ohne Aufgabe"))
    idle.decided_at = utcnow() - timedelta(days=200)
    busy = fb.profile_of(factories.volunteer(home, name="Mit Aufgabe"))
    busy.decided_at = utcnow() - timedelta(days=200)
    fb.assignment(fb.once_need(home), busy, claimed_at=utcnow() - timedelta(days=10))
    fb.certificate(busy, today_local() - timedelta(days=1800), today_local() + timedelta(days=20))
    db.session.commit()

    auth.login("k@example.org")
    html = client.get("/dashboard").get_data(as_text=True)
    assert html.index("Alte Bewerbung") < html.index("Neue Bewerbung")
    assert "wartet seit 12 Tagen" in html
    expected = {
        "Wartende Bewerbungen": 2,
        "Führungszeugnisse, die in 8 Wochen ablaufen": 1,
        "Freigegebene ohne Aufgabe seit drei Monaten": 1,
    }
    for label, count in expected.items():
        url, shown = _figure(html, label)
        assert shown == count, label
        assert _rows(client, url) == count, label
    url, shown = _figure(html, "freigegeben")
    assert shown == 2 and _rows(client, url) == 2
    idle_page = client.get(_figure(html, "Freigegebene ohne Aufgabe seit drei Monaten")[0])
    assert "Ohne Aufgabe" in idle_page.get_data(as_text=True)
    assert "Mit Aufgabe" not in idle_page.get_data(as_text=True)


def test_the_last_claim_on_the_profile_follows_the_claims_and_only_narrows_the_idle_rule(app):
    """`VolunteerProfile.last_claim_at` moves forward with each claim, never back; a volunteer
    whose claim it missed (claims written in bulk) still counts as busy."""
    home = factories.reference_data()["Gaggenau"]
    busy = fb.profile_of(factories.volunteer(home, name="Mit Aufgabe"))
    idle = fb.profile_of(factories.volunteer(home, name="Ohne Aufgabe"))
    for profile in (busy, idle):
        profile.decided_at = utcnow() - timedelta(days=200)
    recent = fb.assignment(fb.once_need(home), busy, claimed_at=utcnow() - timedelta(days=10))
    old = utcnow() - timedelta(days=150)
    fb.assignment(fb.once_need(home), busy, claimed_at=old, status=AssignmentStatus.COMPLETED)
    fb.assignment(fb.once_need(home), idle, claimed_at=old, status=AssignmentStatus.COMPLETED)
    db.session.commit()
    assert busy.last_claim_at == recent.claimed_at
    assert idle.last_claim_at == old

    def idle_names() -> set[str]:
        found = select(VolunteerProfile).where(idle_volunteer(utcnow()))
        return {p.user.display_name for p in db.session.scalars(found)}

    assert idle_names() == {"Ohne Aufgabe"}
    db.session.execute(update(VolunteerProfile).values(last_claim_at=None))
    db.session.commit()
    assert idle_names() == {"Ohne Aufgabe"}


def test_several_bounded_counts_in_one_statement(app, count_queries):
    """`counts_upto` answers as `count_upto` does for each list, in one statement."""
    home = factories.reference_data()["Gaggenau"]
    for i in range(5):
        factories.volunteer(home, status="pending" if i % 2 else "approved")
    db.session.commit()
    lists = [
        select(VolunteerProfile.id).where(VolunteerProfile.status == status)
        for status in ("pending", "approved", "suspended")
    ]
    with count_queries() as counted:
        found = counts_upto(lists, 2)
    assert counted.count == 1
    assert found == [count_upto(stmt, 2) for stmt in lists] == [2, 3, 0]


def test_manager_start_page_counts_link_to_their_lists(app, client, auth):
    data = fb.county()
    home, manager, profile = data["gaggenau"], data["manager"], data["profile"]
    soon = fb.once_need(home, starts_at=fb.local(today_local() + timedelta(days=4), 10))
    fb.once_need(home, starts_at=fb.local(today_local() + timedelta(days=20), 10))  # later
    fb.once_need(data["buehl"], starts_at=fb.local(today_local() + timedelta(days=2), 10))
    claimed = fb.once_need(home, starts_at=fb.local(today_local() + timedelta(days=3), 10))
    fb.assignment(claimed, profile)
    past = fb.once_need(home, starts_at=fb.local(today_local() - timedelta(days=3), 10))
    done = fb.assignment(past, profile, status=AssignmentStatus.COMPLETED)
    fb.report(done, today_local() - timedelta(days=3), 60, concern_raised=True, concern="Sorge")
    fb.report(done, today_local() - timedelta(days=2), 60)
    client_ = fp.client(home, manager_=manager)
    client_.plan.next_review_on = today_local() - timedelta(days=1)
    fp.step(fp.goal(client_), due_on=today_local() - timedelta(days=2))
    db.session.commit()
    assert soon.status == NeedStatus.OPEN

    auth.login("keller@example.org")
    html = client.get("/dashboard").get_data(as_text=True)
    url, shown = _figure(html, "Bedarfe ohne Übernahme in den nächsten 7 Tagen")
    assert shown == 1 and _rows(client, url) == 1
    assert soon.title in client.get(url).get_data(as_text=True)
    url, shown = _figure(html, "Offene dringende Anliegen")
    assert shown == 1 and _rows(client, url) == 1
    url, shown = _figure(html, "Berichte zu bestätigen")
    assert shown == 2 and _rows(client, url) == 2
    assert _figure(html, "Überfällige Schritte")[1] == 1
    assert _figure(html, "Pläne zur Überprüfung")[1] == 1
    assert client.get(_figure(html, "Überfällige Schritte")[0]).status_code == 200


def test_volunteer_start_page_lists_reports_due_and_fitting_needs(app, client, auth):
    data = fb.county()
    home, profile = data["gaggenau"], data["profile"]
    past = fb.once_need(home, starts_at=fb.local(today_local() - timedelta(days=2), 10))
    due = fb.assignment(past, profile)
    reported = fb.once_need(home, starts_at=fb.local(today_local() - timedelta(days=3), 10))
    fb.report(fb.assignment(reported, profile), today_local() - timedelta(days=3), 30)
    titles = [fb.once_need(home, title=f"Passend {i}").title for i in range(5)]
    fb.certificate(profile, today_local() - timedelta(days=1800), today_local() + timedelta(days=9))
    db.session.commit()

    auth.login("lena@example.org")
    html = client.get("/dashboard").get_data(as_text=True)
    assert f"/board/assignments/{due.id}/report" in html
    assert f"/board/assignments/{reported.id}/report" not in html
    assert _figure(html, "Noch zu berichten")[1] == 1
    shown = [t for t in titles if t in html]
    assert len(shown) == 3  # the top three by fit, from the board's own ranking
    url, total = _figure(html, "Neue Aufgaben, die zu Ihnen passen")
    assert total == 5 and "sort=fit" in url
    assert 'id="dash-certificate"' in html
