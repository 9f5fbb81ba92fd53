"""Settings from the environment; production refuses unsafe starts."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import DEV_SECRET_KEY, POSTGRESQL_OPTIONS, ConfigError, load_config

REAL_KEY = "q3Zr8s1Yx0VbN7mK2pL5wT9eH4uJ6cA1fG8dS0"
ENV_VARS = (
    "PORTAL_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "MAIL_SERVER",
    "PUBLIC_BASE_URL",
    "TRUSTED_HOSTS",
    "DATABASE_STATEMENT_TIMEOUT_MS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://portal.example.org")
    return url


def test_development_defaults(tmp_path):
    cfg = load_config(str(tmp_path))
    assert cfg["PORTAL_ENV"] == "development"
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"
    assert cfg["SECRET_KEY"] == DEV_SECRET_KEY
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert cfg["SESSION_COOKIE_SECURE"] is False
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://"
    assert cfg["DEMO_PASSWORDS"] is True
    assert cfg["BABEL_DEFAULT_LOCALE"] == "de"


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://portal@db.example.org/portal")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example.org:6379/0")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    cfg = load_config(str(tmp_path))
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://portal@db.example.org/portal"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://cache.example.org:6379/0"
    assert cfg["MAIL_SERVER"] == "smtp.example.org"


def test_postgresql_connections_plan_without_parallel_workers(monkeypatch, tmp_path):
    assert load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args") is None
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://portal@db.example.org/portal")
    options = load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"options": POSTGRESQL_OPTIONS}
    assert POSTGRESQL_OPTIONS == "-c max_parallel_workers_per_gather=0"


def test_postgresql_statements_run_as_long_as_the_setting_allows(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://portal@db.example.org/portal")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "25000")
    options = load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    assert options == "-c max_parallel_workers_per_gather=0 -c statement_timeout=25000"
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    options = load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    assert options == POSTGRESQL_OPTIONS


@pytest.mark.parametrize("value", ["-1", "25s", "1e3", "86400001", "1 -c work_mem=1GB"])
def test_a_statement_timeout_that_is_no_number_of_milliseconds_refuses_to_start(
    monkeypatch, tmp_path, value
):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://portal@db.example.org/portal")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", value)
    with pytest.raises(ConfigError, match="DATABASE_STATEMENT_TIMEOUT_MS"):
        load_config(str(tmp_path))


def test_empty_variables_count_as_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "")
    monkeypatch.setenv("DATABASE_URL", "")
    cfg = load_config(str(tmp_path))
    assert cfg["SECRET_KEY"] == DEV_SECRET_KEY
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, production, tmp_path):
    monkeypatch.setenv("DATABASE_URL", production)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, "kurz", "", " " * 5])
def test_production_refuses_weak_secret_keys(monkeypatch, production, tmp_path, key):
    monkeypatch.setenv("DATABASE_URL", production)
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_to_start_without_database_url(monkeypatch, production):
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app()


def test_production_starts_with_both_and_is_hardened(monkeypatch, production):
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("DATABASE_URL", production)
    app = create_app()
    assert app.config["PORTAL_ENV"] == "production"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == production
    assert app.config["SECRET_KEY"] == REAL_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["DEMO_PASSWORDS"] is False
    assert not app.testing and not app.debug

    # The session cookie the app sets carries Secure, HttpOnly and SameSite=Lax.
    response = app.test_client().get("/login", base_url="https://portal.example.org")
    assert response.status_code == 200
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    attrs = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= attrs


def test_production_explicit_database_uri_counts_as_database_url(monkeypatch, production):
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    app = create_app({"SQLALCHEMY_DATABASE_URI": production})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_never_hashes_passwords_cheaply(monkeypatch, production):
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("DATABASE_URL", production)
    app = create_app({"PASSWORD_HASH_CHEAP": True, "DEMO_PASSWORDS": True})
    assert app.config["PASSWORD_HASH_CHEAP"] is False
    assert app.config["DEMO_PASSWORDS"] is False


@pytest.mark.parametrize("value", ["Production", "prod", "PRODUCTION", "production ", "dev", "x"])
def test_unknown_profiles_refuse_to_start(monkeypatch, tmp_path, value):
    """A misspelt profile must not fall back to the insecure development settings."""
    monkeypatch.setenv("PORTAL_ENV", value)
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        create_app()
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        load_config(str(tmp_path), {"PORTAL_ENV": value})


@pytest.mark.parametrize("value", ["development", "testing", "production"])
def test_the_known_profiles_start(monkeypatch, production, value):
    monkeypatch.setenv("PORTAL_ENV", value)
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("DATABASE_URL", production)
    assert create_app().config["PORTAL_ENV"] == value


@pytest.mark.parametrize("base", [None, "", "portal.example.org", "ftp://portal.example.org"])
def test_production_refuses_to_start_without_a_public_base_url(monkeypatch, production, base):
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("DATABASE_URL", production)
    if base is None:
        monkeypatch.delenv("PUBLIC_BASE_URL")
    else:
        monkeypatch.setenv("PUBLIC_BASE_URL", base)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app()


def test_production_trusts_only_the_public_host_unless_told_otherwise(monkeypatch, production):
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("DATABASE_URL", production)
    assert create_app().config["TRUSTED_HOSTS"] == ["portal.example.org"]
    monkeypatch.setenv("TRUSTED_HOSTS", "portal.example.org, 10.0.0.5")
    assert create_app().config["TRUSTED_HOSTS"] == ["portal.example.org", "10.0.0.5"]


def test_development_answers_every_host_and_links_to_the_local_server(tmp_path):
    cfg = load_config(str(tmp_path))
    assert cfg["TRUSTED_HOSTS"] is None
    assert cfg["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert cfg["MAX_CONTENT_LENGTH"] == 1024 * 1024
