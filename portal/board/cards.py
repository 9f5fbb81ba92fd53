"""The cards of the volunteers' task board as text: the words of a page are looked up once
(translations and registry labels), then each card in one pass, so that a card costs a few
microseconds and the template only places the texts (`templates/board/index.html`)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from jinja2.filters import do_truncate

from portal.core.formatting import format_schedule
from portal.core.http import IdUrl
from portal.core.labels import labels_for
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.needs.matching import BoardEntry

DESCRIPTION_LENGTH = 300
"""A card shows the start of the public description (the need's page shows all of it)."""


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    url: str
    title: str
    category: str
    place: str
    schedule: str
    description: str
    free: str
    languages: str
    certificate: bool
    claimed: bool
    fit: str


def cards_of(entries: list[BoardEntry]) -> list[Card]:
    categories = labels_for("category")
    languages = labels_for("language")
    reasons = labels_for("fit_reason")
    environment = current_app.jinja_env
    link = IdUrl("board.need", "need_id")
    cards = []
    for entry in entries:
        need = entry.need
        fit = _("Passung: %(score)d %%", score=entry.score)
        if entry.reasons:
            fit += " (" + ", ".join(reasons[reason] for reason in entry.reasons) + ")"
        free = need.capacity - need.taken
        cards.append(
            Card(
                id=need.id,
                url=link(need.id),
                title=need.title,
                category=categories.get(need.category, need.category),
                place=need.municipality.name,
                schedule=format_schedule(need),
                description=do_truncate(
                    environment, need.public_description or "", DESCRIPTION_LENGTH
                ),
                free=ngettext("%(num)d Platz frei", "%(num)d Plätze frei", free),
                languages=", ".join(languages.get(code, code) for code in need.languages),
                certificate=need.requires_conduct_certificate,
                claimed=entry.claimed,
                fit=fit,
            )
        )
    return cards
