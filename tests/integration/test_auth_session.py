"""Session and remember-me cookies."""

from __future__ import annotations

from tests import factories


def cookie_attrs(response, name: str) -> set[str]:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    return {a.strip().lower() for a in cookie.split(";")[1:]}


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    response = client.get("/login")
    attrs = cookie_attrs(response, "session")
    assert "httponly" in attrs
    assert "samesite=lax" in attrs
    assert "secure" not in attrs  # development/testing runs over plain HTTP


def test_login_cookies_are_httponly_and_samesite_lax(app, client):
    from portal.extensions import db

    factories.user("amira@example.org")
    db.session.commit()
    response = client.post(
        "/login",
        data={"email": "amira@example.org", "password": factories.PASSWORD, "remember": "y"},
    )
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        attrs = cookie_attrs(response, name)
        assert "httponly" in attrs, name
        assert "samesite=lax" in attrs, name


def test_session_holds_no_password_or_hash(app, client):
    import base64
    import zlib

    from portal.extensions import db

    user = factories.user("amira@example.org")
    db.session.commit()
    response = client.post(
        "/login", data={"email": "amira@example.org", "password": factories.PASSWORD}
    )
    value = response.headers["Set-Cookie"].split("=", 1)[1].split(";", 1)[0]
    payload = value.lstrip(".").split(".", 1)[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if value.startswith("."):
        raw = zlib.decompress(raw)
    content = raw.decode()
    assert factories.PASSWORD not in content
    assert user.password_hash not in content
