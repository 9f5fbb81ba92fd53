"""Pure rules of the volunteer domain: transitions, certificate validity, work with minors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import portal.models  # noqa: F401 - every model, so that the mappers configure
from portal.volunteers import certificates, decisions
from portal.volunteers.models import ConductCertificateCheck, VolunteerProfile


def profile(status: str = "approved", *checks: tuple[date, date]) -> VolunteerProfile:
    p = VolunteerProfile(status=status, interests=["youth_family"])
    for issued, until in checks:
        p.certificate_checks.append(
            ConductCertificateCheck(issued_on=issued, seen_on=issued, valid_until=until)
        )
    return p


DAY = date(2026, 11, 25)


def test_the_transition_table():
    assert decisions.allowed_actions(profile("pending")) == ["approve", "reject", "request_info"]
    assert decisions.allowed_actions(profile("approved")) == ["suspend"]
    assert decisions.allowed_actions(profile("suspended")) == ["reinstate"]
    assert decisions.allowed_actions(profile("rejected")) == []
    # Everything but approval needs a reason.
    assert {a for a, t in decisions.TRANSITIONS.items() if not t.reason_required} == {"approve"}


def test_validity_is_counted_from_the_date_of_issue():
    assert certificates.add_years(date(2026, 3, 1), 5) == date(2031, 3, 1)
    assert certificates.add_years(date(2028, 2, 29), 5) == date(2033, 2, 28)


@pytest.mark.parametrize(
    ("until", "kind"),
    [
        (None, certificates.MISSING),
        (DAY - timedelta(days=1), certificates.EXPIRED),
        (DAY, certificates.EXPIRING),
        (DAY + timedelta(weeks=8), certificates.EXPIRING),
        (DAY + timedelta(weeks=8, days=1), certificates.VALID),
    ],
)
def test_certificate_state(until, kind):
    checks = [(date(2021, 1, 1), until)] if until else []
    state = certificates.certificate_state(profile("approved", *checks), DAY)
    assert state.kind == kind
    assert state.valid_until == until


def test_the_latest_check_decides_the_state():
    p = profile(
        "approved", (date(2021, 1, 1), DAY - timedelta(days=3)), (DAY, DAY.replace(year=2031))
    )
    assert certificates.certificate_state(p, DAY).kind == certificates.VALID


def test_may_work_with_minors():
    check = (date(2024, 1, 10), date(2029, 1, 10))
    assert certificates.may_work_with_minors(profile("approved", check), date(2026, 6, 1))
    assert certificates.may_work_with_minors(profile("approved", check), date(2029, 1, 10))
    assert not certificates.may_work_with_minors(profile("approved", check), date(2029, 1, 11))
    assert not certificates.may_work_with_minors(profile("approved", check), date(2024, 1, 9))
    assert not certificates.may_work_with_minors(profile("approved"), date(2026, 6, 1))
    for status in ("pending", "rejected", "suspended"):
        assert not certificates.may_work_with_minors(profile(status, check), date(2026, 6, 1))


def test_youth_work_asks_for_a_certificate():
    assert certificates.needs_certificate(profile("approved"), DAY)
    valid = profile("approved", (DAY, DAY.replace(year=2031)))
    assert not certificates.needs_certificate(valid, DAY)
    other = VolunteerProfile(status="approved", interests=["tutoring"])
    assert not certificates.needs_certificate(other, DAY)
