"""The Ehrenamtsnachweis: a printable certificate of volunteer work for a chosen period.

Hours by category only; no client, no task titles, no places (they could identify people).
DejaVu Sans is used when the system has it (any Unicode name prints); otherwise fpdf2's core
font with text reduced to Latin-1.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF

from portal.core import labels
from portal.core.formatting import format_day, hours_number
from portal.core.time import today_local
from portal.volunteers.models import VolunteerProfile

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def _latin1(char: str) -> str:
    """A character the core font can print: itself, its base letter (Ş → S), or "?"."""
    try:
        char.encode("latin-1")
    except UnicodeEncodeError:
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        return base[:1] or "?"
    return char


class _Writer:
    def __init__(self) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_margins(22, 22, 22)
        self.pdf.set_auto_page_break(True, margin=22)
        self.unicode = False
        for folder in FONT_DIRS:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.exists() and bold.exists():
                self.pdf.add_font("DejaVu", "", str(regular))
                self.pdf.add_font("DejaVu", "B", str(bold))
                self.family = "DejaVu"
                self.unicode = True
                break
        else:
            self.family = "Helvetica"
        self.pdf.add_page()

    def text(self, value: str) -> str:
        if self.unicode:
            return value
        value = value.replace("–", "-").replace("„", '"').replace("“", '"').replace("’", "'")
        return "".join(_latin1(char) for char in value)

    def line(self, value: str, size: int = 11, bold: bool = False, height: float = 7) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.multi_cell(0, height, self.text(value), align="L", new_x="LMARGIN", new_y="NEXT")

    def row(self, cells: list[str], widths: list[float], bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", 11)
        for i, (value, width) in enumerate(zip(cells, widths, strict=True)):
            align = "L" if i == 0 else "R"
            self.pdf.cell(width, 8, self.text(value), border="B", align=align)
        self.pdf.ln(8)


def render_certificate(
    profile: VolunteerProfile, date_from: date, date_to: date, rows: list[tuple[str, int, int]]
) -> bytes:
    writer = _Writer()
    user = profile.user
    total = sum(minutes for _c, _n, minutes in rows)
    writer.pdf.set_title(writer.text(_("Ehrenamtsnachweis")))
    writer.pdf.set_author(writer.text(_("Ehrenamtsportal Landkreis Rastatt")))
    writer.line(_("Ehrenamtsportal Landkreis Rastatt"), size=10)
    writer.pdf.ln(6)
    writer.line(_("Ehrenamtsnachweis"), size=20, bold=True, height=10)
    writer.pdf.ln(4)
    writer.line(
        _(
            "Hiermit wird bestätigt, dass %(name)s im Zeitraum vom %(first)s bis %(last)s "
            "ehrenamtlich in der Integrationsarbeit im Landkreis Rastatt tätig war.",
            name=user.display_name,
            first=format_day(date_from),
            last=format_day(date_to),
        )
    )
    writer.pdf.ln(4)
    widths = [96.0, 30.0, 40.0]
    writer.row([_("Tätigkeitsbereich"), _("Einsätze"), _("Stunden")], widths, bold=True)
    for category, count, minutes in rows:
        label = labels.label("category", category)
        writer.row([label, str(count), hours_number(minutes)], widths)
    if not rows:
        writer.line(_("Im gewählten Zeitraum wurden keine Einsätze berichtet."))
    writer.row(
        [_("Insgesamt"), str(sum(n for _c, n, _m in rows)), hours_number(total)], widths, bold=True
    )
    writer.pdf.ln(6)
    writer.line(_("Gesamtstunden: %(hours)s", hours=hours_number(total)), bold=True)
    writer.pdf.ln(4)
    writer.line(
        _(
            "Grundlage sind die Einsatzberichte, die %(name)s im Ehrenamtsportal abgegeben hat. "
            "Der Nachweis enthält aus Gründen des Datenschutzes keine Angaben zu den "
            "unterstützten Personen.",
            name=user.display_name,
        ),
        size=9,
        height=5,
    )
    writer.pdf.ln(8)
    writer.line(_("Erstellt am %(date)s", date=format_day(today_local())), size=10, height=6)
    return bytes(writer.pdf.output())
