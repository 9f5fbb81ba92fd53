"""The daily certificate-of-conduct reminder: 8 weeks before expiry, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.time import today_local
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from portal.volunteers import certificates, decisions
from portal.volunteers.models import ConductCertificateCheck, VolunteerEvent
from tests import factories
from tests.factories_volunteers import certificate, volunteer_profile


def issued_for_expiry_in(days: int):
    return certificates.add_years(today_local() + timedelta(days=days), -5)


def mails() -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))


@pytest.fixture
def towns(app):
    towns = factories.reference_data()
    db.session.commit()
    return towns


def test_reminder_goes_to_volunteer_and_coordinators_once(app, towns):
    g = towns["Gaggenau"]
    factories.coordinator(g, email="k1@example.org")
    factories.coordinator(g, email="k2@example.org", locale="en")
    factories.coordinator(towns["Bühl"], email="other@example.org")
    profile = volunteer_profile(g, "approved", email="v@example.org", name="Vera Volk")
    check = certificate(profile, issued_for_expiry_in(40))
    # Not yet due (more than 8 weeks) and already expired: no reminder.
    certificate(volunteer_profile(g, "approved"), issued_for_expiry_in(70))
    certificate(volunteer_profile(g, "approved"), issued_for_expiry_in(-1))
    db.session.commit()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "run"])
    assert result.exit_code == 0, result.output
    assert "conduct_certificates: 1" in result.output
    sent = mails()
    assert sorted(m.recipient for m in sent) == [
        "k1@example.org",
        "k2@example.org",
        "v@example.org",
    ]
    to_volunteer = next(m for m in sent if m.recipient == "v@example.org")
    assert to_volunteer.template == "volunteer_certificate_expiring"
    assert "k1@example.org" in to_volunteer.body_text
    to_coordinator = next(m for m in sent if m.recipient == "k1@example.org")
    assert "Vera Volk" in to_coordinator.subject
    assert next(m for m in sent if m.recipient == "k2@example.org").locale == "en"
    db.session.expire_all()
    assert db.session.get(ConductCertificateCheck, check.id).reminder_sent_at is not None
    kinds = db.session.scalars(select(VolunteerEvent.kind)).all()
    assert kinds == ["certificate_reminder"]

    # The next day's run sends nothing again.
    result = runner.invoke(args=["reminders", "run"])
    assert "conduct_certificates: 0" in result.output
    assert len(mails()) == 3
    assert decisions.send_certificate_reminders(today_local() + timedelta(days=1)) == 0
    assert len(mails()) == 3


def test_exactly_eight_weeks_before_expiry_is_due(towns):
    profile = volunteer_profile(towns["Gaggenau"], "approved")
    certificate(profile, issued_for_expiry_in(56))
    db.session.commit()
    assert decisions.send_certificate_reminders(today_local() - timedelta(days=1)) == 0
    assert decisions.send_certificate_reminders(today_local()) == 1


def test_a_renewed_certificate_is_not_reminded(towns):
    profile = volunteer_profile(towns["Gaggenau"], "approved")
    certificate(profile, issued_for_expiry_in(20))
    certificate(profile, today_local() - timedelta(days=2))
    db.session.commit()
    assert decisions.send_certificate_reminders() == 0
    assert mails() == []


def test_rejected_volunteers_are_not_reminded(towns):
    profile = volunteer_profile(towns["Gaggenau"], "rejected")
    certificate(profile, issued_for_expiry_in(20))
    db.session.commit()
    assert decisions.send_certificate_reminders() == 0


def test_the_demo_data_is_idempotent_and_has_certificates_expiring_soon(app):
    from portal.demo import seed

    first = seed()
    assert first["certificate_checks_added"] == 2
    checks = db.session.scalar(select(func.count()).select_from(ConductCertificateCheck))
    assert checks > 2  # the named volunteers' two and those of the year's history
    assert seed()["certificate_checks_added"] == 0
    assert db.session.scalar(select(func.count()).select_from(ConductCertificateCheck)) == checks
    assert db.session.scalar(select(func.count()).select_from(VolunteerEvent)) >= 7
    assert decisions.send_certificate_reminders() >= 2  # Olena Kovalenko's and the history's
    assert decisions.send_certificate_reminders() == 0  # each is reminded once
