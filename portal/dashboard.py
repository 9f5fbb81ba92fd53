"""The start page: one card per role the user holds, each asked from its own domain.

Each domain answers with plain data for its card; this module only puts them in order. Cards
are built for the roles a person holds, so a volunteer's start page runs no manager query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.auth.models import Role, User
from portal.needs import own_tasks
from portal.oversight import start
from portal.volunteers import queries as volunteers
from portal.volunteers.status import status_overview


@dataclass(frozen=True)
class Card:
    role: str
    template: str
    data: dict[str, Any]


def volunteer_card(user: User) -> dict[str, Any]:
    profile = volunteers.profile_of(user)
    if profile is None:
        return {"profile": None}
    status = status_overview(profile)
    return {
        **status,
        **own_tasks.start_page(profile),
        **start.volunteer_work(profile),
        "certificate_warning": start.certificate_warning(status["certificate"]),
    }


def coordinator_card(user: User) -> dict[str, Any]:
    return start.coordinator_work(user)


def manager_card(user: User) -> dict[str, Any]:
    return start.manager_work(user)


def admin_card(user: User) -> dict[str, Any]:
    return {}


def office_lead_card(user: User) -> dict[str, Any]:
    return start.office_lead_work(user)


PROVIDERS: tuple[tuple[str, Callable[[User], dict[str, Any]]], ...] = (
    (Role.VOLUNTEER, volunteer_card),
    (Role.COORDINATOR, coordinator_card),
    (Role.MANAGER, manager_card),
    (Role.ADMIN, admin_card),
    (Role.OFFICE_LEAD, office_lead_card),
)


def cards_for(user: User) -> list[Card]:
    roles = user.roles
    return [
        Card(role, f"core/_dashboard_{role}.html", provide(user))
        for role, provide in PROVIDERS
        if role in roles
    ]
