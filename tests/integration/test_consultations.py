"""Consultation hours on the staff side: the read API of the public pages, keeping hours and
places, cancelling a date (the people concerned are told), booking, walk-in counts, home
visits, the manager's day list and calendar feed."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from icalendar import Calendar
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.consultations import queries
from portal.consultations.models import (
    Appointment,
    ConsultationHours,
    HomeVisit,
    WalkInCount,
)
from portal.core.time import today_local
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from tests import factories
from tests import factories_board as fb
from tests import factories_consultations as fc
from tests import factories_plans as fp

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The first ``weekday`` after ``after`` (today) that is not a public holiday."""
    from portal.consultations.recurrence import is_public_holiday

    day = (after or today_local()) + timedelta(days=1)
    while day.weekday() != weekday or is_public_holiday(day):
        day += timedelta(days=1)
    return day


def csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF.search(html)
    assert match, path
    return match.group(1)


def world():
    w = fb.county()
    w["room"] = fc.place(w["gaggenau"], "Rathaus Gaggenau, Zimmer 12", phone="07225 962-0")
    w["hall"] = fc.place(w["gaggenau"], "Rathaus Gaggenau, Sitzungssaal")
    w["person"] = fp.client(
        w["gaggenau"],
        name="Familie Haidari",
        manager_=w["manager"],
        contact="haidari@example.net, Tel. 0151 2345678",
    )
    return w


# --- the read API ------------------------------------------------------------------------------


def test_upcoming_gives_dated_occurrences_of_one_municipality_in_bounded_queries(
    app, count_queries
):
    w = world()
    start = date(2026, 3, 2)  # a Monday
    mondays = fc.hours(w["room"], w["manager"], 0, date(2026, 1, 5), languages=("de", "ar"))
    fc.hours(
        w["room"], w["manager"], 3, date(2026, 1, 8), recurrence="biweekly",
        booking="appointment", slot_minutes=20, starts=time(14, 0), ends=time(16, 0),
    )  # fmt: skip
    fc.exception(mondays, date(2026, 3, 9), note="Fortbildung")
    fc.exception(mondays, date(2026, 3, 16), kind="moved", place_=w["hall"])
    buehl_room = fc.place(w["buehl"], "Außenstelle Bühl")
    fc.hours(buehl_room, w["other_manager"], 1, date(2026, 1, 6))
    db.session.commit()

    with count_queries() as q:
        found = queries.upcoming(w["gaggenau"].id, start, 21)
    assert q.count <= 4
    assert [(o.on, o.start) for o in found] == [
        (date(2026, 3, 2), time(9, 0)),
        (date(2026, 3, 5), time(14, 0)),  # every other Thursday from 8 January
        (date(2026, 3, 9), time(9, 0)),
        (date(2026, 3, 16), time(9, 0)),
        (date(2026, 3, 19), time(14, 0)),
    ]  # 21 days: up to Sunday, 22 March
    assert found[2].cancelled and found[2].note == "Fortbildung"
    assert found[3].place.name == "Rathaus Gaggenau, Sitzungssaal" and found[3].room_changed
    assert found[0].place.phone == "07225 962-0" and found[0].place.address == "Hauptstraße 1"
    assert found[0].municipality.name == "Gaggenau" and found[0].languages == ("de", "ar")
    assert found[0].walk_in and not found[1].walk_in and found[1].slot_minutes == 20
    # every municipality: Bühl's Tuesdays too; the window is capped
    everywhere = queries.upcoming(None, start, 7)
    assert {o.municipality.name for o in everywhere} == {"Gaggenau", "Bühl"}
    assert queries.upcoming(w["gaggenau"].id, start, 10**9)[-1].on <= start + timedelta(366)


