"""Account pages. Thin: parse the form, call a service, render or redirect."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from portal.auth import services, sessions, signin, tokens, two_factor
from portal.auth.forms import (
    ChangePasswordForm,
    EmailOnlyForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
    SignUpForm,
)
from portal.core.errors import DomainError
from portal.core.forms import attach_error, form_status
from portal.core.http import safe_next_url
from portal.extensions import limiter
from portal.i18n import interface_locale

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _reset_limit() -> str:
    return current_app.config["RATELIMIT_RESET"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.EmailNotVerified as exc:
            flash(exc.message, "warning")
            return render_template(
                "auth/login.html", form=form, resend=EmailOnlyForm(email=form.email.data)
            ), 400
        except DomainError as exc:
            attach_error(form, exc)
        else:
            return signin.after_password(user, form.remember.data, request.args.get("next"))
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Log out this browser: the session ends on the server too, so a copy of the session or
    remember-me cookie no longer signs in."""
    signin.sign_out()
    flash(_("Sie haben sich abgemeldet."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere() -> Response:
    """Every session and remember-me cookie of the account ends, every remembered device is
    forgotten; this browser signs in again too."""
    sessions.end_everywhere(current_user._get_current_object())
    signin.sign_out()
    flash(_("Sie sind jetzt auf allen Geräten abgemeldet."), "info")
    response = redirect(url_for("auth.login"))
    response.delete_cookie(two_factor.DEVICE_COOKIE)
    return response


@bp.get("/session/ping")
@login_required
def session_ping() -> tuple[str, int]:
    """The idle warning's "stay signed in": any request counts as activity (see signin)."""
    return "", 204


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def signup() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = SignUpForm()
    if form.validate_on_submit():
        services.sign_up(
            form.email.data, form.display_name.data, form.password.data, locale=_locale()
        )
        return signin.to_check_mail(form.email.data)
    return render_template("auth/signup.html", form=form), form_status(form)


@bp.get("/signup/check-mail")
def check_mail() -> str:
    kept = signin.signed_up()
    form = EmailOnlyForm(email=kept.get("email"))
    return render_template("auth/check_mail.html", kept=kept, form=form)


@bp.get("/verify/<token>")
def verify_email(token: str) -> ResponseReturnValue:
    try:
        services.verify_email(token)
    except tokens.TokenInvalid as exc:
        return render_template(
            "auth/token_invalid.html", expired=exc.expired, resend=EmailOnlyForm()
        ), 400
    flash(_("Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden."), "success")
    return redirect(url_for("auth.login"))


@bp.post("/verify/resend")
@limiter.limit(_reset_limit)
def resend_verification() -> ResponseReturnValue:
    """Send the link again. The same answer whether the address is known, unverified or not."""
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.resend_verification(form.email.data)
        flash(
            _(
                "Wenn zu dieser Adresse ein unbestätigtes Konto gehört, ist eine neue E-Mail "
                "unterwegs."
            ),
            "info",
        )
        return signin.to_check_mail(form.email.data, signin.signed_up().get("application", False))
    flash(_("Bitte geben Sie eine gültige E-Mail-Adresse ein."), "danger")
    return redirect(url_for("auth.check_mail"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "Wenn die Adresse bei uns registriert ist, erhalten Sie in wenigen Minuten "
                "eine E-Mail mit einem Link zum Zurücksetzen."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), form_status(form)


def _password_page(
    purpose: str, token: str, action: Callable[[str, str], object], template: str, done: str
) -> ResponseReturnValue:
    try:
        user = services.user_for_password_token(purpose, token)
    except tokens.TokenInvalid as exc:
        return render_template("auth/token_invalid.html", expired=exc.expired), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            action(token, form.password.data)
        except tokens.TokenInvalid as exc:
            return render_template("auth/token_invalid.html", expired=exc.expired), 400
        flash(done, "success")
        return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=user), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    return _password_page(
        tokens.RESET,
        token,
        services.reset_password,
        "auth/reset.html",
        _("Ihr Passwort ist geändert. Bitte melden Sie sich an."),
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    return _password_page(
        tokens.INVITE,
        token,
        services.accept_invitation,
        "auth/invitation.html",
        _("Ihr Zugang ist eingerichtet. Bitte melden Sie sich an."),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            # The session token rotated: log in again with the new one, others are logged out.
            login_user(current_user._get_current_object())
            flash(_("Ihr Passwort ist geändert."), "success")
            return redirect(url_for("core.dashboard"))
    return render_template("auth/change_password.html", form=form), form_status(form)


@bp.post("/language")
def set_language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.language.data
        if current_user.is_authenticated and form.language.data in current_app.config["LANGUAGES"]:
            services.set_locale(current_user, form.language.data)
    return redirect(safe_next_url(request.form.get("next")) or url_for("core.index"))


def _locale() -> str:
    return interface_locale()
