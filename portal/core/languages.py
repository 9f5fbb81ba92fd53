"""The languages the portal records, one list for volunteers, clients and needs.

Keys are ISO 639 codes: 639-1 where one exists, else 639-3 (prs = Dari, kmr = Kurmanji), so that
a need asking for a language matches the volunteers who speak it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LANGUAGES = {
    "de": _l("Deutsch"),
    "ar": _l("Arabisch"),
    "prs": _l("Dari"),
    "fa": _l("Persisch (Farsi)"),
    "kmr": _l("Kurdisch (Kurmandschi)"),
    "ps": _l("Paschtu"),
    "ti": _l("Tigrinya"),
    "so": _l("Somali"),
    "tr": _l("Türkisch"),
    "uk": _l("Ukrainisch"),
    "ru": _l("Russisch"),
    "en": _l("Englisch"),
    "fr": _l("Französisch"),
}