def test_municipalities_with_hours_leave_out_ended_hours(app):
    w = world()
    fc.hours(w["room"], w["manager"], 0, date(2026, 1, 5))
    ended = fc.place(w["buehl"], "Rathaus Bühl")
    fc.hours(ended, w["other_manager"], 0, date(2025, 1, 6), date(2025, 12, 29))
    db.session.commit()
    assert [m.name for m in queries.municipalities_with_hours(date(2026, 3, 1))] == ["Gaggenau"]
    assert [m.name for m in queries.municipalities_with_hours(date(2025, 6, 1))] == [
        "Bühl",
        "Gaggenau",
    ]
    # in German order: Ötigheim between Muggensturm and Ottersweier, not after Z
    for town in ("Ötigheim", "Ottersweier", "Muggensturm"):
        fc.hours(fc.place(factories.reference_data()[town]), w["manager"], 2, date(2026, 1, 7))
    db.session.commit()
    assert [m.name for m in queries.municipalities_with_hours(date(2026, 3, 1))] == [
        "Gaggenau", "Muggensturm", "Ötigheim", "Ottersweier",
    ]  # fmt: skip


# --- keeping places and hours ------------------------------------------------------------------


def test_a_manager_keeps_places_and_hours(app, client, auth):
    w = world()
    db.session.commit()
    auth.login("keller@example.org")
    token = csrf(client, "/consultations/places/new")
    response = client.post(
        "/consultations/places/new",
        data={
            "csrf_token": token,
            "name": "Rathaus Gaggenau, Zimmer 3",
            "kind": "town_hall",
            "municipality_id": w["gaggenau"].id,
            "office_id": "",
            "address": "Hauptstraße 71, 76571 Gaggenau",
            "accessibility": "Aufzug",
            "phone": "",
        },
    )
    assert response.status_code == 302
    place_id = db.session.scalar(select(func.max(db.metadata.tables["consultation_place"].c.id)))
    token = csrf(client, "/consultations/hours/new")
    data = {
        "csrf_token": token,
        "place_id": place_id,
        "recurrence": "biweekly",
        "weekday": "2",
        "starts_at": "09:00",
        "ends_at": "12:00",
        "valid_from": "2026-01-07",
        "valid_until": "",
        "booking": "appointment",
        "slot_hours": "",
        "languages": ["ar", "uk"],
        "note": "",
    }
    refused = client.post("/consultations/hours/new", data=data)
    assert refused.status_code == 400
    assert "Länge eines Termins" in refused.get_data(as_text=True)
    response = client.post("/consultations/hours/new", data={**data, "slot_hours": "0,5"})
    assert response.status_code == 302
    hours = db.session.scalars(select(ConsultationHours)).one()
    assert hours.manager_id == w["manager"].id and hours.languages == ["ar", "uk"]
    assert hours.municipality_id == w["gaggenau"].id and hours.slot_minutes == 30
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "jeden zweiten Mittwoch, 09:00–12:00 Uhr, ab 07.01.2026" in page
    assert client.get("/consultations/").status_code == 200
    # another municipality's manager finds neither the hours nor the place
    auth.logout()
    auth.login("hofmann@example.org")
    assert client.get(f"/consultations/hours/{hours.id}").status_code == 404
    assert client.get(f"/consultations/places/{place_id}/edit").status_code == 404


# --- cancelling a date -------------------------------------------------------------------------


def test_cancelling_a_booked_date_tells_the_client_and_the_volunteer_without_client_data(
    app, client, auth
):
    w = world()
    hours = fc.hours(
        w["room"], w["manager"], 1, date(2026, 1, 6), booking="appointment", slot_minutes=30
    )
    day = next_weekday(1)
    need = fb.once_need(w["gaggenau"], created_by=w["manager"])
    fb.assignment(need, w["profile"])
    fc.appointment(hours, day, time(9, 0), time(9, 30), w["person"], need=need)
    db.session.commit()
    auth.login("keller@example.org")
    token = csrf(client, f"/consultations/hours/{hours.id}")
    response = client.post(
        f"/consultations/hours/{hours.id}/dates",
        data={"csrf_token": token, "action": "cancel", "on_date": day.isoformat(), "note": ""},
    )
    assert response.status_code == 302
    assert db.session.scalars(select(Appointment)).one().status == "cancelled"
    mails = {m.recipient: m for m in db.session.scalars(select(OutboundEmail))}
    assert set(mails) == {"haidari@example.net", "lena@example.org"}
    to_volunteer = mails["lena@example.org"].body_text
    assert "Rathaus Gaggenau, Zimmer 12" in to_volunteer
    assert "Haidari" not in to_volunteer and w["person"].reference not in to_volunteer
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consultation_date.cancelled")
    ).one()
    assert event.details["appointments"] == 1 and event.details["messages"] == 2
    # the public read API shows the date as cancelled
    (occurrence,) = queries.upcoming(w["gaggenau"].id, day, 1)
    assert occurrence.cancelled
    # a date on which the hours are not held is refused next to the field
    refused = client.post(
        f"/consultations/hours/{hours.id}/dates",
        data={
            "csrf_token": token,
            "action": "cancel",
            "on_date": (day + timedelta(days=1)).isoformat(),
        },
    )
    assert refused.status_code == 400
    assert "findet diese Sprechstunde nicht statt" in refused.get_data(as_text=True)


