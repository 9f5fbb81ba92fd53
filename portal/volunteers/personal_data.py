"""What the volunteers domain holds about a person, for the self-service data export: the
volunteer profile with consents, languages, interests, availability, the certificate-of-conduct
checks and the history of the application. Who decided (a coordinator) is not shown: that is
another person's data; the decision itself and its reason are."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.auth.models import User
from portal.core.personal_data import Field, Part
from portal.volunteers.models import VolunteerProfile
from portal.volunteers.queries import profile_of

PROFILE_FIELDS = (
    "id",
    "phone",
    "has_car",
    "motivation",
    "status",
    "decided_at",
    "decision_reason",
    "consent_version",
    "consent_at",
    "pledge_signed_at",
    "submitted_at",
)


def _profile(profile: VolunteerProfile) -> Part:
    row = {key: getattr(profile, key) for key in PROFILE_FIELDS}
    row["home_municipality"] = profile.home_municipality.name
    row["municipalities"] = sorted(m.name for m in profile.municipalities)
    return Part(
        "volunteer_profile",
        _("Profil als Ehrenamtliche"),
        [
            Field("id", _("Profilnummer")),
            Field("home_municipality", _("Wohngemeinde")),
            Field("municipalities", _("Weitere Gemeinden")),
            Field("phone", _("Telefon")),
            Field("has_car", _("Auto")),
            Field("motivation", _("Motivation")),
            Field("status", _("Stand der Bewerbung"), "volunteer_status"),
            Field("decided_at", _("Entschieden am")),
            Field("decision_reason", _("Begründung")),
            Field("consent_version", _("Einwilligung in die Datenverarbeitung, Fassung")),
            Field("consent_at", _("Einwilligung erteilt am")),
            Field("pledge_signed_at", _("Verschwiegenheitserklärung unterschrieben am")),
            Field("submitted_at", _("Bewerbung abgegeben am")),
        ],
        [row],
        single=True,
    )


def _preferences(profile: VolunteerProfile) -> list[Part]:
    return [
        Part(
            "languages",
            _("Sprachen"),
            [
                Field("code", _("Sprache"), "language"),
                Field("level", _("Niveau"), "language_level"),
            ],
            [{"code": code, "level": level} for code, level in profile.languages.items()],
        ),
        Part(
            "interests",
            _("Interessen"),
            [Field("category", _("Tätigkeitsbereich"), "category")],
            [{"category": category} for category in profile.interests],
        ),
        Part(
            "available_times",
            _("Verfügbarkeit"),
            [
                Field("weekday", _("Wochentag"), "weekday"),
                Field("parts", _("Tageszeit"), "part_of_day"),
            ],
            [{"weekday": day, "parts": parts} for day, parts in profile.availability.items()],
        ),
    ]


def _checks_and_history(profile: VolunteerProfile) -> list[Part]:
    return [
        Part(
            "conduct_certificate_checks",
            _("Erweiterte Führungszeugnisse (eingesehen)"),
            [
                Field("issued_on", _("Ausgestellt am")),
                Field("seen_on", _("Eingesehen am")),
                Field("valid_until", _("Gültig bis")),
            ],
            [
                {"issued_on": c.issued_on, "seen_on": c.seen_on, "valid_until": c.valid_until}
                for c in profile.certificate_checks
            ],
        ),
        Part(
            "volunteer_events",
            _("Verlauf der Bewerbung"),
            [
                Field("at", _("Zeitpunkt")),
                Field("kind", _("Ereignis"), "volunteer_event"),
                Field("from_status", _("Vorher"), "volunteer_status"),
                Field("to_status", _("Nachher"), "volunteer_status"),
                Field("message", _("Nachricht")),
            ],
            [
                {
                    "at": e.at,
                    "kind": e.kind,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "message": e.message,
                }
                for e in sorted(profile.events, key=lambda e: e.id)
            ],
        ),
    ]


def collect(user: User) -> list[Part]:
    profile = profile_of(user)
    if profile is None:
        return []
    return [_profile(profile), *_preferences(profile), *_checks_and_history(profile)]
