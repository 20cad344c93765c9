"""The permission matrix's rows of participatory budgeting (world_budgeting.py): its API operations
and pages. The world's people are no verified residents, so proposing and voting are refused to all of
them; tests/budgeting/test_permissions.py walks the residents' side (resident, verified resident)."""

from __future__ import annotations

from regija.budgeting.models import Ballot, PaperBatch, Process, Proposal

from .actions import _r, api, page

PB = "/budgeting/processes"
VOTE = "PB_VOTE: M's participatory budget, voting"


def _proposals(key):
    return lambda w: Proposal.objects.filter(process=w.__getattr__(key)).count()


def _status(key):
    return lambda w: tuple(Proposal.objects.filter(process=w.__getattr__(key)).values_list("status", "cost"))


api("GET", PB, VOTE, PB + "?page_size=100", marker=lambda w: '"matrika-pb-vote"')
api("GET", PB + "/{slug}", VOTE, PB + "/matrika-pb-vote")
api(
    "GET",
    PB + "/{slug}/proposals",
    VOTE,
    PB + "/matrika-pb-vote/proposals",
    marker=lambda w: "Matrika predlog PB_VOTE",
)
api("GET", PB + "/{slug}/proposals/{number}", VOTE, PB + "/matrika-pb-vote/proposals/1")
api(
    "POST",
    PB + "/{slug}/proposals",
    "PB_PROP: collecting proposals (a new proposal)",
    PB + "/matrika-pb-prop/proposals",
    body={"area": "matrika-ks", "title": "Matrika nov predlog", "description": "Opis."},
    probe=_proposals("PB_PROP"),
)
api(
    "POST",
    PB + "/{slug}/proposals/{number}/review",
    "PB_REV: a proposal in review (cost 4 000 → 1 000 €)",
    PB + "/matrika-pb-rev/proposals/1/review",
    body={"feasible": True, "cost": "1000"},
    probe=_status("PB_REV"),
)
api(
    "POST",
    PB + "/{slug}/ballot",
    "PB_REV: a feasible proposal (put on the ballot)",
    PB + "/matrika-pb-rev/ballot",
    probe=_status("PB_REV"),
)
api(
    "GET",
    PB + "/{slug}/my-ballot",
    VOTE + " (no ballot of one's own)",
    PB + "/matrika-pb-vote/my-ballot",
)
api(
    "PUT",
    PB + "/{slug}/my-ballot",
    VOTE + " (a vote for proposal 1)",
    PB + "/matrika-pb-vote/my-ballot",
    body={"proposals": [1]},
    probe=lambda w: Ballot.objects.filter(process=w.PB_VOTE).count(),
)
api(
    "POST",
    PB + "/{slug}/paper-ballots",
    VOTE + " (a batch of paper votes)",
    PB + "/matrika-pb-vote/paper-ballots",
    body={"area": "matrika-ks", "label": "Matrika volišče", "counts": {"1": 3}},
    probe=lambda w: PaperBatch.objects.filter(process=w.PB_VOTE).count(),
)
api("GET", PB + "/{slug}/results", "PB_DONE: results published", PB + "/matrika-pb-done/results")
api(
    "POST",
    PB + "/{slug}/results",
    "PB_CLOSED: voting closed (publish the results)",
    PB + "/matrika-pb-closed/results",
    probe=lambda w: Process.objects.get(pk=w.PB_CLOSED.pk).results_published_at,
)
api(
    "POST",
    PB + "/{slug}/projects",
    "PB_DONE: a selected proposal (create its project)",
    PB + "/matrika-pb-done/projects",
    probe=lambda w: Proposal.objects.get(pk=w.PB_DONE_P.pk).project_id,
)

