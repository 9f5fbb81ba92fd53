"""Role-aware navigation. A user with several roles sees the sections of all of them.

"Start" (the dashboard, base.html) is the one overview; the pages of a section are named for
what they hold, so that no second link reads like another overview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.auth.models import Role
from portal.core.labels import label


@dataclass(frozen=True)
class NavItem:
    label: Any
    endpoint: str
    #: a count on the user row shown beside the link (no query: the row is loaded anyway)
    badge: str = ""


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
            NavItem(_l("Meine Aufgaben"), "board.my_tasks", badge="unread_messages"),
            NavItem(_l("Rundschreiben"), "announcements.archive"),
            NavItem(_l("Mein Profil"), "volunteers.edit_profile"),
        ),
    ),
    NavSection(
        Role.COORDINATOR,
        (
            NavItem(_l("Zahlen je Gemeinde"), "coordination.overview"),
            NavItem(_l("Ehrenamtliche"), "coordination.queue"),
            NavItem(_l("Rundschreiben schreiben"), "announcements.new"),
            NavItem(_l("Sprechstunden"), "consultations.index"),
        ),
    ),
    NavSection(
        Role.MANAGER,
        (
            NavItem(_l("Fristen und Überprüfungen"), "plans.start"),
            NavItem(_l("Klientinnen und Klienten"), "plans.clients"),
            NavItem(_l("Bedarfe"), "needs.index", badge="unread_messages"),
            NavItem(_l("Berichte"), "needs.reports"),
            NavItem(_l("Rundschreiben schreiben"), "announcements.new"),
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
    NavSection(
        Role.OFFICE_LEAD,
        (
            NavItem(_l("Statistik"), "oversight.dashboard"),
            NavItem(_l("Bericht Pakt für Integration"), "oversight.report"),
        ),
    ),
)


def navigation_for(user: Any) -> list[dict[str, Any]]:
    """The sections of the user's roles, as fresh dicts (a page may add to them, e.g. a
    count); their words and addresses are worked out once per language, set of roles and
    application root in each process (they never change while it runs)."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles = frozenset(user.roles)
    key = (str(get_locale()), request.script_root, roles)
    cache: dict[Any, tuple[Any, ...]] = current_app.extensions.setdefault("navigation", {})
    found = cache.get(key)
    if found is None:
        found = cache[key] = tuple(
            (
                section.role,
                str(section.label),
                tuple(
                    (str(item.label), url_for(item.endpoint), item.endpoint, item.badge)
                    for item in section.items
                ),
            )
            for section in SECTIONS
            if section.role in roles
        )
    return [
        {
            "role": role,
            "label": text,
            "items": [
                {
                    "label": a,
                    "url": b,
                    "endpoint": c,
                    "badge": getattr(user, badge, 0) if badge else 0,
                }
                for a, b, c, badge in items
            ],
        }
        for role, text, items in found
    ]
