"""Volunteer profiles, vetting and coordinator approval."""
