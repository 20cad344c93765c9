"""Every write of participatory budgeting: a process and its areas (the municipality's staff), proposals
(verified residents), the feasibility review, the ballot, the vote (verified residents of the area),
paper ballots, results, and the winners as projects.

Each function checks who acts and whether the step is allowed at this moment, validates, and writes in
one transaction – or raises ``core.services.Refused`` with a message for the user and nothing written.
Staff steps are in the audit log; ballots are not (the log would link a voter to their choices).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from regija.accounts import selectors as accounts
from regija.core import audit
from regija.core.choices import OrganisationKind
from regija.core.models import Organisation
from regija.core.money import format_eur
from regija.core.services import Conflict, Forbidden, Refused, now, require_permission
from regija.projects.models import BudgetLine, Fund, Project, ProjectStatus, Secured
from regija.strategies.models import Node, Strategy

from . import notices, selectors
from .models import (
    DESCRIPTION_MAX,
    NOTE_MAX,
    TITLE_MAX,
    Area,
    Ballot,
    BallotChoice,
    Channel,
    PaperBatch,
    PaperCount,
    Phase,
    Process,
    Proposal,
    ProposalStatus,
    VotingRule,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from regija.core.permissions import Actor

MAX_BUDGET = Decimal("100000000.00")


def _eur(amount: Decimal | None) -> str:
    return format_eur(amount, translation.get_language() or "sl")


def _text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    """A text as stored: trimmed, refused when empty (if required) or over ``limit`` characters. Markup is
    kept as the person typed it – every page escapes it when showing it."""
    text = (value or "").strip()
    if required and not text:
        raise Refused(_("This field is required."), field=field)
    if len(text) > limit:
        raise Refused(
            _("At most %(limit)d characters (this has %(length)d).") % {"limit": limit, "length": len(text)},
            field=field,
        )
    if "\x00" in text:
        raise Refused(_("The text contains a character that is not allowed."), field=field)
    return text


def _money(value: object, field: str, *, positive: bool = True) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01")) if value is not None and value != "" else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise Refused(_("Enter an amount in euros."), field=field)
    if Decimal(str(value)) != amount:
        raise Refused(_("An amount has at most two decimals (cents)."), field=field)
    if positive and amount <= 0:
        raise Refused(_("The amount must be more than 0 €."), field=field)
    if amount > MAX_BUDGET:
        raise Refused(_("The amount is too large."), field=field)
    return amount


def _staff(user: Actor, process: Process) -> None:
    require_permission(user, "change", process)


# --------------------------------------------------------------------------------------- process and areas


@dataclass
class ProcessData:
    slug: str
    title: str
    year: int
    rule: str
    proposals_from: dt.datetime
    proposals_to: dt.datetime
    review_to: dt.datetime
    voting_from: dt.datetime
    voting_to: dt.datetime
    title_en: str = ""
    description: str = ""
    max_choices: int | None = None
    strategy: Strategy | None = None
    node: Node | None = None
    fund: Fund | None = None


def _check_process(data: ProcessData, organisation: Organisation) -> None:
    if data.rule not in VotingRule.values:
        raise Refused(_("Choose the voting rule."), field="rule")
    if data.rule == VotingRule.APPROVAL and (data.max_choices is None or data.max_choices < 1):
        raise Refused(_("Give how many proposals a voter may choose (at least 1)."), field="max_choices")
    if data.rule == VotingRule.KNAPSACK:
        data.max_choices = None
    order = [
        ("proposals_from", data.proposals_from),
        ("proposals_to", data.proposals_to),
        ("review_to", data.review_to),
        ("voting_from", data.voting_from),
        ("voting_to", data.voting_to),
    ]
    for (_name, earlier), (name, later) in zip(order, order[1:], strict=False):
        if later < earlier or (name in ("proposals_to", "voting_to") and later == earlier):
            raise Refused(
                _("Each date must come after the one before: proposals, review, voting."),
                field=name,
            )
    if not 2000 <= data.year <= 2100:
        raise Refused(_("Give the budget year."), field="year")
    if data.strategy is not None and not data.strategy.owners.filter(pk=organisation.pk).exists():
        raise Refused(_("Choose a strategy of the municipality."), field="strategy")
    if data.node is not None and (data.strategy is None or data.node.strategy_id != data.strategy.pk):
        raise Refused(_("The node must be one of the chosen strategy."), field="node")


def process_create(user: User, organisation: Organisation, data: ProcessData, *, via: str = "web") -> Process:
    """A new participatory budget of ``organisation`` (a municipality); its editors and admins create it."""
    require_permission(user, "change", organisation)
    if organisation.kind != OrganisationKind.MUNICIPALITY:
        raise Refused(_("A participatory budget is run by a municipality."), field="organisation")
    title = _text(data.title, "title", TITLE_MAX)
    title_en = _text(data.title_en, "title_en", TITLE_MAX, required=False)
    description = _text(data.description, "description", DESCRIPTION_MAX, required=False)
    slug = (data.slug or "").strip()
    if not slug or len(slug) > 100 or not slug.replace("-", "").isalnum() or slug != slug.lower():
        raise Refused(_("The address may use small letters, digits and hyphens."), field="slug")
    _check_process(data, organisation)
    with audit.acting(user, via=via), transaction.atomic():
        if Process.objects.filter(slug=slug).exists():
            raise Conflict(_("A participatory budget with this address exists."), field="slug")
        return Process.objects.create(
            organisation=organisation,
            slug=slug,
            title=title,
            title_en=title_en,
            description=description,
            year=data.year,
            rule=data.rule,
            max_choices=data.max_choices,
            proposals_from=data.proposals_from,
            proposals_to=data.proposals_to,
            review_to=data.review_to,
            voting_from=data.voting_from,
            voting_to=data.voting_to,
            strategy=data.strategy,
            node=data.node,
            fund=data.fund,
        )


FIXED_WHEN_VOTING = (
    "rule",
    "max_choices",
    "proposals_from",
    "proposals_to",
    "review_to",
    "voting_from",
    "voting_to",
)


def process_update(user: User, process: Process, data: ProcessData, *, via: str = "web") -> Process:
    """The municipality's staff change a process: its texts, strategy, node and fund at any time; its voting
    rule, k and phase dates until voting opens – then they are fixed, since people vote by them. Its
    address (``slug``) stays."""
    _staff(user, process)
    title = _text(data.title, "title", TITLE_MAX)
    title_en = _text(data.title_en, "title_en", TITLE_MAX, required=False)
    description = _text(data.description, "description", DESCRIPTION_MAX, required=False)
    _check_process(data, process.organisation)
    with audit.acting(user, via=via), transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        if now() >= locked.voting_from:
            for name in FIXED_WHEN_VOTING:
                if getattr(data, name) != getattr(locked, name):
                    raise Refused(
                        _("The voting rule and the dates are fixed once voting has opened."), field=name
                    )
        locked.title, locked.title_en, locked.description = title, title_en, description
        for name in (*FIXED_WHEN_VOTING, "year", "strategy", "node", "fund"):
            setattr(locked, name, getattr(data, name))
        locked.save()
    return locked


def area_add(
    user: User,
    process: Process,
    organisation: Organisation,
    budget: object,
    *,
    node: Node | None = None,
    via: str = "web",
) -> Area:
    """An area of the vote: a local community of the municipality (or the municipality itself, for a
    municipality-wide vote) with its budget; added before voting opens."""
    _staff(user, process)
    if now() >= process.voting_from:
        raise Refused(_("Areas are set before voting opens."))
    municipality_id = process.organisation_id
    if not (
        organisation.pk == municipality_id
        or (
            organisation.kind == OrganisationKind.LOCAL_COMMUNITY
            and organisation.parent_id == municipality_id
        )
    ):
        raise Refused(
            _("An area is a local community of %(municipality)s or the whole municipality.")
            % {"municipality": process.organisation.name},
            field="organisation",
        )
    amount = _money(budget, "budget")
    if node is not None and (process.strategy_id is None or node.strategy_id != process.strategy_id):
        raise Refused(_("The node must be one of the process's strategy."), field="node")
    with audit.acting(user, via=via), transaction.atomic():
        if Area.objects.filter(process=process, organisation=organisation).exists():
            raise Conflict(_("This area is already in the participatory budget."), field="organisation")
        return Area.objects.create(process=process, organisation=organisation, budget=amount, node=node)


def area_update(
    user: User, area: Area, budget: object, *, node: Node | None = None, via: str = "web"
) -> Area:
    """Change an area's budget (and node) before voting opens; the budget may not fall below the estimated
    cost of a feasible proposal of the area (the review allowed it against the old budget)."""
    process = area.process
    _staff(user, process)
    if now() >= process.voting_from:
        raise Refused(_("Areas are set before voting opens."))
    amount = _money(budget, "budget")
    if node is not None and (process.strategy_id is None or node.strategy_id != process.strategy_id):
        raise Refused(_("The node must be one of the process's strategy."), field="node")
    with audit.acting(user, via=via), transaction.atomic():
        locked = Area.objects.select_for_update().get(pk=area.pk)
        dearer = (
            Proposal.objects.filter(area=locked, cost__gt=amount)
            .exclude(status=ProposalStatus.NOT_FEASIBLE)
            .order_by("-cost", "number")
            .first()
        )
        if dearer is not None:
            raise Refused(
                _("Proposal %(number)s is estimated at %(cost)s, more than this budget.")
                % {"number": dearer.number, "cost": _eur(dearer.cost)},
                field="budget",
            )
        locked.budget = amount
        locked.node = node
        locked.save(update_fields=["budget", "node"])
    return locked


# ------------------------------------------------------------------------------------------------ proposals


def proposal_submit(
    user: Actor,
    process: Process,
    area: Area,
    *,
    title: str,
    description: str,
    lat: float | None = None,
    lon: float | None = None,
    via: str = "web",
) -> Proposal:
    """A verified resident of the municipality proposes something for an area, while proposals are open."""
    if not accounts.can_contribute(user):
        raise Forbidden(_("Sign in with a confirmed e-mail address to propose."))
    if not accounts.is_verified_resident(user, process.organisation):
        raise Forbidden(
            _("Proposals are made by verified residents of %(municipality)s.")
            % {"municipality": process.organisation.name}
        )
    if process.phase_at(now()) != Phase.PROPOSALS:
        raise Refused(_("Proposals are not being collected now."))
    if area.process_id != process.pk:
        raise Refused(_("Choose an area of this participatory budget."), field="area")
    title = _text(title, "title", TITLE_MAX)
    description = _text(description, "description", DESCRIPTION_MAX)
    if (lat is None) != (lon is None):
        raise Refused(_("Give both the latitude and the longitude, or neither."), field="lat")
    if lat is not None and not (-90 <= lat <= 90):
        raise Refused(_("The latitude is between -90 and 90."), field="lat")
    if lon is not None and not (-180 <= lon <= 180):
        raise Refused(_("The longitude is between -180 and 180."), field="lon")
    with audit.acting(user, via=via), transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)  # numbers one after another
        number = (Proposal.objects.filter(process=locked).aggregate(m=Max("number"))["m"] or 0) + 1
        return Proposal.objects.create(
            process=locked,
            area=area,
            number=number,
            title=title,
            description=description,
            author_id=user.pk,
            lat=lat,
            lon=lon,
            submitted_at=now(),
        )


def proposal_review(
    user: User,
    proposal: Proposal,
    *,
    feasible: bool,
    cost: object = None,
    note: str = "",
    via: str = "web",
) -> Proposal:
    """Staff's feasibility review, after proposals close and before voting opens: feasible with a cost
    estimate no larger than the area's budget, or not feasible with the reason."""
    process = proposal.process
    _staff(user, process)
    if process.phase_at(now()) != Phase.REVIEW:
        raise Refused(_("Proposals are reviewed after proposals close and before voting opens."))
    note = _text(note, "note", NOTE_MAX, required=not feasible)
    with audit.acting(user, via=via), transaction.atomic():
        locked = Proposal.objects.select_for_update(of=("self",)).select_related("area").get(pk=proposal.pk)
        if locked.status not in (
            ProposalStatus.SUBMITTED,
            ProposalStatus.FEASIBLE,
            ProposalStatus.NOT_FEASIBLE,
        ):
            raise Refused(_("This proposal is on the ballot already."))
        if feasible:
            amount = _money(cost, "cost")
            if amount > locked.area.budget:
                raise Refused(
                    _("The cost %(cost)s is more than the area's budget %(budget)s.")
                    % {"cost": _eur(amount), "budget": _eur(locked.area.budget)},
                    field="cost",
                )
            locked.cost, locked.status = amount, ProposalStatus.FEASIBLE
        else:
            locked.cost, locked.status = None, ProposalStatus.NOT_FEASIBLE
        locked.review_note = note
        locked.reviewed_at = now()
        locked.save()
    return locked


