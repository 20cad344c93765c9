"""Reads of participatory budgeting: processes, areas, proposals, a person's ballot, and the tally.

The tally is one aggregate query over every choice of the process (GROUP BY proposal), one over the
votes counted on paper, then the greedy rule in Python per area (docs/budgeting.md): by votes, most
first; ties by lower cost, then earlier submission, then the proposal's id; a proposal is selected when
it has votes and its cost fits what is left of the area's budget. It counts choices and never reads
who voted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from regija.accounts import selectors as accounts
from regija.core import caching

from .models import Area, Ballot, BallotChoice, PaperCount, Process, Proposal, ProposalStatus

if TYPE_CHECKING:
    from regija.core.permissions import Actor

PUBLIC_STATUSES = [s for s in ProposalStatus.values]


def processes() -> QuerySet[Process]:
    return Process.objects.select_related("organisation").order_by("-year", "-voting_from", "slug")


def process(slug: str) -> Process | None:
    return (
        Process.objects.select_related("organisation", "strategy", "fund", "node")
        .prefetch_related(
            Prefetch(
                "areas",
                queryset=Area.objects.select_related("organisation", "node").order_by("organisation__name"),
            )
        )
        .filter(slug=slug)
        .first()
    )


def public_process(slug: str) -> Process | None:
    """``process(slug)`` kept until the data changes – for the public pages (their GET), which read it
    on every request the response cache does not answer."""
    return caching.kept("budget-process", slug, lambda: process(slug))


def public_area(process: Process, org_slug: str) -> Area | None:
    """``area`` kept until the data changes, for the public area page."""
    return caching.kept("budget-area", (process.pk, org_slug), lambda: area(process, org_slug))


def area(process: Process, org_slug: str) -> Area | None:
    return (
        Area.objects.select_related("organisation", "node")
        .filter(process=process, organisation__slug=org_slug)
        .first()
    )


def proposals(process: Process, *, area: Area | None = None, status: str | None = None) -> QuerySet[Proposal]:
    qs = Proposal.objects.filter(process=process).select_related(
        "process", "area__organisation", "area__process", "project__strategy"
    )
    if area is not None:
        qs = qs.filter(area=area)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("number")


def proposal(process: Process, number: int) -> Proposal | None:
    return (
        Proposal.objects.select_related(
            "area__organisation", "area__process", "project__strategy", "process__organisation"
        )
        .filter(process=process, number=number)
        .first()
    )


def ballot_list(process: Process, area: Area) -> list[Proposal]:
    """The proposals on the ballot of ``area``, in their order (by number)."""
    return list(
        Proposal.objects.filter(area=area, status=ProposalStatus.ON_BALLOT)
        .select_related("process")
        .order_by("number")
    )


def voter_area(user: Actor | None, process: Process) -> Area | None:
    """The area where ``user`` votes in ``process``: the one of their residency's local community, else the
    municipality's own area (a municipality-wide vote); None when they are not a verified resident."""
    residency = accounts.current_residencies(user).filter(municipality_id=process.organisation_id).first()
    if residency is None:
        return None
    areas = {
        a.organisation_id: a for a in Area.objects.filter(process=process).select_related("organisation")
    }
    if residency.area_id is not None and residency.area_id in areas:
        return areas[residency.area_id]
    return areas.get(process.organisation_id)


