"""Role-aware navigation. A user with several roles sees the sections of all of them.

"Start" (the dashboard, base.html) is the one overview; the pages of a section are named for
what they hold, so that no second link reads like another overview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.auth.models import Role
from portal.core.labels import label


@dataclass(frozen=True)
class NavItem:
    label: Any
    endpoint: str


@dataclass(frozen=True)
class NavSection:
    """The pages of one role, headed by the role's name from the registry."""

    role: str
    items: tuple[NavItem, ...]

    @property
    def label(self) -> str:
        return label("role", self.role)


# Each domain adds its pages here. Every endpoint must exist: a renamed one fails at url_for.
SECTIONS: tuple[NavSection, ...] = (
    NavSection(
        Role.VOLUNTEER,
        (
            NavItem(_l("Meine Bewerbung"), "volunteers.home"),
            NavItem(_l("Aufgaben finden"), "board.index"),
            NavItem(_l("Meine Aufgaben"), "board.my_tasks"),
            NavItem(_l("Mein Profil"), "volunteers.edit_profile"),
        ),
    ),
    NavSection(
        Role.COORDINATOR,
        (
            NavItem(_l("Zahlen je Gemeinde"), "coordination.overview"),
            NavItem(_l("Ehrenamtliche"), "coordination.queue"),
        ),
    ),
    NavSection(
        Role.MANAGER,
        (
            NavItem(_l("Fristen und Überprüfungen"), "plans.start"),
            NavItem(_l("Klientinnen und Klienten"), "plans.clients"),
            NavItem(_l("Bedarfe"), "needs.index"),
            NavItem(_l("Berichte"), "needs.reports"),
            NavItem(_l("Sprechstunden"), "consultations.index"),
        ),
    ),
    NavSection(
        Role.ADMIN,
        (
            NavItem(_l("Gemeinden"), "admin.municipalities"),
            NavItem(_l("Außenstellen"), "admin.offices"),
            NavItem(_l("Konten"), "admin.users"),
            NavItem(_l("Zwei-Faktor-Anmeldung"), "two_factor_admin.policy"),
            NavItem(_l("Postausgang"), "admin.outbox"),
            NavItem(_l("Protokoll"), "admin.audit"),
            NavItem(_l("Verarbeitungsverzeichnis"), "legal.records_of_processing"),
            NavItem(_l("Statistik"), "oversight.dashboard"),
            NavItem(_l("Bericht Pakt für Integration"), "oversight.report"),
        ),
    ),
)


def navigation_for(user: Any) -> list[dict[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return []
    roles = user.roles
    sections = []
    for section in SECTIONS:
        if section.role not in roles:
            continue
        items = [
            {"label": item.label, "url": url_for(item.endpoint), "endpoint": item.endpoint}
            for item in section.items
        ]
        sections.append({"role": section.role, "label": section.label, "items": items})
    return sections
