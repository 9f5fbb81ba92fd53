"""Data subjects' rights and GDPR duties that cross the domains: the self-service export of
one's own data and a client's record (Art. 15/20), erasure (Art. 17) and retention
(Art. 5(1)(e))."""
