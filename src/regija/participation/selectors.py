"""Reads of participation: what pages and the API show, who may moderate and answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from regija.accounts import selectors as accounts
from regija.core import caching, permissions
from regija.core.models import Organisation, Role

from . import targets
from .models import OPEN_STATES, Comment, CommentReport, Consultation, Proposal, ProposalState, Support, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from regija.core.permissions import Actor


def display_name(user: Any) -> str:
    """How a person is named beside what they wrote: ``accounts.selectors.display_name`` (full name, else
    user name; "deleted account" once they deleted it). Lists select_related their ``deletion``."""
    return accounts.display_name(user)


MAP_LIMIT = 1000


def located(proposals: QuerySet[Proposal]) -> list[dict[str, Any]]:
    """The proposals of a list that have a point, for the map (one query, at most ``MAP_LIMIT``): title,
    latitude, longitude, page and municipality – never the author."""
    rows = list(
        proposals.filter(lat__isnull=False, lon__isnull=False)
        .order_by("-created_at", "-id")
        .values("pk", "title", "lat", "lon", "organisation__name")[:MAP_LIMIT]
    )
    return [
        {
            "code": "",
            "title": r["title"],
            "lat": r["lat"],
            "lon": r["lon"],
            "url": reverse("participation:proposal", args=[r["pk"]]),
            "place": r["organisation__name"],
            "approximate": False,
        }
        for r in rows
    ]


def is_moderator(user: Actor | None, organisation_id: int) -> bool:
    """May hide and unhide comments of this organisation: its editors and admins, and whoever has the
    moderator permission (``participation.moderate_comment``) for every organisation."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.has_perm("participation.moderate_comment"):
        return True
    return permissions.member_role_at_least(user, organisation_id, Role.EDITOR)


def moderated_org_ids(user: Actor | None) -> set[int] | None:
    """Organisations whose comments the user moderates; None: all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.has_perm("participation.moderate_comment"):
        return None
    return permissions.org_ids_with(user, Role.EDITOR)


def is_staff_of(user: Actor | None, organisation_id: int) -> bool:
    """May answer comments, run consultations and review proposals of this organisation."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return permissions.member_role_at_least(user, organisation_id, Role.EDITOR)


# ------------------------------------------------------------------------------------------ consultations


def consultations() -> QuerySet[Consultation]:
    return Consultation.objects.select_related("organisation", "strategy").order_by("-opens_at", "id")


def public_consultation(slug: str) -> Consultation | None:
    """A consultation with its organisation and strategy, kept until the data changes – for its page,
    which reads it on every request the response cache does not answer."""
    return caching.kept("consultation", slug, lambda: consultations().filter(slug=slug).first())


def consultation_units(consultation: Consultation) -> list[Unit]:
    return list(consultation.units.order_by("order"))


def comments_on(objs: list[Model] | QuerySet[Any]) -> QuerySet[Comment]:
    """All comments on these objects (of one model), with their authors – one query."""
    objs = list(objs)
    if not objs:
        return Comment.objects.none()
    ct = ContentType.objects.get_for_model(type(objs[0]))
    return (
        Comment.objects.filter(content_type=ct, object_id__in=[o.pk for o in objs])
        .select_related("author__deletion", "answered_by", "organisation")  # an answer names its organisation
        .prefetch_related("mentions")
        .order_by("created_at", "id")
    )


@dataclass
class Shown:
    """The comments a page shows on its objects: ``comments`` (for ``threads``), and per object id the
    number of all its comments and of its threads left out."""

    comments: list[Comment]
    counts: dict[int, int]
    left_out: dict[int, int]


