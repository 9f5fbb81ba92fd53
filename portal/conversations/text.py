"""A message as HTML: escaped first, then web addresses (http and https only) made links."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# In the escaped text a link ends at white space or at an escaped <, >, " or '.
_URL = re.compile(r"https?://(?:(?!&lt;|&gt;|&#34;|&#39;|&quot;)\S)+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def _link(match: re.Match[str]) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _TRAILING:
        tail = url[-1] + tail
        url = url[:-1]
    if url.lower() in ("http://", "https://"):
        return match.group(0)
    return f'<a href="{url}" rel="noopener nofollow">{url}</a>{tail}'


def linkify(text: str | None) -> Markup:
    """``text`` escaped, its http(s) addresses as links that leave no opener and earn no rank."""
    escaped = str(escape(text or ""))
    return Markup(_URL.sub(_link, escaped))  # noqa: S704 - built from escaped text only
