"""Certificates of conduct (erweitertes Führungszeugnis, §72a SGB VIII): the state of a
volunteer's recorded inspections and who may work with minors. Only the fact and date of an
inspection are stored, never a copy of the document (§72a(5) SGB VIII)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal.core.time import today_local
from portal.needs.models import NeedCategory
from portal.volunteers.models import (
    VolunteerProfile,
    VolunteerStatus,
)

REMINDER_WEEKS = 8

YOUTH_WORK = NeedCategory.YOUTH_FAMILY
"""The interest whose work with minors needs a certificate of conduct (§72a SGB VIII)."""


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


MISSING, VALID, EXPIRING, EXPIRED = "missing", "valid", "expiring", "expired"


@dataclass(frozen=True)
class CertificateState:
    kind: str
    valid_until: date | None = None

    @property
    def label(self) -> str:
        from flask_babel import gettext

        from portal.core.formatting import format_day

        if self.kind == MISSING:
            return gettext("kein Führungszeugnis eingesehen")
        until = format_day(self.valid_until)
        if self.kind == EXPIRED:
            return gettext("abgelaufen am %(date)s", date=until)
        if self.kind == EXPIRING:
            return gettext("läuft bald ab: gültig bis %(date)s", date=until)
        return gettext("gültig bis %(date)s", date=until)

    @property
    def badge(self) -> str:
        return {VALID: "ok", EXPIRING: "warn", EXPIRED: "danger"}.get(self.kind, "")


def latest_valid_until(profile: VolunteerProfile) -> date | None:
    dates = [c.valid_until for c in profile.certificate_checks]
    return max(dates) if dates else None


def certificate_state(profile: VolunteerProfile, on_date: date | None = None) -> CertificateState:
    """missing / valid until … / expiring within 8 weeks / expired, from the latest check."""
    return state_of(latest_valid_until(profile), on_date)


def state_of(until: date | None, on_date: date | None = None) -> CertificateState:
    """`certificate_state` from the latest check's last valid day (None: no check)."""
    on_date = on_date or today_local()
    if until is None:
        return CertificateState(MISSING)
    if until < on_date:
        return CertificateState(EXPIRED, until)
    if until <= on_date + timedelta(weeks=REMINDER_WEEKS):
        return CertificateState(EXPIRING, until)
    return CertificateState(VALID, until)


def may_work_with_minors(profile: VolunteerProfile, on_date: date) -> bool:
    """True when the volunteer is approved and a certificate of conduct inspected by the
    coordination covers ``on_date`` (issued on or before it, valid until on or after it)."""
    if profile.status != VolunteerStatus.APPROVED:
        return False
    return any(c.issued_on <= on_date <= c.valid_until for c in profile.certificate_checks)


def needs_certificate(profile: VolunteerProfile, on_date: date | None = None) -> bool:
    """Youth and family work needs a valid certificate: True when one should be brought."""
    return should_bring(
        YOUTH_WORK in (profile.interests or []), certificate_state(profile, on_date)
    )


def should_bring(youth_work: bool, state: CertificateState) -> bool:
    """`needs_certificate` from whether the volunteer chose youth and family work and the
    state of their certificate."""
    return youth_work and state.kind in (MISSING, EXPIRED, EXPIRING)