def put_on_ballot(user: User, process: Process, *, via: str = "web") -> int:
    """Every feasible proposal goes on the ballot; refused while any proposal waits for its review.
    Returns how many are on the ballot."""
    _staff(user, process)
    if process.phase_at(now()) != Phase.REVIEW:
        raise Refused(_("The ballot is prepared after proposals close and before voting opens."))
    with audit.acting(user, via=via), transaction.atomic():
        waiting = Proposal.objects.filter(process=process, status=ProposalStatus.SUBMITTED).count()
        if waiting:
            raise Refused(_("%(n)d proposals still wait for their review.") % {"n": waiting})
        feasible = list(Proposal.objects.filter(process=process, status=ProposalStatus.FEASIBLE))
        for p in feasible:  # one by one: each change is in the audit log
            p.status = ProposalStatus.ON_BALLOT
            p.save(update_fields=["status"])
        return Proposal.objects.filter(process=process, status=ProposalStatus.ON_BALLOT).count()


# ---------------------------------------------------------------------------------------------------- voting


def check_choices(
    process: Process, area: Area, proposal_ids: Iterable[int], *, field: str = "proposals"
) -> list[Proposal]:
    """The proposals of a ballot, refused unless each is on the ballot of ``area`` and together they keep
    the rule: at most k (approval), or a total cost within the area's budget (knapsack)."""
    ids = sorted(set(int(i) for i in proposal_ids))
    if not ids:
        raise Refused(_("Choose at least one proposal."), field=field)
    proposals = list(Proposal.objects.filter(pk__in=ids, area=area, status=ProposalStatus.ON_BALLOT))
    if len(proposals) != len(ids):
        raise Refused(_("Choose only proposals on the ballot of your area."), field=field)
    if process.rule == VotingRule.APPROVAL:
        k = process.max_choices or 0
        if len(ids) > k:
            raise Refused(
                _("Choose at most %(k)d proposals (you chose %(n)d).") % {"k": k, "n": len(ids)}, field=field
            )
    else:
        total = sum((p.cost or Decimal(0) for p in proposals), Decimal(0))
        if total > area.budget:
            raise Refused(
                _("The chosen proposals cost %(total)s together, more than the area's budget of %(budget)s.")
                % {"total": _eur(total), "budget": _eur(area.budget)},
                field=field,
            )
    return proposals


