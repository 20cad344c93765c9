"""What the calls workflow stores survives an export and an import into an empty database.

A call of LAS Zasavje (tests.factories.scored_call) is decided with two operations: one held by a
society, with a claim paid and a claim rejected; one held by a natural person, withdrawn. The
strategy is exported as YAML and as JSON and each file is imported into an empty database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from regija.calls import services
from regija.core.models import Organisation, OrganisationKind
from regija.interchange import exporter
from regija.interchange.importer import import_files
from regija.projects.models import PaymentState, Project, ProjectStatus, Secured
from regija.projects.services import payments
from regija.strategies.models import Strategy
from tests.factories import LJ, OrganisationFactory, decide, paid_claim, scored_call

pytestmark = pytest.mark.django_db

SUSTAINABILITY_YEARS = 10  # the call's, instead of the default five
REQUESTED = {"society": Decimal("50000.00"), "person": Decimal("30000.00")}
APPROVED = {"society": Decimal("45000.00"), "person": Decimal("30000.00")}
DECISION = services.Instrument("decision", "33110-12/2027", dt.date(2027, 5, 10))
CONTRACT = services.Instrument("contract", "33110-13/2027", dt.date(2027, 5, 12))
CLAIMED_ON = dt.datetime(2027, 6, 15, 10, 0, tzinfo=LJ)
PAID = ("1. zahtevek", Decimal("20000.00"))
PAID_ON = dt.date(2027, 9, 1)
REJECTED = ("2. zahtevek", Decimal("25000.00"))
REJECTED_BECAUSE = "Manjkajo računi za nakup opreme"
WITHDRAWN_BECAUSE = "Investicija ni izvedljiva"
WITHDRAWN_ON = dt.date(2027, 8, 1)


@pytest.fixture
def operations(clock):
    """The decided call's two operations, built only with the workflow's services: the call's world and
    (society's, person's)."""
    person = OrganisationFactory(slug="janez-novak", name="Janez Novak", kind=OrganisationKind.PERSON)
    # the applicant's user also files for Janez Novak
    w = scored_call(
        clock,
        amounts=[str(REQUESTED["society"]), str(REQUESTED["person"])],
        applicants=[None, person],
        sustainability_years=SUSTAINABILITY_YEARS,
    )
    society_op, person_op = decide(
        w, approve={0: (APPROVED["society"], DECISION), 1: (APPROVED["person"], CONTRACT)}
    )

    clock(CLAIMED_ON)
    paid_claim(w, society_op, PAID[1], PAID[0], on=PAID_ON)
    rejected = payments.claim_payment(
        society_op, w.users["applicant"], fund_id=w.fund.pk, amount=REJECTED[1], label=REJECTED[0]
    )
    payments.reject_claim(rejected, w.users["staff"], reason=REJECTED_BECAUSE)
    payments.withdraw_project(person_op, w.users["staff"], reason=WITHDRAWN_BECAUSE, on=WITHDRAWN_ON)
    return w, society_op, person_op


def noticeable(slug: str) -> dict[str, dict]:
    """What a user sees of each project of the strategy, by project code."""
    out = {}
    projects = (
        Project.objects.filter(strategy__slug=slug)
        .select_related("holder")
        .prefetch_related("budget_lines__fund", "payments__fund", "partners__organisation")
    )
    for p in projects:
        out[p.code] = {
            "title": p.title,
            "status": p.status,
            "holder": (p.holder.slug, p.holder.name, p.holder.kind) if p.holder else None,
            "held by a person": p.held_by_person,
            "instrument": (p.instrument_kind, p.instrument_number, p.instrument_date),
            "withdrawal": (p.withdrawn_on, p.withdrawal_reason),
            "sustainability years": p.sustainability_years,
            "nodes": sorted(p.nodes.values_list("code", flat=True)),
            "budget": [(b.fund.code, b.amount, b.secured, b.secured_amount) for b in p.budget_lines.all()],
            "payments": [(x.label, x.fund.code, x.amount, x.date, x.state, x.note) for x in p.payments.all()],
            "partners": [(pt.organisation.slug, pt.organisation.kind, pt.role) for pt in p.partners.all()],
        }
    return out


@pytest.mark.parametrize("fmt", ["yaml", "json", "xlsx"])
def test_the_workflows_results_survive_export_and_import_into_an_empty_database(
    operations, empty_database, tmp_path, fmt
):
    w, society_op, person_op = operations
    slug = w.call.strategy.slug
    fund = w.fund.code
    partner = (w.other.slug, w.other.kind, "partner")  # the partner `fill` names; approval makes it one
    before = noticeable(slug)
    # first, the workflow stored what this test gave it
    expected = {
        society_op.code: {
            "status": ProjectStatus.IN_PROGRESS,  # a claim was made
            "holder": (w.applicant.slug, w.applicant.name, w.applicant.kind),
            "held by a person": False,
            "instrument": (DECISION.kind, DECISION.number, DECISION.date),
            "withdrawal": (None, ""),
            "sustainability years": SUSTAINABILITY_YEARS,
            "budget": [(fund, APPROVED["society"], Secured.YES, None)],
            "payments": [
                (PAID[0], fund, PAID[1], PAID_ON, PaymentState.PAID, ""),
                (REJECTED[0], fund, REJECTED[1], CLAIMED_ON.date(), PaymentState.REJECTED, REJECTED_BECAUSE),
            ],
            "partners": [partner],
        },
        person_op.code: {
            "status": ProjectStatus.WITHDRAWN,
            "holder": ("janez-novak", "Janez Novak", OrganisationKind.PERSON),
            "held by a person": True,
            "instrument": (CONTRACT.kind, CONTRACT.number, CONTRACT.date),
            "withdrawal": (WITHDRAWN_ON, WITHDRAWN_BECAUSE),
            "sustainability years": SUSTAINABILITY_YEARS,
            "budget": [(fund, APPROVED["person"], Secured.YES, None)],
            "payments": [],
            "partners": [partner],
        },
    }
    for code, rows in expected.items():
        assert {k: before[code][k] for k in rows} == rows, code

    path = tmp_path / f"{slug}.{fmt}"
    strategy = Strategy.objects.get(slug=slug)
    if fmt == "xlsx":
        path.write_bytes(exporter.to_xlsx(strategy))
    else:
        path.write_text(
            exporter.to_yaml(strategy) if fmt == "yaml" else exporter.to_json(strategy), encoding="utf-8"
        )
    empty_database()
    assert not Project.objects.exists() and not Organisation.objects.exists()

    import_files([path])
    assert noticeable(slug) == before
