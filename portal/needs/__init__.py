"""Support needs published for volunteers, claims (assignments) and reports."""