def my_ballot(user: Actor | None, process: Process) -> Ballot | None:
    """The person's own ballot (with its choices), or None."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Ballot.objects.filter(process=process, voter_id=user.pk)
        .prefetch_related(Prefetch("choices", queryset=BallotChoice.objects.select_related("proposal")))
        .first()
    )


@dataclass
class Row:
    proposal: Proposal
    votes: int
    cost: Decimal
    selected: bool = False
    cumulative: Decimal | None = None  # the selected proposals' cost so far, on a selected row


@dataclass
class AreaResult:
    area: Area
    rows: list[Row] = field(default_factory=list)
    ballots: int = 0

    @property
    def spent(self) -> Decimal:
        return sum((r.cost for r in self.rows if r.selected), Decimal(0))

    @property
    def left(self) -> Decimal:
        budget: Decimal = self.area.budget
        return budget - self.spent


def rank_key(row: Row) -> tuple[int, Decimal, object, int]:
    """The order of the results: most votes first; ties by lower cost, earlier submission, lower id."""
    return (-row.votes, row.cost, row.proposal.submitted_at, row.proposal.pk)


def greedy(budget: Decimal, rows: list[Row]) -> list[Row]:
    """The greedy rule: in ``rank_key`` order, select a proposal with votes whose cost fits what is left."""
    rows = sorted(rows, key=rank_key)
    left, spent = budget, Decimal(0)
    for row in rows:
        if row.votes > 0 and row.cost <= left:
            row.selected = True
            left -= row.cost
            spent += row.cost
            row.cumulative = spent
    return rows


def vote_counts(process: Process) -> dict[int, int]:
    """Votes per proposal: choices on online and paper ballots, and paper votes counted by hand."""
    counts: dict[int, int] = defaultdict(int)
    for pid, n in (
        BallotChoice.objects.filter(proposal__process=process)
        .values_list("proposal_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[pid] += n
    for pid, n in (
        PaperCount.objects.filter(proposal__process=process)
        .values_list("proposal_id")
        .annotate(n=Sum("votes"))
        .order_by()
    ):
        counts[pid] += n or 0
    return counts


def ballots_per_area(process: Process) -> dict[int, int]:
    """Ballots with choices per area (online and paper; a person marked as voting on paper is counted
    with their paper ballot's batch, not twice)."""
    return dict(
        Ballot.objects.filter(process=process)
        .filter(Q(batch__isnull=False) | Q(channel="online"))
        .values_list("area_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def tally(process: Process) -> list[AreaResult]:
    """The result of every area by the greedy rule, from the votes as they stand now."""
    counts = vote_counts(process)
    per_area = ballots_per_area(process)
    areas = {
        a.pk: AreaResult(a, ballots=per_area.get(a.pk, 0))
        for a in Area.objects.filter(process=process)
        .select_related("organisation")
        .order_by("organisation__name")
    }
    on_ballot = Proposal.objects.filter(
        process=process,
        status__in=[ProposalStatus.ON_BALLOT, ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED],
    )
    rows: dict[int, list[Row]] = defaultdict(list)
    for p in on_ballot:
        rows[p.area_id].append(Row(p, counts.get(p.pk, 0), p.cost or Decimal(0)))
    for area_id, result in areas.items():
        result.rows = greedy(result.area.budget, rows[area_id])
    return list(areas.values())


def published_results(process: Process) -> list[AreaResult]:
    """The published results: the votes and selection stored when staff published them."""
    if process.results_published_at is None:
        return []
    areas = {
        a.pk: AreaResult(a, ballots=a.ballots_counted or 0)
        for a in Area.objects.filter(process=process)
        .select_related("organisation")
        .order_by("organisation__name")
    }
    props = Proposal.objects.filter(
        process=process, status__in=[ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED]
    ).select_related("process", "project__strategy")
    rows: dict[int, list[Row]] = defaultdict(list)
    for p in props:
        rows[p.area_id].append(
            Row(p, p.votes or 0, p.cost or Decimal(0), selected=p.status == ProposalStatus.SELECTED)
        )
    for area_id, result in areas.items():
        ordered = sorted(rows[area_id], key=rank_key)
        spent = Decimal(0)
        for r in ordered:
            if r.selected:
                spent += r.cost
                r.cumulative = spent
        result.rows = ordered
    return list(areas.values())


def proposals_of_project(project_id: int) -> list[Proposal]:
    """The participatory-budget proposals a project carries out (for the project page's link back)."""
    return list(Proposal.objects.filter(project_id=project_id).select_related("process"))


def upcoming(at: dt.datetime, n: int) -> list[dt.datetime]:
    """The first ``n`` moments after ``at`` when a process moves from one phase to the next, in order."""
    return sorted(
        m
        for row in Process.objects.values_list(
            "proposals_from", "proposals_to", "review_to", "voting_from", "voting_to"
        )
        for m in row
        if m > at
    )[:n]


def clock_key() -> str:
    """The next phase change, as text for the cache keys and ETags of pages that show a phase; read
    from a list kept until the data changes (``caching.next_moment``)."""
    moment = caching.next_moment("budgeting", upcoming)
    return moment.isoformat() if moment else "-"
