"""Command-line tasks: flask seed-demo, seed-scale, create-admin, outbox send/requeue,
reminders run, retention run."""

from __future__ import annotations

import time
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.needs.reminders import send_appointment_reminders
from portal.notifications.preferences import send_digests
from portal.privacy import retention
from portal.volunteers.decisions import send_certificate_reminders

# The daily reminder jobs, collected from the domains (the domains never import this module):
# name -> callable returning how many reminders it sent.
REMINDER_JOBS: dict[str, Callable[[], int]] = {
    "appointments": send_appointment_reminders,
    "conduct_certificates": send_certificate_reminders,
    "retention": retention.total,
    # the daily digests (messages, reminders, announcements kept for a daily summary)
    "digests": send_digests,
}


def register(app: Flask) -> None:
    outbox = AppGroup("outbox", help="E-mail outbox.")
    reminders = AppGroup("reminders", help="Scheduled reminder e-mails.")
    retention_group = AppGroup("retention", help="Erase what has been kept long enough.")

    @retention_group.command("run")
    @click.option("--dry-run", is_flag=True, help="Change nothing; print what is due.")
    def retention_run(dry_run: bool) -> None:
        """Erase or empty what the retention settings (RETENTION_*) say has expired."""
        done = retention.run(
            dry_run=dry_run, report=lambda name, count: click.echo(f"{name}: {count} ...")
        )
        verb = "due (dry run, nothing changed)" if dry_run else "done"
        for name, count in done.items():
            click.echo(f"{name}: {count} {verb}")

    @outbox.command("send")
    @click.option("--loop", is_flag=True, help="Keep running and poll every --interval seconds.")
    @click.option("--interval", default=10.0, show_default=True, type=click.FloatRange(min=0))
    @click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1))
    @click.option(
        "--max-rounds",
        type=click.IntRange(min=1),
        default=None,
        help="With --loop: stop after this many rounds (default: run until stopped).",
    )
    def outbox_send(loop: bool, interval: float, limit: int, max_rounds: int | None) -> None:
        """Deliver pending e-mail over SMTP (MAIL_SERVER).

        Several senders may run at once (e.g. a loop and a cron job): each message is claimed
        by exactly one of them.
        """
        from sqlalchemy.exc import SQLAlchemyError

        from portal.notifications.services import send_pending

        if not current_app.config.get("MAIL_SERVER"):
            click.echo("MAIL_SERVER is not set: mail stays in the outbox (see /admin/outbox).")
            return
        rounds = 0
        while True:
            rounds += 1
            busy = False
            try:
                counts = send_pending(limit=limit)
            except SQLAlchemyError as exc:
                if not loop:
                    raise
                # A database hiccup must not end a long-running sender: try again next round.
                db.session.rollback()
                db.session.remove()
                click.echo(f"database error, will retry: {exc.__class__.__name__}", err=True)
            else:
                click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
                busy = sum(counts.values()) >= limit  # a full batch: more may be waiting
            if not loop or (max_rounds is not None and rounds >= max_rounds):
                break
            if not busy:
                time.sleep(interval)

    @outbox.command("requeue")
    @click.option("--failed", is_flag=True, help="Every message that failed for good.")
    @click.option("--id", "email_id", type=click.IntRange(min=1), help="Only this message.")
    def outbox_requeue(failed: bool, email_id: int | None) -> None:
        """Send failed mail again: back to pending, with a fresh round of attempts (audited)."""
        from portal.core.errors import DomainError
        from portal.notifications.services import requeue_failed

        if not failed and email_id is None:
            raise click.UsageError("Say which mail: --failed (all failed) or --id N.")
        try:
            count = requeue_failed(None, email_id)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"requeued: {count}")

    @reminders.command("run")
    def reminders_run() -> None:
        """Run every daily reminder job once; each sends a reminder at most once."""
        if not REMINDER_JOBS:
            click.echo("No reminder jobs registered.")
            return
        failed = []
        for name, job in REMINDER_JOBS.items():
            try:
                click.echo(f"{name}: {job()}")
            except Exception as exc:
                # One broken job must not keep the others from running.
                db.session.rollback()
                failed.append(name)
                current_app.logger.exception("reminder job %s failed", name)
                click.echo(f"{name}: FAILED ({exc.__class__.__name__}: {exc})", err=True)
        if failed:
            raise click.ClickException(f"{len(failed)} reminder job(s) failed: {', '.join(failed)}")

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

    @app.cli.command("seed-scale")
    @click.option("--municipalities", default=1100, show_default=True, type=click.IntRange(min=1))
    @click.option("--volunteers", default=100_000, show_default=True, type=click.IntRange(min=0))
    @click.option("--needs", default=200_000, show_default=True, type=click.IntRange(min=0))
    @click.option("--reports", default=1_000_000, show_default=True, type=click.IntRange(min=0))
    @click.option("--clients", type=click.IntRange(min=0), help="Default: one per 20 needs.")
    @click.option("--seed", default=2026, show_default=True, help="Random seed (same data again).")
    @click.option("--password", default=None, help="Everyone's password (default: printed).")
    @click.option("--force", is_flag=True, help="Delete every row of every table first.")
    @click.option("--append", is_flag=True, help="Add a second data set beside existing data.")
    def seed_scale_command(**options: object) -> None:
        """Bulk-load a state-sized data set for measurements (PostgreSQL: COPY)."""
        from portal.scale_seed import SCALE_PASSWORD, SeedRefused, Sizes, seed_scale

        sizes = Sizes(
            **{k: options[k] for k in ("municipalities", "volunteers", "needs", "reports")},  # type: ignore[arg-type]
            clients=options["clients"],  # type: ignore[arg-type]
        )
        password = str(options["password"] or SCALE_PASSWORD)
        try:
            with click.progressbar(length=sizes.estimated_rows(), label="rows") as bar:
                summary = seed_scale(
                    sizes,
                    password=password,
                    force=bool(options["force"]),
                    append=bool(options["append"]),
                    seed=int(options["seed"]),  # type: ignore[call-overload]
                    progress=bar.update,
                )
        except SeedRefused as exc:
            raise click.ClickException(str(exc)) from exc
        rows: dict[str, int] = summary["rows"]  # type: ignore[assignment]
        click.echo(f"{sum(rows.values()):,} rows in {summary['seconds']} s:")
        click.echo(", ".join(f"{table} {count:,}" for table, count in rows.items()))
        click.echo(f"Password of every account: {password}")
        for what, email in summary["accounts"].items():  # type: ignore[attr-defined]
            click.echo(f"  {what}: {email}")

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default="Administration", show_default=True)
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
        """Create an administrator account (verified)."""
        from email_validator import EmailNotValidError, validate_email

        from portal.auth.models import Role
        from portal.auth.passwords import MIN_LENGTH
        from portal.auth.services import create_user, grant_role
        from portal.core.errors import DomainError
        from portal.core.transaction import unit_of_work

        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise click.BadParameter(str(exc), param_hint="EMAIL") from exc
        if len(password) < MIN_LENGTH:
            raise click.BadParameter(f"at least {MIN_LENGTH} characters", param_hint="--password")
        try:
            with unit_of_work():
                user = create_user(email, name, password, verified=True)
                grant_role(None, user, Role.ADMIN)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Admin {user.email} created.")

    app.cli.add_command(outbox)
    app.cli.add_command(reminders)
    app.cli.add_command(retention_group)