def comments_shown(objs: list[Model], *, newest: int | None = None, expanded: int | None = None) -> Shown:
    """Each object's comments, or – with ``newest`` – only its newest ``newest`` threads (a first comment
    with every reply under it), except on the object ``expanded``, which shows all. Two queries whatever
    the number of comments: their ids and parents, then the comments shown with their authors."""
    if not objs:
        return Shown([], {}, {})
    ct = ContentType.objects.get_for_model(type(objs[0]))
    rows = Comment.objects.filter(content_type=ct, object_id__in=[o.pk for o in objs]).order_by(
        "created_at", "id"
    )
    counts: dict[int, int] = {}
    roots: dict[int, list[int]] = {}
    children: dict[int, list[int]] = {}
    ids: list[tuple[int, int | None, int]] = list(
        rows.order_by("created_at", "id").values_list("pk", "parent_id", "object_id")
    )
    for pk, parent, obj in ids:
        counts[obj] = counts.get(obj, 0) + 1
        if parent is None:
            roots.setdefault(obj, []).append(pk)
        else:
            children.setdefault(parent, []).append(pk)
    shown: set[int] = set()
    left_out: dict[int, int] = {}
    for obj, first in roots.items():
        keep = first if newest is None or obj == expanded else first[-newest:]
        left_out[obj] = len(first) - len(keep)
        stack = list(keep)
        while stack:
            pk = stack.pop()
            shown.add(pk)
            stack.extend(children.get(pk, ()))
    if newest is None:
        comments = list(comments_on(objs))
    else:
        comments = list(comments_on(objs).filter(pk__in=shown)) if shown else []
    return Shown(comments, counts, left_out)


def threads(comments: list[Comment]) -> dict[int, list[Comment]]:
    """Comments grouped by target id, each list in thread order (a reply after its parent), with
    ``replies_list`` set on each comment."""
    by_parent: dict[int | None, list[Comment]] = {}
    for c in comments:
        c.replies_list = []  # type: ignore[attr-defined]
        by_parent.setdefault(c.parent_id, []).append(c)
    by_id = {c.pk: c for c in comments}
    for c in comments:
        if c.parent_id in by_id:
            by_id[c.parent_id].replies_list.append(c)  # type: ignore[attr-defined]
    out: dict[int, list[Comment]] = {}
    for c in by_parent.get(None, []):
        out.setdefault(c.object_id, []).append(c)
    return out


def report_counts(consultation: Consultation) -> dict[str, int]:
    ct = ContentType.objects.get_for_model(Unit)
    qs = Comment.objects.filter(content_type=ct, object_id__in=consultation.units.values("pk"))
    counts = qs.aggregate(
        comments=Count("pk"),
        answered=Count("pk", filter=~Q(answer="")),
        hidden=Count("pk", filter=Q(hidden_at__isnull=False)),
        people=Count("author", distinct=True),
    )
    return {k: int(v or 0) for k, v in counts.items()}


# ------------------------------------------------------------------------------------------------ proposals


def proposals(
    *, state: str = "", organisation: str = "", node: str = "", sort: str = "new"
) -> QuerySet[Proposal]:
    qs = Proposal.objects.select_related(
        "organisation", "author__deletion", "node", "node__strategy", "project"
    )
    if state in ProposalState.values:
        qs = qs.filter(state=state)
    if organisation:
        qs = qs.filter(organisation__slug=organisation)
    if node:
        strategy, _sep, code = node.partition(":")
        qs = qs.filter(node__strategy__slug=strategy, node__code=code)
    if sort == "supports":
        return qs.order_by("-supports_count", "-created_at", "-id")
    return qs.order_by("-created_at", "-id")


def public_proposal(pk: int) -> tuple[Proposal, list[Any]] | None:
    """A proposal as ``proposals()`` reads it, with its history, kept until the data changes – for its
    page, which reads both on every request the response cache does not answer."""

    def read() -> tuple[Proposal, list[Any]] | None:
        p = proposals().filter(pk=pk).first()
        return (p, list(p.events.order_by("at", "id"))) if p else None

    return caching.kept("proposal", pk, read)


def proposal_count(*, state: str = "", organisation: str = "", node: str = "") -> int:
    """How many proposals ``proposals()`` lists with these filters, kept until the data changes."""
    return caching.kept(
        "proposal-count",
        (state, organisation, node),
        lambda: proposals(state=state, organisation=organisation, node=node).count(),
    )


