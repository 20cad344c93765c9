"""Mentions in comments: ``@username`` – found by one function, rendered as a link by one function.

``services.comment_add`` stores the mentioned people (``Comment.mentions``); once the notify app is in
place it tells them (it reads ``Comment.mentions`` of new comments).
"""

from __future__ import annotations

import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

MENTION = re.compile(r"(?<![\w@.])@([\w.+-]{1,150})")
MAX_MENTIONS = 10


def usernames(text: str) -> list[str]:
    """The names after ``@`` in a text, each once, in order, at most ``MAX_MENTIONS``."""
    seen: list[str] = []
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if name and name not in seen:
            seen.append(name)
    return seen[:MAX_MENTIONS]


def render(text: str, links: dict[str, str]) -> SafeString:
    """The comment's text as HTML: everything escaped, line breaks kept, each ``@name`` of ``links``
    (name → the person's page) a link."""
    out: list[str] = []
    last = 0
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if name not in links:
            continue
        out.append(escape(text[last : match.start()]))
        out.append(format_html('<a href="{}">@{}</a>', links[name], name))
        last = match.start() + 1 + len(name)
    out.append(escape(text[last:]))
    html = "".join(out).replace("\r\n", "\n").replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - every piece is escaped above
