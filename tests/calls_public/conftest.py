"""Calls in every state, built with the ORM around a fixed moment (NOW); the clock is frozen there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

LJ = ZoneInfo("Europe/Ljubljana")
NOW = dt.datetime(2030, 6, 15, 12, 0, tzinfo=LJ)
DAY = dt.timedelta(days=1)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_call(org, slug, status, *, opens=None, closes=None, number=None, **extra):
    from regija.calls.models import Call, CallFund
    from regija.projects.models import Fund

    call = Call.objects.create(
        organisation=org,
        slug=slug,
        number=number or slug,
        title=f"Javni poziv {slug}",
        status=status,
        opens_at=opens,
        closes_at=closes,
        published_on=(opens or NOW).date() if status != "draft" else None,
        **extra,
    )
    CallFund.objects.create(call=call, fund=Fund.objects.get(code="CLLD"), amount=Decimal("100000.00"))
    return call


@pytest.fixture
def org(db):
    from regija.core.models import Organisation

    return Organisation.objects.create(slug="las-preizkus", name="LAS Preizkus", kind="las")


@pytest.fixture
def calls(org, frozen):
    """draft, upcoming, open, closed, evaluated, decided (with results) and archived calls of one LAS."""
    from regija.calls.models import (
        Application,
        ApplicationFund,
        ApplicationPartner,
        Assignment,
        CommitteeSeat,
        Criterion,
        EligibilityCondition,
        ScoreSheet,
    )
    from regija.core.models import Organisation
    from regija.projects.models import BudgetLine, Fund, Payment, Project
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
    EligibilityCondition.objects.create(
        call=out["open"], order=1, text="Prijavitelj ima sedež na območju LAS."
    )
    Criterion.objects.create(
        call=out["open"], order=1, name="Inovativnost", max_points=Decimal("40"), guide="0–40 točk"
    )
    Criterion.objects.create(call=out["open"], order=2, name="Trajnost", max_points=Decimal("60"))

    company = Organisation.objects.create(slug="podjetje-ena", name="Podjetje Ena d.o.o.", kind="company")
    person = Organisation.objects.create(
        slug="janez-zasebnik", name="Janez Zasebnik", kind="person", address="Zasebna ulica 7, Trbovlje"
    )
    partner_person = Organisation.objects.create(
        slug="mojca-partnerka", name="Mojca Partnerka", kind="person"
    )
    strategy = Strategy.objects.get(slug="las-zasavje-2023")
    clld = Fund.objects.get(code="CLLD")

    def approved(number, applicant, amount, paid, *, withdrawn=False):
        project = Project.objects.create(
            strategy=strategy,
            code=f"TST-{number}",
            title=f"Operacija {number}",
            holder=applicant,
            status="withdrawn" if withdrawn else "in_progress",
            order=9000 + number,
            withdrawal_reason="Prijavitelj je odstopil od izvedbe." if withdrawn else "",
        )
        BudgetLine.objects.create(project=project, fund=clld, amount=Decimal(amount), secured="yes")
        if paid:
            Payment.objects.create(
                project=project, fund=clld, label="1. zahtevek", amount=Decimal(paid), state="paid"
            )
            Payment.objects.create(
                project=project, fund=clld, label="2. zahtevek", amount=Decimal("1.00"), state="claimed"
            )
        app = Application.objects.create(
            call=decided,
            applicant=applicant,
            number=number,
            title=f"Operacija {number}",
            status="approved",
            instrument_kind="decision",
            instrument_number=f"330-{number}/2030",
            instrument_date=dt.date(2030, 1, 10),
            project=project,
        )
        ApplicationFund.objects.create(
            application=app, fund=clld, requested=Decimal(amount), approved=Decimal(amount)
        )
        return app

    a1 = approved(1, company, "40000.00", "15000.00")
    a2 = approved(2, person, "20000.00", "5000.00")
    a3 = approved(3, company, "10000.00", None, withdrawn=True)
    ApplicationPartner.objects.create(
        application=a1, organisation=partner_person, name="Mojca Partnerka", role="partner"
    )
    r1 = Application.objects.create(
        call=decided,
        applicant=person,
        number=4,
        title="Zavrnjena vloga osebe",
        status="rejected",
        decision_reason="Ni doseglo praga točk.",
    )
    r2 = Application.objects.create(
        call=decided,
        applicant=company,
        number=5,
        title="Neupravičena vloga",
        status="ineligible",
        decision_reason="Prijavitelj nima sedeža na območju.",
    )
    chair = CommitteeSeat.objects.create(call=decided, name="Ana Predsednica", role="chair", order=1)
    member = CommitteeSeat.objects.create(call=decided, name="Bojan Član", role="member", order=2)

    def sheet(app, seat, total, *, version=1, recused=False, status="final"):
        assignment, _ = Assignment.objects.get_or_create(
            application=app, seat=seat, defaults={"declaration": "recused" if recused else "no_conflict"}
        )
        ScoreSheet.objects.create(
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