# --- booking -----------------------------------------------------------------------------------


def test_booking_a_slot_and_the_last_slot_twice(app, client, auth):
    w = world()
    hours = fc.hours(
        w["room"], w["manager"], 1, date(2026, 1, 6), booking="appointment", slot_minutes=60,
        starts=time(9, 0), ends=time(11, 0),
    )  # fmt: skip
    other = fp.client(w["gaggenau"], name="Herr Nazari", manager_=w["manager"])
    day = next_weekday(1)
    db.session.commit()
    auth.login("keller@example.org")
    path = f"/consultations/hours/{hours.id}/on/{day.isoformat()}"
    token = csrf(client, path)
    first = client.post(
        path + "/book", data={"csrf_token": token, "slot_start": "09:00", "client_id": other.id}
    )
    assert first.status_code == 302
    twice = client.post(
        path + "/book",
        data={"csrf_token": token, "slot_start": "09:00", "client_id": w["person"].id},
    )
    assert twice.status_code == 409
    assert "schon vergeben" in twice.get_data(as_text=True)
    page = client.get(path).get_data(as_text=True)
    assert "Herr Nazari" in page
    booked = db.session.scalars(select(Appointment)).one()
    assert (booked.client_id, booked.slot_end) == (other.id, time(10, 0))


def test_a_coordinator_books_by_reference_and_sees_no_names(app, client, auth):
    w = world()
    factories.coordinator(w["gaggenau"], email="rathaus@example.org")
    hours = fc.hours(
        w["room"], w["manager"], 1, date(2026, 1, 6), booking="appointment", slot_minutes=30
    )
    day = next_weekday(1)
    reference = w["person"].reference
    db.session.commit()
    auth.login("rathaus@example.org")
    path = f"/consultations/hours/{hours.id}/on/{day.isoformat()}"
    token = csrf(client, path)
    unknown = client.post(
        path + "/book",
        data={"csrf_token": token, "slot_start": "09:30", "reference": "RA-1999-0001"},
    )
    assert unknown.status_code == 400
    response = client.post(
        path + "/book", data={"csrf_token": token, "slot_start": "09:30", "reference": reference}
    )
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert reference in page and "Haidari" not in page
    # the coordinator finds the hours from the coordination overview
    assert 'href="/consultations/"' in client.get("/coordination/").get_data(as_text=True)
    # the coordinator cannot open the manager's pages
    assert client.get("/consultations/day").status_code == 403
    assert client.get(f"/consultations/hours/{hours.id}/edit").status_code == 403


# --- walk-ins and home visits ------------------------------------------------------------------


def test_walk_ins_are_counted_by_topic_without_names(app, client, auth):
    w = world()
    hours = fc.hours(w["room"], w["manager"], today_local().weekday(), date(2025, 1, 1))
    db.session.commit()
    day = today_local()
    from portal.consultations.recurrence import is_public_holiday

    if is_public_holiday(day):
        day = day - timedelta(days=7)
        while is_public_holiday(day):
            day -= timedelta(days=7)
    auth.login("keller@example.org")
    path = f"/consultations/hours/{hours.id}/on/{day.isoformat()}"
    token = csrf(client, path)
    response = client.post(
        path + "/walk-ins",
        data={"csrf_token": token, "work": "3", "housing": "2", "residence": "", "other": "0"},
    )
    assert response.status_code == 302
    rows = {r.topic: r.visitors for r in db.session.scalars(select(WalkInCount))}
    assert rows == {"work": 3, "housing": 2}
    again = client.post(path + "/walk-ins", data={"csrf_token": token, "work": "1"})
    assert again.status_code == 302
    db.session.expire_all()
    rows = {r.topic: r.visitors for r in db.session.scalars(select(WalkInCount))}
    assert rows == {"work": 1, "housing": 0}
    bad = client.post(path + "/walk-ins", data={"csrf_token": token, "work": "-4"})
    assert bad.status_code == 400


