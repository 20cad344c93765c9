"""Participatory budgeting's part of a person's data (``accounts.personal_data``): the proposals they made
and their own ballots – with their choices, since a ballot is the voter's; the tally still never names a
voter.

On deleting the account, proposals stay (shown as by a deleted account, as everywhere); ballots keep
counting but no longer name anyone (the voter is emptied, the choices and the receipt stay)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import Ballot, Proposal

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(user: User) -> dict[str, Any]:
    proposals = (
        Proposal.objects.filter(author=user)
        .select_related("process", "area__organisation")
        .order_by("submitted_at", "pk")
    )
    ballots = (
        Ballot.objects.filter(voter=user)
        .select_related("process", "area__organisation")
        .prefetch_related("choices__proposal")
        .order_by("cast_at", "pk")
    )
    return {
        "proposals": [
            {
                "process": p.process.slug,
                "number": p.number,
                "area": p.area.organisation.name,
                "title": p.title,
                "description": p.description,
                "lat": p.lat,
                "lon": p.lon,
                "status": p.status,
                "submitted_at": _iso(p.submitted_at),
            }
            for p in proposals
        ],
        "ballots": [
            {
                "process": b.process.slug,
                "area": b.area.organisation.name,
                "channel": b.channel,
                "cast_at": _iso(b.cast_at),
                "receipt": b.receipt,
                "choices": sorted(
                    ({"number": c.proposal.number, "title": c.proposal.title} for c in b.choices.all()),
                    key=lambda choice: choice["number"],
                ),
            }
            for b in ballots
        ],
    }


def erase(user: User) -> None:
    Ballot.objects.filter(voter=user).update(voter=None)
