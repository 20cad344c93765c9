"""What participation tells people through notify (docs/notifications.md): a person mentioned in a
comment, a comment's author when the organisation answers it, a proposal's author, supporters and
followers when its state changes, a consultation's followers when its report is published. Called by
``services`` inside their transactions; notify sends once they commit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from regija.accounts import selectors as accounts
from regija.notify import services as notify
from regija.notify import topics

from .models import Comment, Consultation, Proposal, ProposalState

if TYPE_CHECKING:
    from django.contrib.auth.models import User

EXCERPT = 300


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _page(comment: Comment) -> str:
    return topics.url_of(comment.target)


def mentioned(comment: Comment, people: list[User]) -> int:
    """Everyone ``@named`` in a new comment but its author."""
    others = [p for p in people if p.pk != comment.author_id]
    return notify.notify(
        others,
        "mention",
        title=_("%(name)s mentioned you in a comment"),
        body=_excerpt(comment.text),
        context={"name": accounts.display_name(comment.author)},
        url=_page(comment),
    )


def answered(comment: Comment) -> int:
    """The author of a comment the organisation answered (or whose answer it changed)."""
    return notify.notify(
        [comment.author],
        "comment_answered",
        title=_("%(organisation)s answered your comment"),
        body=_excerpt(comment.answer),
        context={"organisation": comment.organisation.name},
        url=_page(comment),
    )


def proposal_moved(proposal: Proposal) -> int:
    """A proposal's new state: its author and supporters directly, its followers per their channels
    (a follower who is also its author or a supporter hears of it once, directly)."""
    title = _("Proposal “%(title)s” is now %(state)s")
    context = {"title": proposal.title, "state": ProposalState(proposal.state).label}
    direct = [proposal.author, *(s.user for s in proposal.supports.select_related("user"))]
    told = notify.notify(
        direct,
        "proposal_state",
        title=title,
        body=_excerpt(proposal.answer),
        context=context,
        topic=proposal,
        url=proposal.get_absolute_url(),
    )
    return told + notify.announce(
        proposal,
        "proposal_state",
        title=title,
        body=_excerpt(proposal.answer),
        context=context,
        url=proposal.get_absolute_url(),
        exclude=[u.pk for u in direct if u is not None],
    )


def report_published(consultation: Consultation) -> int:
    """Everyone following a consultation, when its report is out."""
    title = _("The report of the consultation “%(title)s” is published")
    url = consultation.get_absolute_url()
    context = {"title": consultation.title}
    return notify.announce(consultation, "consultation_report", title=title, context=context, url=url)
