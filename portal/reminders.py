"""Imports the modules that register daily reminder jobs with `portal.cli.reminder_job`."""
