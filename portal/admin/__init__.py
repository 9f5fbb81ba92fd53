"""County administration: municipalities, offices, accounts, roles, outbox."""
