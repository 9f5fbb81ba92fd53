"""The second factor's pages: the code at sign-in, the account's security page, enrolment with
the QR code, recovery codes, remembered devices. Thin: rules in `portal.auth.two_factor`."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.auth import signin, two_factor
from portal.auth.forms import CodeForm, SecondFactorForm
from portal.auth.models import User
from portal.core.errors import DomainError
from portal.core.forms import ActionForm, attach_error, form_status
from portal.extensions import limiter

bp = Blueprint("two_factor", __name__)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _me() -> User:
    """The user object behind the proxy (the services compare and change it)."""
    user: User = current_user._get_current_object()
    return user


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def challenge() -> str | Response | tuple[str, int]:
    user = signin.pending_user()
    if user is None:
        flash(_("Bitte melden Sie sich erneut an."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            two_factor.verify(user, form.code.data)
        except DomainError as exc:
            signin.count_wrong_code()
            attach_error(form, exc)
        else:
            response = signin.complete_pending(user)
            if form.remember_device.data:
                _set_device_cookie(response, two_factor.trust_device(user))
            return response
    days = two_factor.trusted_days()
    return render_template("auth/two_factor.html", form=form, days=days), form_status(form)


def _set_device_cookie(response: Response, value: str) -> None:
    response.set_cookie(
        two_factor.DEVICE_COOKIE,
        value,
        max_age=two_factor.trusted_days() * 86400,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )


@bp.get("/account/security")
@login_required
def security() -> str:
    user = _me()
    return render_template(
        "auth/security.html",
        enabled=two_factor.is_enabled(user),
        required=two_factor.is_required(user),
        recovery_left=two_factor.remaining_recovery_codes(user),
        devices=two_factor.trusted_devices(user),
        renew_form=CodeForm(prefix="renew", formdata=None),
        disable_form=CodeForm(prefix="disable", formdata=None),
        action_form=ActionForm(),
    )


@bp.get("/account/two-factor/setup")
@login_required
def setup() -> tuple[str, int] | Response:
    user = _me()
    if two_factor.is_enabled(user):
        return redirect(url_for("two_factor.security"))
    return _setup_page(CodeForm(formdata=None))


def _setup_page(form: CodeForm, status: int = 200) -> tuple[str, int]:
    user = _me()
    pending = two_factor.credential(user)
    uri = two_factor.provisioning_uri(user, pending.secret) if pending else None
    return render_template(
        "auth/two_factor_setup.html",
        secret=pending.secret if pending else None,
        qr=two_factor.qr_code(uri) if uri else None,
        form=form,
        action_form=ActionForm(),
        required=two_factor.is_required(user),
    ), status


@bp.post("/account/two-factor/setup")
@login_required
def begin() -> Response:
    """A new secret for the app (a second click replaces a secret not yet confirmed)."""
    try:
        two_factor.begin_enrolment(_me())
    except DomainError as exc:
        flash(exc.message, "info")
    return redirect(url_for("two_factor.setup"))


@bp.post("/account/two-factor/confirm")
@login_required
def confirm() -> str | tuple[str, int]:
    form = CodeForm()
    codes = _confirmed(form)
    if codes is None:
        return _setup_page(form, status=400)
    signin.enrolled()
    flash(_("Die Zwei-Faktor-Anmeldung ist eingerichtet."), "success")
    return render_template("auth/recovery_codes.html", codes=codes), 200


def _confirmed(form: CodeForm) -> list[str] | None:
    """The recovery codes once the first code matched; else the refusal is on the form."""
    if not form.validate_on_submit():
        return None
    try:
        return two_factor.confirm_enrolment(_me(), form.code.data)
    except DomainError as exc:
        attach_error(form, exc)
        return None


@bp.post("/account/two-factor/recovery-codes")
@login_required
def renew_recovery_codes() -> str | tuple[str, int] | Response:
    try:
        codes = two_factor.renew_recovery_codes(_me(), _code(CodeForm(prefix="renew")))
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("two_factor.security"))
    return render_template("auth/recovery_codes.html", codes=codes), 200


def _code(form: CodeForm) -> str:
    """The code of a confirming form; an empty or overlong one is a wrong code."""
    if not form.validate_on_submit():
        raise two_factor.SecondFactorFailed(_("Bitte geben Sie den Code ein."), field="code")
    return str(form.code.data)


@bp.post("/account/two-factor/devices/forget")
@login_required
def forget_devices() -> Response:
    two_factor.forget_devices(_me())
    flash(
        _("Alle gemerkten Geräte fragen bei der nächsten Anmeldung wieder nach dem Code."), "info"
    )
    response = redirect(url_for("two_factor.security"))
    response.delete_cookie(two_factor.DEVICE_COOKIE)
    return response


@bp.post("/account/two-factor/disable")
@login_required
def disable() -> Response:
    try:
        two_factor.disable(_me(), _code(CodeForm(prefix="disable")))
    except DomainError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("Die Zwei-Faktor-Anmeldung ist ausgeschaltet."), "info")
    return redirect(url_for("two_factor.security"))
