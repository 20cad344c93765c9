"""The participation API: consultations, proposals with supports, comments with moderation.

Reads are public; a hidden comment is given without its text or author, whoever asks. Writes need a
personal token and go through ``participation.services`` – the same rules as the pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone
from ninja import Path, Query, Router
from ninja.responses import Status

from regija.api.auth import token_auth
from regija.api.errors import READ_RESPONSES, REFUSED, invalid, not_found, refusals, write_responses
from regija.api.links import web_url
from regija.api.pagination import PageParams, paginate
from regija.core.models import Organisation
from regija.projects.models import Project
from regija.strategies.models import Node, Strategy

from . import acts, selectors, services, targets
from .models import Comment, Consultation, Proposal, Unit
from .schemas import (
    MAX_ID,
    AnswerIn,
    CommentFilters,
    CommentIn,
    CommentOut,
    CommentPage,
    ConsultationDetail,
    ConsultationIn,
    ConsultationPage,
    ConsultationReport,
    ProposalDetail,
    ProposalFilters,
    ProposalIn,
    ProposalPage,
    ReasonIn,
    ReportOut,
    StateIn,
    SupportOut,
)

router = Router(tags=["participation"])


def comment_out(c: Comment, target_name: str) -> dict[str, Any]:
    hidden = c.hidden_at is not None
    return {
        "id": c.pk,
        "target": f"{target_name}:{c.object_id}",
        "parent": c.parent_id,
        "depth": c.depth,
        "hidden": hidden,
        "hidden_reason": c.hidden_reason if hidden else "",
        "author": None if hidden else selectors.display_name(c.author),
        "text": None if hidden else c.text,
        "mentions": [] if hidden else [u.get_username() for u in c.mentions.all()],
        "created_at": c.created_at,
        "answer": c.answer,
        "answered_at": c.answered_at,
    }


# ------------------------------------------------------------------------------------------- consultations


def _consultation_item(request, c: Consultation) -> dict[str, Any]:
    return {
        "slug": c.slug,
        "title": c.title,
        "title_en": c.title_en,
        "organisation": {"slug": c.organisation.slug, "name": c.organisation.name},
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "open": c.is_open(timezone.now()),
        "subject": "strategy" if c.strategy_id else "act",
        "strategy": c.strategy.slug if c.strategy else None,
        "act_name": c.act_name,
        "residents_only": c.residents_only,
        "report_published_at": c.report_published_at,
        "web_url": web_url(request, c),
    }


@router.get("/consultations", response={200: ConsultationPage, **READ_RESPONSES}, url_name="consultations")
def list_consultations(request, pages: Query[PageParams]):
    """Consultations, the newest first."""
    return paginate(
        request, selectors.consultations(), pages, lambda rows: [_consultation_item(request, c) for c in rows]
    )


def _consultation_or_404(slug: str) -> Consultation:
    c = selectors.consultations().filter(slug=slug).first()
    if c is None:
        raise not_found("consultation", slug)
    return c


@router.get(
    "/consultations/{slug}", response={200: ConsultationDetail, **READ_RESPONSES}, url_name="consultation"
)
def get_consultation(request, slug: str):
    """A consultation with its units and how many (not hidden) comments each has."""
    c = _consultation_or_404(slug)
    ct = ContentType.objects.get_for_model(Unit)
    counts = dict(
        Comment.objects.filter(content_type=ct, object_id__in=c.units.values("pk"), hidden_at__isnull=True)
        .values_list("object_id")
        .annotate(n=Count("pk"))
    )
    out = _consultation_item(request, c)
    out.update(
        description=c.description,
        description_en=c.description_en,
        units=[
            {
                "id": u.pk,
                "label": u.label,
                "text": u.text,
                "node": u.label if u.node_id else None,
                "depth": u.depth,
                "comments": counts.get(u.pk, 0),
            }
            for u in selectors.consultation_units(c)
        ],
    )
    return out


@router.post(
    "/consultations", auth=token_auth, response=write_responses({201: ConsultationDetail}, conflict=True)
)
def create_consultation(request, payload: ConsultationIn):
    """Put a draft strategy (``strategy``) or an act (``act_text``) to the public (its staff)."""
    org = Organisation.objects.filter(slug=payload.organisation).first()
    if org is None:
        invalid(["body", "organisation"], "Unknown organisation.", REFUSED)
    strategy = None
    if payload.strategy:
        strategy = Strategy.objects.filter(slug=payload.strategy).first()
        if strategy is None:
            invalid(["body", "strategy"], "Unknown strategy.", REFUSED)
    with refusals():
        paragraphs = None
        if payload.act_text is not None:
            paragraphs = acts.paragraphs_from_text(payload.act_text)
        data = services.ConsultationData(
            organisation=org,
            title=payload.title,
            title_en=payload.title_en,
            description=payload.description,
            description_en=payload.description_en,
            opens_at=payload.opens_at,
            closes_at=payload.closes_at,
            strategy=strategy,
            act_name=payload.act_name,
            act_paragraphs=paragraphs,
            residents_only=payload.residents_only,
        )
        c = services.consultation_create(request.user, data, via="api")
    return Status(201, get_consultation(request, c.slug))


@router.get(
    "/consultations/{slug}/report",
    response={200: ConsultationReport, **READ_RESPONSES},
    url_name="consultation_report",
)
def get_report(request, slug: str):
    """The published report: every unit with its comments and the answers (404 until it is published)."""
    c = _consultation_or_404(slug)
    if c.report_published_at is None:
        raise not_found("report", slug)
    units = selectors.consultation_units(c)
    comments = list(selectors.comments_on(units))
    by_unit: dict[int, list[Comment]] = {}
    for cm in comments:
        by_unit.setdefault(cm.object_id, []).append(cm)
    return {
        "slug": c.slug,
        "title": c.title,
        "report_published_at": c.report_published_at,
        **selectors.report_counts(c),
        "units": [
            {
                "label": u.label,
                "text": u.text,
                "comments": [comment_out(cm, "unit") for cm in by_unit.get(u.pk, [])],
            }
            for u in units
        ],
    }


@router.post(
    "/consultations/{slug}/report",
    auth=token_auth,
    response=write_responses({200: ConsultationReport}, conflict=True),
)
def publish_report(request, slug: str):
    """Publish the report after the close (the organisation's staff); answers are then final."""
    c = _consultation_or_404(slug)
    with refusals():
        services.consultation_publish_report(request.user, c, via="api")
    return get_report(request, slug)


# ------------------------------------------------------------------------------------------------ proposals


def _proposal_item(request, p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "organisation": {"slug": p.organisation.slug, "name": p.organisation.name},
        "state": p.state,
        "author": selectors.display_name(p.author),
        "supports": p.supports_count,
        "threshold": p.threshold,
        "respond_by": p.respond_by,
        "overdue": selectors.is_overdue(p),
        "node": f"{p.node.strategy.slug}:{p.node.code}" if p.node else None,
        "lat": p.lat,
        "lon": p.lon,
        "created_at": p.created_at,
        "web_url": web_url(request, p),
    }


@router.get("/proposals", response={200: ProposalPage, **READ_RESPONSES}, url_name="proposals")
def list_proposals(request, filters: Query[ProposalFilters], pages: Query[PageParams]):
    """Proposals (pobude), newest first or by supports."""
    qs = selectors.proposals(
        state=filters.state, organisation=filters.organisation, node=filters.node, sort=filters.sort
    )
    return paginate(request, qs, pages, lambda rows: [_proposal_item(request, p) for p in rows])


def _proposal_or_404(pk: int) -> Proposal:
    p = selectors.proposals().filter(pk=pk).first()
    if p is None:
        raise not_found("proposal", str(pk))
    return p


@router.get("/proposals/{pk}", response={200: ProposalDetail, **READ_RESPONSES}, url_name="proposal")
def get_proposal(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    """A proposal with its answer and the history of its states."""
    p = _proposal_or_404(pk)
    out = _proposal_item(request, p)
    out.update(
        text=p.text,
        answer=p.answer,
        answered_at=p.answered_at,
        project=f"{p.project.strategy.slug}/{p.project.code}" if p.project else None,
        history=[
            {"state_from": e.state_from, "state_to": e.state_to, "text": e.text, "at": e.at}
            for e in p.events.order_by("at", "id")
        ],
    )
    return out


def _node(ref: str | None) -> Node | None:
    if not ref:
        return None
    slug, _sep, code = ref.partition(":")
    node = Node.objects.filter(strategy__slug=slug, code=code).first()
    if node is None:
        invalid(["body", "node"], "Unknown node: give <strategy slug>:<node code>.", REFUSED)
    return node


@router.post("/proposals", auth=token_auth, response=write_responses({201: ProposalDetail}, conflict=True))
def create_proposal(request, payload: ProposalIn):
    """A verified resident's proposal to their municipality."""
    org = Organisation.objects.filter(slug=payload.organisation).first()
    if org is None:
        invalid(["body", "organisation"], "Unknown organisation.", REFUSED)
    data = services.ProposalData(
        organisation=org,
        title=payload.title,
        text=payload.text,
        node=_node(payload.node),
        lat=payload.lat,
        lon=payload.lon,
    )
    with refusals():
        p = services.proposal_create(request.user, data, via="api")
    return Status(201, get_proposal(request, p.pk))


@router.post(
    "/proposals/{pk}/support", auth=token_auth, response=write_responses({200: SupportOut}, conflict=True)
)
def support(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    """Support the proposal (verified residents of its municipality, once)."""
    p = _proposal_or_404(pk)
    with refusals():
        p = services.proposal_support(request.user, p, via="api")
    return {"supports": p.supports_count, "supported": True}


@router.delete(
    "/proposals/{pk}/support", auth=token_auth, response=write_responses({200: SupportOut}, conflict=True)
)
def withdraw_support(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    """Withdraw one's support while the proposal is open."""
    p = _proposal_or_404(pk)
    with refusals():
        p = services.proposal_withdraw_support(request.user, p, via="api")
    return {"supports": p.supports_count, "supported": False}


@router.post(
    "/proposals/{pk}/state", auth=token_auth, response=write_responses({200: ProposalDetail}, conflict=True)
)
def change_state(request, payload: StateIn, pk: int = Path(..., ge=1, le=MAX_ID)):
    """Move the proposal on with a public answer (the municipality's staff)."""
    p = _proposal_or_404(pk)
    project = None
    if payload.project:
        slug, _sep, code = payload.project.partition("/")
        project = Project.objects.filter(strategy__slug=slug, code=code).first()
        if project is None:
            invalid(["body", "project"], "Unknown project: give <strategy slug>/<code>.", REFUSED)
    with refusals():
        services.proposal_transition(request.user, p, payload.state, payload.text, project=project, via="api")
    return get_proposal(request, pk)


# ------------------------------------------------------------------------------------------------ comments


def _target(ref: str, loc: list[str | int]) -> Any:
    """The object a comment is on. The schema's pattern has checked the shape; an object that does not
    exist (or is not public) is a 404 for a list, and a refusal of the body's field for a new comment."""
    name, _sep, pk = ref.partition(":")
    obj = targets.find(name, int(pk)) if pk.isdigit() and len(pk) < 19 else None
    if obj is None:
        if loc[0] == "query":
            raise not_found("target", ref)
        invalid(loc, "Unknown target: give unit:<id>, proposal:<id> or agenda_item:<id>.", REFUSED)
    return obj


@router.get("/comments", response={200: CommentPage, **READ_RESPONSES}, url_name="comments")
def list_comments(request, filters: Query[CommentFilters], pages: Query[PageParams]):
    """The comments on one target in thread order (oldest first); hidden ones without text or author."""
    target = _target(filters.target, ["query", "target"])
    name = filters.target.partition(":")[0]
    qs = selectors.comments_on([target])
    return paginate(request, qs, pages, lambda rows: [comment_out(c, name) for c in rows])


def _comment_or_404(pk: int) -> Comment:
    c = Comment.objects.select_related("author__deletion").filter(pk=pk).first()
    if c is None:
        raise not_found("comment", str(pk))
    return c


def _out(c: Comment) -> dict[str, Any]:
    spec = targets.of(c.target)
    return comment_out(c, spec.name if spec else "")


@router.post("/comments", auth=token_auth, response=write_responses({201: CommentOut}, conflict=True))
def create_comment(request, payload: CommentIn):
    """Comment on a target (signed in with a confirmed e-mail address, while it takes comments)."""
    target = _target(payload.target, ["body", "target"])
    parent = None
    if payload.parent is not None:
        parent = Comment.objects.filter(pk=payload.parent).first()
        if parent is None:
            invalid(["body", "parent"], "Unknown comment.", REFUSED)
    with refusals():
        c = services.comment_add(request.user, target, payload.text, parent=parent, via="api")
    return Status(201, _out(c))


@router.post(
    "/comments/{pk}/report", auth=token_auth, response=write_responses({201: ReportOut}, conflict=True)
)
def report_comment(request, payload: ReasonIn, pk: int = Path(..., ge=1, le=MAX_ID)):
    """Report a comment to the moderators, with the reason."""
    c = _comment_or_404(pk)
    with refusals():
        r = services.comment_report(request.user, c, payload.reason, via="api")
    return Status(201, {"id": r.pk, "comment": c.pk})


@router.post(
    "/comments/{pk}/hide", auth=token_auth, response=write_responses({200: CommentOut}, conflict=True)
)
def hide_comment(request, payload: ReasonIn, pk: int = Path(..., ge=1, le=MAX_ID)):
    """Hide a comment with the reason the public sees (moderators)."""
    c = _comment_or_404(pk)
    with refusals():
        services.comment_hide(request.user, c, payload.reason, via="api")
    return _out(c)


@router.post(
    "/comments/{pk}/unhide", auth=token_auth, response=write_responses({200: CommentOut}, conflict=True)
)
def unhide_comment(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    """Show a hidden comment again (moderators)."""
    c = _comment_or_404(pk)
    with refusals():
        services.comment_unhide(request.user, c, via="api")
    return _out(c)


@router.put(
    "/comments/{pk}/answer", auth=token_auth, response=write_responses({200: CommentOut}, conflict=True)
)
def answer_comment(request, payload: AnswerIn, pk: int = Path(..., ge=1, le=MAX_ID)):
    """The organisation's official answer to a comment (its staff)."""
    c = _comment_or_404(pk)
    with refusals():
        services.comment_answer(request.user, c, payload.text, via="api")
    return _out(c)
