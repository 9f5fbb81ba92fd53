"""Consultation hours, appointments, walk-in counts and home visits."""
