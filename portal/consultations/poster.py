"""The poster of a town hall (PDF, A4): the consultation hours of the next three months, in
German, then a part in each language the municipality's hours offer that the public pages
speak (Arabic and Farsi set right to left). Printed and hung up in the town hall.

The German table lists every date (a cancelled one says so); each other language's part tells
what the consultation is, when it is held (weekday, time, place, walk-in or by appointment) and
whom to call, and points to the dates in the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.lists import format_list
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from portal.consultations.public import POSTER_DAYS, language_list, poster_languages
from portal.consultations.queries import upcoming
from portal.consultations.recurrence import Occurrence
from portal.core import documents as doc
from portal.core.formatting import format_day, format_span
from portal.core.labels import label
from portal.municipalities.models import Municipality


def title(municipality: Municipality) -> str:
    return _("Beratung und Sprechstunden in %(municipality)s", municipality=municipality.name)


def kind(occurrence: Occurrence) -> str:
    """Walk-in or by appointment; a cancelled date, or one in another room, says so."""
    if occurrence.cancelled:
        return label("exception_kind", "cancelled")
    booking = label("booking", "walk_in" if occurrence.walk_in else "appointment")
    if occurrence.room_changed:
        return f"{booking} ({label('exception_kind', 'moved')})"
    return booking


def when(o: Occurrence) -> str:
    return f"{label('weekday', o.on.weekday())}, {format_day(o.on)}, {format_span(o.start, o.end)}"


def date_rows(found: Sequence[Occurrence]) -> list[list[str]]:
    return [
        [
            when(o),
            o.place.name,
            language_list(o.languages),
            kind(o),
        ]
        for o in found
    ]


def places(found: Sequence[Occurrence]) -> list[str]:
    """Each place once, with its address."""
    return list(
        dict.fromkeys(
            ", ".join(part for part in (o.place.name, o.place.address) if part) for o in found
        )
    )


def regular_lines(found: Sequence[Occurrence]) -> list[str]:
    """Each regular consultation hour once: weekday, time, place, walk-in or appointment,
    languages (in the current language)."""
    seen: dict[tuple[int, str], str] = {}
    for o in found:
        if o.cancelled or o.room_changed:
            continue
        key = (o.hours_id, o.place.name)
        if key not in seen:
            seen[key] = _(
                "%(weekday)s, %(time)s: %(place)s – %(kind)s – %(languages)s",
                weekday=label("weekday", o.on.weekday()),
                time=format_span(o.start, o.end),
                place=o.place.name,
                kind=kind(o),
                languages=language_list(o.languages),
            )
    return list(seen.values())


def phones(found: Sequence[Occurrence]) -> str:
    """The places' phone numbers. They stand on a line of their own: after Arabic letters the
    bidi algorithm would take ``07222 381-0`` apart (``0-07222 381``)."""
    numbers = dict.fromkeys(o.place.phone for o in found if o.place.phone)
    return format_list(list(numbers), locale=get_locale() or "de")


def intro(found: Sequence[Occurrence], lang: str = "") -> list[doc.Block]:
    texts = [
        _(
            "Das Integrationsmanagement des Landratsamts berät geflüchtete Menschen kostenlos"
            " und vertraulich: zu Arbeit, Wohnen, Aufenthalt, Sprachkursen und allem, was beim"
            " Ankommen hilft."
        ),
        _(
            "Offene Sprechstunde: Sie können ohne Termin kommen. Mit Termin: Bitte rufen Sie"
            " vorher an."
        ),
    ]
    blocks: list[doc.Block] = [doc.Paragraph(text, lang=lang) for text in texts]
    if phones(found):
        blocks.append(doc.Paragraph(_("Telefon für Termine und Fragen:"), bold=True, lang=lang))
        blocks.append(doc.Paragraph(phones(found), lang=lang))
    return blocks


def german_part(
    municipality: Municipality, until: date, found: Sequence[Occurrence]
) -> list[doc.Block]:
    blocks: list[doc.Block] = [doc.Heading(title(municipality))]
    blocks += intro(found)
    if not found:
        return [*blocks, doc.Paragraph(_("In den nächsten Monaten sind keine Termine geplant."))]
    blocks.append(doc.Paragraph(_("Wo:"), bold=True))
    blocks.append(doc.BulletList(places(found)))
    header = [_("Datum und Uhrzeit"), _("Ort"), _("Sprachen"), _("Art der Sprechstunde")]
    blocks.append(doc.Heading(_("Die Termine bis %(day)s", day=format_day(until)), level=2))
    blocks.append(doc.Table(header, date_rows(found), widths=(2.1, 1.7, 1.7, 1.5)))
    return blocks


def other_part(
    lang: str, municipality: Municipality, found: Sequence[Occurrence]
) -> list[doc.Block]:
    blocks: list[doc.Block] = [doc.Heading(title(municipality), level=2, lang=lang)]
    blocks += intro(found, lang)
    if found:
        blocks.append(doc.Paragraph(_("Wann und wo:"), bold=True, lang=lang))
        blocks.append(doc.BulletList(regular_lines(found), lang=lang))
        blocks.append(doc.Paragraph(_("Alle Termine stehen in der Tabelle oben."), lang=lang))
    return blocks


def render(municipality: Municipality, start: date) -> bytes:
    found = upcoming(municipality.id, start, POSTER_DAYS)
    last = start if not found else found[-1].on
    blocks: list[doc.Block] = []
    with force_locale("de"):
        blocks += german_part(municipality, last, found)
    for lang in poster_languages(found)[1:]:
        with force_locale(lang):
            blocks += other_part(lang, municipality, found)
    with force_locale("de"):
        return doc.render(title(municipality), "de", blocks)