def voter_area(user: Actor, process: Process) -> Area:
    """The area a person votes in: their residency's local community, or the municipality for a
    municipality-wide vote; refused when they are not a verified resident there."""
    area = selectors.voter_area(user, process)
    if area is None:
        if not accounts.is_verified_resident(user, process.organisation):
            raise Forbidden(
                _("Voting is for verified residents of %(municipality)s.")
                % {"municipality": process.organisation.name}
            )
        raise Forbidden(_("There is no vote in your local community in this participatory budget."))
    return area


def cast_ballot(user: Actor, process: Process, proposal_ids: Sequence[int], *, via: str = "web") -> Ballot:
    """Record (or replace) the person's ballot while voting is open: one ballot per person and process,
    also when two submissions arrive at once (the database's unique constraint; the later replaces the
    earlier). The earlier choices are deleted, not kept."""
    if not accounts.can_contribute(user):
        raise Forbidden(_("Sign in with a confirmed e-mail address to vote."))
    if process.phase_at(now()) != Phase.VOTING:
        if now() >= process.voting_to:
            raise Refused(_("Voting has closed."))
        raise Refused(_("Voting is not open."))
    area = voter_area(user, process)
    proposals = check_choices(process, area, proposal_ids)
    receipt = secrets.token_hex(8)
    with transaction.atomic():
        ballot = Ballot.objects.select_for_update().filter(process=process, voter_id=user.pk).first()
        if ballot is None:
            try:
                with transaction.atomic():  # a savepoint: another submission may create it first
                    ballot = Ballot.objects.create(
                        process=process, area=area, voter_id=user.pk, receipt=receipt, cast_at=now()
                    )
            except IntegrityError:
                ballot = Ballot.objects.select_for_update().get(process=process, voter_id=user.pk)
        if ballot.channel == Channel.PAPER:
            raise Conflict(_("You voted on paper; your vote is counted there."))
        BallotChoice.objects.filter(ballot=ballot).delete()
        ballot.area, ballot.receipt, ballot.cast_at = area, receipt, now()
        ballot.save(update_fields=["area", "receipt", "cast_at"])
        BallotChoice.objects.bulk_create([BallotChoice(ballot=ballot, proposal=p) for p in proposals])
    return ballot


