"""Municipalities and branch offices (reference data, edited by admins)."""
