"""Signals other domains subscribe to. Receivers run inside the sender's transaction."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with the User when their e-mail address has just been verified (before the commit).
email_verified = _signals.signal("email-verified")