def _paper_phase(process: Process) -> None:
    if process.phase_at(now()) not in (Phase.VOTING, Phase.COUNTING):
        raise Refused(_("Paper ballots are entered once voting has opened, until results are published."))


def mark_voted_on_paper(user: User, process: Process, voter: User, *, via: str = "web") -> Ballot:
    """Staff record that a person voted on paper at a polling place (the paper ballot itself is entered
    with its batch, without a name): the person then cannot vote online. Refused when they voted online
    already – that vote stands and the paper ballot is set aside."""
    _staff(user, process)
    _paper_phase(Process.objects.get(pk=process.pk))  # the stored state, not a copy loaded earlier
    area = voter_area(voter, process)
    with audit.acting(user, via=via), transaction.atomic():
        _paper_phase(Process.objects.select_for_update().get(pk=process.pk))  # not published meanwhile
        existing = Ballot.objects.select_for_update().filter(process=process, voter=voter).first()
        if existing is not None:
            if existing.channel == Channel.PAPER:
                raise Conflict(_("This person is already recorded as having voted on paper."))
            raise Conflict(
                _("This person voted online; their online vote stands and the paper ballot is not counted.")
            )
        try:
            with transaction.atomic():
                return Ballot.objects.create(
                    process=process, area=area, voter=voter, channel=Channel.PAPER, cast_at=now()
                )
        except IntegrityError as error:
            raise Conflict(_("This person voted online at this moment; their online vote stands.")) from error


