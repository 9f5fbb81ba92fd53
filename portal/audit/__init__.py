"""Audit trail: who did or saw what, when."""
