"""A manager erases a client's record (GDPR Art. 17), with a reason; retention does the same
for cases closed long enough ago.

What goes: the name, the contact details, the household, the languages, the reference
(RA-2026-0001 is pseudonymous, but the paper file and the partners' letters carry it, so it
would still identify the person: it becomes ``ERASED-<id>``), the texts of the goals and steps,
the managers' private notes and meeting points of the client's needs, the client's
appointments in consultation hours, and every mention of the name (and of an e-mail address
or phone number in the contact details) in any free text (`portal.privacy.redaction`: outbox,
audit details, reports, ...).

What stays, without text, for the statistics: the record's municipality and dates, each goal's
area and status, each step's status, who acted and when it was due; completed needs with their
reports and hours; home visits (date, kind of place, topics, duration). Unfinished needs are
cancelled and their volunteers told, without any word about the client. The audit trail gets
one ``client.erased`` event with the reason (its words naming the client redacted); the details
of earlier events about the record are emptied.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from portal.audit import services as audit
from portal.consultations.bookings import forget_appointments
from portal.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from portal.core.time import today_local, utcnow
from portal.core.transaction import unit_of_work
from portal.extensions import db
from portal.needs.models import Need, NeedStatus
from portal.needs.services import cancel_for_erased_client
from portal.plans.models import Client, ClientLanguage, ClientStatus, Goal, IntegrationPlan, Step
from portal.privacy.redaction import Needles, redact_everywhere, redact_text
from portal.security import may_manage_municipality

REASON_MAX = 1000
UNFINISHED = (NeedStatus.DRAFT, NeedStatus.OPEN, NeedStatus.FILLED)
_EMAIL = re.compile(r"[^\s<>(),;]+@[^\s<>(),;]+")
_PHONE = re.compile(r"\+?\d[\d /-]{4,}\d")


def needles_of(client: Client) -> Needles:
    """The client's name, and the e-mail addresses and phone numbers in the contact details."""
    contact = client.contact or ""
    literals = _EMAIL.findall(contact) + [p.strip() for p in _PHONE.findall(contact)]
    base = Needles.of(client.name)
    return Needles(base.words, tuple(dict.fromkeys(x for x in literals if len(x) >= 4)))


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Bitte geben Sie einen Grund an."), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            _("Der Grund darf höchstens %(max)d Zeichen lang sein.", max=REASON_MAX),
            field="reason",
        )
    return reason


@unit_of_work()
def erase_client(actor: Any, client: Client, reason: str) -> Client:
    """A manager of the client's municipality (or an admin) erases the record."""
    if actor is None or not may_manage_municipality(actor, client.municipality_id):
        raise NotAllowed(_("Sie betreuen diese Gemeinde nicht."))
    return _erase(actor, client, _clean_reason(reason))


def erase_for_retention(client: Client) -> None:
    """Retention erases a case closed long ago (caller's transaction)."""
    _erase(None, client, "retention")


def _erase(actor: Any, client: Client, reason: str) -> Client:
    if client.erased_at is not None:
        raise InvalidTransition(_("Dieser Datensatz ist bereits gelöscht."))
    needles = needles_of(client)
    plan_ids = select(IntegrationPlan.id).where(IntegrationPlan.client_id == client.id)
    goal_ids = select(Goal.id).where(Goal.plan_id.in_(plan_ids))
    step_ids = select(Step.id).where(Step.goal_id.in_(goal_ids))
    needs = list(db.session.scalars(select(Need).where(Need.source_step_id.in_(step_ids))))
    for need in needs:
        if need.status in UNFINISHED:
            cancel_for_erased_client(need)
        need.private_notes = ""
        need.meeting_point = ""
    db.session.execute(
        update(Goal)
        .where(Goal.id.in_(goal_ids))
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Step)
        .where(Step.id.in_(step_ids))
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(ClientLanguage).where(ClientLanguage.client_id == client.id))
    forget_appointments(client.id)
    audit.scrub_about([("client", client.id)])
    db.session.flush()
    redact_everywhere(needles)
    db.session.expire(client)
    client.name = ""
    client.contact = ""
    client.household = {}
    client.reference = f"ERASED-{client.id}"
    client.status = ClientStatus.CLOSED
    client.closed_on = client.closed_on or today_local()
    client.erased_at = utcnow()
    audit.record(
        "client.erased",
        actor=actor,
        object_type="client",
        object_id=client.id,
        municipality_id=client.municipality_id,
        reason=redact_text(reason, needles),
    )
    return client
