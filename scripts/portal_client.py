"""A small HTTP client for the portal, used by scripts/prod_check.py and bench/run.py: one
cookie jar per client (kept by hand, so that the production cookies marked Secure travel over
the plain HTTP of a local check), the CSRF token from a page's form, and the log-in.

Requests carry ``X-Forwarded-Proto: https`` (what the TLS-terminating proxy sends) and, when
given, an ``X-Forwarded-For`` address: the portal trusts one proxy (TRUSTED_PROXIES=1), so
each simulated client can have an address of its own for the rate limits.
"""

from __future__ import annotations

import http.client
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RACE_NEED = """UPDATE need SET capacity = %s, taken = 0, requires_conduct_certificate = false,
    starts_at = now() + interval '200 days', ends_at = now() + interval '200 days 1 hour',
    starts_on = (now() + interval '200 days')::date, ends_on = (now() + interval '200 days')::date,
    weekday = extract(isodow from now() + interval '200 days')::int - 1,
    time_of_day = (now() + interval '200 days')::time(0) WHERE id = %s"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def race_need(query: Callable[..., list[tuple]], places: int) -> tuple[int, int]:
    """Turns the first open one-off need into the claim race's: `places` free places, no
    claims, no certificate needed, 200 days ahead (after every seeded appointment, so no
    claimer has a clash). `query(sql, *params)` runs SQL on the database. Returns the need's
    id and municipality."""
    need_id, municipality = query(
        "SELECT id, municipality_id FROM need WHERE status = 'open' AND schedule_kind = 'once' "
        "ORDER BY id LIMIT 1"
    )[0]
    query("DELETE FROM assignment WHERE need_id = %s", need_id)
    query(RACE_NEED, places, need_id)
    return int(need_id), int(municipality)


@dataclass
class Response:
    status: int
    location: str
    body: str


@dataclass
class Client:
    host: str
    port: int
    forwarded_for: str | None = None
    timeout: float = 60.0
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        return self.request_to(self.port, method, path, form)

    def request_to(
        self, port: int, method: str, path: str, form: dict[str, str] | None = None
    ) -> Response:
        """The same client (cookies, address) talking to another server, e.g. the second
        app instance."""
        conn = http.client.HTTPConnection(self.host, port, timeout=self.timeout)
        headers = {"Host": self.host, "X-Forwarded-Proto": "https", "Connection": "close"}
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # over HTTPS Flask-WTF also wants a same-origin Referer (a browser sends one)
            headers["Referer"] = f"https://{self.host}{path}"
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", "replace")
            for header in raw.headers.get_all("Set-Cookie") or []:
                self._keep(header)
            return Response(raw.status, raw.headers.get("Location", ""), text)
        finally:
            conn.close()

    def _keep(self, header: str) -> None:
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            gone = morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"])
            if gone or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def csrf(self, path: str, port: int | None = None) -> str:
        page = self.request_to(port or self.port, "GET", path)
        match = CSRF.search(page.body)
        if not match:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {page.status})")
        return match.group(1)

    def login(self, email: str, password: str, port: int | None = None) -> Response:
        port = port or self.port
        token = self.csrf("/login", port)
        form = {"csrf_token": token, "email": email, "password": password}
        return self.request_to(port, "POST", "/login", form)
