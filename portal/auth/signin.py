"""The steps of signing in, for the views, and the rules every signed-in request passes.

1. The password matched (`services.authenticate`).
2. With the second factor on and this browser not remembered, the sign-in waits (in the
   session, for a few minutes and a few tries) until a code matches (`two_factor.verify`).
3. The sign-in completes: a server-side session starts (`sessions.start`); staff get no
   remember-me cookie, their sessions end when idle. Whoever must use a second factor but has
   none yet is sent to set it up, and reaches nothing else until done.

Every request of a signed-in member of staff checks the idle time (STAFF_IDLE_MINUTES, kept in
the signed session): past it, the session is ended on the server and the person signs in again.
Whoever has not acknowledged the privacy notice in force is shown it first (`portal.legal.notice`).
"""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Flask,
    current_app,
    flash,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.auth import sessions, two_factor
from portal.auth.models import STAFF_ROLES, User
from portal.core.error_pages import in_error_page
from portal.core.http import safe_next_url
from portal.extensions import db
from portal.legal import notice

PENDING = "sign_in_pending"
LAST_SEEN = "last_seen"
SIGNED_UP = "signed_up"
MUST_ENROL = "must_enrol"
PENDING_SECONDS = 300
ACTIVITY_STEP = 15
"""Seconds: the session's time of the last activity moves on in steps of this length, so that
a page opened within them leaves the session cookie as it is (no new cookie to sign and send
for every page). The idle sign-out may come that much earlier."""
PENDING_TRIES = 5

#: Reachable before the second factor is set up, and not counted as activity.
OPEN_ENDPOINTS = frozenset({"static", "core.healthz", "auth.logout", "auth.set_language"})
ENROL_ENDPOINTS = frozenset(
    {"two_factor.setup", "two_factor.begin", "two_factor.confirm", "core.privacy"}
)
#: Reachable before a new privacy notice is acknowledged (after the second factor is set up).
ACKNOWLEDGE_ENDPOINTS = ENROL_ENDPOINTS | notice.WHILE_UNACKNOWLEDGED


def to_check_mail(email: str, application: bool = False) -> Response:
    """After a sign-up (or a request to send the link again): the check-your-mail page repeats
    the address (kept in the signed session, never in the URL) and, after a volunteer's sign-up,
    says that the application was received. Unknown addresses get the same page."""
    session[SIGNED_UP] = {"email": email.strip()[:254], "application": application}
    return redirect(url_for("auth.check_mail"))


def signed_up() -> dict[str, Any]:
    """What `to_check_mail` kept: the address and whether an application came with it."""
    kept = session.get(SIGNED_UP)
    return kept if isinstance(kept, dict) else {}


def now() -> float:
    """Seconds since the epoch (tests move the clock here)."""
    return time.time()


def is_staff(user: Any) -> bool:
    return bool(user.has_role(*STAFF_ROLES))


def after_password(user: User, remember: bool, next_url: str | None) -> Response:
    """The password matched: ask for the second factor, or complete the sign-in."""
    cookie = request.cookies.get(two_factor.DEVICE_COOKIE)
    if two_factor.is_enabled(user) and not two_factor.device_is_trusted(user, cookie):
        session[PENDING] = {
            "uid": user.id,
            "st": user.session_token,
            "remember": bool(remember),
            "next": safe_next_url(next_url),
            "at": now(),
            "tries": 0,
        }
        return redirect(url_for("two_factor.challenge"))
    return complete(user, remember, next_url)


def pending_user() -> User | None:
    """Who is between password and second factor in this browser (None: nobody, or too late,
    or too many wrong codes)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or now() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    if pending.get("tries", 0) >= PENDING_TRIES:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.active or user.session_token != pending.get("st"):
        session.pop(PENDING, None)
        return None
    return user


def count_wrong_code() -> None:
    pending = dict(session.get(PENDING) or {})
    pending["tries"] = pending.get("tries", 0) + 1
    session[PENDING] = pending


def complete_pending(user: User) -> Response:
    pending = session.pop(PENDING, {})
    return complete(user, pending.get("remember", False), pending.get("next"))


def complete(user: User, remember: bool, next_url: str | None) -> Response:
    """Start the session. Staff sessions end when idle, so staff get no remember-me cookie."""
    session.pop(PENDING, None)
    remember = bool(remember) and not is_staff(user)
    user.login_secret = sessions.start(user, remember)
    login_user(user, remember=remember)
    session["lang"] = user.locale
    session[LAST_SEEN] = now()
    if two_factor.must_enrol(user):
        session[MUST_ENROL] = True
        flash(
            _(
                "Für Ihre Rolle ist die Zwei-Faktor-Anmeldung vorgeschrieben. "
                "Bitte richten Sie sie jetzt ein."
            ),
            "warning",
        )
        return redirect(url_for("two_factor.setup"))
    flash(_("Willkommen, %(name)s!", name=user.display_name), "success")
    return redirect(safe_next_url(next_url) or url_for("core.dashboard"))


def enrolled() -> None:
    """The second factor is set up: the rest of the portal opens."""
    session.pop(MUST_ENROL, None)


def sign_out() -> None:
    """End this browser's session on the server and in the cookie."""
    if current_user.is_authenticated:
        sessions.end(current_user._get_current_object())
    logout_user()
    session.pop(LAST_SEEN, None)
    session.pop(MUST_ENROL, None)


def idle_seconds() -> int:
    return round(float(current_app.config["STAFF_IDLE_MINUTES"]) * 60)


def _idle_too_long() -> bool:
    last = session.get(LAST_SEEN)
    return not isinstance(last, int | float) or now() - last > idle_seconds()


def _note_activity() -> None:
    last = session.get(LAST_SEEN)
    moment = now()
    if not isinstance(last, int | float) or not 0 <= moment - last < ACTIVITY_STEP:
        session[LAST_SEEN] = moment


def check_request() -> Response | None:
    """Before every request: the idle time of staff sessions and the pending enrolment. A request
    that matches no route is left alone: its error page asks the database nothing."""
    if request.endpoint is None or request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return None
    if is_staff(current_user) and _idle_too_long():
        sign_out()
        flash(_("Sie wurden nach längerer Inaktivität abgemeldet."), "info")
        back = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=safe_next_url(back)))
    _note_activity()
    if session.get(MUST_ENROL) and request.endpoint not in ENROL_ENDPOINTS:
        return redirect(url_for("two_factor.setup"))
    if notice.must_acknowledge(current_user) and request.endpoint not in ACKNOWLEDGE_ENDPOINTS:
        back = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("legal.acknowledge", next=safe_next_url(back)))
    return None


def register(app: Flask) -> None:
    app.before_request(check_request)

    @app.context_processor
    def idle_timeout() -> dict[str, Any]:
        """The staff pages' idle warning (static/js/idle-timeout.js) needs the time left; error
        pages ask the database nothing (they must render during an outage)."""
        if in_error_page():
            return {"idle_seconds": None}
        user = current_user if has_request_context() else None
        staff = getattr(user, "is_authenticated", False) and is_staff(user)
        return {"idle_seconds": idle_seconds() if staff else None}
