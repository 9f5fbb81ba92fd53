"""Volunteer sign-up, profile and home page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.auth import signin
from portal.auth.models import Role
from portal.core.errors import DomainError
from portal.core.forms import attach_error, form_status
from portal.extensions import limiter
from portal.i18n import interface_locale
from portal.security import roles_required
from portal.volunteers import profiles, queries, status
from portal.volunteers.forms import ApplyForm, ProfileForm, VolunteerSignUpForm
from portal.volunteers.models import VolunteerProfile

bp = Blueprint("volunteers", __name__)


def _reset_limit() -> str:
    from flask import current_app

    return current_app.config["RATELIMIT_RESET"]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def signup() -> str | Response | tuple[str, int]:
    """Open to anyone: account and volunteer profile in one step."""
    if current_user.is_authenticated:
        return redirect(url_for("volunteers.apply"))
    form = VolunteerSignUpForm()
    if form.validate_on_submit():
        try:
            profiles.register_volunteer(
                form.email.data,
                form.display_name.data,
                form.password.data,
                form.profile_data(),
                consent=form.consent.data,
                pledge=form.pledge.data,
                locale=interface_locale(),
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            return signin.to_check_mail(form.email.data, application=True)
    return render_template("volunteers/signup.html", form=form), form_status(form)


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply() -> str | Response | tuple[str, int]:
    """A logged-in user without a volunteer profile applies."""
    if queries.profile_of(current_user) is not None:
        return redirect(url_for("volunteers.home"))
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            profiles.apply(
                current_user,
                form.profile_data(),
                consent=form.consent.data,
                pledge=form.pledge.data,
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(_("Danke! Ihre Bewerbung ist eingegangen."), "success")
            return redirect(url_for("volunteers.home"))
    return render_template("volunteers/apply.html", form=form), form_status(form)


def _own_profile() -> VolunteerProfile | None:
    return queries.profile_of(current_user)


@bp.get("/")
@roles_required(Role.VOLUNTEER)
def home() -> str | Response:
    profile = _own_profile()
    if profile is None:
        return redirect(url_for("volunteers.apply"))
    return render_template("volunteers/home.html", **status.status_overview(profile))


@bp.route("/profile", methods=["GET", "POST"])
@roles_required(Role.VOLUNTEER)
def edit_profile() -> str | Response | tuple[str, int]:
    profile = _own_profile()
    if profile is None:
        return redirect(url_for("volunteers.apply"))
    form = ProfileForm()
    if not form.is_submitted():
        form.fill_from(profile)
    elif form.validate():
        try:
            back_to_review = profiles.update_profile(current_user, profile, form.profile_data())
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(*_saved(profile, back_to_review))
            return redirect(url_for("volunteers.home"))
    page = render_template("volunteers/edit_profile.html", form=form, profile=profile)
    return page, form_status(form)


def _saved(profile: VolunteerProfile, back_to_review: bool) -> tuple[str, str]:
    """The message after saving the profile, and its category."""
    if back_to_review:
        return _(
            "Ihre Wohngemeinde hat sich geändert. Das Rathaus %(name)s prüft Ihr Profil jetzt neu.",
            name=profile.home_municipality.name,
        ), "warning"
    return _("Ihr Profil ist gespeichert."), "success"
