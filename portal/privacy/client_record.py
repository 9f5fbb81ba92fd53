"""A client's record for a subject-access request (GDPR Art. 15), exported by a manager who may
see the client: the client's data and languages, the plan, its goals and steps, the needs
published from the steps, the assignments on those needs and their reports.

JSON (stable keys; the lists refer to each other by ``id``)::

    {"format": "ehrenamtsportal.client-record", "version": 1, "generated_at": "…Z",
     "controller": {...}, "parts": {"client_data": {...}, "languages": [...], "plan": {...},
     "goals": [...], "steps": [{"goal_id": …}], "needs": [{"step_id": …}],
     "assignments": [{"need_id": …, "volunteer_name": "display name"}],
     "reports": [{"assignment_id": …}]}}

Volunteers appear by their display name only (as on the manager's pages), never with their
contact details. The export is audited (``client.exported``: the format, never the name).
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.audit.services import record_about
from portal.auth.models import User
from portal.consultations import personal_data as consultation_data
from portal.core import documents as doc
from portal.core.errors import NotAllowed, NotFound
from portal.core.personal_data import Field, Part, json_value
from portal.core.time import utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.needs.models import Assignment, Need
from portal.plans.models import Client, Goal, IntegrationPlan, Step
from portal.privacy.export import controller, part_blocks
from portal.security import may_see_client

FORMAT = "ehrenamtsportal.client-record"


def _client_parts(client: Client) -> list[Part]:
    household = client.household or {}
    return [
        Part(
            "client_data",
            _("Klientin oder Klient"),
            [
                Field("reference", _("Aktenzeichen")),
                Field("name", _("Name")),
                Field("contact", _("Kontakt")),
                Field("municipality", _("Gemeinde")),
                Field("adults", _("Erwachsene im Haushalt")),
                Field("children", _("Kinder (Geburtsjahre)")),
                Field("status", _("Stand"), "client_status"),
                Field("closed_on", _("Abgeschlossen am")),
                Field("responsible_manager", _("Zuständig")),
                Field("created_at", _("Angelegt am")),
            ],
            [
                {
                    "reference": client.reference,
                    "name": client.name,
                    "contact": client.contact,
                    "municipality": client.municipality.name,
                    "adults": household.get("adults"),
                    "children": household.get("children", []),
                    "status": client.status,
                    "closed_on": client.closed_on,
                    "responsible_manager": client.manager.display_name if client.manager else None,
                    "created_at": client.created_at,
                }
            ],
            single=True,
        ),
        Part(
            "languages",
            _("Sprachen"),
            [Field("code", _("Sprache"), "language")],
            [{"code": code} for code in client.languages],
        ),
    ]


def _plan_parts(plan: IntegrationPlan | None) -> tuple[list[Part], list[Step]]:
    goals: list[Goal] = list(plan.goals) if plan else []
    steps = [step for goal in goals for step in goal.steps]
    rows = [{"agreed_on": plan.agreed_on, "next_review_on": plan.next_review_on}] if plan else []
    return [
        Part(
            "plan",
            _("Integrationsplan"),
            [
                Field("agreed_on", _("Vereinbart am")),
                Field("next_review_on", _("Nächste Überprüfung")),
            ],
            rows,
            single=True,
        ),
        Part(
            "goals",
            _("Ziele"),
            [
                Field("id", _("Nummer")),
                Field("area", _("Bereich"), "area"),
                Field("text", _("Ziel")),
                Field("status", _("Stand"), "goal_status"),
            ],
            [{"id": g.id, "area": g.area, "text": g.text, "status": g.status} for g in goals],
        ),
        Part(
            "steps",
            _("Schritte"),
            [
                Field("id", _("Nummer")),
                Field("goal_id", _("Ziel Nummer")),
                Field("text", _("Schritt")),
                Field("due_on", _("Fällig am")),
                Field("status", _("Stand"), "step_status"),
                Field("actor", _("Wer handelt"), "actor"),
                Field("partner_organisation", _("Partner"), "partner"),
            ],
            [
                {
                    "id": s.id,
                    "goal_id": s.goal_id,
                    "text": s.text,
                    "due_on": s.due_on,
                    "status": s.status,
                    "actor": s.actor,
                    "partner_organisation": s.partner,
                }
                for s in steps
            ],
        ),
    ], steps


def _need_parts(steps: list[Step]) -> list[Part]:
    needs = list(
        db.session.scalars(
            select(Need)
            .options(
                selectinload(Need.assignments).joinedload(Assignment.volunteer),
                selectinload(Need.assignments).selectinload(Assignment.reports),
            )
            .where(Need.source_step_id.in_([s.id for s in steps]))
            .order_by(Need.id)
        )
    )
    assignments = [a for need in needs for a in sorted(need.assignments, key=lambda a: a.id)]
    users = _display_names([a.volunteer.user_id for a in assignments])
    return [
        Part(
            "needs",
            _("Bedarfe"),
            [
                Field("id", _("Nummer")),
                Field("step_id", _("Schritt Nummer")),
                Field("title", _("Titel")),
                Field("category", _("Tätigkeitsbereich"), "category"),
                Field("status", _("Stand"), "need_status"),
                Field("public_description", _("Beschreibung")),
                Field("private_notes", _("Interne Notizen")),
                Field("meeting_point", _("Treffpunkt")),
                Field("created_at", _("Angelegt am")),
            ],
            [
                {
                    "id": n.id,
                    "step_id": n.source_step_id,
                    "title": n.title,
                    "category": n.category,
                    "status": n.status,
                    "public_description": n.public_description,
                    "private_notes": n.private_notes,
                    "meeting_point": n.meeting_point,
                    "created_at": n.created_at,
                }
                for n in needs
            ],
        ),
        Part(
            "assignments",
            _("Übernommene Aufgaben"),
            [
                Field("id", _("Nummer")),
                Field("need_id", _("Bedarf Nummer")),
                Field("volunteer_name", _("Ehrenamtliche")),
                Field("status", _("Stand"), "assignment_status"),
                Field("claimed_at", _("Übernommen am")),
                Field("ended_at", _("Beendet am")),
            ],
            [
                {
                    "id": a.id,
                    "need_id": a.need_id,
                    "volunteer_name": users.get(a.volunteer.user_id),
                    "status": a.status,
                    "claimed_at": a.claimed_at,
                    "ended_at": a.ended_at,
                }
                for a in assignments
            ],
        ),
        Part(
            "reports",
            _("Berichte"),
            [
                Field("assignment_id", _("Aufgabe Nummer")),
                Field("activity_on", _("Datum des Einsatzes")),
                Field("hours", _("Stunden")),
                Field("outcome", _("Berichtstext")),
                Field("follow_up_needed", _("Nachbetreuung nötig")),
                Field("concern", _("Anliegen")),
                Field("acknowledged_at", _("Bestätigt am")),
            ],
            [
                {
                    "assignment_id": a.id,
                    "activity_on": r.activity_on,
                    "hours": round(r.minutes / 60, 2),
                    "outcome": r.outcome,
                    "follow_up_needed": r.follow_up_needed,
                    "concern": r.concern,
                    "acknowledged_at": r.acknowledged_at,
                }
                for a in assignments
                for r in a.reports
            ],
        ),
    ]


def _display_names(user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {row.id: row.display_name for row in rows}


def gather(client: Client) -> list[Part]:
    plan = db.session.scalar(
        select(IntegrationPlan)
        .options(selectinload(IntegrationPlan.goals).selectinload(Goal.steps))
        .where(IntegrationPlan.client_id == client.id)
    )
    plan_parts, steps = _plan_parts(plan)
    return [
        *_client_parts(client),
        *plan_parts,
        *_need_parts(steps),
        *consultation_data.client_parts(client),
    ]


def as_json(parts: list[Part]) -> bytes:
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": 1,
        "generated_at": json_value(utcnow()),
        "controller": controller(),
        "parts": {part.key: part.json() for part in parts},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def as_pdf(client: Client, parts: list[Part]) -> bytes:
    title = _("Akte %(reference)s", reference=client.reference)
    blocks: list[doc.Block] = [
        doc.Heading(title),
        doc.Paragraph(
            _(
                "Auskunft nach Art. 15 DSGVO: alle Daten, die das Ehrenamtsportal zu dieser "
                "Akte speichert. Vertraulich."
            )
        ),
    ]
    for part in parts:
        blocks += part_blocks(part)
    return doc.render(title, doc.current_lang(), blocks)


@unit_of_work()
def export_client_record(actor: User, client_id: int, fmt: str) -> tuple[str, bytes]:
    """The client's record as ``fmt`` ("json" or "pdf") and the client's reference; audited."""
    client = db.session.scalar(
        select(Client).options(joinedload(Client.municipality)).where(Client.id == client_id)
    )
    if client is None:
        raise NotFound(_("Nicht gefunden."))
    if not may_see_client(actor, client):
        raise NotAllowed(_("Kein Zugriff."))
    parts = gather(client)
    record_about("client.exported", actor, client, client.municipality_id, format=fmt)
    body = as_json(parts) if fmt == "json" else as_pdf(client, parts)
    return client.reference, body
