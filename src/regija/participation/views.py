"""Pages of participation (Slovenian paths): consultations, proposals, comments and their moderation.

Thin: reads through ``selectors``, writes through ``services``; a refusal becomes a message on the page
the person came from (or a form error). Nothing here needs JavaScript.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regija.accounts import selectors as accounts
from regija.core import caching, permissions
from regija.core.caching import cache_response
from regija.core.models import Organisation, OrganisationKind, Role
from regija.core.services import Refused
from regija.governance.models import AgendaItem
from regija.projects.models import Project
from regija.strategies.models import Node, Strategy

from . import acts, report, selectors, services, targets
from .forms import ConsultationForm, ProposalForm, ReasonForm, StateForm
from .models import Comment, Consultation, Proposal, ProposalState

NAV = "participation"


def _back(request, fallback: str):
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(fallback)


THREADS_SHOWN = 3  # threads of each part of a consultation shown until "all comments" is chosen


@dataclass(frozen=True)
class Viewer:
    """All that makes one person's view of a page's comments differ from another's: whether they are
    signed in and may post, why posting is closed, and whether they answer or moderate for the page's
    organisation. The threads are kept rendered per data version and ``Viewer`` (``caching.kept_html``),
    so it must never hold who the person is."""

    signed_in: bool
    may_post: bool
    closed_message: str | None
    can_answer: bool
    can_moderate: bool


def _viewer(request, organisation_id: int, closed_message: str | None) -> Viewer:
    user = request.user
    return Viewer(
        signed_in=user.is_authenticated,
        may_post=accounts.can_contribute(user) and not closed_message,
        closed_message=str(closed_message) if closed_message else None,  # a lazy text's repr is no key
        can_answer=selectors.is_staff_of(user, organisation_id),
        can_moderate=selectors.is_moderator(user, organisation_id),
    )


def _comments(
    request,
    name: str,
    objs: Callable[[], list[Any]],
    *,
    viewer: Viewer,
    organisation_id: int,
    here: str,
    template: str,
    context: Callable[[selectors.Shown, dict[int, list[Comment]]], dict[str, Any]],
    parts: object,
    newest: int | None = None,
    expanded: int | None = None,
) -> SafeString:
    """The comments of a page with their forms, kept rendered until the data changes for everyone who
    sees them as ``viewer`` does: a page of 60 parts with 360 comments shown costs a cache read, not
    ≈ 100 ms of rendering (bench/README.md, "Residents' pages under load"). ``objs()`` and
    ``context()`` run only when the part is not kept."""

    def render(forms: dict[str, Any]) -> str:
        shown = selectors.comments_shown(objs(), newest=newest, expanded=expanded)
        for c in shown.comments:  # a comment is answered and moderated by its own organisation
            c.can_answer = viewer.can_answer and c.organisation_id == organisation_id
            c.can_moderate = viewer.can_moderate and c.organisation_id == organisation_id
        return render_to_string(
            template,
            {
                **forms,
                **asdict(viewer),
                **context(shown, selectors.threads(shown.comments)),
                "here": here,
            },
        )

    return caching.kept_html(request, name, (parts, viewer, here), render)


# -------------------------------------------------------------------------------------------- overview


@cache_response(moment=selectors.clock_key)
def overview(request):
    now = timezone.now()
    cons = list(selectors.consultations()[:50])
    return render(
        request,
        "participation/overview.html",
        {
            "open_consultations": [c for c in cons if c.is_open(now)][:5],
            "proposals": list(selectors.proposals(sort="supports")[:5]),
            "nav": NAV,
        },
    )


# ---------------------------------------------------------------------------------------- consultations


@cache_response(moment=selectors.clock_key)
def consultation_list(request):
    page = Paginator(selectors.consultations(), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "participation/consultation_list.html",
        {
            "page": page,
            "now": timezone.now(),
            "nav": NAV,
            "is_staff_any": permissions.can_edit_anything(request.user),
        },
    )


@cache_response(moment=selectors.clock_key)  # anonymous readers: kept per data version and moment
def consultation_detail(request, slug: str):
    c = selectors.public_consultation(slug)
    if c is None:
        raise Http404
    now = timezone.now()
    closed = None
    if now < c.opens_at:
        closed = _("The consultation is not open yet.")
    elif now >= c.closes_at:
        closed = _("The consultation has closed: comments are no longer taken.")
    elif c.residents_only and not accounts.is_verified_resident(request.user, c.organisation):
        closed = _("Only verified residents of %(place)s may comment here.") % {"place": c.organisation.name}
    # A part shows its newest threads; "all comments" (?enota=<id>, where every link to the part or
    # to a comment on it goes: Unit.get_absolute_url) shows every thread of that one part – a page of
    # 60 parts with 1 200 comments took 315 ms to render in full (bench/README.md).
    wanted = request.GET.get("enota", "")
    expanded = int(wanted) if wanted.isdigit() and len(wanted) < 19 else None
    here = c.get_absolute_url() + (f"?enota={expanded}" if expanded else "")
    read_units = functools.cache(lambda: selectors.consultation_units(c))

    def units_context(shown: selectors.Shown, threads: dict[int, list[Comment]]) -> dict[str, Any]:
        units = read_units()
        for u in units:
            u.thread = threads.get(u.pk, [])
            u.comment_count = shown.counts.get(u.pk, 0)
            u.expanded = u.pk == expanded
            u.more = shown.left_out.get(u.pk, 0)
        return {"units": units, "consultation": c, "target_name": "unit"}

    ctx = {
        "units_html": _comments(
            request,
            "consultation-units",
            read_units,
            viewer=_viewer(request, c.organisation_id, closed),
            organisation_id=c.organisation_id,
            here=here,
            template="participation/_units.html",
            context=units_context,
            parts=(c.pk, expanded),
            newest=THREADS_SHOWN,
            expanded=expanded,
        ),
        "consultation": c,
        "is_open": c.is_open(now),
        "is_staff_of": selectors.is_staff_of(request.user, c.organisation_id),
        "closed_now": now >= c.closes_at,
        "nav": NAV,
    }
    return render(request, "participation/consultation_detail.html", ctx)


def _published(slug: str) -> Consultation:
    c = get_object_or_404(selectors.consultations(), slug=slug)
    if c.report_published_at is None:
        raise Http404
    return c


@cache_response
def consultation_report(request, slug: str):
    c = _published(slug)
    return render(request, "participation/report.html", {"r": report.build(c), "consultation": c, "nav": NAV})


@cache_response
def consultation_report_docx(request, slug: str):
    c = _published(slug)
    response = HttpResponse(
        report.docx(report.build(c)),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="porocilo-{c.slug}.docx"'
    return response


@login_required
@require_POST
def consultation_publish(request, slug: str):
    c = get_object_or_404(Consultation, slug=slug)
    try:
        services.consultation_publish_report(request.user, c)
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(c.get_absolute_url())
    messages.success(request, _("The report is published."))
    return redirect("participation:consultation_report", slug=c.slug)


def _staff_orgs(user):
    ids = permissions.org_ids_with(user, Role.EDITOR)
    qs = Organisation.objects.exclude(kind=OrganisationKind.PERSON).order_by("name")
    return qs if ids is None else qs.filter(pk__in=ids)


@login_required
def consultation_new(request):
    orgs = _staff_orgs(request.user)
    if not orgs.exists():
        return HttpResponseForbidden(_("Only organisations' editors and admins start consultations."))
    form = ConsultationForm(request.POST or None, request.FILES or None, organisations=orgs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        tz = ZoneInfo(settings.TIME_ZONE)
        try:
            strategy = None
            if d["strategy"]:
                strategy = Strategy.objects.filter(slug=d["strategy"].strip()).first()
                if strategy is None:
                    raise Refused(_("There is no strategy at this address."), field="strategy")
            paragraphs = None
            if d["act_file"] is not None:
                paragraphs = acts.paragraphs(d["act_file"].name, d["act_file"].read())
            data = services.ConsultationData(
                organisation=d["organisation"],
                title=d["title"],
                title_en=d["title_en"],
                description=d["description"],
                description_en=d["description_en"],
                opens_at=dt.datetime.combine(d["opens"], dt.time(), tzinfo=tz),
                closes_at=dt.datetime.combine(d["closes"] + dt.timedelta(days=1), dt.time(), tzinfo=tz),
                strategy=strategy,
                act_name=d["act_name"] or (d["act_file"].name if d["act_file"] is not None else ""),
                act_paragraphs=paragraphs,
                residents_only=d["residents_only"],
            )
            c = services.consultation_create(request.user, data)
        except Refused as exc:
            field = {"opens_at": "opens", "closes_at": "closes"}.get(exc.field or "", exc.field)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The consultation is created."))
            return redirect(c.get_absolute_url())
    return render(request, "participation/consultation_form.html", {"form": form, "nav": NAV})


# ------------------------------------------------------------------------------------------------ proposals


@cache_response(moment=selectors.clock_key)
def proposal_list(request):
    state = request.GET.get("stanje", "")
    org = request.GET.get("obcina", "")
    node = request.GET.get("cilj", "")
    sort = "supports" if request.GET.get("razvrsti") == "podpore" else "new"
    listed = selectors.proposals(state=state, organisation=org, node=node, sort=sort)
    paginator = Paginator(listed, 25)
    paginator.count = selectors.proposal_count(state=state, organisation=org, node=node)  # kept
    page = paginator.get_page(request.GET.get("page"))
    # The filters, rows, pages and map are the same for everyone who asks for these filters until the
    # data changes: the template keeps them rendered ({% cache %}) and reads the callables only when
    # they are not kept. The pages' links carry these filters, not what else the address held.
    page_query = QueryDict(mutable=True)
    for name, value in (("stanje", state), ("obcina", org), ("cilj", node)):
        if value:
            page_query[name] = value
    if sort == "supports":
        page_query["razvrsti"] = "podpore"
    return render(
        request,
        "participation/proposal_list.html",
        {
            "page": page,
            "page_query": page_query,
            "rows": lambda: list(page.object_list),
            "states": ProposalState.choices,
            "state": state,
            "organisations": selectors.proposal_organisations,
            "org": org,
            "node": node,
            "sort": sort,
            "located": lambda: selectors.located(listed),
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_ATTRIBUTION,
            "nav": NAV,
        },
    )


@cache_response(moment=selectors.clock_key)
def proposal_detail(request, pk: int):
    kept = selectors.public_proposal(pk)
    if kept is None:
        raise Http404
    p, events = kept
    closed = (
        None if p.state in ("new", "under_review") else _("This proposal is decided: comments are closed.")
    )
    is_staff = selectors.is_staff_of(request.user, p.organisation_id)
    ctx = {
        "comments_html": _comments(
            request,
            "proposal-comments",
            lambda: [p],
            viewer=_viewer(request, p.organisation_id, closed),
            organisation_id=p.organisation_id,
            here=p.get_absolute_url(),
            template="participation/_comments.html",
            context=lambda shown, threads: {
                "thread": threads.get(p.pk, []),
                "target_id": p.pk,
                "target_name": "proposal",
            },
            parts=p.pk,
        ),
        "proposal": p,
        "events": events,
        "supported": selectors.has_supported(request.user, p),
        "may_support": selectors.may_support(request.user, p),
        "overdue": selectors.is_overdue(p),
        "is_staff_of": is_staff,
        "state_form": StateForm() if is_staff else None,
        "nav": NAV,
    }
    return render(request, "participation/proposal_detail.html", ctx)


@login_required
def proposal_new(request):
    municipalities = accounts.verified_municipalities(request.user).order_by("name")
    form = ProposalForm(request.POST or None, municipalities=municipalities)
    if not accounts.can_contribute(request.user):
        messages.error(request, _("Confirm your e-mail address before you post: open the link we sent you."))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            node = None
            if d["node"]:
                slug, _sep, code = d["node"].strip().partition(":")
                node = Node.objects.filter(strategy__slug=slug, code=code).first()
                if node is None:
                    raise Refused(_("There is no such goal or measure."), field="node")
            p = services.proposal_create(
                request.user,
                services.ProposalData(
                    organisation=d["organisation"],
                    title=d["title"],
                    text=d["text"],
                    node=node,
                    lat=d["lat"],
                    lon=d["lon"],
                ),
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your proposal is published."))
            return redirect(p.get_absolute_url())
    return render(
        request,
        "participation/proposal_form.html",
        {"form": form, "has_residency": municipalities.exists(), "nav": NAV},
    )


@login_required
@require_POST
def proposal_support(request, pk: int):
    p = get_object_or_404(Proposal, pk=pk)
    try:
        if request.POST.get("withdraw"):
            services.proposal_withdraw_support(request.user, p)
            messages.success(request, _("Your support is withdrawn."))
        else:
            services.proposal_support(request.user, p)
            messages.success(request, _("Thank you for your support."))
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect(p.get_absolute_url())


@login_required
@require_POST
def proposal_state(request, pk: int):
    p = get_object_or_404(Proposal, pk=pk)
    form = StateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the new state and write the public answer."))
        return redirect(p.get_absolute_url())
    d = form.cleaned_data
    try:
        project = None
        if d["project"]:
            slug, _sep, code = d["project"].strip().partition("/")
            project = Project.objects.filter(strategy__slug=slug, code=code).first()
            if project is None:
                raise Refused(_("There is no such project."), field="project")
        services.proposal_transition(request.user, p, d["state"], d["text"], project=project)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The proposal's state and answer are saved."))
    return redirect(p.get_absolute_url())


@login_required
def proposals_overdue(request):
    ids = permissions.org_ids_with(request.user, Role.EDITOR)
    if ids is not None and not ids:
        return HttpResponseForbidden(_("Only organisations' editors and admins see this list."))
    qs = selectors.overdue().select_related("organisation").order_by("respond_by")
    if ids is not None:
        qs = qs.filter(organisation_id__in=ids)
    return render(request, "participation/overdue.html", {"proposals": qs, "nav": NAV})


# ------------------------------------------------------------------------------------------ agenda items


def agenda_item(request, pk: int):
    item = get_object_or_404(AgendaItem.objects.select_related("session__body__organisation"), pk=pk)
    spec = targets.of(item)
    closed = spec.closed(item, timezone.now()) if spec else _("Comments cannot be added here.")
    org_id = item.session.body.organisation_id
    ctx = {
        "comments_html": _comments(
            request,
            "agenda-item-comments",
            lambda: [item],
            viewer=_viewer(request, org_id, closed),
            organisation_id=org_id,
            here=reverse("participation:agenda_item", args=[item.pk]),
            template="participation/_comments.html",
            context=lambda shown, threads: {
                "thread": threads.get(item.pk, []),
                "target_id": item.pk,
                "target_name": "agenda_item",
            },
            parts=item.pk,
        ),
        "item": item,
        "nav": NAV,
    }
    return render(request, "participation/agenda_item.html", ctx)


# ------------------------------------------------------------------------------------------------ comments


@login_required
@require_POST
def comment_add(request, target: str, pk: int):
    obj = targets.find(target, pk)
    if obj is None:
        raise Http404
    spec = targets.of(obj)
    fallback = spec.url(obj) if spec else reverse("participation:overview")
    parent = None
    if request.POST.get("parent"):
        parent = (
            Comment.objects.filter(pk=request.POST["parent"]).first()
            if request.POST["parent"].isdigit()
            else None
        )
    try:
        c = services.comment_add(request.user, obj, request.POST.get("text", ""), parent=parent)
    except Refused as exc:
        messages.error(request, exc.message)
        return _back(request, fallback)
    messages.success(request, _("Your comment is published."))
    return redirect(f"{fallback.split('#')[0]}#komentar-{c.pk}")


def _comment(pk: int) -> Comment:
    return get_object_or_404(Comment.objects.select_related("organisation"), pk=pk)


def _comment_page(c: Comment) -> str:
    url = selectors.target_url(c)
    return f"{url.split('#')[0]}#komentar-{c.pk}" if url else reverse("participation:overview")


def _act(request, action, done: str, back: str):
    """Run a moderation or answer service: its refusal or ``done`` as the message, then back to the page
    the form was on (``next``) or ``back``."""
    try:
        action()
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(request, back)


@login_required
@require_POST
def comment_report(request, pk: int):
    c = _comment(pk)
    reason = request.POST.get("reason", "")
    done = _("Thank you: the moderators will look at the comment.")
    return _act(request, lambda: services.comment_report(request.user, c, reason), done, _comment_page(c))


@login_required
@require_POST
def comment_hide(request, pk: int):
    c = _comment(pk)
    reason = request.POST.get("reason", "")
    done = _("The comment is hidden.")
    return _act(request, lambda: services.comment_hide(request.user, c, reason), done, _comment_page(c))


@login_required
@require_POST
def comment_unhide(request, pk: int):
    c = _comment(pk)
    done = _("The comment is shown again.")
    return _act(request, lambda: services.comment_unhide(request.user, c), done, _comment_page(c))


@login_required
@require_POST
def comment_dismiss(request, pk: int):
    c = _comment(pk)
    done = _("The reports are dismissed; the comment stays.")
    back = reverse("participation:moderation")
    return _act(request, lambda: services.reports_dismiss(request.user, c), done, back)


@login_required
@require_POST
def comment_answer(request, pk: int):
    c = _comment(pk)
    answer = request.POST.get("answer", "")
    done = _("The answer is saved.")
    return _act(request, lambda: services.comment_answer(request.user, c, answer), done, _comment_page(c))


@login_required
def moderation(request):
    allowed = selectors.moderated_org_ids(request.user)
    if allowed is not None and not allowed:
        return HttpResponseForbidden(_("Only moderators see the reported comments."))
    queue = list(selectors.report_queue(request.user)[:100])
    for c in queue:  # reports and targets prefetched by the selector
        c.page_url = _comment_page(c)
    return render(
        request, "participation/moderation.html", {"queue": queue, "reason_form": ReasonForm(), "nav": NAV}
    )


def person(request, username: str):
    user = get_object_or_404(get_user_model(), username=username, is_active=True)
    comments = list(selectors.person_comments(user)[:50])
    for c in comments:
        c.page_url = _comment_page(c)
    return render(request, "participation/person.html", {"person": user, "comments": comments, "nav": NAV})
