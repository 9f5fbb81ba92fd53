"""The production stack's files: compose.yaml, the Dockerfile, gunicorn.conf.py and the nginx
configuration. Containers cannot run here; these tests read the files and start the settings
they describe (`make prod-check` runs the same topology from Debian's packages)."""

from __future__ import annotations

import os
import re
import runpy
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal import create_app
from portal.config import load_config

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "app1", "app2", "outbox", "scheduler")
SHELL = {
    "SECRET_KEY": "k" * 40,
    "POSTGRES_PASSWORD": "pw",
    "PUBLIC_BASE_URL": "https://ehrenamt.example.org",
    "PORTAL_HOST": "ehrenamt.example.org",
}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: ${X}, ${X:-default}, ${X:?error}, $$ (a dollar)."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if op == ":?":
            assert env.get(name), f"compose refuses to start without {name}: {rest}"
            return env[name]
        if op == ":-":
            return env.get(name) or rest
        return env.get(name, "")

    value = re.sub(r"(?<!\$)\$\{(\w+)(?:(:[?-])([^}]*))?\}", one, value)
    return value.replace("$$", "$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def env_file() -> dict[str, str]:
    lines = (ROOT / "deploy" / "portal.env.example").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {pair[0]: pair[1] for pair in pairs}


def service_env(compose: dict[str, Any], name: str) -> dict[str, str]:
    raw = compose["services"][name]["environment"]
    env = {**env_file(), **{k: interpolate(str(v), SHELL) for k, v in raw.items()}}
    return env


def test_the_topology_has_two_app_servers_behind_nginx_and_the_workers(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", *APP_SERVICES, "nginx"}
    assert {"app1", "app2"} <= set(services["nginx"]["depends_on"])
    nginx = (ROOT / "deploy" / "nginx" / "portal.conf").read_text(encoding="utf-8")
    assert re.findall(r"server (app\d):8000", nginx) == ["app1", "app2"]
    # scripts/prod_check.py runs this very file, replacing these lines with local addresses
    assert nginx.count("listen 8080;") == 1
    mounted = services["nginx"]["volumes"][0].split(":")[0]
    assert (ROOT / mounted).resolve() == ROOT / "deploy" / "nginx" / "portal.conf"
    # POSTs are never retried on the other server (a claim must not arrive twice)
    assert "non_idempotent" not in nginx
    assert "proxy_next_upstream error timeout" in nginx


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_container_gets_a_complete_production_configuration(compose, name, monkeypatch):
    env = service_env(compose, name)
    assert env["PORTAL_ENV"] == "production"
    for key in list(os.environ):
        if key in env or key.startswith(("OPERATOR_", "DPO_", "MAIL_")):
            monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config = load_config(str(ROOT / "instance"))  # raises ConfigError if anything is missing
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://portal:pw@postgres")
    assert config["RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"
    assert config["TRUSTED_HOSTS"] == ["ehrenamt.example.org", "localhost"]
    assert config["TRUSTED_PROXIES"] == 1
    assert config["OPERATOR_NAME"] == "Landratsamt Musterkreis"


def test_compose_refuses_to_start_without_the_secrets(compose):
    raw = compose["services"]["app1"]["environment"]["SECRET_KEY"]
    with pytest.raises(AssertionError, match="SECRET_KEY"):
        interpolate(raw, {})


def test_every_variable_given_to_the_containers_is_one_the_portal_reads():
    known = set(
        re.findall(r'env(?:\.get)?\(\s*"(\w+)"', (ROOT / "portal" / "config.py").read_text())
    )
    known |= set(re.findall(r'"(\w+)"', (ROOT / "gunicorn.conf.py").read_text()))
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    given = set(compose["services"]["app1"]["environment"]) | set(env_file())
    assert given - known == set()
    # every "who runs the portal" setting is in the example (its defaults are the demo county's)
    operator = {k for k in known if k.startswith(("OPERATOR_", "DPO_", "SUPERVISORY_"))}
    assert operator and operator <= set(env_file())


def test_the_workers_run_existing_commands(compose):
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    commands = app.cli.list_commands(None)  # type: ignore[arg-type]
    assert compose["services"]["migrate"]["command"] == ["flask", "db", "upgrade"]
    assert compose["services"]["outbox"]["command"][:4] == ["flask", "outbox", "send", "--loop"]
    scheduler = " ".join(compose["services"]["scheduler"]["command"])
    assert "flask reminders run" in scheduler and "flask retention run" in scheduler
    assert {"db", "outbox", "reminders", "retention"} <= set(commands)


def test_the_image_runs_gunicorn_as_an_unprivileged_user_with_compiled_translations():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "pybabel compile" in dockerfile
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py"]' in dockerfile
    assert "requirements.txt" in dockerfile
    assert re.search(r"^gunicorn==[\d.]+$", (ROOT / "requirements.txt").read_text(), re.M)


def test_the_app_servers_cancel_a_statement_before_gunicorn_kills_the_worker(monkeypatch):
    monkeypatch.delenv("DATABASE_STATEMENT_TIMEOUT_MS", raising=False)
    monkeypatch.setenv("GUNICORN_TIMEOUT", "40")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["timeout"] == 40
    assert os.environ["DATABASE_STATEMENT_TIMEOUT_MS"] == "35000"
    # the operator's own setting stands
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert os.environ["DATABASE_STATEMENT_TIMEOUT_MS"] == "0"


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("DATABASE_STATEMENT_TIMEOUT_MS", raising=False)  # gunicorn.conf.py sets it
    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9001,127.0.0.1:9002")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.2")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["workers"] == 7
    assert settings["bind"] == ["127.0.0.1:9001", "127.0.0.1:9002"]
    assert settings["forwarded_allow_ips"] == "10.0.0.2"
    assert settings["wsgi_app"] == "portal:create_app()"
    assert settings["timeout"] > 0 and settings["graceful_timeout"] > 0
    # the path without its query string; never the full request line, query or referer
    log_format = settings["access_log_format"]
    assert "%(U)s" in log_format
    assert not {"%(r)s", "%(q)s", "%(f)s"} & set(re.findall(r"%\(\w+\)s", log_format))
