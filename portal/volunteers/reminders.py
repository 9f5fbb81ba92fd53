"""Daily reminder: certificates of conduct that expire within 8 weeks (sent once)."""

from __future__ import annotations

from portal.cli import reminder_job
from portal.volunteers.services import send_certificate_reminders


@reminder_job("conduct_certificates")
def conduct_certificates() -> int:
    return send_certificate_reminders()