def enter_paper_ballots(
    user: User,
    process: Process,
    area: Area,
    *,
    label: str,
    ballots: Sequence[Sequence[int]] = (),
    counts: dict[int, int] | None = None,
    note: str = "",
    via: str = "web",
) -> PaperBatch:
    """A batch of paper ballots of one area: each ballot's choices (checked by the same rule as online
    ones), or the votes per proposal counted by hand (``counts``). All or nothing; audited as the batch."""
    _staff(user, process)
    _paper_phase(Process.objects.get(pk=process.pk))  # the stored state, not a copy loaded earlier
    if area.process_id != process.pk:
        raise Refused(_("Choose an area of this participatory budget."), field="area")
    label = _text(label, "label", 100)
    note = _text(note, "note", 300, required=False)
    if not ballots and not counts:
        raise Refused(_("Enter the paper ballots or the votes per proposal."), field="ballots")
    checked = [check_choices(process, area, b, field=f"ballots.{i}") for i, b in enumerate(ballots)]
    on_ballot = set(
        Proposal.objects.filter(area=area, status=ProposalStatus.ON_BALLOT).values_list("pk", flat=True)
    )
    counts = {int(k): int(v) for k, v in (counts or {}).items()}
    for pid, votes in counts.items():
        if pid not in on_ballot:
            raise Refused(_("Choose only proposals on the ballot of this area."), field=f"counts.{pid}")
        if votes < 0:
            raise Refused(_("A number of votes is 0 or more."), field=f"counts.{pid}")
    with audit.acting(user, via=via), transaction.atomic():
        _paper_phase(Process.objects.select_for_update().get(pk=process.pk))  # not published meanwhile
        if PaperBatch.objects.filter(process=process, area=area, label=label).exists():
            raise Conflict(_("A batch with this label was entered already."), field="label")
        batch = PaperBatch.objects.create(
            process=process,
            area=area,
            label=label,
            ballots=len(checked),
            entered_by=user,
            entered_at=now(),
            note=note,
        )
        moment = now()
        made = Ballot.objects.bulk_create(
            [
                Ballot(process=process, area=area, channel=Channel.PAPER, batch=batch, cast_at=moment)
                for _b in checked
            ]
        )
        BallotChoice.objects.bulk_create(
            [
                BallotChoice(ballot=b, proposal=p)
                for b, props in zip(made, checked, strict=True)
                for p in props
            ]
        )
        PaperCount.objects.bulk_create(
            [PaperCount(batch=batch, proposal_id=pid, votes=v) for pid, v in counts.items() if v]
        )
    return batch


