"""The records of processing activities (GDPR Art. 30), declared once, beside the schema.

Every table of the database has exactly one entry in `TABLES`: the processing activity it serves
(`ACTIVITIES`: purpose, legal basis, data subjects, recipients, storage period) and the
categories of personal data it holds, each naming its columns. The admins' page is generated
from these declarations, and a test holds them to ``db.metadata``: a table without a
declaration, or a declaration naming a table or column that does not exist, fails it.

Storage periods name their settings as ``%(RETENTION_…)s``; the page fills in the values in
force, so the record always states the periods the retention job applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Activity:
    """One processing activity of the record (Art. 30 (1) b–f GDPR)."""

    name: Any
    purpose: Any
    legal_basis: Any
    subjects: Any
    recipients: Any
    retention: Any
    special_categories: bool = False


@dataclass(frozen=True)
class TableDeclaration:
    activity: str
    #: category of personal data (a lazy string) -> the columns that hold it
    categories: Mapping[Any, tuple[str, ...]] = field(default_factory=dict)


_PUBLIC_TASK = _l(
    "Art. 6 Abs. 1 lit. e, Abs. 3 DSGVO i. V. m. § 4 LDSG (Aufgabe Integrationsmanagement des "
    "Landkreises)"
)

ACTIVITIES: dict[str, Activity] = {
    "accounts": Activity(
        name=_l("Konten, Anmeldung und Rollen"),
        purpose=_l(
            "Zugang zum Portal, Zuordnung von Rollen und Zuständigkeiten, Schutz der Konten "
            "(Zwei-Faktor-Anmeldung, Sitzungen)."
        ),
        legal_basis=_l(
            "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 4 LDSG; für Beschäftigte § 15 LDSG; "
            "Sicherheit der Verarbeitung: Art. 6 Abs. 1 lit. c, Art. 32 DSGVO"
        ),
        subjects=_l("Ehrenamtliche, Beschäftigte des Landratsamts und der Gemeinden"),
        recipients=_l(
            "Administration des Landratsamts; IT-Dienstleister als Auftragsverarbeiter "
            "(Art. 28 DSGVO)"
        ),
        retention=_l(
            "bis zur Löschung des Kontos; Konten von Ehrenamtlichen nach "
            "%(RETENTION_INACTIVE_VOLUNTEER_MONTHS)s Monaten ohne Aktivität und vorheriger "
            "Warnung; Anmeldesitzungen bis zu ihrem Ablauf"
        ),
    ),
    "volunteering": Activity(
        name=_l("Gewinnung, Prüfung und Einsatz von Ehrenamtlichen"),
        purpose=_l(
            "Bewerbung und Freigabe von Ehrenamtlichen, Vermittlung passender Aufgaben, "
            "Einsatzplanung, Berichte und Stundennachweise."
        ),
        legal_basis=_l(
            "Art. 6 Abs. 1 lit. e, Abs. 3 DSGVO i. V. m. § 4 LDSG; freiwillige Angaben "
            "(Motivation): Art. 6 Abs. 1 lit. a DSGVO"
        ),
        subjects=_l("Ehrenamtliche"),
        recipients=_l(
            "Koordination der Gemeinden, zuständige Integrationsmanagerinnen und "
            "Integrationsmanager; IT-Dienstleister als Auftragsverarbeiter"
        ),
        retention=_l(
            "bis zur Löschung des Kontos, spätestens %(RETENTION_INACTIVE_VOLUNTEER_MONTHS)s "
            "Monate nach der letzten Aktivität"
        ),
    ),
    "conduct_certificate": Activity(
        name=_l("Einsichtnahme in das erweiterte Führungszeugnis"),
        purpose=_l(
            "Nachweis, dass Ehrenamtliche, die mit Minderjährigen arbeiten, nicht wegen einer "
            "in § 72a Abs. 1 SGB VIII genannten Straftat verurteilt sind."
        ),
        legal_basis=_l("Art. 6 Abs. 1 lit. c DSGVO i. V. m. § 72a Abs. 3 bis 5 SGB VIII"),
        subjects=_l("Ehrenamtliche in Aufgaben mit Minderjährigen"),
        recipients=_l("Koordination der Gemeinde"),
        retention=_l(
            "gespeichert werden nur Tatsache und Datum der Einsichtnahme, nie das Zeugnis; "
            "Löschung spätestens sechs Monate nach der letzten Tätigkeit (§ 72a Abs. 5 SGB VIII)"
        ),
    ),
    "case_management": Activity(
        name=_l("Integrationsmanagement: Begleitung geflüchteter Menschen"),
        purpose=_l(
            "Integrationspläne, Ziele und Schritte der begleiteten Menschen; daraus "
            "veröffentlichte Bedarfe ohne Angaben zur Person."
        ),
        legal_basis=_l(
            "Art. 6 Abs. 1 lit. e, Abs. 3 DSGVO i. V. m. § 4 LDSG; besondere Kategorien "
            "(z. B. Gesundheit): Art. 9 Abs. 2 lit. g und h, Abs. 3 DSGVO mit Schutzmaßnahmen "
            "nach § 3 LDSG"
        ),
        subjects=_l("begleitete Menschen und ihre Haushaltsangehörigen"),
        recipients=_l(
            "nur die zuständigen Integrationsmanagerinnen und Integrationsmanager; "
            "Ehrenamtliche sehen nur die Aufgabe, nie Name, Anschrift oder Aktenzeichen"
        ),
        retention=_l(
            "%(RETENTION_CLOSED_CLIENT_YEARS)s Jahre nach Abschluss der Begleitung, dann "
            "gelöscht oder anonymisiert"
        ),
        special_categories=True,
    ),
    "tasks": Activity(
        name=_l("Bedarfe, Übernahmen und Berichte"),
        purpose=_l(
            "Veröffentlichung von Aufgaben für Ehrenamtliche, Übernahme, Rückmeldung und "
            "Hinweise auf Gefährdungen."
        ),
        legal_basis=_PUBLIC_TASK,
        subjects=_l("Ehrenamtliche; begleitete Menschen (nur pseudonym)"),
        recipients=_l(
            "zuständige Integrationsmanagerinnen und Integrationsmanager; die übernehmenden "
            "Ehrenamtlichen (Aufgabe und Treffpunkt)"
        ),
        retention=_l("mit dem Fall: %(RETENTION_CLOSED_CLIENT_YEARS)s Jahre nach Abschluss"),
        special_categories=True,
    ),
    "consultations": Activity(
        name=_l("Sprechstunden, Termine und Hausbesuche"),
        purpose=_l(
            "Sprechstunden des Integrationsmanagements veröffentlichen, Termine für begleitete "
            "Menschen buchen und absagen, Hausbesuche dokumentieren; Besucherzahlen ohne Namen "
            "für die Statistik."
        ),
        legal_basis=_PUBLIC_TASK,
        subjects=_l(
            "begleitete Menschen; Integrationsmanagerinnen und Integrationsmanager; "
            "begleitende Ehrenamtliche (nur über den verknüpften Bedarf)"
        ),
        recipients=_l(
            "zuständige Integrationsmanagerinnen und Integrationsmanager; Koordination der "
            "Gemeinde (nur Aktenzeichen); begleitende Ehrenamtliche erfahren nur Datum und Ort"
        ),
        retention=_l(
            "Termine und Hausbesuche mit dem Fall: %(RETENTION_CLOSED_CLIENT_YEARS)s Jahre nach "
            "Abschluss; Besucherzahlen ohne Personenbezug unbefristet"
        ),
        special_categories=True,
    ),
    "mail": Activity(
        name=_l("E-Mail-Benachrichtigungen"),
        purpose=_l(
            "Zustellung von Benachrichtigungen (Bestätigungen, Zusagen, Erinnerungen, "
            "Rückmeldungen zur Barrierefreiheit)."
        ),
        legal_basis=_PUBLIC_TASK,
        subjects=_l("Empfängerinnen und Empfänger der Nachrichten"),
        recipients=_l("E-Mail-Dienstleister als Auftragsverarbeiter (Art. 28 DSGVO)"),
        retention=_l("Inhalt %(RETENTION_SENT_MAIL_DAYS)s Tage nach dem Versand gelöscht"),
    ),
    "exchange": Activity(
        name=_l("Austausch zwischen Hauptamt und Ehrenamt"),
        purpose=_l(
            "Nachrichten zu einer Aufgabe zwischen Integrationsmanagement und den eingetragenen "
            "Ehrenamtlichen, Rundschreiben von Koordination und Integrationsmanagement, "
            "Bestätigung geänderter Termine, Einstellungen zu Benachrichtigungen."
        ),
        legal_basis=_PUBLIC_TASK,
        subjects=_l("Ehrenamtliche, Beschäftigte des Landratsamts und der Gemeinden"),
        recipients=_l(
            "die Mitglieder des Gesprächs einer Aufgabe (Integrationsmanagement der Gemeinde, "
            "eingetragene Ehrenamtliche); die Empfängerinnen und Empfänger eines Rundschreibens"
        ),
        retention=_l(
            "Nachrichten %(RETENTION_CONVERSATION_MONTHS)s Monate nach Abschluss der Aufgabe, "
            "Rundschreiben %(RETENTION_ANNOUNCEMENT_MONTHS)s Monate nach dem Versand; "
            "Einstellungen bis zur Löschung des Kontos"
        ),
    ),
    "audit": Activity(
        name=_l("Protokollierung"),
        purpose=_l(
            "Nachweis, wer wann auf Falldaten zugegriffen und was geändert hat; Aufklärung "
            "von Missbrauch."
        ),
        legal_basis=_l("Art. 6 Abs. 1 lit. c DSGVO i. V. m. Art. 5 Abs. 2 und Art. 32 DSGVO"),
        subjects=_l("alle, die das Portal nutzen"),
        recipients=_l("Administration; auf Anfrage die oder der Datenschutzbeauftragte"),
        retention=_l("%(RETENTION_AUDIT_YEARS)s Jahre"),
    ),
    "reference": Activity(
        name=_l("Stammdaten (keine personenbezogenen Daten)"),
        purpose=_l("Gemeinden, Außenstellen, Zähler für Aktenzeichen, Einstellungen."),
        legal_basis=_l("keine Verarbeitung personenbezogener Daten"),
        subjects=_l("keine"),
        recipients=_l("alle Angemeldeten, soweit angezeigt"),
        retention=_l("unbefristet"),
    ),
}

_IDENTITY = _l("Identifikationsdaten")
_CONTACT = _l("Kontaktdaten")
_ACCOUNT = _l("Zugangsdaten und Sicherheitsmerkmale")
_USAGE = _l("Nutzungsdaten")
_PROFILE = _l("Angaben zum Engagement")
_DECISION = _l("Prüfung und Entscheidung")
_CASE = _l("Falldaten (teils besondere Kategorien)")
_TASK = _l("Aufgabenbeschreibung")
_REPORT = _l("Berichte und Hinweise")
_MESSAGE = _l("Nachrichteninhalte")
_LOG = _l("Protokolldaten")
_CERT = _l("Datum und Ergebnis der Einsichtnahme")
_VISIT = _l("Termine und Besuche")

TABLES: dict[str, TableDeclaration] = {
    "user": TableDeclaration(
        "accounts",
        {
            _IDENTITY: ("display_name",),
            _CONTACT: ("email",),
            _ACCOUNT: ("password_hash", "session_token", "email_verified_at", "active"),
            _USAGE: ("locale", "last_login_at", "created_at", "privacy_version", "unread_messages"),
        },
    ),
    "membership": TableDeclaration("accounts", {_ACCOUNT: ("user_id", "role")}),
    "login_session": TableDeclaration(
        "accounts", {_ACCOUNT: ("user_id", "token_hash"), _USAGE: ("created_at", "expires_at")}
    ),
    "recovery_code": TableDeclaration("accounts", {_ACCOUNT: ("user_id", "code_hash")}),
    "totp_credential": TableDeclaration("accounts", {_ACCOUNT: ("user_id", "secret")}),
    "trusted_device": TableDeclaration("accounts", {_ACCOUNT: ("user_id", "token_hash")}),
    "two_factor_policy": TableDeclaration("accounts", {_LOG: ("changed_by_id", "changed_at")}),
    "volunteer_profile": TableDeclaration(
        "volunteering",
        {
            _CONTACT: ("phone",),
            _PROFILE: ("home_municipality_id", "has_car", "motivation"),
            _DECISION: ("status", "decided_by_id", "decided_at", "decision_reason"),
            _USAGE: ("consent_version", "consent_at", "pledge_signed_at", "submitted_at"),
        },
    ),
    "volunteer_availability": TableDeclaration(
        "volunteering", {_PROFILE: ("weekday", "part_of_day")}
    ),
    "volunteer_interest": TableDeclaration("volunteering", {_PROFILE: ("category",)}),
    "volunteer_language": TableDeclaration("volunteering", {_PROFILE: ("code", "level")}),
    "volunteer_municipality": TableDeclaration("volunteering", {_PROFILE: ("municipality_id",)}),
    "volunteer_event": TableDeclaration(
        "volunteering", {_DECISION: ("kind", "from_status", "to_status", "message", "actor_id")}
    ),
    "calendar_feed_token": TableDeclaration("volunteering", {_ACCOUNT: ("token",)}),
    "conduct_certificate_check": TableDeclaration(
        "conduct_certificate", {_CERT: ("issued_on", "seen_on", "seen_by_id", "valid_until")}
    ),
    "client": TableDeclaration(
        "case_management",
        {
            _IDENTITY: ("name", "reference"),
            _CONTACT: ("contact",),
            _CASE: ("household", "municipality_id", "manager_id", "status", "closed_on"),
        },
    ),
    "client_language": TableDeclaration("case_management", {_CASE: ("code",)}),
    "integration_plan": TableDeclaration(
        "case_management", {_CASE: ("agreed_on", "next_review_on")}
    ),
    "goal": TableDeclaration("case_management", {_CASE: ("area", "text", "status")}),
    "step": TableDeclaration("case_management", {_CASE: ("text", "due_on", "actor", "partner")}),
    "need": TableDeclaration(
        "tasks",
        {
            _TASK: (
                "title",
                "public_description",
                "meeting_point",
                "starts_at",
                "ends_at",
                "language_codes",
            ),
            _CASE: ("private_notes", "source_step_id"),
        },
    ),
    "need_language": TableDeclaration("tasks", {_TASK: ("code",)}),
    "assignment": TableDeclaration(
        "tasks",
        {
            _PROFILE: (
                "volunteer_id",
                "status",
                "claimed_at",
                "ended_at",
                "reason",
                "change_notified_at",
                "change_confirmed_at",
                "reported_at",
            )
        },
    ),
    "conversation_message": TableDeclaration(
        "exchange",
        {_MESSAGE: ("body", "edited_at"), _USAGE: ("author_id", "author_role", "created_at")},
    ),
    "conversation_read": TableDeclaration("exchange", {_USAGE: ("user_id", "unread", "read_at")}),
    "announcement": TableDeclaration(
        "exchange",
        {_MESSAGE: ("subject", "body"), _USAGE: ("sender_id", "sender_role", "created_at")},
    ),
    "announcement_recipient": TableDeclaration("exchange", {_USAGE: ("user_id",)}),
    "notification_preference": TableDeclaration(
        "exchange", {_USAGE: ("user_id", "kind", "mode", "changed_at")}
    ),
    "digest_item": TableDeclaration(
        "mail", {_CONTACT: ("user_id",), _MESSAGE: ("title", "body", "link")}
    ),
    "report": TableDeclaration(
        "tasks",
        {
            _REPORT: (
                "volunteer_id",
                "activity_on",
                "minutes",
                "outcome",
                "follow_up_needed",
                "concern",
            ),
            _DECISION: ("acknowledged_by_id", "acknowledged_at"),
        },
    ),
    "outbound_email": TableDeclaration(
        "mail",
        {_CONTACT: ("recipient", "headers"), _MESSAGE: ("subject", "body_text", "body_html")},
    ),
    "audit_event": TableDeclaration(
        "audit", {_LOG: ("at", "actor_id", "action", "object_type", "object_id", "details")}
    ),
    "consultation_place": TableDeclaration("reference"),
    "consultation_hours": TableDeclaration("consultations", {_ACCOUNT: ("manager_id",)}),
    "consultation_language": TableDeclaration("reference"),
    "consultation_exception": TableDeclaration("consultations", {_LOG: ("created_by_id",)}),
    "consultation_appointment": TableDeclaration(
        "consultations",
        {
            _VISIT: ("client_id", "on_date", "slot_start", "slot_end", "status", "need_id"),
            _LOG: ("booked_by_id", "booked_at", "cancelled_at"),
        },
    ),
    "consultation_walk_in": TableDeclaration("consultations", {_LOG: ("recorded_by_id",)}),
    "home_visit": TableDeclaration(
        "consultations",
        {
            _VISIT: ("client_id", "visited_on", "place_type", "duration_minutes"),
            _LOG: ("manager_id", "created_at"),
        },
    ),
    "home_visit_topic": TableDeclaration("consultations", {_VISIT: ("code",)}),
    "manager_calendar_token": TableDeclaration("accounts", {_ACCOUNT: ("user_id", "token")}),
    "municipality": TableDeclaration("reference"),
    "office": TableDeclaration("reference"),
    "reference_counter": TableDeclaration("reference"),
}


@dataclass
class RecordEntry:
    """One activity of the record as the page shows it."""

    key: str
    activity: Activity
    retention: str
    tables: list[str]
    categories: dict[str, list[str]]  # category -> "table.column" names


def record_entries(config: Mapping[str, Any]) -> list[RecordEntry]:
    """The record, one entry per activity in declaration order, storage periods filled in."""
    entries: dict[str, RecordEntry] = {
        key: RecordEntry(key, activity, str(activity.retention) % dict(config), [], {})
        for key, activity in ACTIVITIES.items()
    }
    for table, declaration in sorted(TABLES.items()):
        entry = entries[declaration.activity]
        entry.tables.append(table)
        for category, columns in declaration.categories.items():
            entry.categories.setdefault(str(category), []).extend(
                f"{table}.{column}" for column in columns
            )
    return list(entries.values())
