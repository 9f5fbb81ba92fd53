"""GDPR duties that cross the domains: erasure (Art. 17) and retention (Art. 5(1)(e))."""
