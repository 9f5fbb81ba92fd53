"""Volunteer sign-up, application and profile edit: the happy paths and bad input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import Membership, Role, User
from portal.extensions import db
from portal.notifications.models import OutboundEmail
from portal.volunteers.models import (
    VolunteerAvailability,
    VolunteerEvent,
    VolunteerInterest,
    VolunteerLanguage,
    VolunteerProfile,
)
from tests import factories
from tests.factories_volunteers import profile_form, profile_of, signup_form


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def towns(app):
    towns = factories.reference_data()
    db.session.commit()
    return towns


def test_signup_creates_account_and_profile_in_one_step(client, towns):
    home, other = towns["Gaggenau"], towns["Gernsbach"]
    data = signup_form(home.id, municipality_ids=[str(other.id)], lang_kmr="basic")
    response = client.post("/volunteer/signup", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/signup/check-mail")

    user = db.session.scalar(select(User).where(User.email == "neu@example.org"))
    assert user is not None and user.email_verified_at is None
    assert user.password_hash
    assert {m.role for m in user.memberships} == {Role.VOLUNTEER}
    profile = profile_of(user)
    assert profile.status == "pending"
    assert profile.home_municipality_id == home.id
    assert {m.id for m in profile.municipalities} == {home.id, other.id}
    assert list(profile.languages.items()) == [("de", "native"), ("ar", "good"), ("kmr", "basic")]
    assert profile.interests == ["tutoring", "youth_family"]
    assert profile.availability == {0: ["afternoon"], 5: ["morning"]}  # Monday, Saturday
    assert profile.has_car is True
    assert profile.consent_version == "2026-11"
    assert profile.consent_at is not None and profile.pledge_signed_at is not None
    # The e-mail must be verified as for the normal sign-up.
    mail = db.session.scalar(select(OutboundEmail))
    assert mail.recipient == "neu@example.org" and mail.template == "verify_email"
    assert [e.kind for e in profile.events] == ["submitted"]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"volunteer.applied", "user.signed_up"} <= actions


def test_signup_stores_the_privacy_notice_version_in_force(client, towns):
    client.application.config["PRIVACY_NOTICE_VERSION"] = "2027-01"
    assert client.post("/volunteer/signup", data=signup_form(towns["Bühl"].id)).status_code == 302
    assert db.session.scalar(select(VolunteerProfile.consent_version)) == "2027-01"


def test_the_signup_page_shows_every_language_and_the_grid(client, towns):
    html = client.get("/volunteer/signup").get_data(as_text=True)
    for code in ("de", "ar", "prs", "fa", "kmr", "ps", "ti", "so", "tr", "uk", "ru", "en", "fr"):
        assert f'name="lang_{code}"' in html
    for day in range(7):  # 0 = Monday
        for part in ("morning", "afternoon", "evening"):
            assert f'name="av_{day}_{part}"' in html
    assert 'href="/privacy"' in html
    assert "Gaggenau" in html


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"consent": None}, "consent", "Datenschutzerklärung gelesen"),
        ({"pledge": None}, "pledge", "Verschwiegenheitserklärung"),
        ({"home_municipality_id": "999999"}, "home_municipality_id", "aus der Liste"),
        ({"home_municipality_id": "abc"}, "home_municipality_id", "aus der Liste"),
        ({"municipality_ids": ["999999"]}, "municipality_ids", "aus der Liste"),
        ({"motivation": "x" * 2001}, "motivation", "Höchstens 2000 Zeichen"),
        ({"display_name": "N" * 121}, "display_name", "Höchstens 120 Zeichen"),
        ({"phone": "1" * 41}, "phone", "Höchstens 40 Zeichen"),
        ({"interests": []}, "interests", "mindestens einen Bereich"),
        ({"interests": ["astrology"]}, "interests", ""),
        ({"lang_de": "", "lang_ar": ""}, "languages", "mindestens eine Sprache"),
    ],
)
def test_bad_signup_input_is_answered_at_the_field_and_nothing_is_saved(
    client, towns, overrides, field_id, message
):
    response = client.post("/volunteer/signup", data=signup_form(towns["Gaggenau"].id, **overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field_id}-error"' in html
    assert message in html
    assert count(User) == 0
    assert count(VolunteerProfile) == 0
    assert count(OutboundEmail) == 0


def test_signup_with_a_registered_address_reveals_nothing_and_saves_nothing(client, towns):
    factories.user(email="schon@example.org")
    db.session.commit()
    response = client.post(
        "/volunteer/signup", data=signup_form(towns["Bühl"].id, email="schon@example.org")
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/signup/check-mail")
    assert count(VolunteerProfile) == 0
    assert count(User) == 1
    mail = db.session.scalar(select(OutboundEmail))
    assert mail.recipient == "schon@example.org" and mail.template == "already_registered"


def test_a_logged_in_user_applies(client, auth, towns):
    user = factories.user(email="mgr@example.org")
    db.session.commit()
    auth.login("mgr@example.org")
    assert "/volunteer/apply" in client.get("/dashboard").get_data(as_text=True)
    response = client.post("/volunteer/apply", data=profile_form(towns["Rastatt"].id))
    assert response.status_code == 400  # consent and pledge are required here too
    assert count(VolunteerProfile) == 0
    data = {**profile_form(towns["Rastatt"].id), "consent": "y", "pledge": "y"}
    response = client.post("/volunteer/apply", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert profile_of(user).status == "pending"
    assert {m.role for m in user.memberships} == {Role.VOLUNTEER}
    # A second application is not possible: the page sends them home.
    assert client.get("/volunteer/apply").status_code == 302
    assert count(Membership) == 1


def test_profile_edit_keeps_the_approval_unless_the_home_changes(client, auth, towns):
    user = factories.volunteer(towns["Gaggenau"], email="v@example.org")
    db.session.commit()
    auth.login("v@example.org")
    page = client.get("/volunteer/profile").get_data(as_text=True)
    assert '<option selected value="native">' in page
    data = profile_form(towns["Gaggenau"].id, motivation="Neu formuliert.")
    assert client.post("/volunteer/profile", data=data).status_code == 302
    db.session.expire_all()
    profile = profile_of(user)
    assert profile.status == "approved" and profile.motivation == "Neu formuliert."

    data = profile_form(towns["Bühl"].id)
    response = client.post("/volunteer/profile", data=data, follow_redirects=True)
    assert "prüft Ihr Profil jetzt neu" in response.get_data(as_text=True)
    db.session.expire_all()
    profile = profile_of(user)
    assert profile.status == "pending"
    assert profile.home_municipality_id == towns["Bühl"].id
    assert profile.decided_at is None
    assert [e.kind for e in profile.events][:2] == ["resubmitted", "profile_updated"]


def checked(html: str, name: str) -> bool:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag is not None, name
    return " checked" in tag.group(0)


def test_profile_edit_shows_and_replaces_languages_interests_and_times(client, auth, towns):
    user = factories.volunteer(towns["Gaggenau"], email="v@example.org")
    profile = profile_of(user)
    profile.languages = {"de": "native", "ar": "good"}
    profile.interests = ["tutoring", "accompanying"]
    profile.availability = {0: ["afternoon"], 5: ["morning", "evening"]}
    db.session.commit()
    auth.login("v@example.org")
    page = client.get("/volunteer/profile").get_data(as_text=True)
    assert checked(page, "av_0_afternoon") and checked(page, "av_5_evening")
    assert not checked(page, "av_0_morning") and not checked(page, "av_6_evening")
    assert checked(page, "interests") and '<option selected value="good">' in page

    data = profile_form(
        towns["Gaggenau"].id,
        lang_de="fluent",
        lang_ar="",
        lang_uk="basic",
        interests=["housing_search", "tutoring"],
        av_0_afternoon=None,
        av_5_morning=None,
        av_5_evening="y",
        av_6_evening="y",
    )
    assert client.post("/volunteer/profile", data=data).status_code == 302
    db.session.expire_all()
    profile = profile_of(user)
    assert profile.languages == {"de": "fluent", "uk": "basic"}
    assert profile.interests == ["tutoring", "housing_search"]
    assert profile.availability == {5: ["evening"], 6: ["evening"]}
    # rows replaced, not piled up
    for model in (VolunteerLanguage, VolunteerInterest, VolunteerAvailability):
        assert count(model) == 2


def test_profile_edit_with_bad_input_saves_nothing(client, auth, towns):
    user = factories.volunteer(towns["Gaggenau"], email="v@example.org")
    db.session.commit()
    auth.login("v@example.org")
    for bad in ({"home_municipality_id": "424242"}, {"motivation": "y" * 2001}):
        data = profile_form(towns["Bühl"].id, **bad)
        response = client.post("/volunteer/profile", data=data)
        assert response.status_code == 400
        assert 'class="error"' in response.get_data(as_text=True)
    db.session.expire_all()
    profile = profile_of(user)
    assert profile.home_municipality_id == towns["Gaggenau"].id
    assert profile.status == "approved"
    assert db.session.scalar(select(func.count()).select_from(VolunteerEvent)) == 0
