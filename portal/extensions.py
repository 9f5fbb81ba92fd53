"""Unbound Flask extensions; `create_app` binds them."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, has_app_context
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PerAppLimiter(Limiter):
    """Flask-Limiter with its switch and storage kept per application.

    Flask-Limiter keeps ``enabled``, the storage and the rate limiter bound to it on the
    extension object, so with one module-level limiter every ``init_app`` overwrote them for all
    apps in the process: the last app created decided whether (and where) the others counted.
    Here these attributes live in ``app.extensions`` of the app being initialised (in this
    thread) or serving the request; outside any app they fall back to the constructor's values.
    Settings Flask-Limiter only reads once (strategy, headers) are the same for every app here.
    """

    _PER_APP = frozenset(
        {
            "enabled",
            "initialized",
            "_storage",
            "_limiter",
            "_storage_dead",
            "_fallback_storage",
            "_fallback_limiter",
            "_in_memory_fallback_enabled",
            "_key_prefix",
        }
    )
    _STATE_KEY = "portal.limiter"
    _initialising: ContextVar[Flask | None] = ContextVar("limiter_initialising", default=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "_defaults", {})
        super().__init__(*args, **kwargs)

    def init_app(self, app: Flask) -> None:
        token = self._initialising.set(app)
        try:
            super().init_app(app)
        finally:
            self._initialising.reset(token)

    def _app_state(self) -> dict[str, Any]:
        app = self._initialising.get()
        if app is None and has_app_context():
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        if app is None:
            return self._defaults
        state = app.extensions.get(self._STATE_KEY)
        if state is None:
            state = app.extensions[self._STATE_KEY] = dict(self._defaults)
        return state

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._PER_APP:
            self._app_state()[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:  # only called when normal lookup fails
        if name in type(self)._PER_APP:
            try:
                return self._app_state()[name]
            except KeyError:
                pass
        raise AttributeError(name)


db = SQLAlchemy(model_class=Base)

# Models derive from `Model`: at run time Flask-SQLAlchemy's `db.Model` (bound to `db`, same
# metadata as `Base`); for the type checker the declarative `Base` it is built from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
babel = Babel()
limiter = PerAppLimiter(key_func=get_remote_address)