def proposal_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=Proposal.objects.values("organisation_id")).order_by("name")


def overdue(at: dt.datetime | None = None) -> QuerySet[Proposal]:
    """Proposals past their answer's deadline without an answer (still new or under review)."""
    at = at or timezone.now()
    return Proposal.objects.filter(respond_by__lt=at, answered_at__isnull=True, state__in=OPEN_STATES)


def is_overdue(proposal: Proposal, at: dt.datetime | None = None) -> bool:
    at = at or timezone.now()
    return bool(
        proposal.respond_by is not None
        and proposal.respond_by < at
        and proposal.answered_at is None
        and proposal.state in OPEN_STATES
    )


def has_supported(user: Actor | None, proposal: Proposal) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Support.objects.filter(proposal=proposal, user_id=user.pk).exists()


def may_support(user: Actor | None, proposal: Proposal) -> bool:
    return (
        proposal.state in OPEN_STATES
        and accounts.can_contribute(user)
        and accounts.is_verified_resident(user, proposal.organisation)
    )


# ------------------------------------------------------------------------------------------------ moderation


def report_queue(user: Actor | None) -> QuerySet[Comment]:
    """Reported comments the user moderates that still have an open report, most reported first."""
    allowed = moderated_org_ids(user)
    qs = Comment.objects.filter(reports__resolved_at__isnull=True)
    if allowed is not None:
        qs = qs.filter(organisation_id__in=allowed)
    return (
        qs.annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
        .select_related("author__deletion", "organisation")
        .prefetch_related(  # the page lists each one's open reports and links to where it stands
            Prefetch("reports", queryset=open_reports_all(), to_attr="open_report_list"),
            GenericPrefetch("target", targets.querysets()),
            "mentions",  # the text links the people it mentions
        )
        .order_by("-open_reports", "created_at")
    )


def open_reports_all() -> QuerySet[CommentReport]:
    """Reports not yet resolved, with who made them."""
    return CommentReport.objects.filter(resolved_at__isnull=True).select_related("user__deletion")


def mentioned_links(comments: list[Comment], url_of: Any) -> dict[str, str]:
    """name → page of each person mentioned in these comments (their ``mentions`` prefetched)."""
    links: dict[str, str] = {}
    for c in comments:
        for u in c.mentions.all():
            links[u.get_username()] = url_of(u)
    return links


def person_comments(person: User) -> QuerySet[Comment]:
    """A person's comments that are not hidden, newest first."""
    return Comment.objects.filter(author=person, hidden_at__isnull=True).order_by("-created_at", "-id")


def target_of(comment: Comment) -> Any:
    return comment.target


def target_url(comment: Comment) -> str:
    target = comment.target
    spec = targets.of(target) if target is not None else None
    return spec.url(target) if spec and target is not None else ""


def upcoming(at: dt.datetime, n: int) -> list[dt.datetime]:
    """The first ``n`` moments after ``at`` when a consultation opens or closes or a proposal's answer
    falls due – what the pages and the API show changes then without any write – in order."""
    lists = [
        Consultation.objects.filter(opens_at__gt=at).order_by("opens_at").values_list("opens_at", flat=True),
        Consultation.objects.filter(closes_at__gt=at)
        .order_by("closes_at")
        .values_list("closes_at", flat=True),
        Proposal.objects.filter(respond_by__gt=at, answered_at__isnull=True)
        .order_by("respond_by")
        .values_list("respond_by", flat=True),
    ]
    return sorted(m for moments in lists for m in moments[:n] if m is not None)[:n]


def next_change() -> dt.datetime | None:
    """The next of ``upcoming`` from now, its list kept until the data changes (``caching.next_moment``)."""
    return caching.next_moment("participation", upcoming)


def clock_key() -> str:
    """``next_change`` as text for cache keys and ETags ('-' for none)."""
    moment = next_change()
    return moment.isoformat() if moment else "-"
