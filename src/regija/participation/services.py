"""Every write of participation: consultations, comments and their moderation, proposals and supports.

Each function takes the acting user and the door (``via``), checks who may do it now, validates,
writes in one transaction under ``audit.acting`` (the models are audited, so every moderation action
and state change is in the audit log) or raises a ``core.services.Refused`` with a message for the user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils.text import slugify
from django.utils.translation import gettext as _

from regija.accounts import selectors as accounts
from regija.core import audit
from regija.core.models import Organisation
from regija.core.services import Conflict, Forbidden, Refused, now, require
from regija.strategies.choices import StrategyStatus
from regija.strategies.models import Node, Strategy

from . import acts, mentions, notices, selectors, targets
from .models import (
    COMMENT_MAX,
    OPEN_STATES,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    TRANSITIONS,
    Comment,
    CommentReport,
    Consultation,
    Proposal,
    ProposalEvent,
    ProposalState,
    Support,
    Unit,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from regija.core.permissions import Actor
    from regija.projects.models import Project

MAX_DEPTH = 2  # a reply to a reply to a comment: three levels shown


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def clean_text(value: str | None, field: str, limit: int, *, required: bool = True) -> str:
    """Trimmed text within ``limit`` characters; no control characters but line breaks and tabs."""
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise Refused(_("This field is required."), field=field)
    if len(text) > limit:
        raise Refused(
            _("At most %(limit)s characters (this has %(count)s).") % {"limit": limit, "count": len(text)},
            field=field,
        )
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise Refused(_("The text contains characters that cannot be stored."), field=field)
    return text


def _contributor(user: Actor) -> User:
    """The acting person may post: signed in, active, e-mail confirmed."""
    if not user.is_authenticated:
        raise Forbidden(_("Sign in to take part."))
    if not accounts.can_contribute(user):
        raise Forbidden(_("Confirm your e-mail address before you post: open the link we sent you."))
    return user


def _throttle(user: User, model: type[Model], limit: int, hours: int, field: str = "created_at") -> None:
    """At most ``limit`` rows of ``model`` by this account in the last ``hours`` (counted in the database,
    so every worker agrees)."""
    since = now() - dt.timedelta(hours=hours)
    owner = "author" if model in (Comment, Proposal) else "user"
    count = model._default_manager.filter(**{owner: user, f"{field}__gte": since}).count()
    if count >= limit:
        raise Refused(_("You have posted a lot in a short time. Please try again later."), status=429)


# ------------------------------------------------------------------------------------------------ comments


def _target_spec(target: Model) -> targets.Target:
    spec = targets.of(target)
    if spec is None or not spec.public(target):
        raise Refused(_("Comments cannot be added here."), field="target")
    return spec


def comment_add(
    user: Actor, target: Model, text: str, *, parent: Comment | None = None, via: str = "web"
) -> Comment:
    """A comment (or a reply to ``parent``) on ``target``, while the target takes comments."""
    person = _contributor(user)
    spec = _target_spec(target)
    closed = spec.closed(target, now())
    if closed:
        raise Refused(closed, status=409)
    place = spec.residents_of(target)
    if place is not None and not accounts.is_verified_resident(person, place):
        raise Forbidden(_("Only verified residents of %(place)s may comment here.") % {"place": place.name})
    body = clean_text(text, "text", COMMENT_MAX)
    depth = 0
    if parent is not None:
        if parent.content_type_id != _ct(target).pk or parent.object_id != target.pk:
            raise Refused(_("The reply is not to a comment of this page."), field="parent")
        if parent.hidden:
            raise Refused(_("A hidden comment cannot be answered."), field="parent")
        depth = min(parent.depth + 1, MAX_DEPTH)
        if parent.depth >= MAX_DEPTH:
            parent = parent.parent  # a reply beyond the third level joins its parent's thread
    _throttle(person, Comment, _setting("REGIJA_COMMENTS_PER_HOUR", 30), 1)
    names = mentions.usernames(body)
    mentioned = list(get_user_model().objects.filter(username__in=names, is_active=True)) if names else []
    with audit.acting(person, via=via), transaction.atomic():
        comment = Comment.objects.create(
            content_type=_ct(target),
            object_id=target.pk,
            organisation=spec.organisation(target),
            parent=parent,
            depth=depth,
            author=person,
            text=body,
        )
        if mentioned:
            comment.mentions.set(mentioned)
            notices.mentioned(comment, mentioned)
    return comment


def _ct(obj: Model) -> Any:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(type(obj))


def _report_published(comment: Comment) -> bool:
    target = comment.target
    return isinstance(target, Unit) and target.consultation.report_published_at is not None


def comment_answer(user: Actor, comment: Comment, text: str, *, via: str = "web") -> Comment:
    """The organisation's one official answer to a comment; editable until a consultation's report is
    published. An empty text removes it."""
    require(
        selectors.is_staff_of(user, comment.organisation_id),
        _("Only the organisation's staff answer comments."),
    )
    if _report_published(comment):
        raise Refused(_("The report is published: its answers can no longer change."))
    body = clean_text(text, "answer", TEXT_MAX, required=False)
    changed = body != comment.answer
    with audit.acting(user, via=via), transaction.atomic():
        comment.answer = body
        comment.answered_by = user if body else None  # type: ignore[assignment]
        comment.answered_at = now() if body else None
        comment.save(update_fields=["answer", "answered_by", "answered_at"])
        if body and changed:
            notices.answered(comment)
    return comment


def comment_report(user: Actor, comment: Comment, reason: str, *, via: str = "web") -> CommentReport:
    """Tell the moderators a comment breaks the rules (once per person and comment)."""
    person = _contributor(user)
    if comment.hidden:
        raise Refused(_("This comment is already hidden."))
    body = clean_text(reason, "reason", REASON_MAX)
    _throttle(person, CommentReport, _setting("REGIJA_REPORTS_PER_HOUR", 20), 1)
    try:
        with audit.acting(person, via=via), transaction.atomic():
            return CommentReport.objects.create(comment=comment, user=person, reason=body)
    except IntegrityError as error:
        raise Conflict(_("You have already reported this comment.")) from error


def comment_hide(user: Actor, comment: Comment, reason: str, *, via: str = "web") -> Comment:
    """A moderator hides a comment: the public sees "hidden: <reason>", moderators the text."""
    require(selectors.is_moderator(user, comment.organisation_id), _("Only moderators hide comments."))
    body = clean_text(reason, "reason", REASON_MAX)
    if comment.hidden:
        raise Refused(_("This comment is already hidden."))
    with audit.acting(user, via=via), transaction.atomic():
        comment.hidden_at = now()
        comment.hidden_reason = body
        comment.hidden_by = user  # type: ignore[assignment]
        comment.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
        for report in comment.reports.filter(resolved_at__isnull=True):
            report.resolved_at = comment.hidden_at
            report.save(update_fields=["resolved_at"])
    return comment


def comment_unhide(user: Actor, comment: Comment, *, via: str = "web") -> Comment:
    require(selectors.is_moderator(user, comment.organisation_id), _("Only moderators hide comments."))
    if not comment.hidden:
        raise Refused(_("This comment is not hidden."))
    with audit.acting(user, via=via), transaction.atomic():
        comment.hidden_at = None
        comment.hidden_reason = ""
        comment.hidden_by = None
        comment.save(update_fields=["hidden_at", "hidden_reason", "hidden_by"])
    return comment


def reports_dismiss(user: Actor, comment: Comment, *, via: str = "web") -> int:
    """A moderator keeps a reported comment as it is: its open reports are resolved. Returns how many."""
    require(selectors.is_moderator(user, comment.organisation_id), _("Only moderators hide comments."))
    count = 0
    with audit.acting(user, via=via), transaction.atomic():
        for report in comment.reports.filter(resolved_at__isnull=True):
            report.resolved_at = now()
            report.save(update_fields=["resolved_at"])
            count += 1
    return count


# ------------------------------------------------------------------------------------------- consultations


@dataclass
class ConsultationData:
    organisation: Organisation
    title: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    title_en: str = ""
    description: str = ""
    description_en: str = ""
    strategy: Strategy | None = None
    act_name: str = ""
    act_paragraphs: list[str] | None = None  # from acts.paragraphs(), or text split by paragraphs
    residents_only: bool = False
    slug: str = ""


def _unique_slug(title: str) -> str:
    base = slugify(title)[:80] or "obravnava"
    slug, n = base, 2
    while Consultation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def consultation_create(user: Actor, data: ConsultationData, *, via: str = "web") -> Consultation:
    """Staff put a draft strategy (its nodes become the units) or an act (its paragraphs) to the public."""
    require(
        selectors.is_staff_of(user, data.organisation.pk),
        _("Only the organisation's editors and admins start consultations."),
    )
    title = clean_text(data.title, "title", TITLE_MAX)
    title_en = clean_text(data.title_en, "title_en", TITLE_MAX, required=False)
    description = clean_text(data.description, "description", TEXT_MAX, required=False)
    description_en = clean_text(data.description_en, "description_en", TEXT_MAX, required=False)
    if data.opens_at.tzinfo is None or data.closes_at.tzinfo is None:
        raise Refused(_("Give the time with its time zone."), field="opens_at")
    if data.closes_at <= data.opens_at:
        raise Refused(_("The consultation must close after it opens."), field="closes_at")
    if (data.strategy is None) == (data.act_paragraphs is None):
        raise Refused(_("Choose either a draft strategy or an act."), field="strategy")
    nodes: list[Node] = []
    if data.strategy is not None:
        if data.strategy.status != StrategyStatus.DRAFT:
            raise Refused(_("Only a strategy in status draft is put to consultation."), field="strategy")
        if not data.strategy.owners.filter(pk=data.organisation.pk).exists():
            raise Refused(_("The strategy is not the organisation's."), field="strategy")
        nodes = list(data.strategy.nodes.order_by("path"))
        if not nodes:
            raise Refused(_("The strategy has no goals or measures to comment on."), field="strategy")
    else:
        acts.check(data.act_paragraphs or [])
    act_name = clean_text(data.act_name, "act_name", 300, required=data.strategy is None)
    slug = data.slug or _unique_slug(title)
    if Consultation.objects.filter(slug=slug).exists():
        raise Conflict(_("A consultation with this address exists."), field="slug")
    with audit.acting(user, via=via), transaction.atomic():
        consultation = Consultation.objects.create(
            organisation=data.organisation,
            slug=slug,
            title=title,
            title_en=title_en,
            description=description,
            description_en=description_en,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            strategy=data.strategy,
            act_name=act_name,
            residents_only=data.residents_only,
        )
        if nodes:
            units = [
                Unit(
                    consultation=consultation,
                    order=i,
                    label=n.code,
                    text=n.title + (f"\n{n.description}" if n.description else ""),
                    node=n,
                    depth=n.depth,
                )
                for i, n in enumerate(nodes, 1)
            ]
        else:
            units = [
                Unit(consultation=consultation, order=i, label=f"{i}.", text=p)
                for i, p in enumerate(data.act_paragraphs or [], 1)
            ]
        Unit.objects.bulk_create(units)
    return consultation


def consultation_publish_report(user: Actor, consultation: Consultation, *, via: str = "web") -> Consultation:
    """After the close, staff publish the report of every comment and answer; answers are then final."""
    require(
        selectors.is_staff_of(user, consultation.organisation_id),
        _("Only the organisation's staff publish the report."),
    )
    if now() < consultation.closes_at:
        raise Refused(_("The report is published after the consultation closes."))
    if consultation.report_published_at is not None:
        raise Refused(_("The report is already published."))
    with audit.acting(user, via=via), transaction.atomic():
        consultation.report_published_at = now()
        consultation.save(update_fields=["report_published_at"])
        notices.report_published(consultation)
    return consultation


# ------------------------------------------------------------------------------------------------ proposals


@dataclass
class ProposalData:
    organisation: Organisation
    title: str
    text: str
    node: Node | None = None
    lat: float | None = None
    lon: float | None = None


def proposal_create(user: Actor, data: ProposalData, *, via: str = "web") -> Proposal:
    """A verified resident of the municipality addresses a proposal to it."""
    person = _contributor(user)
    if not accounts.is_verified_resident(person, data.organisation):
        raise Forbidden(
            _("Only verified residents of %(place)s make proposals to it.")
            % {"place": data.organisation.name}
        )
    title = clean_text(data.title, "title", TITLE_MAX)
    text = clean_text(data.text, "text", TEXT_MAX)
    if (data.lat is None) != (data.lon is None):
        raise Refused(_("Give both latitude and longitude, or neither."), field="lat")
    if data.lat is not None and not -90 <= data.lat <= 90:
        raise Refused(_("Latitude is between -90 and 90."), field="lat")
    if data.lon is not None and not -180 <= data.lon <= 180:
        raise Refused(_("Longitude is between -180 and 180."), field="lon")
    _throttle(person, Proposal, _setting("REGIJA_PROPOSALS_PER_DAY", 5), 24)
    with audit.acting(person, via=via), transaction.atomic():
        return Proposal.objects.create(
            organisation=data.organisation,
            title=title,
            text=text,
            node=data.node,
            lat=data.lat,
            lon=data.lon,
            author=person,
            threshold=_setting("REGIJA_PROPOSAL_THRESHOLD", 100),
            response_days=_setting("REGIJA_PROPOSAL_RESPONSE_DAYS", 30),
        )


def proposal_support(user: Actor, proposal: Proposal, *, via: str = "web") -> Proposal:
    """One support per verified resident of the municipality, while the proposal is open."""
    person = _contributor(user)
    if not accounts.is_verified_resident(person, proposal.organisation):
        raise Forbidden(
            _("Only verified residents of %(place)s support its proposals.")
            % {"place": proposal.organisation.name}
        )
    if proposal.state not in OPEN_STATES:
        raise Refused(_("This proposal is decided: it takes no more supports."))
    try:
        with audit.acting(person, via=via), transaction.atomic():
            Support.objects.create(proposal=proposal, user=person)
            Proposal.objects.filter(pk=proposal.pk).update(supports_count=F("supports_count") + 1)
            proposal.refresh_from_db()
            if proposal.threshold_reached_at is None and proposal.supports_count >= proposal.threshold:
                reached = now()
                proposal.threshold_reached_at = reached
                proposal.respond_by = reached + dt.timedelta(days=proposal.response_days)
                proposal.save(update_fields=["threshold_reached_at", "respond_by"])
    except IntegrityError as error:
        raise Conflict(_("You already support this proposal.")) from error
    return proposal


def proposal_withdraw_support(user: Actor, proposal: Proposal, *, via: str = "web") -> Proposal:
    """Take one's support back while the proposal is open (a reached threshold stays reached)."""
    if not user.is_authenticated:
        raise Forbidden(_("Sign in to take part."))
    if proposal.state not in OPEN_STATES:
        raise Refused(_("This proposal is decided: supports can no longer be withdrawn."))
    with audit.acting(user, via=via), transaction.atomic():
        support = Support.objects.select_for_update().filter(proposal=proposal, user_id=user.pk).first()
        if support is None:
            raise Refused(_("You do not support this proposal."))
        support.delete()
        Proposal.objects.filter(pk=proposal.pk).update(supports_count=F("supports_count") - 1)
    proposal.refresh_from_db()
    return proposal


