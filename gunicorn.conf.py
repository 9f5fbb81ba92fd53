"""gunicorn settings for the portal, every one from the environment:

    gunicorn -c gunicorn.conf.py            # serves portal:create_app()

GUNICORN_BIND (``0.0.0.0:8000``), GUNICORN_WORKERS (4 sync workers), GUNICORN_TIMEOUT (30 s: a
worker stuck longer is restarted; a database statement is cancelled 5 s before, see
DATABASE_STATEMENT_TIMEOUT_MS in the README), GUNICORN_GRACEFUL_TIMEOUT (30 s to finish requests
on a stop or reload), GUNICORN_KEEPALIVE (5 s), GUNICORN_MAX_REQUESTS (recycle a worker after that
many requests, 0 = never), FORWARDED_ALLOW_IPS (the reverse proxies whose X-Forwarded-* headers
gunicorn believes; the app's own TRUSTED_PROXIES decides for Flask), GUNICORN_ACCESS_LOG
(``-`` = stdout, empty = off), GUNICORN_PID (a pid file, unset = none).

The access log names the path without its query string (``%(U)s``, never ``%(r)s`` or the
Referer), and the app's log filter (`portal.core.logs`) replaces tokens in paths by ``<token>``.
"""

import os

wsgi_app = "portal:create_app()"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",")]
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# The app servers' PostgreSQL statements are cancelled 5 s before the worker would be killed
# (portal/config.py), unless DATABASE_STATEMENT_TIMEOUT_MS says otherwise: the request ends with
# the 503 page, and PostgreSQL stops working on it.
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", str(max(timeout - 5, 1) * 1000))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
pidfile = os.environ.get("GUNICORN_PID") or None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# remote address, time, method, path without query, protocol, status, bytes, seconds
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s'
# Request line and header limits well under the app's own (MAX_CONTENT_LENGTH is the body's).
limit_request_line = 4094
limit_request_fields = 100
