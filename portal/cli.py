"""Command-line tasks: flask seed-demo, create-admin, outbox send, reminders run."""

from __future__ import annotations

import time
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.extensions import db

# Domains register their daily reminder jobs here: name -> callable returning a count.
REMINDER_JOBS: dict[str, Callable[[], int]] = {}


def reminder_job(name: str) -> Callable[[Callable[[], int]], Callable[[], int]]:
    def decorator(func: Callable[[], int]) -> Callable[[], int]:
        REMINDER_JOBS[name] = func
        return func

    return decorator


def register(app: Flask) -> None:
    outbox = AppGroup("outbox", help="E-mail outbox.")
    reminders = AppGroup("reminders", help="Scheduled reminder e-mails.")

    @outbox.command("send")
    @click.option("--loop", is_flag=True, help="Keep running and poll every --interval seconds.")
    @click.option("--interval", default=10.0, show_default=True)
    @click.option("--limit", default=100, show_default=True)
    def outbox_send(loop: bool, interval: float, limit: int) -> None:
        """Deliver pending e-mail over SMTP (MAIL_SERVER)."""
        from portal.notifications.services import send_pending

        if not current_app.config.get("MAIL_SERVER"):
            click.echo("MAIL_SERVER is not set: mail stays in the outbox (see /admin/outbox).")
            return
        while True:
            counts = send_pending(limit=limit)
            click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
            if not loop:
                break
            time.sleep(interval)

    @reminders.command("run")
    def reminders_run() -> None:
        """Run every daily reminder job once; each sends a reminder at most once."""
        import portal.reminders  # noqa: F401 - registers the jobs

        for name, job in REMINDER_JOBS.items():
            click.echo(f"{name}: {job()}")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database has no users.")
    def seed_demo(if_empty: bool) -> None:
        """Load the demo county (idempotent)."""
        from portal.demo import database_is_empty, seed

        if if_empty and not database_is_empty():
            click.echo("Database has data; demo not loaded.")
            return
        summary = seed()
        click.echo(f"Demo county ready: {summary}")

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default="Administration", show_default=True)
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
        """Create an administrator account (verified)."""
        from portal.auth.models import Role
        from portal.auth.services import create_user, grant_role

        user = create_user(email, name, password, verified=True)
        grant_role(None, user, Role.ADMIN)
        db.session.commit()
        click.echo(f"Admin {user.email} created.")

    app.cli.add_command(outbox)
    app.cli.add_command(reminders)
