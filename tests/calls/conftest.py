"""A call of LAS Zasavje with a committee of three, an applicant and staff – built with the ORM for each test.

The call opens on 1 March 2027 at 8:00 and closes on 30 March 2027 at 12:00, Ljubljana time: the
clocks go forward on 28 March 2027, so the deadline is in summer time (10:00 UTC) while the opening
is in winter time (7:00 UTC).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

LJ = ZoneInfo("Europe/Ljubljana")
OPENS = dt.datetime(2027, 3, 1, 8, 0, tzinfo=LJ)
CLOSES = dt.datetime(2027, 3, 30, 12, 0, tzinfo=LJ)
DURING = dt.datetime(2027, 3, 15, 9, 0, tzinfo=LJ)
AFTER = dt.datetime(2027, 4, 2, 9, 0, tzinfo=LJ)


@pytest.fixture
def clock():
    """Move the server clock: clock(moment) – every timezone.now() after it returns that moment (and ticks)."""
    import time_machine

    travellers = []

    def move(moment: dt.datetime):
        if travellers:
            travellers.pop().stop()
        t = time_machine.travel(moment, tick=False)
        t.start()
        travellers.append(t)

    yield move
    for t in travellers:
        t.stop()


@pytest.fixture
def world(db, member):
    from regija.calls.models import (
        Call,
        CallFund,
        CallStatus,
        CommitteeSeat,
        Criterion,
        EligibilityCondition,
        SeatRole,
    )
    from regija.core.models import Organisation
    from regija.projects.models import Fund
    from regija.strategies.models import Node, Strategy

    las = Organisation.objects.get(slug="las-zasavje")
    strategy = Strategy.objects.get(slug="las-zasavje-2023")
    fund = Fund.objects.get(code="CLLD")
    applicant = Organisation.objects.create(slug="drustvo-sonce", name="Društvo Sonce", kind="ngo")
    other = Organisation.objects.create(slug="zavod-luna", name="Zavod Luna", kind="ngo")
    call = Call.objects.create(
        organisation=las,
        strategy=strategy,
        slug="6-javni-poziv",
        number="JP6",
        title="6. javni poziv Partnerstva LAS Zasavje",
        text="Poziv za izbor operacij.",
        opens_at=OPENS,
        closes_at=CLOSES,
        pass_threshold=Decimal("50"),
        status=CallStatus.DRAFT,
    )
    call.nodes.set(Node.objects.filter(strategy=strategy, code="JP"))
    CallFund.objects.create(call=call, fund=fund, amount=Decimal("200000.00"))
    EligibilityCondition.objects.create(call=call, order=1, text="Prijavitelj ima sedež na območju LAS.")
    EligibilityCondition.objects.create(call=call, order=2, text="Operacija prispeva k ciljem SLR.")
    c1 = Criterion.objects.create(call=call, order=1, name="Prispevek k ciljem SLR", max_points=Decimal("40"))
    c2 = Criterion.objects.create(call=call, order=2, name="Partnerstvo", max_points=Decimal("30"))
    c3 = Criterion.objects.create(call=call, order=3, name="Trajnost", max_points=Decimal("30"))
    users = {
        "staff": member("editor", "las-zasavje", username="staff"),
        "viewer": member("viewer", "las-zasavje", username="las-viewer"),
        "applicant": member("editor", "drustvo-sonce", username="applicant"),
        "applicant_viewer": member("viewer", "drustvo-sonce", username="applicant-viewer"),
        "other": member("editor", "zavod-luna", username="other-applicant"),
        "chair": member(None, username="chair"),
        "eval2": member(None, username="eval2"),
        "eval3": member(None, username="eval3"),
        "outsider": member(None, username="outsider"),
    }
    seats = [
        CommitteeSeat.objects.create(
            call=call, name="Roman Medved", role=SeatRole.CHAIR, user=users["chair"], order=1
        ),
        CommitteeSeat.objects.create(call=call, name="Mojca Metličar", user=users["eval2"], order=2),
        CommitteeSeat.objects.create(call=call, name="Goran Šoster", user=users["eval3"], order=3),
    ]
    return type(
        "World",
        (),
        dict(
            call=call,
            fund=fund,
            las=las,
            applicant=applicant,
            other=other,
            users=users,
            seats=seats,
            criteria=[c1, c2, c3],
        ),
    )


@pytest.fixture
def published(world, clock):
    from regija.calls import services

    clock(dt.datetime(2027, 2, 1, 10, 0, tzinfo=LJ))
    services.publish(world.call, world.users["staff"])
    world.call.refresh_from_db()
    return world


def fill(app, world, *, amount="50000.00"):
    """Give a draft everything a submission needs."""
    from regija.calls import services

    data = services.DraftData(
        title="Zeleni Zasavje",
        summary="Ureditev učnih poti.",
        funds=[(world.fund.pk, Decimal(amount))],
        partners=[{"organisation": world.other, "name": "Zavod Luna", "role": "izvedba delavnic"}],
        phases=[
            {
                "title": "1. faza",
                "start": dt.date(2027, 6, 1),
                "end": dt.date(2027, 12, 31),
                "amount": Decimal(amount),
            }
        ],
    )
    return services.save_draft(app, world.users["applicant"], data, version=app.version)


@pytest.fixture
def submitted(published, clock):
    """Two applications submitted during the call, then the clock after the deadline."""
    from regija.calls import services

    w = published
    clock(DURING)
    a1 = fill(services.start_application(w.call, w.applicant, w.users["applicant"]), w)
    a1 = services.submit(a1, w.users["applicant"])
    a2 = services.start_application(w.call, w.applicant, w.users["applicant"])
    a2 = fill(a2, w, amount="80000.00")
    a2 = services.submit(a2, w.users["applicant"])
    clock(AFTER)
    w.apps = [a1, a2]
    return w


def score_all(w, app, points_by_user: dict[str, tuple]):
    """Each named evaluator declares no conflict, scores the three criteria and submits."""
    from regija.calls import services
    from regija.calls.models import Assignment

    for username, points in points_by_user.items():
        a = Assignment.objects.get(application=app, seat__user=w.users[username])
        services.declare(a, w.users[username], conflict=False)
        scores = {c.pk: (Decimal(p), f"Utemeljitev {c.name}") for c, p in zip(w.criteria, points)}
        services.save_scores(a, w.users[username], scores, edits=0)
        services.submit_scores(a, w.users[username])
