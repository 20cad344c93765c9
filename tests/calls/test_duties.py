"""Separation of duties in the calls workflow (issue 12, docs/calls.md "Who may do what").

A score sheet is written only by its evaluator: the committee chair returns a member's scores for
correction with a reason, the member writes the corrected version, the chair finalises it. The
holder of an operation claims its money; programme staff withdraw it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import override

from regija.calls import selectors, services
from regija.calls.models import Assignment, ScoreSheet, SheetReturn
from regija.calls.services import Forbidden, Refused
from regija.core.audit import history
from regija.core.models import AuditEntry
from regija.projects.models import ProjectStatus
from tests.factories import PASSING, decide, evaluate

pytestmark = pytest.mark.django_db

CORRECTED = ("40", "30", "30")  # eval2's corrected points: 100 instead of 70


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def _scores_post(w, points, **extra):
    data = {"edits": "0", **extra}
    for crit, p in zip(w.criteria, points, strict=True):
        data[f"points_{crit.pk}"] = p
        data[f"justification_{crit.pk}"] = "Popravljena utemeljitev"
    return data


def _eval2(w, app=0) -> Assignment:
    return Assignment.objects.get(application=w.apps[app], seat__user=w.users["eval2"])


# ------------------------------------------------------------------------------------- score sheets


def test_the_chair_cannot_write_another_members_sheet_by_posting_to_its_page(client, submitted):
    w = evaluate(submitted)
    a = _eval2(w)
    sheets = list(ScoreSheet.objects.values_list("pk", "version", "total", "status"))
    client.force_login(w.users["chair"])
    url = reverse("assignment", args=[a.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert 'name="correct"' not in page.content.decode()
    for button in ("correct", "save", "submit"):
        r = client.post(url, _scores_post(w, CORRECTED, reason="Napaka pri seštevanju", **{button: "1"}))
        assert r.status_code == 403, button
    assert list(ScoreSheet.objects.values_list("pk", "version", "total", "status")) == sheets
    with override("en"), pytest.raises(Forbidden, match="the chair returns them for correction"):
        services.correct_scores(
            a,
            w.users["chair"],
            {c.pk: (Decimal(p), "x") for c, p in zip(w.criteria, CORRECTED, strict=True)},
            reason="x",
        )


def test_staff_of_the_call_neither_score_nor_return(submitted):
    w = evaluate(submitted)
    a = _eval2(w)
    scores = {c.pk: (Decimal(p), "x") for c, p in zip(w.criteria, CORRECTED, strict=True)}
    with pytest.raises(Forbidden):
        services.correct_scores(a, w.users["staff"], scores, reason="x")
    with pytest.raises(Forbidden):
        services.return_scores(a, w.users["staff"], reason="x")
    with pytest.raises(Forbidden):
        services.return_scores(a, w.users["eval3"], reason="x")  # an ordinary member
    assert not SheetReturn.objects.exists()


def test_return_for_correction_end_to_end_through_the_pages(client, submitted):
    w = evaluate(submitted)  # every sheet finalised: eval2 gave 30 + 20 + 20 = 70 to the first application
    a = _eval2(w)
    first = a.sheets.get()
    url = reverse("assignment", args=[a.pk])

    # the chair returns it, with a reason (without one: refused, nothing stored)
    client.force_login(w.users["chair"])
    assert 'name="return"' in client.get(url).content.decode()
    assert client.post(url, {"return": "1", "reason": " "}).status_code == 422
    assert not SheetReturn.objects.exists()
    assert (
        client.post(url, {"return": "1", "reason": "Točke pri merilu 1 niso utemeljene"}).status_code == 302
    )
    returned = SheetReturn.objects.get()
    assert (returned.sheet, returned.returned_by, returned.correction) == (first, w.users["chair"], None)
    # in the audit log, with its reason, in the application's history
    ct = ContentType.objects.get_for_model(SheetReturn)
    entry = AuditEntry.objects.get(content_type=ct, object_id=str(returned.pk))
    assert entry.user == w.users["chair"] and entry.via == "web"
    assert entry.changes["reason"][1] == "Točke pri merilu 1 niso utemeljene"
    assert any(e.content_type == ct for e in history(w.apps[0]))
    # a second return while the first waits is refused
    with override("en"), pytest.raises(Refused, match="already returned"):
        services.return_scores(a, w.users["chair"], reason="še enkrat")
    # the finalised version is unchanged and the application cannot be finalised while it waits
    first.refresh_from_db()
    assert (first.version, first.status, first.total) == (1, "final", Decimal("70.00"))
    with pytest.raises(Refused, match="Mojca Metličar"):
        services.finalise(w.apps[0], w.users["chair"])

    # the member sees it on their evaluation page, and the reason on the sheet's page
    client.force_login(w.users["eval2"])
    assert (
        "returned for correction"
        in client.get(reverse("evaluation"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    page = client.get(url).content.decode()
    assert "Točke pri merilu 1 niso utemeljene" in page and 'name="correct"' in page
    r = client.post(url, _scores_post(w, CORRECTED, correct="1", reason="Popravek po vrnitvi"))
    assert r.status_code == 302
    second = a.sheets.get(version=2)
    assert (second.status, second.total, second.reason, second.created_by) == (
        "submitted",
        Decimal("100.00"),
        "Popravek po vrnitvi",
        w.users["eval2"],
    )
    returned.refresh_from_db()
    assert returned.correction == second

    # the chair finalises again: the corrected version counts, the first stays as it was
    client.force_login(w.users["chair"])
    client.post(reverse("call_evaluation", args=[w.call.pk]), {"finalise": "1", "application": w.apps[0].pk})
    assert [(s.version, s.status, s.total) for s in a.sheets.order_by("version")] == [
        (1, "final", Decimal("70.00")),
        (2, "final", Decimal("100.00")),
    ]
    row = next(r for r in selectors.ranking(w.call) if r.application.pk == w.apps[0].pk)
    chair_total, eval3_total = sum(PASSING["chair"]), sum(PASSING["eval3"])
    assert row.average == (Decimal(chair_total + 100 + eval3_total) / 3).quantize(Decimal("0.01"))


def test_a_submitted_sheet_can_be_returned_before_finalisation(submitted):
    w = evaluate(submitted, finalise=False)
    a = _eval2(w)
    services.return_scores(a, w.users["chair"], reason="Manjka utemeljitev")
    with pytest.raises(Refused, match="returned for correction"):
        services.finalise(w.apps[0], w.users["chair"])
    with pytest.raises(Refused, match="own scores"):
        services.return_scores(
            Assignment.objects.get(application=w.apps[0], seat__user=w.users["chair"]),
            w.users["chair"],
            reason="x",
        )
    services.correct_scores(
        a,
        w.users["eval2"],
        {c.pk: (Decimal(p), "x") for c, p in zip(w.criteria, CORRECTED, strict=True)},
        reason="Dopolnjeno",
    )
    assert services.finalise(w.apps[0], w.users["chair"]) == 3


# ------------------------------------------------------------------------------------- operations


def _operation(w):
    evaluate(w)
    (project,) = decide(
        w,
        approve={0: (Decimal("45000.00"), services.Instrument("decision", "1/2027", dt.date(2027, 5, 10)))},
        reject={1: "Premalo točk"},
    )
    return project


def test_the_holder_cannot_withdraw_the_operation_through_the_claims_page(client, submitted):
    w = submitted
    project = _operation(w)
    url = reverse("project_claims", args=[project.strategy.slug, project.code])
    client.force_login(w.users["applicant"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="withdraw"' not in page and "ask the programme" in page
    r = client.post(url, {"withdraw": "1", "reason": "Investicija ni izvedljiva"})
    assert r.status_code == 403
    project.refresh_from_db()
    assert project.status == ProjectStatus.APPROVED and project.withdrawal_reason == ""
    # the holder still claims there
    r = client.post(
        url, {"claim": "1", "label": "1. faza", "fund": w.fund.pk, "phase": "", "amount": "1.000,00"}
    )
    assert r.status_code == 302 and project.payments.get().state == "claimed"
    # programme staff withdraw it – once the open claim is decided
    client.force_login(w.users["staff"])
    action = reverse("claim_action", args=[project.strategy.slug, project.code, project.payments.get().pk])
    client.post(action, {"action": "reject", "reason": "Manjkajo računi"})
    r = client.post(url, {"withdraw": "1", "reason": "Odstop upravičenca"})
    assert r.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.withdrawal_reason) == (ProjectStatus.WITHDRAWN, "Odstop upravičenca")
    entry = [e for e in history(project) if "withdrawal_reason" in e.changes][-1]
    assert entry.user == w.users["staff"] and entry.changes["status"][1] == "withdrawn"
