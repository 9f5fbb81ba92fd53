"""Accounts, log-in, roles as memberships."""
