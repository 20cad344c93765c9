"""Participation's part of a person's data (``accounts.personal_data``): the comments they wrote, the
proposals they made, the proposals they support and the comments they reported.

On deleting the account, comments and proposals stay – they are part of a public debate and of the answers
given to it – shown as by a deleted account (``accounts.selectors.display_name``); the person is taken out
of the comments that mention them; their supports keep counting but no longer name anyone (the support's
person is emptied); their reports of comments stay with the moderators, by a deleted account."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import Comment, CommentReport, Proposal, Support

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(user: User) -> dict[str, Any]:
    comments = Comment.objects.filter(author=user).select_related("content_type").order_by("created_at", "pk")
    proposals = (
        Proposal.objects.filter(author=user).select_related("organisation").order_by("created_at", "pk")
    )
    supports = Support.objects.filter(user=user).select_related("proposal").order_by("created_at", "pk")
    reports = CommentReport.objects.filter(user=user).order_by("created_at", "pk")
    return {
        "comments": [
            {
                "id": c.pk,
                "on": f"{c.content_type.model}:{c.object_id}",
                "reply_to": c.parent_id,
                "text": c.text,
                "created_at": _iso(c.created_at),
                "hidden_at": _iso(c.hidden_at),
                "hidden_reason": c.hidden_reason,
                "answer": c.answer,
            }
            for c in comments
        ],
        "proposals": [
            {
                "id": p.pk,
                "to": p.organisation.name,
                "title": p.title,
                "text": p.text,
                "lat": p.lat,
                "lon": p.lon,
                "state": p.state,
                "created_at": _iso(p.created_at),
                "answer": p.answer,
            }
            for p in proposals
        ],
        "supports": [
            {"proposal": s.proposal_id, "title": s.proposal.title, "supported_at": _iso(s.created_at)}
            for s in supports
        ],
        "comment_reports": [
            {
                "comment": r.comment_id,
                "reason": r.reason,
                "reported_at": _iso(r.created_at),
                "resolved_at": _iso(r.resolved_at),
            }
            for r in reports
        ],
    }


def erase(user: User) -> None:
    Comment.mentions.through.objects.filter(user_id=user.pk).delete()
    Support.objects.filter(user=user).update(user=None)
