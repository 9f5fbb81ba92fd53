"""Data subjects' rights: the self-service export of one's own data and a client's record."""
