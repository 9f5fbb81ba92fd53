"""The board's demo data: claims through the real service, a history with reports, idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.auth.services import find_user_by_email
from portal.demo import seed
from portal.extensions import db
from portal.needs import queries
from portal.needs.claims import profile_of
from portal.needs.models import Assignment, Need
from portal.needs.report_models import Report


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_the_demo_seed_is_idempotent_and_gives_lena_hours(app):
    seed()
    first = (_count(Assignment), _count(Report), _count(Need))
    lena = profile_of(find_user_by_email("lena.schmitt@landkreis-rastatt.example"))
    assert lena is not None
    assert queries.hours(lena).total_minutes >= 4 * 75
    # every active claim is counted on its need, never beyond capacity
    for need in db.session.scalars(select(Need)):
        active = sum(1 for a in need.assignments if a.status == "active")
        assert need.taken == active <= need.capacity

    seed()
    assert (_count(Assignment), _count(Report), _count(Need)) == first


def test_the_demo_claims_open_needs_through_the_service(app):
    from portal.municipalities.models import Municipality
    from tests import factories_board as fb

    claims = seed()["board_claims"]
    gaggenau = db.session.scalar(select(Municipality).where(Municipality.name == "Gaggenau"))
    keller = find_user_by_email("s.keller@landkreis-rastatt.example")
    for _ in range(2):
        fb.once_need(gaggenau, created_by=keller, capacity=2, languages=[])
    db.session.commit()

    claims += seed()["board_claims"]
    assert claims >= 2  # at least Lena and Peter, who help in Gaggenau
    lena = profile_of(find_user_by_email("lena.schmitt@landkreis-rastatt.example"))
    active = [
        a
        for a in db.session.scalars(select(Assignment).where(Assignment.volunteer_id == lena.id))
        if a.status == "active"
    ]
    assert len(active) == 1
    assert any(r.concern_raised for r in active[0].reports)
    before = (_count(Assignment), _count(Report))
    seed()
    assert (_count(Assignment), _count(Report)) == before


def test_every_approved_demo_volunteer_finds_an_open_need_besides_their_own_claim(app):
    from portal.demo import VOLUNTEERS
    from portal.needs.matching import BoardFilters, board

    seed()
    approved = [local for local, _name, _home, status, *_ in VOLUNTEERS if status == "approved"]
    assert len(approved) == 5
    for local in approved:
        profile = profile_of(find_user_by_email(f"{local}@landkreis-rastatt.example"))
        page = board(profile, BoardFilters())
        assert any(not entry.claimed for entry in page.items), local
