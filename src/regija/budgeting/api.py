"""API of participatory budgeting (/api/v1/budgeting/…): processes, areas and proposals (public), a
proposal by a verified resident, the staff's review, ballot, paper ballots, results and projects, and a
person's own ballot (GET/PUT). The same services as the pages. The ballot's router is apart and never
cached (a ballot is not public data and changes no data version)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Status

from regija.api.auth import token_auth
from regija.api.errors import READ_RESPONSES, Error, not_found, refusals, write_responses
from regija.api.pagination import PageParams, paginate

from . import selectors, services
from .models import Area, Process, Proposal
from .schemas import (
    BallotIn,
    BallotOut,
    BudgetProposalFilters,
    BudgetProposalIn,
    OnBallotOut,
    PaperIn,
    PaperOut,
    ProcessDetail,
    ProcessPage,
    ProjectsOut,
    ProposalOut,
    ProposalPage,
    ResultsOut,
    ReviewIn,
)

router = Router(tags=["participatory budgeting"])
ballot_router = Router(tags=["participatory budgeting"])


def _org(o) -> dict:
    return {"slug": o.slug, "name": o.name}


def _item(request, p: Process) -> dict:
    return {
        "slug": p.slug,
        "title": p.title,
        "title_en": p.title_en,
        "organisation": _org(p.organisation),
        "year": p.year,
        "rule": p.rule,
        "max_choices": p.max_choices,
        "phase": p.phase_at(timezone.now()),
        "proposals_from": p.proposals_from,
        "proposals_to": p.proposals_to,
        "review_to": p.review_to,
        "voting_from": p.voting_from,
        "voting_to": p.voting_to,
        "results_published_at": p.results_published_at,
        "url": request.build_absolute_uri(reverse("api:budgeting_process", args=[p.slug])),
        "web_url": request.build_absolute_uri(p.get_absolute_url()),
    }


def _process(slug: str) -> Process:
    p = selectors.process(slug)
    if p is None:
        raise not_found("participatory budget", slug)
    return p


def _area(process: Process, slug: str) -> Area:
    a = selectors.area(process, slug)
    if a is None:
        raise not_found("area", slug)
    return a


def _proposal_out(request, p: Proposal) -> dict:
    return {
        "number": p.number,
        "area": _org(p.area.organisation),
        "title": p.title,
        "description": p.description,
        "status": p.status,
        "cost": p.cost,
        "review_note": p.review_note,
        "votes": p.votes,
        "lat": p.lat,
        "lon": p.lon,
        "submitted_at": p.submitted_at,
        "project": request.build_absolute_uri(p.project.get_absolute_url()) if p.project else None,
        "web_url": request.build_absolute_uri(p.get_absolute_url()),
    }


@router.get(
    "/budgeting/processes", response={200: ProcessPage, **READ_RESPONSES}, url_name="budgeting_processes"
)
def list_processes(request, pages: Query[PageParams]):
    """Participatory budgets, the newest year first, with their phase and dates."""
    return paginate(request, selectors.processes(), pages, lambda page: [_item(request, p) for p in page])


@router.get(
    "/budgeting/processes/{slug}",
    response={200: ProcessDetail, **READ_RESPONSES},
    url_name="budgeting_process",
)
def get_process(request, slug: str):
    """One participatory budget with its areas and their budgets."""
    p = _process(slug)
    out = _item(request, p)
    out["description"] = p.description
    out["areas"] = [
        {
            "organisation": _org(a.organisation),
            "budget": a.budget,
            "node": a.node.code if a.node else None,
            "url": request.build_absolute_uri(reverse("budgeting:area", args=[p.slug, a.organisation.slug])),
        }
        for a in p.areas.all()
    ]
    return out


@router.get(
    "/budgeting/processes/{slug}/proposals",
    response={200: ProposalPage, **READ_RESPONSES},
    url_name="budgeting_proposals",
)
def list_proposals(request, slug: str, filters: Query[BudgetProposalFilters], pages: Query[PageParams]):
    """The proposals of a participatory budget, by number; filtered by area and status."""
    p = _process(slug)
    area = _area(p, filters.area) if filters.area else None
    qs = selectors.proposals(p, area=area, status=filters.status or None)
    return paginate(request, qs, pages, lambda page: [_proposal_out(request, x) for x in page])


@router.get(
    "/budgeting/processes/{slug}/proposals/{number}",
    response={200: ProposalOut, **READ_RESPONSES},
    url_name="budgeting_proposal",
)
def get_proposal(request, slug: str, number: int):
    """One proposal: its status, cost estimate, review note, votes once published, and its project."""
    found = selectors.proposal(_process(slug), number)
    if found is None:
        raise not_found("proposal", f"{slug}/{number}")
    return _proposal_out(request, found)


@router.post(
    "/budgeting/processes/{slug}/proposals",
    auth=token_auth,
    response=write_responses({201: ProposalOut}, conflict=True),
)
def create_proposal(request, slug: str, payload: BudgetProposalIn):
    """A verified resident's proposal, while proposals are collected."""
    p = _process(slug)
    area = _area(p, payload.area)
    with refusals():
        made = services.proposal_submit(
            request.user,
            p,
            area,
            title=payload.title,
            description=payload.description,
            lat=payload.lat,
            lon=payload.lon,
            via="api",
        )
    return Status(201, _proposal_out(request, selectors.proposal(p, made.number)))


