"""The legal pages (privacy notice and its acknowledgement, imprint, accessibility statement
with its feedback form, easy-read page) and the records of processing (GDPR Art. 30)."""
