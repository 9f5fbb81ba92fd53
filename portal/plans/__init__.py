"""Clients and their integration plans (managers only)."""
