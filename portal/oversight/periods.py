"""The reporting period: a quarter, a half-year or a year, chosen in a validated GET form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, ValidationError

from portal.core.forms import PortalForm
from portal.core.time import today_local

MONTHS = {"quarter": 3, "half": 6, "year": 12}
FIRST_YEAR, LAST_YEAR = 2020, 2100


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int

    @property
    def first(self) -> date:
        return date(self.year, (self.number - 1) * MONTHS[self.kind] + 1, 1)

    @property
    def last(self) -> date:
        month = self.number * MONTHS[self.kind]
        following = date(self.year + month // 12, month % 12 + 1, 1)
        return following - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return _("%(number)d. Quartal %(year)d", number=self.number, year=self.year)
        if self.kind == "half":
            return _("%(number)d. Halbjahr %(year)d", number=self.number, year=self.year)
        return _("Jahr %(year)d", year=self.year)

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.kind}-{self.number}"


def current_quarter(today: date | None = None) -> Period:
    today = today or today_local()
    return Period("quarter", today.year, (today.month - 1) // 3 + 1)


class PeriodForm(PortalForm):
    """GET form (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Zeitraum"),
        choices=[
            SelectChoice("quarter", _l("Quartal")),
            SelectChoice("half", _l("Halbjahr")),
            SelectChoice("year", _l("Jahr")),
        ],
        default="quarter",
    )
    year = IntegerField(
        _l("Jahr"),
        validators=[InputRequired(), NumberRange(min=FIRST_YEAR, max=LAST_YEAR)],
    )
    number = SelectField(
        _l("Quartal oder Halbjahr"),
        choices=[SelectChoice(n, str(n)) for n in range(1, 5)],
        coerce=int,
        default=1,
    )

    def validate_number(self, field: SelectField) -> None:
        most = 4 if self.kind.data == "quarter" else 2 if self.kind.data == "half" else 4
        if not 1 <= int(field.data or 0) <= most:
            raise ValidationError(_("Bitte eine Zahl von 1 bis %(most)d.", most=most))

    def period(self, asked: bool) -> tuple[Period, bool]:
        """The chosen period and whether the input was valid; without any input (``asked``
        false) the current quarter."""
        if not asked:
            current = current_quarter()
            self.kind.data, self.year.data, self.number.data = (
                "quarter",
                current.year,
                current.number,
            )
            return current, True
        if not self.validate():
            return current_quarter(), False
        number = 1 if self.kind.data == "year" else int(self.number.data or 1)
        return Period(str(self.kind.data), int(self.year.data or 0), number), True
