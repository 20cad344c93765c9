"""Calls in every state as their records stand (tests.factories.recorded_call), around a fixed moment
(NOW); the clock is frozen there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import (
    ApplicationPartnerFactory,
    AssignmentFactory,
    CommitteeSeatFactory,
    CriterionFactory,
    EligibilityConditionFactory,
    FundFactory,
    OrganisationFactory,
    ScoreSheetFactory,
    project_with_money,
    recorded_application,
    recorded_call,
)

LJ = ZoneInfo("Europe/Ljubljana")
NOW = dt.datetime(2030, 6, 15, 12, 0, tzinfo=LJ)
DAY = dt.timedelta(days=1)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_call(org, slug, status, *, opens=None, closes=None, number=None, **extra):
    """A call of ``org`` in ``status`` as its record stands, published on its opening day (NOW's when it has
    none) unless a draft, with a budget of 100 000 € from CLLD."""
    return recorded_call(
        org,
        slug=slug,
        number=number or slug,
        title=f"Javni poziv {slug}",
        status=status,
        opens_at=opens,
        closes_at=closes,
        published_on=(opens or NOW).date() if status != "draft" else None,
        budget=[(FundFactory(code="CLLD"), Decimal("100000.00"))],
        **extra,
    )


@pytest.fixture
def org(db):
    return OrganisationFactory(slug="las-preizkus", name="LAS Preizkus", kind="las")


@pytest.fixture
def calls(org, frozen):
    """draft, upcoming, open, closed, evaluated, decided (with results) and archived calls of one LAS.

    The decided call's results are recorded rows, and hold what the workflow would never write: two
    operations approved without scores (as imported records of past calls have them), a recused
    member's sheet and a correction left in draft – the public results must leave both out."""
    from regija.calls.models import Assignment
    from regija.strategies.models import Strategy

    out = {
        "draft": make_call(org, "osnutek", "draft", opens=NOW - 5 * DAY, closes=NOW + 5 * DAY),
        "upcoming": make_call(org, "prihajajoci", "published", opens=NOW + 10 * DAY, closes=NOW + 40 * DAY),
        "open": make_call(
            org, "odprt", "published", opens=NOW - 10 * DAY, closes=NOW + 10 * DAY, text="Besedilo poziva."
        ),
        "closed": make_call(org, "zaprt", "published", opens=NOW - 40 * DAY, closes=NOW - 10 * DAY),
        "evaluated": make_call(org, "ocenjen", "evaluated", opens=NOW - 90 * DAY, closes=NOW - 60 * DAY),
        "decided": make_call(
            org,
            "odlocen",
            "decided",
            opens=NOW - 200 * DAY,
            closes=NOW - 170 * DAY,
            pass_threshold=Decimal("50"),
        ),
        "archived": make_call(org, "arhiviran", "archived", opens=NOW - 900 * DAY, closes=NOW - 870 * DAY),
    }
    decided = out["decided"]
    EligibilityConditionFactory(call=out["open"], order=1, text="Prijavitelj ima sedež na območju LAS.")
    CriterionFactory(
        call=out["open"], order=1, name="Inovativnost", max_points=Decimal("40"), guide="0–40 točk"
    )
    CriterionFactory(call=out["open"], order=2, name="Trajnost", max_points=Decimal("60"))

    company = OrganisationFactory(slug="podjetje-ena", name="Podjetje Ena d.o.o.", kind="company")
    person = OrganisationFactory(
        slug="janez-zasebnik", name="Janez Zasebnik", kind="person", address="Zasebna ulica 7, Trbovlje"
    )
    partner_person = OrganisationFactory(slug="mojca-partnerka", name="Mojca Partnerka", kind="person")
    strategy = Strategy.objects.get(slug="las-zasavje-2023")
    clld = FundFactory(code="CLLD")

    def approved(number, applicant, amount, paid, *, withdrawn=False):
        project = project_with_money(
            strategy=strategy,
            code=f"TST-{number}",
            title=f"Operacija {number}",
            holder=applicant,
            status="withdrawn" if withdrawn else "in_progress",
            order=9000 + number,
            withdrawal_reason="Prijavitelj je odstopil od izvedbe." if withdrawn else "",
            budget=[dict(fund=clld, amount=Decimal(amount), secured="yes")],
            payments=[
                dict(fund=clld, label="1. zahtevek", amount=Decimal(paid), state="paid"),
                dict(fund=clld, label="2. zahtevek", amount=Decimal("1.00"), state="claimed"),
            ]
            if paid
            else [],
        )
        return recorded_application(
            decided,
            applicant,
            number=number,
            title=f"Operacija {number}",
            status="approved",
            instrument_kind="decision",
            instrument_number=f"330-{number}/2030",
            instrument_date=dt.date(2030, 1, 10),
            project=project,
            funds=[(clld, Decimal(amount), Decimal(amount))],
        )

    a1 = approved(1, company, "40000.00", "15000.00")
    a2 = approved(2, person, "20000.00", "5000.00")
    a3 = approved(3, company, "10000.00", None, withdrawn=True)
    ApplicationPartnerFactory(
        application=a1, organisation=partner_person, name="Mojca Partnerka", role="partner"
    )
    r1 = recorded_application(
        decided,
        person,
        number=4,
        title="Zavrnjena vloga osebe",
        status="rejected",
        decision_reason="Ni doseglo praga točk.",
    )
    r2 = recorded_application(
        decided,
        company,
        number=5,
        title="Neupravičena vloga",
        status="ineligible",
        decision_reason="Prijavitelj nima sedeža na območju.",
    )
    chair = CommitteeSeatFactory(call=decided, name="Ana Predsednica", role="chair", order=1)
    member = CommitteeSeatFactory(call=decided, name="Bojan Član", role="member", order=2)

    def sheet(app, seat, total, *, version=1, recused=False, status="final"):
        assignment = Assignment.objects.filter(application=app, seat=seat).first() or AssignmentFactory(
            application=app, seat=seat, declaration="recused" if recused else "no_conflict"
        )
        ScoreSheetFactory(
            assignment=assignment,
            version=version,
            status=status,
            total=Decimal(total),
            reason="" if version == 1 else "popravek",
        )

    sheet(a1, chair, "80")
    sheet(a1, chair, "90", version=2)  # the correction counts
    sheet(a1, member, "70")
    sheet(r1, chair, "40")
    sheet(r1, member, "45")
    sheet(r1, member, "99", version=2, status="draft")  # not finalised: does not count
    sheet(r2, chair, "10", recused=True)  # recused: left out
    out.update(
        company=company, person=person, partner_person=partner_person, applications=[a1, a2, a3, r1, r2]
    )
    return out
