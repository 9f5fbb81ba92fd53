"""Display labels for the code values of plans and needs (German msgids, translated lazily)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from portal.core.languages import LANGUAGES
from portal.needs.models import NeedCategory, NeedStatus
from portal.plans.models import ClientStatus, GoalArea, GoalStatus, Partner, StepActor, StepStatus

GOAL_AREAS = {
    GoalArea.LANGUAGE: _l("Sprache"),
    GoalArea.WORK: _l("Arbeit und Qualifizierung"),
    GoalArea.HOUSING: _l("Wohnen"),
    GoalArea.SCHOOL: _l("Schule und Kinder"),
    GoalArea.HEALTH: _l("Gesundheit"),
    GoalArea.SOCIAL: _l("Gesellschaftliche Teilhabe"),
}
GOAL_STATUSES = {
    GoalStatus.OPEN: _l("offen"),
    GoalStatus.IN_PROGRESS: _l("in Arbeit"),
    GoalStatus.ACHIEVED: _l("erreicht"),
    GoalStatus.DROPPED: _l("verworfen"),
}
STEP_STATUSES = {
    StepStatus.OPEN: _l("offen"),
    StepStatus.IN_PROGRESS: _l("in Arbeit"),
    StepStatus.DONE: _l("erledigt"),
    StepStatus.DROPPED: _l("entfallen"),
}
STEP_ACTORS = {
    StepActor.CLIENT: _l("Klient/in"),
    StepActor.MANAGER: _l("Integrationsmanagement"),
    StepActor.VOLUNTEER: _l("Ehrenamtliche/r"),
    StepActor.PARTNER: _l("Partner"),
}
PARTNERS = {
    "": _l("– kein Partner –"),
    Partner.JOBCENTER: _l("Jobcenter"),
    Partner.EMPLOYMENT_AGENCY: _l("Agentur für Arbeit"),
    Partner.LANGUAGE_SCHOOL: _l("VHS oder Sprachschule"),
    Partner.YOUTH_OFFICE: _l("Jugendamt"),
    Partner.OTHER: _l("Sonstige"),
}
CLIENT_STATUSES = {
    ClientStatus.ACTIVE: _l("aktiv"),
    ClientStatus.CLOSED: _l("abgeschlossen"),
}
NEED_CATEGORIES = {
    NeedCategory.TUTORING: _l("Nachhilfe"),
    NeedCategory.LANGUAGE_PRACTICE: _l("Sprachpraxis"),
    NeedCategory.ACCOMPANYING: _l("Begleitung zu einem Termin"),
    NeedCategory.YOUTH_FAMILY: _l("Jugend- und Familienangebot"),
    NeedCategory.HOUSING_SEARCH: _l("Wohnungssuche"),
    NeedCategory.OTHER: _l("Sonstiges"),
}
NEED_STATUSES = {
    NeedStatus.DRAFT: _l("Entwurf"),
    NeedStatus.OPEN: _l("offen"),
    NeedStatus.FILLED: _l("besetzt"),
    NeedStatus.COMPLETED: _l("abgeschlossen"),
    NeedStatus.CANCELLED: _l("abgesagt"),
}
WEEKDAYS = {
    0: _l("Montag"),
    1: _l("Dienstag"),
    2: _l("Mittwoch"),
    3: _l("Donnerstag"),
    4: _l("Freitag"),
    5: _l("Samstag"),
    6: _l("Sonntag"),
}

KINDS: dict[str, dict[Any, Any]] = {
    "area": GOAL_AREAS,
    "goal_status": GOAL_STATUSES,
    "step_status": STEP_STATUSES,
    "actor": STEP_ACTORS,
    "partner": PARTNERS,
    "client_status": CLIENT_STATUSES,
    "category": NEED_CATEGORIES,
    "need_status": NEED_STATUSES,
    "weekday": WEEKDAYS,
    "language": LANGUAGES,
}


def label(value: Any, kind: str) -> str:
    """The display label of a code value; unknown values are shown as they are."""
    found = KINDS.get(kind, {}).get(value)
    return str(found) if found is not None else str(value or "")


def choices(kind: str) -> list[SelectChoice]:
    return [SelectChoice(value, text) for value, text in KINDS[kind].items()]
