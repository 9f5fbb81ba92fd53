"""The demo data of plans and needs: plausible, idempotent, within the managers' offices."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal import demo
from portal.extensions import db
from portal.needs.models import Need
from portal.plans.models import Client, Step
from portal.security import may_manage_municipality


def test_seed_is_idempotent_and_gives_each_manager_clients_and_open_needs(app):
    first = demo.seed()
    assert first["clients_created"] >= 4
    assert first["needs_created"] >= 5
    counts = (
        db.session.scalar(select(func.count()).select_from(Client)),
        db.session.scalar(select(func.count()).select_from(Need)),
        db.session.scalar(select(func.count()).select_from(Step)),
    )
    second = demo.seed()
    assert second["clients_created"] == 0 and second["needs_created"] == 0
    assert counts == (
        db.session.scalar(select(func.count()).select_from(Client)),
        db.session.scalar(select(func.count()).select_from(Need)),
        db.session.scalar(select(func.count()).select_from(Step)),
    )
    clients = list(db.session.scalars(select(Client)))
    assert all(re.fullmatch(r"RA-\d{4}-\d{4}", c.reference) for c in clients)
    assert len({c.reference for c in clients}) == len(clients)
    for c in clients:
        assert c.manager is not None
        assert may_manage_municipality(c.manager, c.municipality_id)
    needs = list(db.session.scalars(select(Need)))
    towns = {n.municipality.name for n in needs if n.status == "open"}
    assert {"Gaggenau", "Bühl"} <= towns
    from_plans = [n for n in needs if n.source_step is not None]
    # the plans' open needs, and needs of the year's history published from done steps
    assert len([n for n in from_plans if n.status != "completed"]) == first["needs_created"]
    for need in from_plans:
        client = need.source_step.goal.plan.client
        for secret in (client.name, client.reference, client.contact):
            assert secret not in need.public_description
            assert secret not in need.title
        if need.category == "youth_family":
            assert need.requires_conduct_certificate
