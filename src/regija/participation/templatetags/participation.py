"""Template filters of participation: the author's name (one place) and a comment's text as HTML."""

from __future__ import annotations

from django import template
from django.urls import reverse

from .. import mentions, selectors

register = template.Library()


@register.filter
def author(user) -> str:
    """The person's public name (``selectors.display_name``)."""
    return selectors.display_name(user)


@register.filter
def comment_html(comment):
    """The comment's text escaped, line breaks kept, mentions of existing people as links."""
    links = {
        u.get_username(): reverse("participation:person", args=[u.get_username()])
        for u in comment.mentions.all()
    }
    return mentions.render(comment.text, links)
