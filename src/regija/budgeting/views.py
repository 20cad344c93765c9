"""Pages of participatory budgeting: the processes, a process with its phases and areas, an area's
proposals, a proposal, proposing, voting, results, and the staff's pages (create a process, add areas,
review, put on the ballot, paper ballots, publish results, create projects).

Public pages are cached per data version and per the next phase change (``selectors.clock_key``); the
vote page and the staff's pages are per person and never cached. Voting needs no script: the ballot is
a form of checkboxes, checked by the server; a small script only shows the running total.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from regija.accounts import selectors as accounts
from regija.core.caching import cache_response
from regija.core.models import Organisation
from regija.core.permissions import can
from regija.core.services import Refused

from . import selectors, services
from .forms import (
    AreaEditForm,
    AreaForm,
    PaperCountsForm,
    PaperVoterForm,
    ProcessForm,
    ProposalForm,
    ReviewForm,
    end_of,
    start_of,
)
from .models import Phase, ProposalStatus

PHASES = [Phase.PROPOSALS, Phase.REVIEW, Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION]


def _process(slug: str, *, public: bool = False):
    """The process, or 404; ``public`` pages (GET) read the copy kept until the data changes."""
    process = selectors.public_process(slug) if public else selectors.process(slug)
    if process is None:
        raise Http404
    return process


def _timeline(process, phase):
    """The phases with their dates, the current one marked."""
    dates = {
        Phase.PROPOSALS: (process.proposals_from, process.proposals_to),
        Phase.REVIEW: (process.proposals_to, process.review_to),
        Phase.VOTING: (process.voting_from, process.voting_to),
        Phase.RESULTS: (process.results_published_at, None),
        Phase.IMPLEMENTATION: (process.projects_created_at, None),
    }
    current = Phase.VOTING if phase == Phase.COUNTING else phase
    return [
        {"label": Phase(p).label, "start": dates[p][0], "end": dates[p][1], "current": p == current}
        for p in PHASES
    ]


def _staff(request, process) -> bool:
    return request.user.is_authenticated and can(request.user, "change", process)


def _refusal(form, exc: Refused) -> None:
    field = exc.field.split(".")[0] if exc.field else None
    form.add_error(field if field in form.fields else None, exc.message)


@cache_response(moment=selectors.clock_key)
def process_list(request):
    now = timezone.now()
    processes = list(selectors.processes())
    for p in processes:
        p.current_phase = Phase(p.phase_at(now))
    municipalities = []
    if request.user.is_authenticated:
        from regija.core.permissions import org_ids_with

        ids = org_ids_with(request.user, "editor")
        qs = Organisation.objects.filter(kind="municipality").order_by("name")
        municipalities = list(qs if ids is None else qs.filter(pk__in=ids))
    return render(
        request,
        "budgeting/list.html",
        {"processes": processes, "municipalities": municipalities, "nav": "budgeting"},
    )


@cache_response(moment=selectors.clock_key)
def process_detail(request, slug: str):
    process = _process(slug, public=True)
    phase = process.phase_at(timezone.now())
    areas = list(process.areas.all())
    counts = dict(process.proposals.values_list("area_id").annotate(n=Count("id")))
    for a in areas:
        a.proposal_count = counts.get(a.pk, 0)
    return render(
        request,
        "budgeting/process.html",
        {
            "process": process,
            "phase": Phase(phase),
            "timeline": _timeline(process, phase),
            "areas": areas,
            "is_staff": _staff(request, process),
            "nav": "budgeting",
        },
    )


STATUS_FILTERS = {s.value: s.label for s in ProposalStatus}


@cache_response(moment=selectors.clock_key)
def area_detail(request, slug: str, org_slug: str):
    process = _process(slug, public=True)
    area = selectors.public_area(process, org_slug)
    if area is None:
        raise Http404
    status = request.GET.get("stanje", "")
    if status not in STATUS_FILTERS:
        status = ""
    # the rows are the same for everyone until the data changes: the template keeps them rendered
    # ({% cache %}) and reads them (a callable) only when they are not kept
    return render(
        request,
        "budgeting/area.html",
        {
            "process": process,
            "area": area,
            "proposals": lambda: list(selectors.proposals(process, area=area, status=status or None)),
            "status": status,
            "statuses": list(STATUS_FILTERS.items()),
            "phase": Phase(process.phase_at(timezone.now())),
            "nav": "budgeting",
        },
    )


@cache_response(moment=selectors.clock_key)
def proposal_detail(request, slug: str, number: int):
    process = _process(slug, public=True)
    proposal = selectors.proposal(process, number)
    if proposal is None:
        raise Http404
    phase = process.phase_at(timezone.now())
    staff = _staff(request, process)
    form = None
    if (
        staff
        and phase == Phase.REVIEW
        and proposal.status
        in (
            ProposalStatus.SUBMITTED,
            ProposalStatus.FEASIBLE,
            ProposalStatus.NOT_FEASIBLE,
        )
    ):
        form = ReviewForm(
            initial={
                "decision": "not_feasible" if proposal.status == ProposalStatus.NOT_FEASIBLE else "feasible",
                "cost": proposal.cost,
                "note": proposal.review_note,
            }
        )
    return render(
        request,
        "budgeting/proposal.html",
        {"process": process, "proposal": proposal, "form": form, "phase": Phase(phase), "nav": "budgeting"},
    )


@login_required
@require_POST
def proposal_review(request, slug: str, number: int):
    process = _process(slug)
    proposal = selectors.proposal(process, number)
    if proposal is None or not _staff(request, process):
        raise Http404
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_review(
                request.user,
                proposal,
                feasible=form.cleaned_data["decision"] == "feasible",
                cost=form.cleaned_data["cost"],
                note=form.cleaned_data["note"],
            )
        except Refused as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("The review is saved."))
            return redirect(proposal.get_absolute_url())
    return render(
        request,
        "budgeting/proposal.html",
        {
            "process": process,
            "proposal": proposal,
            "form": form,
            "phase": Phase(process.phase_at(timezone.now())),
            "nav": "budgeting",
        },
        status=422,
    )


@login_required
@require_http_methods(["GET", "POST"])
def propose(request, slug: str):
    process = _process(slug)
    phase = process.phase_at(timezone.now())
    form = ProposalForm(request.POST or None, process=process)
    may = accounts.is_verified_resident(request.user, process.organisation) and accounts.can_contribute(
        request.user
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            proposal = services.proposal_submit(
                request.user,
                process,
                d["area"],
                title=d["title"],
                description=d["description"],
                lat=d["lat"],
                lon=d["lon"],
            )
        except Refused as exc:
            _refusal(form, exc)
        else:
            messages.success(
                request,
                _("Your proposal no. %(number)d is submitted; it is reviewed after proposals close.")
                % {"number": proposal.number},
            )
            return redirect(proposal.get_absolute_url())
    return render(
        request,
        "budgeting/propose.html",
        {"process": process, "form": form, "open": phase == Phase.PROPOSALS, "may": may, "nav": "budgeting"},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def vote(request, slug: str):
    process = _process(slug)
    phase = process.phase_at(timezone.now())
    area = selectors.voter_area(request.user, process)
    error = None
    chosen: set[int] = set()
    if request.method == "POST":
        try:
            chosen = {int(v) for v in request.POST.getlist("proposals")}
        except ValueError:
            chosen = set()
            error = _("Choose only proposals on the ballot of your area.")
        if error is None:
            try:
                ballot = services.cast_ballot(request.user, process, sorted(chosen))
            except Refused as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("Your vote is recorded (receipt %(receipt)s). You can change it until %(end)s.")
                    % {
                        "receipt": ballot.receipt,
                        "end": timezone.localtime(process.voting_to).strftime("%d. %m. %Y %H:%M"),
                    },
                )
                return redirect("budgeting:vote", slug)
    ballot = selectors.my_ballot(request.user, process)
    if request.method != "POST" and ballot is not None:
        chosen = {c.proposal_id for c in ballot.choices.all()}
    proposals = selectors.ballot_list(process, area) if area is not None else []
    return render(
        request,
        "budgeting/vote.html",
        {
            "process": process,
            "area": area,
            "proposals": proposals,
            "chosen": chosen,
            "ballot": ballot,
            "error": error,
            "open": phase == Phase.VOTING,
            "closed": timezone.now() >= process.voting_to,
            "confirmed": accounts.can_contribute(request.user),
            "nav": "budgeting",
        },
        status=422 if error else 200,
    )


@cache_response(moment=selectors.clock_key)
def results(request, slug: str):
    process = _process(slug, public=True)
    return render(
        request,
        "budgeting/results.html",
        # kept rendered until the data changes ({% cache %}); read only when not kept
        {"process": process, "results": lambda: selectors.published_results(process), "nav": "budgeting"},
    )


# ------------------------------------------------------------------------------------------------- staff


@login_required
@require_http_methods(["GET", "POST"])
def process_new(request, org_slug: str):
    organisation = get_object_or_404(Organisation, slug=org_slug, kind="municipality")
    if not can(request.user, "change", organisation):
        raise Http404
    form = ProcessForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = _process_data(form.cleaned_data, form.cleaned_data["slug"])
        try:
            process = services.process_create(request.user, organisation, data)
        except Refused as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("The participatory budget is created; add its areas."))
            return redirect("budgeting:manage", process.slug)
    return render(
        request,
        "budgeting/staff/new.html",
        {"organisation": organisation, "form": form, "nav": "budgeting"},
        status=422 if request.method == "POST" else 200,
    )


def _process_data(d: dict, slug: str) -> services.ProcessData:
    return services.ProcessData(
        slug=slug,
        title=d["title"],
        title_en=d["title_en"],
        description=d["description"],
        year=d["year"],
        rule=d["rule"],
        max_choices=d["max_choices"],
        proposals_from=start_of(d["proposals_from"]),
        proposals_to=end_of(d["proposals_to"]),
        review_to=end_of(d["review_to"]),
        voting_from=start_of(d["voting_from"]),
        voting_to=end_of(d["voting_to"]),
        strategy=d["strategy"],
        fund=d["fund"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_edit(request, slug: str):
    process = _process(slug)
    if not _staff(request, process):
        raise Http404
    form = ProcessForm(
        request.POST or None,
        organisation=process.organisation,
        editing=True,
        initial=ProcessForm.initial_of(process),
    )
    if request.method == "POST" and form.is_valid():
        data = _process_data(form.cleaned_data, process.slug)
        data.node = process.node
        for name in ("proposals_from", "proposals_to", "review_to", "voting_from", "voting_to"):
            if form.cleaned_data[name] == form.initial[name]:  # a day not changed keeps its stored moment
                setattr(data, name, getattr(process, name))
        try:
            services.process_update(request.user, process, data)
        except Refused as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("The participatory budget is saved."))
            return redirect("budgeting:manage", process.slug)
    return render(
        request,
        "budgeting/staff/edit.html",
        {"process": process, "form": form, "nav": "budgeting"},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def area_edit(request, slug: str, org_slug: str):
    process = _process(slug)
    if not _staff(request, process):
        raise Http404
    area = get_object_or_404(process.areas.select_related("organisation"), organisation__slug=org_slug)
    form = AreaEditForm(
        request.POST or None, process=process, initial={"budget": area.budget, "node": area.node_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.area_update(
                request.user, area, form.cleaned_data["budget"], node=form.cleaned_data["node"]
            )
        except Refused as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("The area is saved."))
            return redirect("budgeting:manage", process.slug)
    return render(
        request,
        "budgeting/staff/area.html",
        {"process": process, "area": area, "form": form, "nav": "budgeting"},
        status=422 if request.method == "POST" else 200,
    )


def _find_person(text: str):
    User = get_user_model()
    text = text.strip()
    return User.objects.filter(Q(username__iexact=text) | Q(email__iexact=text)).order_by("pk").first()


@login_required
@require_http_methods(["GET", "POST"])
def manage(request, slug: str):
    process = _process(slug)
    if not _staff(request, process):
        raise Http404
    phase = process.phase_at(timezone.now())
    areas = list(process.areas.all())
    area_form = AreaForm(process=process)
    voter_form = PaperVoterForm()
    paper_area = None
    paper_form = None
    status = 200
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "area":
                area_form = AreaForm(request.POST, process=process)
                if area_form.is_valid():
                    d = area_form.cleaned_data
                    services.area_add(request.user, process, d["organisation"], d["budget"], node=d["node"])
                    messages.success(request, _("The area is added."))
                    return redirect("budgeting:manage", slug)
                status = 422
            elif action == "ballot":
                n = services.put_on_ballot(request.user, process)
                messages.success(request, _("%(n)d proposals are on the ballot.") % {"n": n})
                return redirect("budgeting:manage", slug)
            elif action == "paper_voter":
                voter_form = PaperVoterForm(request.POST)
                if voter_form.is_valid():
                    person = _find_person(voter_form.cleaned_data["person"])
                    if person is None:
                        voter_form.add_error("person", _("No account has this user name or e-mail address."))
                        status = 422
                    else:
                        services.mark_voted_on_paper(request.user, process, person)
                        messages.success(request, _("The person is recorded as having voted on paper."))
                        return redirect("budgeting:manage", slug)
                else:
                    status = 422
            elif action == "paper":
                paper_area = next((a for a in areas if str(a.pk) == request.POST.get("area")), None)
                if paper_area is None:
                    raise Refused(_("Choose an area of this participatory budget."))
                paper_form = PaperCountsForm(
                    request.POST,
                    proposals=selectors.ballot_list(process, paper_area),
                    prefix=f"a{paper_area.pk}",
                )
                if paper_form.is_valid():
                    services.enter_paper_ballots(
                        request.user,
                        process,
                        paper_area,
                        label=paper_form.cleaned_data["label"],
                        counts=paper_form.counts(),
                    )
                    messages.success(request, _("The paper ballots are counted."))
                    return redirect("budgeting:manage", slug)
                status = 422
            elif action == "publish":
                services.publish_results(request.user, process)
                messages.success(request, _("The results are published."))
                return redirect("budgeting:results", slug)
            elif action == "projects":
                made = services.create_projects(request.user, process)
                messages.success(request, _("%(n)d projects are created.") % {"n": len(made)})
                return redirect("budgeting:manage", slug)
            else:
                messages.error(request, _("Unknown action."))
                return redirect("budgeting:manage", slug)
        except Refused as exc:
            form = {"area": area_form, "paper_voter": voter_form, "paper": paper_form}.get(action)
            if form is not None:
                _refusal(form, exc)
                status = 422
            else:
                messages.error(request, exc.message)
                return redirect("budgeting:manage", slug)
    paper_forms = []
    if phase in (Phase.VOTING, Phase.COUNTING):
        for a in areas:
            f = paper_form if paper_area is not None and a.pk == paper_area.pk else None
            paper_forms.append(
                (a, f or PaperCountsForm(proposals=selectors.ballot_list(process, a), prefix=f"a{a.pk}"))
            )
    counts = dict(process.proposals.values_list("status").annotate(n=Count("id")))
    tally = selectors.tally(process) if phase == Phase.COUNTING else []
    return render(
        request,
        "budgeting/staff/manage.html",
        {
            "process": process,
            "phase": Phase(phase),
            "areas": areas,
            "area_form": area_form,
            "voter_form": voter_form,
            "paper_forms": paper_forms,
            "counts": {ProposalStatus(k).label: v for k, v in counts.items()},
            "waiting": counts.get(ProposalStatus.SUBMITTED, 0),
            "tally": tally,
            "batches": list(
                process.paper_batches.select_related("area__organisation", "entered_by__deletion")
            ),
            "nav": "budgeting",
        },
        status=status,
    )
