"""What anyone may read about consultation hours, without logging in: the municipalities that
have hours, the next dates of one municipality, and its poster.

Everything here is built from the read API (`portal.consultations.queries`): places, times,
languages offered, walk-in or by appointment, the phone to call. Nothing personal: no manager's
name, no bookings. A map link searches the address on OpenStreetMap; the page itself loads
nothing from elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from babel.lists import format_list
from flask import abort, current_app
from flask_babel import get_locale
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import joinedload

from portal.consultations.models import ConsultationHours
from portal.consultations.queries import upcoming
from portal.consultations.recurrence import Occurrence
from portal.core.collation import german
from portal.core.labels import label
from portal.core.pagination import MAX_PAGE, ListPage
from portal.extensions import db
from portal.municipalities.models import Municipality

#: how far ahead the public page of a municipality looks, and how many dates a page shows
PAGE_DAYS = 8 * 7
DATES_PER_PAGE = 20
#: how far ahead a poster looks (the next three months)
POSTER_DAYS = 92
OSM_SEARCH = "https://www.openstreetmap.org/search"


def with_hours_stmt(on: date) -> Select[Any]:
    """Municipalities with consultation hours running on ``on`` or later, by name (the index
    page pages through it in SQL)."""
    running = exists().where(
        ConsultationHours.municipality_id == Municipality.id,
        or_(ConsultationHours.valid_until.is_(None), ConsultationHours.valid_until >= on),
    )
    return (
        select(Municipality)
        .where(running)
        .options(joinedload(Municipality.office))
        .order_by(german(Municipality.name), Municipality.id)
    )


def municipality_or_404(municipality_id: int) -> Municipality:
    if not 0 < municipality_id <= 2**31 - 1:
        abort(404)
    return db.get_or_404(Municipality, municipality_id)


def dates_page(municipality_id: int, start: date, page: int) -> ListPage:
    """The dates of the next `PAGE_DAYS` days, `DATES_PER_PAGE` at a time (404 beyond the
    last page). The window is bounded, so are the rows; three queries whatever the page."""
    found = upcoming(municipality_id, start, PAGE_DAYS)
    pages = max(1, -(-len(found) // DATES_PER_PAGE))
    if page > min(pages, MAX_PAGE):
        abort(404)
    first = (page - 1) * DATES_PER_PAGE
    return ListPage(found[first : first + DATES_PER_PAGE], page, DATES_PER_PAGE, len(found))


def map_url(address: str, municipality: str) -> str:
    """An OpenStreetMap search for the address (a link: the page loads nothing from there)."""
    where = (
        address if municipality.casefold() in address.casefold() else f"{address}, {municipality}"
    )
    return f"{OSM_SEARCH}?{urlencode({'query': where})}"


def poster_languages(occurrences: Sequence[Occurrence]) -> list[str]:
    """The languages a poster is written in: German, then those of PUBLIC_LANGUAGES the
    municipality's hours offer (in the settings' order)."""
    offered = {code for o in occurrences for code in o.languages}
    public = current_app.config["PUBLIC_LANGUAGES"]
    return ["de", *(code for code in public if code != "de" and code in offered)]


def window_end(start: date, days: int) -> date:
    return start + timedelta(days=days - 1)


def language_list(codes: Sequence[str]) -> str:
    """Language names as a list in the current language (``Deutsch, Arabisch und Farsi``,
    ``الألمانية والعربية والفارسية``)."""
    names = [label("language", code) for code in codes]
    return format_list(names, locale=get_locale() or "de") if names else "–"
