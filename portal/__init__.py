"""Ehrenamtsportal: volunteer coordination for refugee integration work."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import load_config
from portal.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


class Portal(Flask):
    def log_exception(self, exc_info: Any) -> None:
        """An unexpected error, logged by its route: the path may carry a token."""
        from portal.core.error_pages import where

        self.logger.error("Exception on %s", where(), exc_info=exc_info)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory."""
    app = Portal(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(load_config(app.instance_path, config))
    app.jinja_env.add_extension("jinja2.ext.do")
    if app.config["TRUSTED_PROXIES"]:
        # Behind a load balancer: take the client address (rate limits) and scheme from the
        # X-Forwarded-* headers set by that many proxies; never trust them otherwise.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO)

    from portal.core import error_pages, headers, inputs, logs

    inputs.register(app)  # the bounded id converter, before any route is added
    register_extensions(app)
    register_blueprints(app)
    logs.register(app)
    register_template_helpers(app)
    error_pages.register(app)
    headers.register(app)
    register_cli(app)
    register_sign_in_rules(app)
    connect_domains()
    return app


def connect_domains() -> None:
    """Domains that react to another domain's events are connected here, once, explicitly
    (never as a side effect of importing a module). Blinker keeps one connection per receiver."""
    from portal.auth.signals import email_verified
    from portal.volunteers.decisions import application_verified

    email_verified.connect(application_verified)


def register_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401 - every model registers with the metadata

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        elif db.engine.dialect.name == "postgresql":
            from portal.core.collation import detect_postgresql
            from portal.core.postgresql import (
                keep_prepared_statements,
                ping_idle_connections,
                read_without_transactions,
            )

            detect_postgresql(db.engine)
            keep_prepared_statements(db.engine)
            read_without_transactions(db.engine)
            ping_idle_connections(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    from portal.core.widgets import install_html_params

    install_html_params()
    mail.init_app(app)
    limiter.init_app(app)

    from portal.i18n import install_request_domain, select_locale

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )
    install_request_domain(app, babel)

    from portal.auth.models import User
    from portal.auth.sessions import user_for_login_id

    # current_user reaches templates lazily (see `inject`): Flask-Login's own context processor
    # would load the user from the database for every page, error pages included.
    login_manager.init_app(app, add_context_processor=False)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Bitte melden Sie sich an, um diese Seite zu sehen.")

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The session and the remember-me cookie count only while their sign-in session does.
        return user_for_login_id(user_id)


def configure_sqlite(engine: Engine, busy_timeout_ms: int = 15000) -> None:
    """SQLite: WAL, busy timeout, foreign keys, and BEGIN IMMEDIATE for the transactions that
    write (a unit of work, a job's write), so that one that reads and then writes cannot lose
    a race (see DESIGN.md §5). Reads begin deferred: WAL lets them run beside a writer, and a
    page view or a password check never holds the write lock. Names sort in German order
    (portal.core.collation)."""
    from portal.core.collation import register_sqlite
    from portal.core.transaction import wants_write_lock

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        register_sqlite(dbapi_connection)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")


def register_blueprints(app: Flask) -> None:
    from portal.admin.two_factor_views import bp as two_factor_admin_bp
    from portal.admin.views import bp as admin_bp
    from portal.announcements.views import bp as announcements_bp
    from portal.auth.two_factor_views import bp as two_factor_bp
    from portal.auth.views import bp as auth_bp
    from portal.board.views import bp as board_bp
    from portal.consultations.appointment_views import bp as appointments_bp
    from portal.consultations.public_views import bp as consultation_hours_bp
    from portal.consultations.views import bp as consultations_bp
    from portal.conversations.views import bp as conversations_bp
    from portal.core.views import bp as core_bp
    from portal.legal.views import bp as legal_bp
    from portal.needs.views import bp as needs_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.oversight.views import bp as oversight_bp
    from portal.plans.views import bp as plans_bp
    from portal.privacy.views import bp as privacy_bp
    from portal.volunteers.coordination import bp as coordination_bp
    from portal.volunteers.views import bp as volunteers_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(legal_bp)
    app.register_blueprint(two_factor_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(two_factor_admin_bp, url_prefix="/admin")
    app.register_blueprint(volunteers_bp, url_prefix="/volunteer")
    app.register_blueprint(coordination_bp, url_prefix="/coordination")
    app.register_blueprint(plans_bp, url_prefix="/plans")
    app.register_blueprint(oversight_bp, url_prefix="/oversight")
    app.register_blueprint(needs_bp, url_prefix="/needs")
    app.register_blueprint(board_bp, url_prefix="/board")
    app.register_blueprint(consultations_bp, url_prefix="/consultations")
    app.register_blueprint(consultation_hours_bp, url_prefix="/consultation-hours")
    app.register_blueprint(appointments_bp, url_prefix="/consultations")
    app.register_blueprint(privacy_bp)
    app.register_blueprint(conversations_bp, url_prefix="/tasks")
    app.register_blueprint(notifications_bp)
    app.register_blueprint(announcements_bp, url_prefix="/announcements")


def register_template_helpers(app: Flask) -> None:
    from portal.core import formatting, layout
    from portal.core.http import IdUrl
    from portal.i18n import is_public_page, ltr, text_direction
    from portal.navigation import navigation_for

    formatting.register(app)
    layout.register(app)
    app.jinja_env.filters["text_direction"] = text_direction
    app.jinja_env.filters["ltr"] = ltr
    # the links of a list's rows: one url_for per list (`portal.core.http.IdUrl`)
    app.jinja_env.globals["id_url"] = IdUrl

    @app.context_processor
    def inject() -> dict[str, Any]:
        from portal.core.error_pages import in_error_page

        error_page = in_error_page()
        locale = str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
        public = is_public_page()
        return {
            "current_user": current_user,  # a proxy: the user is loaded only when used
            "endpoint": request.endpoint if has_request_context() else None,  # looked up once
            "error_page": error_page,
            "navigation": [] if error_page else navigation_for(current_user),
            "current_locale": locale,
            "text_direction": text_direction(locale),
            "public_page": public,
            "ui_languages": app.config["PUBLIC_LANGUAGES" if public else "LANGUAGES"],
        }


def register_sign_in_rules(app: Flask) -> None:
    from portal.auth import signin

    signin.register(app)


def register_cli(app: Flask) -> None:
    from portal.cli import register

    register(app)