page("GET", "list", VOTE, "/participativni-proracun/", marker=lambda w: "Matrika PB_VOTE")
page("GET", "process", VOTE, _r("budgeting:process", "matrika-pb-vote"))
page("GET", "area", VOTE, _r("budgeting:area", "matrika-pb-vote", "matrika-ks"))
page("GET", "proposal", VOTE, _r("budgeting:proposal", "matrika-pb-vote", 1))
page("GET", "results", "PB_DONE: results published", _r("budgeting:results", "matrika-pb-done"))
page(
    "POST",
    "review",
    "PB_REV: a proposal in review (cost 4 000 → 2 000 €)",
    _r("budgeting:review", "matrika-pb-rev", 1),
    data={"decision": "feasible", "cost": "2.000,00", "note": ""},
    probe=_status("PB_REV"),
)
page("GET", "propose", "PB_PROP: collecting proposals", _r("budgeting:propose", "matrika-pb-prop"))
page(
    "POST",
    "propose",
    "PB_PROP: collecting proposals (a new proposal)",
    _r("budgeting:propose", "matrika-pb-prop"),
    data=lambda w: {"area": w.PB_PROP.areas.get().pk, "title": "Matrika nov predlog", "description": "Opis."},
    probe=_proposals("PB_PROP"),
)
page("GET", "vote", VOTE, _r("budgeting:vote", "matrika-pb-vote"))
page(
    "POST",
    "vote",
    VOTE + " (a vote for proposal 1)",
    _r("budgeting:vote", "matrika-pb-vote"),
    data=lambda w: {"proposals": [w.PB_VOTE_P.pk]},
    probe=lambda w: Ballot.objects.filter(process=w.PB_VOTE).count(),
)
page("GET", "manage", VOTE, _r("budgeting:manage", "matrika-pb-vote"))
page(
    "POST",
    "manage",
    VOTE + " (a batch of paper votes)",
    _r("budgeting:manage", "matrika-pb-vote"),
    data=lambda w: {
        "action": "paper",
        "area": w.PB_VOTE.areas.get().pk,
        f"a{w.PB_VOTE.areas.get().pk}-label": "Matrika volišče",
        f"a{w.PB_VOTE.areas.get().pk}-count_{w.PB_VOTE_P.pk}": "3",
    },
    probe=lambda w: PaperBatch.objects.filter(process=w.PB_VOTE).count(),
)
page("GET", "process_new", "M: a municipality", _r("budgeting:process_new", "matrika-m"))


def _new_process(w):
    data = {"slug": "matrika-nov", "title": "Matrika nov", "year": "2027", "rule": "knapsack"}
    for name, day in (
        ("proposals_from", 1),
        ("proposals_to", 2),
        ("review_to", 3),
        ("voting_from", 4),
        ("voting_to", 5),
    ):
        data.update({f"{name}_day": str(day), f"{name}_month": "3", f"{name}_year": "2027"})
    return data


page(
    "POST",
    "process_new",
    "M: a municipality (a new participatory budget)",
    _r("budgeting:process_new", "matrika-m"),
    data=_new_process,
    probe=lambda w: Process.objects.filter(organisation=w.M).count(),
)
page("GET", "process_edit", "PB_PROP: collecting proposals", _r("budgeting:process_edit", "matrika-pb-prop"))


def _edit_process(w):
    """The edit form of PB_PROP with its stored values and a new title."""
    from django.utils import timezone

    process = Process.objects.get(pk=w.PB_PROP.pk)
    data = {"title": "Matrika nov naslov", "year": "2026", "rule": "knapsack"}
    for name in ("proposals_from", "proposals_to", "review_to", "voting_from", "voting_to"):
        moment = getattr(process, name)
        if name.endswith("_to"):
            moment -= timezone.timedelta(microseconds=1)
        day = timezone.localtime(moment).date()
        data.update(
            {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}
        )
    return data


page(
    "POST",
    "process_edit",
    "PB_PROP: collecting proposals (a new title)",
    _r("budgeting:process_edit", "matrika-pb-prop"),
    data=_edit_process,
    probe=lambda w: Process.objects.get(pk=w.PB_PROP.pk).title,
)
page("GET", "area_edit", "PB_PROP: its area KS", _r("budgeting:area_edit", "matrika-pb-prop", "matrika-ks"))
page(
    "POST",
    "area_edit",
    "PB_PROP: its area KS (budget 10 000 → 7 000 €)",
    _r("budgeting:area_edit", "matrika-pb-prop", "matrika-ks"),
    data={"budget": "7.000,00"},
    probe=lambda w: str(w.PB_PROP.areas.get().budget),
)
