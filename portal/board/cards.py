"""The cards of the volunteers' task board, rendered once and kept. A card's HTML follows from
what the board's statement read of its need (`BoardNeed`: every value the card shows), how it
fits the volunteer (score, reasons, claimed), the language and the address prefix; the same
values give the same card. So each card is rendered once per process for those values
(`templates/board/_card.html`) and kept: a page of 25 cards costs 25 look-ups once its needs
have been shown before, to this volunteer or another. A changed need (a place taken, a new
title) reads as other values and gets a card of its own; the old one is dropped in turn."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from jinja2.filters import do_truncate
from markupsafe import Markup

from portal.core.formatting import format_schedule
from portal.core.http import IdUrl
from portal.core.kept import kept_html
from portal.core.labels import labels_for
from portal.i18n import current_locale, ngettext
from portal.i18n import gettext as _
from portal.needs.matching import BoardEntry

DESCRIPTION_LENGTH = 300
"""A card shows the start of the public description (the need's page shows all of it)."""

KEPT_CARDS = 4096
"""At most this many rendered cards are kept per process (about 1.5 kB each): the open needs
a county's volunteers look at, in each language asked for. When full, the card kept longest
makes room."""


@dataclass(frozen=True, slots=True)
class Card:
    """A card's texts, for `templates/board/_card.html`."""

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


def cards_html(entries: list[BoardEntry]) -> list[Markup]:
    """The HTML of each entry's card, rendered only for values not shown before."""
    kept = kept_html("board_cards", KEPT_CARDS)
    prefix = (str(current_locale()), request.script_root)
    found: list[Markup] = []
    render = None
    for entry in entries:
        key = (*prefix, entry.need, entry.score, tuple(entry.reasons), entry.claimed)
        html = kept.get(key)
        if html is None:
            render = render or _Renderer()
            html = render(entry)
            kept.add(key, html)
        found.append(html)
    return found


class _Renderer:
    """Renders cards in the request's language: the words of a page are looked up once
    (translations and registry labels), then each card in one pass."""

    def __init__(self) -> None:
        self.categories = labels_for("category")
        self.languages = labels_for("language")
        self.reasons = labels_for("fit_reason")
        self.environment = current_app.jinja_env
        self.link = IdUrl("board.need", "need_id")
        self.macro = self.environment.get_template("board/_card.html").module.card  # type: ignore[attr-defined]

    def __call__(self, entry: BoardEntry) -> Markup:
        return Markup(self.macro(self.card(entry)))  # noqa: S704 - rendered by autoescaping Jinja

    def card(self, entry: BoardEntry) -> Card:
        need = entry.need
        fit = _("Passung: %(score)d %%", score=entry.score)
        if entry.reasons:
            fit += " (" + ", ".join(self.reasons[reason] for reason in entry.reasons) + ")"
        free = need.capacity - need.taken
        return Card(
            id=need.id,
            url=self.link(need.id),
            title=need.title,
            category=self.categories.get(need.category, need.category),
            place=need.municipality.name,
            schedule=format_schedule(need),
            description=do_truncate(
                self.environment, need.public_description or "", DESCRIPTION_LENGTH
            ),
            free=ngettext("%(num)d Platz frei", "%(num)d Plätze frei", free),
            languages=", ".join(self.languages.get(code, code) for code in need.languages),
            certificate=need.requires_conduct_certificate,
            claimed=entry.claimed,
            fit=fit,
        )