def test_a_home_visit_is_recorded_on_the_client_record(app, client, auth):
    w = world()
    db.session.commit()
    auth.login("keller@example.org")
    path = f"/plans/clients/{w['person'].id}/visits/new"
    token = csrf(client, path)
    future = client.post(
        path,
        data={
            "csrf_token": token,
            "visited_on": (today_local() + timedelta(days=2)).isoformat(),
            "place_type": "home",
            "topics": ["housing"],
            "duration": "0,75",
        },
    )
    assert future.status_code == 400
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "visited_on": today_local().isoformat(),
            "place_type": "shared_accommodation",
            "topics": ["housing", "residence"],
            "duration": "1,5",
        },
    )
    assert response.status_code == 302
    visit = db.session.scalars(select(HomeVisit)).one()
    assert visit.topics == ["housing", "residence"] and visit.municipality_id == w["gaggenau"].id
    page = client.get(f"/plans/clients/{w['person'].id}").get_data(as_text=True)
    assert "Gemeinschaftsunterkunft" in page and "1,5 Std." in page
    auth.logout()
    auth.login("hofmann@example.org")
    assert client.get(path).status_code == 404


# --- the day list and the calendar feed --------------------------------------------------------


def test_the_day_list_and_the_calendar_feed(app, client, auth):
    w = world()
    hours = fc.hours(
        w["room"], w["manager"], 1, date(2026, 1, 6), booking="appointment", slot_minutes=30
    )
    day = next_weekday(1)
    fc.appointment(hours, day, time(9, 30), time(10, 0), w["person"])
    db.session.commit()
    auth.login("keller@example.org")
    page = client.get(f"/consultations/day?on={day.isoformat()}").get_data(as_text=True)
    assert "Familie Haidari" in page and "09:30–10:00 Uhr" in page
    assert client.get("/consultations/day?on=20260230").status_code == 404
    token = csrf(client, "/consultations/day")
    assert (
        client.post("/consultations/calendar/renew", data={"csrf_token": token}).status_code == 302
    )
    page = client.get("/consultations/day").get_data(as_text=True)
    feed_path = re.search(r"/consultations/calendar/[\w-]+\.ics", page).group(0)
    auth.logout()
    response = client.get(feed_path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert f"Termin {w['person'].reference}" in summaries
    assert any(s.startswith("Sprechstunde Rathaus Gaggenau") for s in summaries)
    assert b"Haidari" not in response.data and b"0151" not in response.data
    assert client.get("/consultations/calendar/wrong.ics").status_code == 404


# --- bounded queries ---------------------------------------------------------------------------


def _statements(count_queries, client, path: str) -> int:
    with count_queries() as counted:
        response = client.get(path)
    assert response.status_code == 200, path
    return counted.count


def test_the_staff_pages_issue_as_many_statements_for_many_rows_as_for_few(
    app, client, auth, count_queries
):
    w = world()
    day = next_weekday(2)
    appointment_hours = fc.hours(
        w["room"], w["manager"], 2, date(2026, 1, 7), booking="appointment", slot_minutes=15
    )
    clients = [
        fp.client(w["gaggenau"], name=f"Familie {i}", manager_=w["manager"]) for i in range(12)
    ]
    db.session.commit()
    auth.login("keller@example.org")
    slots = [time(9 + i // 4, 15 * (i % 4)) for i in range(12)]

    def add_hours(n: int) -> None:
        for i in range(n):
            fc.hours(fc.place(w["gaggenau"]), w["manager"], i % 5, date(2026, 1, 5),
                     languages=("de", "ar", "uk")[: 1 + i % 3])  # fmt: skip

    def book(first: int, last: int) -> None:
        for i in range(first, last):
            end = (
                time(slots[i].hour, slots[i].minute + 15) if i % 4 != 3 else time(slots[i].hour + 1)
            )
            fc.appointment(appointment_hours, day, slots[i], end, clients[i])

    pages = [
        "/consultations/",
        "/consultations/places",
        f"/consultations/hours/{appointment_hours.id}/on/{day.isoformat()}",
        f"/consultations/day?on={day.isoformat()}",
    ]
    add_hours(3)
    book(0, 3)
    db.session.commit()
    for path in pages:
        client.get(path)  # warm caches
    db.session.commit()
    few = [_statements(count_queries, client, path) for path in pages]
    add_hours(27)
    book(3, 12)
    db.session.commit()
    many = [_statements(count_queries, client, path) for path in pages]
    assert few == many
    assert max(many) <= 16


# --- oversight figures -------------------------------------------------------------------------


def test_walk_ins_and_home_visits_count_per_municipality_and_month(app, client, auth):
    from portal.oversight.consultations import consultation_counts
    from portal.oversight.periods import Period

    w = world()
    factories.coordinator(w["buehl"], email="rathaus.buehl@example.org")
    hours = fc.hours(w["room"], w["manager"], 0, date(2026, 1, 5))
    buehl_hours = fc.hours(fc.place(w["buehl"]), w["other_manager"], 1, date(2026, 1, 6))
    fc.walk_in(hours, date(2026, 3, 2), "work", 4)
    fc.walk_in(hours, date(2026, 3, 2), "housing", 2)
    fc.walk_in(hours, date(2026, 4, 13), "residence", 3)
    fc.walk_in(buehl_hours, date(2026, 3, 3), "work", 5)
    fc.home_visit(w["person"], w["manager"], date(2026, 3, 20))
    fc.home_visit(w["person"], w["manager"], date(2026, 3, 27))
    fc.walk_in(hours, date(2025, 12, 29), "work", 9)  # outside the period
    db.session.commit()
    year = Period("year", 2026, 1)
    rows = [
        (r.municipality, r.month, r.walk_ins, r.home_visits)
        for r in consultation_counts(year, None)
    ]
    assert rows == [("Bühl", 3, 5, 0), ("Gaggenau", 3, 6, 2), ("Gaggenau", 4, 3, 0)]
    assert [r.municipality for r in consultation_counts(year, {w["buehl"].id})] == ["Bühl"]
    # the dashboard shows them, a coordinator only their own municipality
    auth.login("rathaus.buehl@example.org")
    page = client.get("/oversight/dashboard?kind=year&year=2026&number=1").get_data(as_text=True)
    assert 'data-table="consultations"' in page
    section = page.split('data-table="consultations"')[1].split("</table>")[0]
    assert "Bühl" in section and "Gaggenau" not in section


# --- erasure and cancelling one appointment ----------------------------------------------------


def test_erasing_a_client_removes_their_appointments_and_keeps_anonymous_visits(app):
    from portal.privacy.client_erasure import erase_client
    from tests.column_scan import find_person

    w = world()
    hours = fc.hours(
        w["room"], w["manager"], 1, date(2026, 1, 6), booking="appointment", slot_minutes=30
    )
    day = next_weekday(1)
    fc.appointment(hours, day, time(9, 0), time(9, 30), w["person"])
    fc.home_visit(w["person"], w["manager"], today_local() - timedelta(days=3))
    db.session.commit()
    erase_client(w["manager"], w["person"], "Auf Wunsch der Familie")
    assert db.session.scalars(select(Appointment)).all() == []
    visit = db.session.scalars(select(HomeVisit)).one()
    assert visit.client.erased_at is not None and visit.client.name == ""
    assert find_person(["Haidari"], ["haidari@example.net"]) == []


def test_cancelling_one_appointment_frees_its_slot(app, client, auth):
    w = world()
    hours = fc.hours(
        w["room"], w["manager"], 1, date(2026, 1, 6), booking="appointment", slot_minutes=30
    )
    day = next_weekday(1)
    booked = fc.appointment(hours, day, time(9, 0), time(9, 30), w["person"])
    db.session.commit()
    auth.login("keller@example.org")
    path = f"/consultations/hours/{hours.id}/on/{day.isoformat()}"
    token = csrf(client, path)
    response = client.post(
        f"/consultations/appointments/{booked.id}/cancel", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, booked.id).status == "cancelled"
    again = client.post(
        path + "/book",
        data={"csrf_token": token, "slot_start": "09:00", "client_id": w["person"].id},
    )
    assert again.status_code == 302
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("appointment.%"))
    ).all()
    assert sorted(events) == ["appointment.booked", "appointment.cancelled"]
