"""Two (and more) staff book the last free slot of a consultation hour at the same moment over
real HTTP: exactly one booking wins, the others are told the slot is taken (409), on SQLite and
on PostgreSQL (DESIGN.md §5: the partial UNIQUE index on the booked slot)."""

from __future__ import annotations

import threading
from datetime import date, time

from sqlalchemy import func, select

from portal.consultations.models import Appointment
from portal.extensions import db
from tests import factories
from tests import factories_consultations as fc
from tests import factories_plans as fp
from tests.integration.test_claims_concurrency import Browser


def _booked(hours_id: int) -> int:
    db.session.rollback()
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Appointment)
            .where(Appointment.hours_id == hours_id, Appointment.status == "booked")
        )
        or 0
    )


def test_simultaneous_bookings_of_the_last_slot_one_wins(live_server):
    places = factories.reference_data()
    gaggenau = places["Gaggenau"]
    staff = ["keller@example.org", "berger@example.org", "yilmaz@example.org"]
    managers = [factories.manager(gaggenau, email=email) for email in staff]
    factories.coordinator(gaggenau, email="rathaus@example.org")
    clients = [fp.client(gaggenau, name=f"Familie {i}", manager_=m) for i, m in enumerate(managers)]
    reference_of_first = clients[0].reference
    room = fc.place(gaggenau)
    day = fc.next_consultation_day()
    # 9:00-10:00 in 30-minute slots; 9:00 is taken already, 9:30 is the last one
    hours = fc.hours(room, managers[0], day.weekday(), date(2025, 1, 6), starts=time(9),
                     ends=time(10), booking="appointment", slot_minutes=30)  # fmt: skip
    fc.appointment(hours, day, time(9, 0), time(9, 30), clients[1])
    hours_id, client_ids = hours.id, [c.id for c in clients]
    db.session.commit()
    db.session.close()

    path = f"/consultations/hours/{hours_id}/on/{day.isoformat()}"
    requests = []
    for email, client_id in zip(staff, client_ids, strict=True):
        browser = Browser(live_server.url)
        browser.login(email)
        token = browser.csrf(path)
        requests.append((browser, {"csrf_token": token, "slot_start": "09:30",
                                   "client_id": str(client_id)}))  # fmt: skip
    coordinator = Browser(live_server.url)
    coordinator.login("rathaus@example.org")
    token = coordinator.csrf(path)
    requests.append((coordinator, {"csrf_token": token, "slot_start": "09:30",
                                   "reference": reference_of_first}))  # fmt: skip

    barrier = threading.Barrier(len(requests))
    statuses = [0] * len(requests)

    def book(i: int) -> None:
        browser, data = requests[i]
        barrier.wait()
        statuses[i] = browser.request(path + "/book", data)[0]

    threads = [threading.Thread(target=book, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert statuses.count(302) == 1, statuses
    assert statuses.count(409) == len(requests) - 1, statuses
    assert _booked(hours_id) == 2