def proposal_transition(
    user: Actor,
    proposal: Proposal,
    state: str,
    text: str,
    *,
    project: Project | None = None,
    via: str = "web",
) -> Proposal:
    """Staff move a proposal on with a public answer: new → under review → accepted / rejected (the
    answer is the reason) → implemented (naming the project that carries it out)."""
    require(
        selectors.is_staff_of(user, proposal.organisation_id),
        _("Only the municipality's staff review its proposals."),
    )
    if state not in ProposalState.values:
        raise Refused(_("Unknown state."), field="state")
    if state not in TRANSITIONS[proposal.state]:
        raise Refused(
            _("A proposal that is %(from)s cannot become %(to)s.")
            % {"from": ProposalState(proposal.state).label, "to": ProposalState(state).label},
            field="state",
        )
    if state == ProposalState.REJECTED:
        body = clean_text(text, "text", TEXT_MAX) if text and text.strip() else ""
        if not body:
            raise Refused(_("Give the reason for rejecting the proposal."), field="text")
    else:
        body = clean_text(text, "text", TEXT_MAX)
    if state == ProposalState.IMPLEMENTED and project is None:
        raise Refused(_("Name the project that implements the proposal."), field="project")
    at = now()
    with audit.acting(user, via=via), transaction.atomic():
        ProposalEvent.objects.create(
            proposal=proposal,
            state_from=proposal.state,
            state_to=state,
            text=body,
            actor=user if user.is_authenticated else None,
            at=at,
        )
        proposal.state = state
        proposal.answer = body
        proposal.answered_at = at
        fields = ["state", "answer", "answered_at"]
        if project is not None:
            proposal.project = project
            fields.append("project")
        proposal.save(update_fields=fields)
        notices.proposal_moved(proposal)
    return proposal
