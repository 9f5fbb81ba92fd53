"""Import every model so that metadata (and Alembic) sees the whole schema."""

from portal.announcements.models import Announcement, AnnouncementRecipient
from portal.audit.models import AuditEvent
from portal.auth.models import Membership, Role, User
from portal.auth.security_models import (
    LoginSession,
    RecoveryCode,
    TotpCredential,
    TrustedDevice,
    TwoFactorPolicy,
)
from portal.consultations.models import (
    Appointment,
    ConsultationException,
    ConsultationHours,
    ConsultationLanguage,
    ConsultationPlace,
    HomeVisit,
    HomeVisitTopic,
    ManagerCalendarToken,
    WalkInCount,
)
from portal.conversations.models import ConversationMessage, ConversationRead
from portal.municipalities.models import Municipality, Office
from portal.needs.models import Assignment, Need
from portal.needs.report_models import Report
from portal.notifications.models import (
    DigestItem,
    NotificationPreference,
    OutboundEmail,
)
from portal.plans.models import Client, Goal, IntegrationPlan, ReferenceCounter, Step
from portal.volunteers.models import ConductCertificateCheck, VolunteerProfile

__all__ = [
    "Announcement",
    "AnnouncementRecipient",
    "Appointment",
    "Assignment",
    "AuditEvent",
    "Client",
    "ConductCertificateCheck",
    "ConsultationException",
    "ConsultationHours",
    "ConsultationLanguage",
    "ConsultationPlace",
    "ConversationMessage",
    "ConversationRead",
    "DigestItem",
    "Goal",
    "HomeVisit",
    "HomeVisitTopic",
    "IntegrationPlan",
    "LoginSession",
    "ManagerCalendarToken",
    "Membership",
    "Municipality",
    "Need",
    "NotificationPreference",
    "Office",
    "OutboundEmail",
    "RecoveryCode",
    "ReferenceCounter",
    "Report",
    "Role",
    "Step",
    "TotpCredential",
    "TrustedDevice",
    "TwoFactorPolicy",
    "User",
    "VolunteerProfile",
    "WalkInCount",
]
