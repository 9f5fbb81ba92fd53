"""Security headers on every response (portal/core/headers.py), and templates the
Content-Security-Policy does not break (no inline style, script or handler)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.extensions import db
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "PORTAL_ENV": "production",
    "DATABASE_URL_SET": True,
    "PUBLIC_BASE_URL": "https://portal.example.org",
    "PASSWORD_HASH_CHEAP": True,
}


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = [p.strip() for p in policy.split(";") if p.strip()]
    return {p.split()[0]: " ".join(p.split()[1:]) for p in parts}


def assert_security_headers(response) -> None:
    csp = directives(response)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["img-src"].split()[0] == "'self'"
    assert csp["font-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "url",
    ["/", "/login", "/signup", "/privacy", "/healthz", "/gibt-es-nicht", "/static/css/portal.css"],
)
def test_anonymous_responses_carry_the_security_headers(app, client, url):
    response = client.get(url)
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # not outside production


@pytest.mark.parametrize("url", ["/", "/login", "/privacy", "/healthz", "/gibt-es-nicht"])
def test_no_page_may_be_stored_by_a_browser_or_proxy(app, client, url):
    assert client.get(url).headers["Cache-Control"] == "no-store"


def test_pages_of_a_signed_in_user_are_never_stored(app, client, auth):
    factories.admin(email="admin@example.org")
    db.session.commit()
    auth.login("admin@example.org")
    for url in ("/dashboard", "/admin/users", "/admin/audit", "/account/password"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert "Expires" not in response.headers
        assert_security_headers(response)
    # the redirect after logging out, and the POST answers, too
    assert client.post("/logout").headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(app, client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.app_config(**PRODUCTION)
def test_production_adds_hsts(app, client):
    response = client.get("/login", base_url="https://portal.example.org")
    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    assert re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)
    assert int(hsts.split("=")[1].split(";")[0]) >= 180 * 24 * 3600
    assert_security_headers(response)


INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "inline style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_have_no_inline_style_or_script():
    """The CSP has no 'unsafe-inline': inline styles and scripts would be blocked in the
    browser. Style with classes in static/css/portal.css, script in static/js/*.js."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "email" in path.relative_to(ROOT / "templates").parts:
            continue  # mail clients, not browsers, render e-mails
        source = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(source):
                line = source.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []
