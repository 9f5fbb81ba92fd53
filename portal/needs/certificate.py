"""The Ehrenamtsnachweis: a printable certificate of volunteer work for a chosen period.

Hours by category only; no client, no task titles, no places (they could identify people).
A tagged PDF (`portal.core.documents`) that names the issuing office with its contact and ends
with a line for place, date, signature and stamp. The total appears once, below the table.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from portal.core import documents as doc
from portal.core import labels
from portal.core.formatting import format_day, hours_number
from portal.core.time import today_local
from portal.volunteers.models import VolunteerProfile


def certificate_blocks(
    profile: VolunteerProfile, date_from: date, date_to: date, rows: list[tuple[str, int, int]]
) -> list[doc.Block]:
    name = profile.user.display_name
    total = sum(minutes for _c, _n, minutes in rows)
    count = sum(n for _c, n, _m in rows)
    blocks: list[doc.Block] = [
        doc.Heading(_("Ehrenamtsnachweis")),
        doc.Paragraph(
            _(
                "Hiermit wird bestätigt, dass %(name)s im Zeitraum vom %(first)s bis %(last)s "
                "ehrenamtlich in der Integrationsarbeit im Landkreis Rastatt tätig war.",
                name=name,
                first=format_day(date_from),
                last=format_day(date_to),
            )
        ),
    ]
    if rows:
        blocks.append(
            doc.Table(
                [_("Tätigkeitsbereich"), _("Einsätze"), _("Stunden")],
                [[labels.label("category", c), str(n), hours_number(m)] for c, n, m in rows],
                widths=(3, 1, 1),
            )
        )
    else:
        blocks.append(doc.Paragraph(_("Im gewählten Zeitraum wurden keine Einsätze berichtet.")))
    blocks += [
        doc.Paragraph(
            _("Gesamtstunden: %(hours)s", hours=hours_number(total))
            + " "
            + _("(%(count)s Einsätze)", count=count),
            bold=True,
        ),
        doc.Paragraph(
            _(
                "Grundlage sind die Einsatzberichte, die %(name)s im Ehrenamtsportal abgegeben "
                "hat. Der Nachweis enthält aus Gründen des Datenschutzes keine Angaben zu den "
                "unterstützten Personen.",
                name=name,
            ),
            small=True,
        ),
        doc.Paragraph(_("Erstellt am %(date)s", date=format_day(today_local())), small=True),
        doc.SignatureLine(),
    ]
    return blocks


def render_certificate(
    profile: VolunteerProfile, date_from: date, date_to: date, rows: list[tuple[str, int, int]]
) -> bytes:
    blocks = certificate_blocks(profile, date_from, date_to, rows)
    return doc.render(_("Ehrenamtsnachweis"), doc.current_lang(), blocks)
