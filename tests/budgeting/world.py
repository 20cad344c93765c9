"""A participatory budget to test with: the municipality M (``pp-obcina``) with two local communities
(Center, Hrib), its strategy with a node, a fund, staff, and a knapsack (or approval) process whose
phases start at ``T0``; ``at(phase)`` moves the clock into a phase."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from regija.budgeting import services
from regija.budgeting.models import Area, Process, Proposal
from tests.factories import FundFactory, NodeFactory, OrganisationFactory, StrategyFactory, member, resident

LJ = ZoneInfo("Europe/Ljubljana")
T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=LJ)
DATES = {
    "proposals_from": T0,
    "proposals_to": T0 + dt.timedelta(days=30),
    "review_to": T0 + dt.timedelta(days=50),
    "voting_from": T0 + dt.timedelta(days=60),
    "voting_to": T0 + dt.timedelta(days=75),
}
MOMENTS = {
    "announced": T0 - dt.timedelta(days=1),
    "proposals": T0 + dt.timedelta(days=1),
    "review": T0 + dt.timedelta(days=40),
    "voting": T0 + dt.timedelta(days=65),
    "closed": T0 + dt.timedelta(days=80),
}


@dataclasses.dataclass
class PB:
    clock: object
    municipality: object
    center: object
    hrib: object
    strategy: object
    node: object
    fund: object
    staff: object
    process: Process
    area_center: Area
    area_hrib: Area

    def at(self, phase: str) -> None:
        self.clock(MOMENTS[phase])

    def voter(self, area: str = "center", **kw):
        return resident(self.municipality, area=getattr(self, area), **kw)


def build(clock, *, rule: str = "knapsack", k: int | None = None, slug: str = "pp-2026") -> PB:
    m = OrganisationFactory(kind="municipality", slug="pp-obcina", name="Občina Participacija")
    center = OrganisationFactory(kind="local_community", slug="ks-center", name="KS Center", parent=m)
    hrib = OrganisationFactory(kind="local_community", slug="ks-hrib", name="KS Hrib", parent=m)
    strategy = StrategyFactory(slug="pp-strategija", title="Razvojni program", owners=[m])
    node = NodeFactory(strategy=strategy, code="PP1", title="Kakovost bivanja")
    fund = FundFactory(code="PP-PRORACUN", name="Proračun občine")
    staff = member("editor", m)
    clock(MOMENTS["announced"])
    process = services.process_create(
        staff,
        m,
        services.ProcessData(
            slug=slug,
            title="Participativni proračun 2026",
            title_en="Participatory budget 2026",
            year=2026,
            rule=rule,
            max_choices=k,
            strategy=strategy,
            node=node,
            fund=fund,
            **DATES,
        ),
    )
    a1 = services.area_add(staff, process, center, Decimal("20000.00"))
    a2 = services.area_add(staff, process, hrib, Decimal("15000.00"))
    return PB(clock, m, center, hrib, strategy, node, fund, staff, process, a1, a2)


def proposals_on_ballot(pb: PB, costs: dict[str, list[str]]) -> dict[str, list[Proposal]]:
    """Proposals submitted by a resident of each area, reviewed feasible with ``costs`` (per area name),
    and put on the ballot; the clock is left in the review phase."""
    pb.at("proposals")
    from django.contrib.auth import get_user_model

    author = get_user_model().objects.filter(username="predlagatelj").first()
    author = author or pb.voter("center", username="predlagatelj")
    made: dict[str, list[Proposal]] = {}
    for name, amounts in costs.items():
        area = getattr(pb, f"area_{name}")
        made[name] = [
            services.proposal_submit(author, pb.process, area, title=f"{name} {i + 1}", description="Opis.")
            for i, _ in enumerate(amounts)
        ]
    pb.at("review")
    for name, amounts in costs.items():
        for p, cost in zip(made[name], amounts, strict=True):
            services.proposal_review(pb.staff, p, feasible=True, cost=Decimal(cost))
    services.put_on_ballot(pb.staff, pb.process)
    for name in made:
        made[name] = [Proposal.objects.get(pk=p.pk) for p in made[name]]
    return made
