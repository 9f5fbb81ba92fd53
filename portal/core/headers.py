"""Security headers on every response.

- A Content-Security-Policy without ``unsafe-inline``: scripts, styles, images and fonts come
  from the site itself (images also as ``data:`` URLs, e.g. a QR code), no plugins, no
  ``<base>``, forms post only to the site, and no other site may frame a page.
- ``nosniff``, a same-origin referrer (links in pages never leak tokens in the path to other
  sites), and HSTS in production.
- ``Cache-Control: no-store`` on everything but static files: pages carry personal or case data
  and town-hall computers are shared, so neither the browser nor a proxy may keep a copy.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config["PORTAL_ENV"] == "production":
        max_age = current_app.config["HSTS_MAX_AGE"]
        headers["Strict-Transport-Security"] = f"max-age={max_age}; includeSubDomains"
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def register(app: Flask) -> None:
    app.after_request(set_security_headers)
