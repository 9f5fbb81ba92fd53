"""Imports the modules that register daily reminder jobs with `portal.cli.reminder_job`."""

import portal.board.reminders
import portal.volunteers.reminders  # noqa: F401
