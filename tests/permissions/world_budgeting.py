"""The participatory budgets of the permission matrix's world: the municipality M (``matrika-m``, whose
viewer, editor and admin are A's) with its local community KS (``matrika-ks``), M's strategy and fund,
and one process in each phase an action needs – PB_PROP (collecting proposals), PB_REV (review: a
feasible proposal, number 1), PB_VOTE (voting: a proposal on the ballot), PB_CLOSED (voting closed, a
vote counted) and PB_DONE (results published, a selected proposal without a project yet). Dates are
relative to now; the earlier phases are walked through with the clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from regija.budgeting import services
from regija.budgeting.models import Proposal
from regija.core import permissions
from tests.factories import (
    Clock,
    FundFactory,
    MembershipFactory,
    OrganisationFactory,
    StrategyFactory,
    resident,
)

DAY = dt.timedelta(days=1)


def _dates(start: dt.datetime) -> dict:
    return {
        "proposals_from": start,
        "proposals_to": start + 10 * DAY,
        "review_to": start + 20 * DAY,
        "voting_from": start + 30 * DAY,
        "voting_to": start + 40 * DAY,
    }


def build(w: dict, users: dict) -> None:
    now = timezone.now()
    clock = Clock()
    M = w["M"] = OrganisationFactory(slug="matrika-m", name="Matrika Občina M", kind="municipality")
    KS = w["KS"] = OrganisationFactory(slug="matrika-ks", name="Matrika KS", kind="local_community", parent=M)
    for role in ("viewer", "editor", "admin"):
        MembershipFactory(user=users[role], organisation=M, role=role)
        permissions.forget(users[role])  # their roles were read (and kept) while building the calls
    staff = users["editor"]
    w["S_M"] = StrategyFactory(slug="matrika-sm", title="Matrika program M", owners=[M])
    w["F_M"] = FundFactory(code="MATRIKA-M", name="Proračun M")
    voter = resident(M, area=KS, username="m-voter")
    # the process starts so long ago that its phase, walked through with the clock, is the one wanted now
    starts = {"PB_PROP": -1, "PB_REV": -15, "PB_VOTE": -35, "PB_CLOSED": -45, "PB_DONE": -50}
    try:
        for key, offset in starts.items():
            start = now + offset * DAY
            clock(start - DAY)
            process = services.process_create(
                staff,
                M,
                services.ProcessData(
                    slug=f"matrika-{key.lower().replace('_', '-')}",
                    title=f"Matrika {key}",
                    year=2026,
                    rule="knapsack",
                    strategy=w["S_M"],
                    fund=w["F_M"],
                    **_dates(start),
                ),
            )
            area = services.area_add(staff, process, KS, Decimal("10000.00"))
            w[key] = process
            if key == "PB_PROP":
                continue
            clock(start + DAY)
            p = services.proposal_submit(
                voter, process, area, title=f"Matrika predlog {key}", description="Predlog."
            )
            clock(start + 15 * DAY)
            services.proposal_review(staff, p, feasible=True, cost=Decimal("4000.00"))
            w[f"{key}_P"] = p
            if key == "PB_REV":
                continue
            services.put_on_ballot(staff, process)
            if key == "PB_VOTE":
                continue
            clock(start + 31 * DAY)
            services.cast_ballot(voter, process, [p.pk])
            if key == "PB_CLOSED":
                continue
            clock(start + 41 * DAY)
            services.publish_results(staff, process)
    finally:
        clock.stop()
    for key in starts:
        w[key].refresh_from_db()
    for key in ("PB_REV_P", "PB_VOTE_P", "PB_CLOSED_P", "PB_DONE_P"):
        w[key] = Proposal.objects.get(pk=w[key].pk)