# ------------------------------------------------------------------------------------- results and projects


def publish_results(user: User, process: Process, *, via: str = "web") -> Process:
    """After voting closes: tally (``selectors.tally``), mark each proposal on the ballot selected or not
    selected with its votes, and publish. Later paper ballots are refused."""
    _staff(user, process)
    process = Process.objects.get(pk=process.pk)  # the stored state, not a copy loaded earlier
    if process.phase_at(now()) != Phase.COUNTING:
        if process.results_published_at is not None:
            raise Refused(_("The results are published already."))
        raise Refused(_("Results are published after voting closes."))
    with audit.acting(user, via=via), transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        if locked.results_published_at is not None:
            raise Refused(_("The results are published already."))
        for area_result in selectors.tally(locked):
            area_result.area.ballots_counted = area_result.ballots
            area_result.area.save(update_fields=["ballots_counted"])
            for row in area_result.rows:
                p = row.proposal
                p.votes = row.votes
                p.status = ProposalStatus.SELECTED if row.selected else ProposalStatus.NOT_SELECTED
                p.save(update_fields=["votes", "status"])
        locked.results_published_at = now()
        locked.save(update_fields=["results_published_at"])
        notices.results_published(locked)
    return locked


def create_projects(user: User, process: Process, *, via: str = "web") -> list[Project]:
    """Each selected proposal becomes a project of the municipality in the process's strategy, with a
    budget line of its estimated cost in the process's fund, the area's (or process's) strategy node, its
    place; the proposal links to it. Idempotent: a proposal with a project is left as it is. Returns the
    projects created now."""
    _staff(user, process)
    process = Process.objects.select_related("strategy", "fund").get(pk=process.pk)  # the stored state
    if process.results_published_at is None:
        raise Refused(_("Projects are created after the results are published."))
    if process.strategy is None or process.fund is None:
        raise Refused(_("Set the strategy the projects are listed in and the fund they are paid from first."))
    strategy, fund = process.strategy, process.fund
    created: list[Project] = []
    with audit.acting(user, via=via), transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        selected = (
            Proposal.objects.select_for_update(of=("self",))  # PostgreSQL locks no nullable joined row
            .filter(process=locked, status=ProposalStatus.SELECTED, project__isnull=True)
            .select_related("area__organisation", "area__node")
            .order_by("number")
        )
        order = (Project.objects.filter(strategy=strategy).aggregate(m=Max("order"))["m"] or 0) + 1
        for p in selected:
            code = f"PP-{locked.year}-{locked.pk}-{p.number}"
            project = Project.objects.filter(strategy=strategy, code=code).first()
            if project is None:
                project = Project.objects.create(
                    strategy=strategy,
                    code=code,
                    title=p.title,
                    description=p.description,
                    holder=locked.organisation,
                    status=ProjectStatus.APPROVED,
                    location_name=p.area.organisation.name,
                    municipality=locked.organisation.name,
                    lat=p.lat,
                    lon=p.lon,
                    start=str(locked.year),
                    source=_("%(title)s, proposal %(number)d")  # the process's title names it
                    % {"title": locked.title, "number": p.number},
                    order=order,
                )
                order += 1
                BudgetLine.objects.create(
                    project=project, fund=fund, amount=p.cost or Decimal(0), secured=Secured.YES, order=0
                )
                node = p.area.node or locked.node
                if node is not None:
                    project.nodes.add(node)
                created.append(project)
            p.project = project
            p.save(update_fields=["project"])
        if locked.projects_created_at is None:
            locked.projects_created_at = now()
            locked.save(update_fields=["projects_created_at"])
    return created
