"""Announcements: a coordinator writes to the approved volunteers of their municipalities (or a
part of them), a manager to the volunteers who worked on their needs in the last year."""