@router.post(
    "/budgeting/processes/{slug}/proposals/{number}/review",
    auth=token_auth,
    response=write_responses({200: ProposalOut}, conflict=True),
)
def review_proposal(request, slug: str, number: int, payload: ReviewIn):
    """Staff's feasibility review: feasible with a cost estimate, or not feasible with the reason."""
    p = _process(slug)
    found = selectors.proposal(p, number)
    if found is None:
        raise not_found("proposal", f"{slug}/{number}")
    with refusals():
        services.proposal_review(
            request.user, found, feasible=payload.feasible, cost=payload.cost, note=payload.note, via="api"
        )
    return _proposal_out(request, selectors.proposal(p, number))


@router.post(
    "/budgeting/processes/{slug}/ballot",
    auth=token_auth,
    response=write_responses({200: OnBallotOut}, conflict=True),
)
def put_on_ballot(request, slug: str):
    """Staff put every feasible proposal on the ballot (refused while any waits for its review)."""
    with refusals():
        n = services.put_on_ballot(request.user, _process(slug), via="api")
    return {"on_ballot": n}


def _number_map(process: Process, numbers: list[int]) -> list[int]:
    """Proposal numbers → ids; an unknown number stays unknown (the service refuses it)."""
    ids = dict(Proposal.objects.filter(process=process, number__in=numbers).values_list("number", "pk"))
    return [ids.get(n, -n - 1) for n in numbers]


def _ballot_out(process: Process, ballot) -> dict:
    chosen = [c.proposal for c in ballot.choices.all()]
    return {
        "area": _org(ballot.area.organisation),
        "channel": ballot.channel,
        "proposals": sorted(p.number for p in chosen),
        "total": sum((p.cost or Decimal(0) for p in chosen), Decimal(0)),
        "receipt": ballot.receipt,
        "cast_at": ballot.cast_at,
        "changeable_until": process.voting_to,
    }


def _my_ballot(request, process: Process):
    ballot = selectors.my_ballot(request.user, process)
    if ballot is None:
        raise not_found("ballot", process.slug)
    ballot.area = Area.objects.select_related("organisation").get(pk=ballot.area_id)
    return ballot


@ballot_router.get(
    "/budgeting/processes/{slug}/my-ballot",
    auth=token_auth,
    response={200: BallotOut, 401: Error, **READ_RESPONSES},
)
def get_my_ballot(request, slug: str):
    """The signed-in person's own ballot (404 when they have not voted)."""
    p = _process(slug)
    return _ballot_out(p, _my_ballot(request, p))


@ballot_router.put(
    "/budgeting/processes/{slug}/my-ballot",
    auth=token_auth,
    response=write_responses({200: BallotOut}, conflict=True),
)
def put_my_ballot(request, slug: str, payload: BallotIn):
    """Cast or change the signed-in person's ballot while voting is open: proposal numbers of their area
    within the rule (at most k; or costs within the area's budget)."""
    p = _process(slug)
    with refusals():
        services.cast_ballot(request.user, p, _number_map(p, payload.proposals), via="api")
    return _ballot_out(p, _my_ballot(request, p))


@router.post(
    "/budgeting/processes/{slug}/paper-ballots",
    auth=token_auth,
    response=write_responses({201: PaperOut}, conflict=True),
)
def enter_paper_ballots(request, slug: str, payload: PaperIn):
    """Staff enter a batch of paper ballots of one area: each ballot's proposal numbers, or the votes per
    proposal number counted by hand."""
    p = _process(slug)
    area = _area(p, payload.area)
    numbers = {n for b in payload.ballots for n in b} | set(payload.counts)
    ids = dict(zip(sorted(numbers), _number_map(p, sorted(numbers)), strict=True))
    with refusals():
        batch = services.enter_paper_ballots(
            request.user,
            p,
            area,
            label=payload.label,
            ballots=[[ids[n] for n in b] for b in payload.ballots],
            counts={ids[n]: v for n, v in payload.counts.items()},
            note=payload.note,
            via="api",
        )
    return Status(201, {"label": batch.label, "ballots": batch.ballots})


def _results(p: Process) -> dict:
    return {
        "published_at": p.results_published_at,
        "areas": [
            {
                "area": _org(r.area.organisation),
                "budget": r.area.budget,
                "ballots": r.ballots,
                "spent": r.spent,
                "rows": [
                    {
                        "number": row.proposal.number,
                        "title": row.proposal.title,
                        "votes": row.votes,
                        "cost": row.cost,
                        "cumulative": row.cumulative,
                        "selected": row.selected,
                    }
                    for row in r.rows
                ],
            }
            for r in selectors.published_results(p)
        ],
    }


@router.get("/budgeting/processes/{slug}/results", response={200: ResultsOut, **READ_RESPONSES})
def get_results(request, slug: str):
    """The published results per area (empty until staff publish them): votes, cost, cumulative, selected."""
    return _results(_process(slug))


@router.post(
    "/budgeting/processes/{slug}/results",
    auth=token_auth,
    response=write_responses({200: ResultsOut}, conflict=True),
)
def publish_results(request, slug: str):
    """Staff publish the results after voting closes."""
    with refusals():
        p = services.publish_results(request.user, _process(slug), via="api")
    return _results(_process(p.slug))


@router.post(
    "/budgeting/processes/{slug}/projects",
    auth=token_auth,
    response=write_responses({200: ProjectsOut}, conflict=True),
)
def create_projects(request, slug: str):
    """Staff create a project for each selected proposal (idempotent)."""
    with refusals():
        made = services.create_projects(request.user, _process(slug), via="api")
    return {"created": [request.build_absolute_uri(x.get_absolute_url()) for x in made]}
