"""The one vocabulary: the label of every code that people see, in German (msgid) and, through
the catalog, in English. Forms, templates, PDFs and e-mails all ask here; `docs/glossary.md`
lists the same terms. A code value is looked up by its kind:

    label("category", "tutoring")  -> "Lernhilfe und Nachhilfe" / "Tutoring and homework help"
    choices("need_status")          -> [SelectChoice("draft", "Entwurf"), ...] for a SelectField
    labels_for("language")          -> {"de": "Deutsch", ...}, translated once per language

The German terms are gender-fair in one form throughout ("Ehrenamtliche", "Klientinnen und
Klienten"). Keys are the stored codes (StrEnum members compare equal to their strings).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from portal.i18n import current_locale

# Languages are ISO 639 codes: 639-1 where one exists, else 639-3 (prs = Dari, kmr =
# Kurmanji), so that a need asking for a language matches the volunteers who speak it.
LANGUAGES = {
    "de": _l("Deutsch"),
    "ar": _l("Arabisch"),
    "prs": _l("Dari"),
    "fa": _l("Farsi (Persisch)"),
    "kmr": _l("Kurdisch (Kurmandschi)"),
    "ps": _l("Paschtu"),
    "ti": _l("Tigrinya"),
    "so": _l("Somali"),
    "tr": _l("Türkisch"),
    "uk": _l("Ukrainisch"),
    "ru": _l("Russisch"),
    "en": _l("Englisch"),
    "fr": _l("Französisch"),
    "es": _l("Spanisch"),
    "zh": _l("Chinesisch"),
    "sq": _l("Albanisch"),
    "hr": _l("Kroatisch"),
    "ro": _l("Rumänisch"),
    "cs": _l("Tschechisch"),
}

REGISTRY: dict[str, dict[Any, Any]] = {
    # need categories; a volunteer's interests are the same codes
    "category": {
        "tutoring": _l("Lernhilfe und Nachhilfe"),
        "language_practice": _l("Sprachpraxis"),
        "accompanying": _l("Begleitung zu Terminen"),
        "youth_family": _l("Angebote für Kinder, Jugendliche und Familien"),
        "housing_search": _l("Wohnungssuche"),
        "other": _l("Sonstiges"),
    },
    "need_status": {
        "draft": _l("Entwurf"),
        "open": _l("offen"),
        "filled": _l("besetzt"),
        "completed": _l("abgeschlossen"),
        "cancelled": _l("abgesagt"),
    },
    "schedule_kind": {
        "once": _l("einmaliger Termin"),
        "weekly": _l("wöchentlich"),
    },
    "assignment_status": {
        "active": _l("aktiv"),
        "completed": _l("abgeschlossen"),
        "withdrawn": _l("zurückgegeben"),
        "released": _l("beendet"),
    },
    "weekday": {
        0: _l("Montag"),
        1: _l("Dienstag"),
        2: _l("Mittwoch"),
        3: _l("Donnerstag"),
        4: _l("Freitag"),
        5: _l("Samstag"),
        6: _l("Sonntag"),
    },
    "part_of_day": {
        "morning": _l("vormittags"),
        "afternoon": _l("nachmittags"),
        "evening": _l("abends"),
    },
    "language": LANGUAGES,
    "language_level": {
        "basic": _l("Grundkenntnisse"),
        "good": _l("gut"),
        "fluent": _l("fließend"),
        "native": _l("Muttersprache"),
    },
    "volunteer_status": {
        "pending": _l("in Prüfung"),
        "approved": _l("freigegeben"),
        "rejected": _l("abgelehnt"),
        "suspended": _l("ausgesetzt"),
    },
    "volunteer_event": {
        "submitted": _l("Bewerbung eingegangen"),
        "approved": _l("Freigegeben"),
        "rejected": _l("Abgelehnt"),
        "info_requested": _l("Rückfrage gestellt"),
        "suspended": _l("Ausgesetzt"),
        "reinstated": _l("Wieder freigegeben"),
        "resubmitted": _l("Wohngemeinde geändert, erneut in Prüfung"),
        "profile_updated": _l("Profil geändert"),
        "certificate_recorded": _l("Führungszeugnis eingesehen"),
        "certificate_reminder": _l("Erinnerung: Führungszeugnis läuft ab"),
    },
    "client_status": {
        "active": _l("aktiv"),
        "closed": _l("abgeschlossen"),
    },
    "area": {
        "language": _l("Sprache"),
        "work": _l("Arbeit und Qualifizierung"),
        "housing": _l("Wohnen"),
        "school": _l("Schule und Kinder"),
        "health": _l("Gesundheit"),
        "social": _l("Gesellschaftliche Teilhabe"),
    },
    "goal_status": {
        "open": _l("offen"),
        "in_progress": _l("in Arbeit"),
        "achieved": _l("erreicht"),
        "dropped": _l("verworfen"),
    },
    "step_status": {
        "open": _l("offen"),
        "in_progress": _l("in Arbeit"),
        "done": _l("erledigt"),
        "dropped": _l("entfallen"),
    },
    "actor": {
        "client": _l("Klientin oder Klient"),
        "manager": _l("Integrationsmanagement"),
        "volunteer": _l("Ehrenamtliche"),
        "partner": _l("Partner"),
    },
    "partner": {
        "": _l("– kein Partner –"),
        "jobcenter": _l("Jobcenter"),
        "employment_agency": _l("Agentur für Arbeit"),
        "language_school": _l("VHS oder Sprachschule"),
        "youth_office": _l("Jugendamt"),
        "other": _l("Sonstige"),
    },
    "role": {
        "volunteer": _l("Ehrenamt"),
        "coordinator": _l("Koordination"),
        "manager": _l("Integrationsmanagement"),
        "admin": _l("Administration"),
        "office_lead": _l("Leitung der Außenstelle"),
    },
    "outbox_status": {
        "pending": _l("wartet"),
        "sending": _l("wird gesendet"),
        "sent": _l("gesendet"),
        "failed": _l("fehlgeschlagen"),
    },
    # the state of an account as the administration sees it (derived, not stored)
    "account_status": {
        "active": _l("aktiv"),
        "unverified": _l("nicht bestätigt"),
        "invited": _l("eingeladen"),
        "blocked": _l("gesperrt"),
    },
    # what a manager does with a need when saving it: the form's two buttons (need statuses)
    "need_publish": {
        "draft": _l("Als Entwurf speichern"),
        "open": _l("Veröffentlichen"),
    },
    # what a volunteer does with a claim: report back, or give the task back (not "abgeben":
    # "Bericht abgeben" and "Aufgabe abgeben" would mean opposite things side by side)
    "claim_action": {
        "report": _l("Bericht abgeben"),
        "withdraw": _l("Aufgabe zurückgeben"),
    },
    # why a need fits a volunteer on the board (matching.fit)
    "fit_reason": {
        "language": _l("Sprache"),
        "interest": _l("Interesse"),
        "availability": _l("Ihre Zeiten"),
        "home": _l("Ihr Wohnort"),
    },
    # the stored kind of a municipality (the official designation)
    "municipality_kind": {
        "Gemeinde": _l("Gemeinde"),
        "Stadt": _l("Stadt"),
    },
    # the author of a report whose account was erased (GDPR Art. 17): the record keeps it
    "person": {
        "former_volunteer": _l("ehemalige Ehrenamtliche"),
    },
    # in which capacity a message on a task was written
    "author_role": {
        "manager": _l("Integrationsmanagement"),
        "volunteer": _l("Ehrenamt"),
        "system": _l("Portal"),
    },
    # the notes the portal writes itself in a task's conversation
    "system_message": {
        "schedule_changed": _l(
            "Termin oder Treffpunkt wurden geändert. Ehrenamtliche: Bitte bestätigen Sie den "
            "neuen Termin auf der Seite der Aufgabe oder geben Sie die Aufgabe zurück."
        ),
    },
    # what a mail is about (each person chooses per kind how to hear of it)
    "notification_kind": {
        "task_messages": _l("Nachrichten zu Ihren Aufgaben"),
        "new_needs": _l("Neue passende Aufgaben"),
        "reminders": _l("Erinnerungen an Termine"),
        "announcements": _l("Rundschreiben an Ehrenamtliche"),
    },
    "delivery_mode": {
        "immediate": _l("sofort per E-Mail"),
        "daily": _l("einmal täglich als Zusammenfassung"),
        "never": _l("keine E-Mail"),
    },
    # consultation hours: where they are held, how often, walk-in or by appointment
    "place_kind": {
        "branch_office": _l("Außenstelle"),
        "town_hall": _l("Rathaus"),
    },
    "recurrence": {
        "weekly": _l("wöchentlich"),
        "biweekly": _l("alle zwei Wochen"),
    },
    "booking": {
        "walk_in": _l("offene Sprechstunde ohne Termin"),
        "appointment": _l("mit Termin"),
    },
    "exception_kind": {
        "cancelled": _l("fällt aus"),
        "moved": _l("in einem anderen Raum"),
    },
    "appointment_status": {
        "booked": _l("gebucht"),
        "cancelled": _l("abgesagt"),
    },
    # what a visitor of a consultation hour or a home visit was about
    "consultation_topic": {
        "work": _l("Arbeit"),
        "housing": _l("Wohnen"),
        "residence": _l("Aufenthaltsstatus"),
        "language_course": _l("Sprachkurs"),
        "other": _l("Sonstiges"),
    },
    "visit_place": {
        "home": _l("Wohnung"),
        "shared_accommodation": _l("Gemeinschaftsunterkunft"),
        "other": _l("anderer Ort"),
    },
    # the languages of the user interface, each in its own name (never translated)
    "ui_language": {
        "de": "Deutsch",
        "en": "English",
    },
    # the languages of the public pages (no log-in needed), each in its own name
    "public_language": {
        "de": "Deutsch",
        "en": "English",
        "ar": "العربية",
        "fa": "فارسی",
        "uk": "Українська",
        "tr": "Türkçe",
    },
}


def source_text(text: Any) -> str:
    """The German text (msgid) of a registry label, untranslated."""
    args = getattr(text, "_args", None)
    return str(args[0]) if args else str(text)


_TRANSLATED: dict[tuple[str, str], Mapping[Any, str]] = {}
"""Every kind's labels in every language, translated once per process (the catalogs do not
change while it runs): a list of 25 cards asks this dict, not the catalog, for each label."""


def labels_for(kind: str) -> Mapping[Any, str]:
    """Every label of ``kind`` as plain strings in the current locale (a `force_locale` block,
    such as a mail in its recipient's language, gets that language's)."""
    if not has_request_context():
        return {code: str(text) for code, text in REGISTRY[kind].items()}
    key = (kind, str(current_locale()))
    found = _TRANSLATED.get(key)
    if found is None:
        translated = {code: str(text) for code, text in REGISTRY[kind].items()}
        found = _TRANSLATED[key] = MappingProxyType(translated)
    return found


def label(kind: str, value: Any) -> str:
    """The label of one code; an unknown code is shown as it is (never an error page)."""
    if value is None:
        return ""
    found = labels_for(kind).get(value)
    return found if found is not None else str(value)


def choices(kind: str, exclude: tuple[Any, ...] = ()) -> list[SelectChoice]:
    """The codes of ``kind`` as choices for a SelectField (labels stay lazy: the form renders
    them in the request's language)."""
    return [
        SelectChoice(code, text) for code, text in REGISTRY[kind].items() if code not in exclude
    ]
