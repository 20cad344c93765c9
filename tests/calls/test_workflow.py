"""Every transition of a call, an application, a score sheet and a payment claim: allowed and refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from regija.calls import selectors, services
from regija.calls.models import (
    ApplicationStatus,
    Assignment,
    CallState,
    CallStatus,
    FrozenScore,
    ScoreSheet,
    SheetStatus,
)
from regija.calls.services import Forbidden, Refused
from regija.projects.services import payments
from tests.factories import (
    AFTER,
    CLOSES,
    DECLARED,
    DURING,
    LJ,
    OPENS,
    AssignmentFactory,
    decide,
    evaluate,
    fill,
    score_all,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched by their English wording (the pages show them translated)."""
    from django.utils import translation

    with translation.override("en"):
        yield


# ------------------------------------------------------------------------------------------- calls


def test_publishing_needs_dates_criteria_committee_and_a_reachable_threshold(world, clock):
    clock(dt.datetime(2027, 2, 1, tzinfo=LJ))
    call = world.call
    call.seats.all().delete()
    with pytest.raises(Refused, match="evaluation committee"):
        services.publish(call, world.users["staff"])
    world.seats[0].pk = None
    call.seats.create(name="Roman Medved", role="member", user=world.users["chair"])
    with pytest.raises(Refused, match="chair"):
        services.publish(call, world.users["staff"])
    call.seats.update(role="chair")
    call.pass_threshold = Decimal("101")
    call.save()
    with pytest.raises(Refused, match="above the most points"):
        services.publish(call, world.users["staff"])
    call.pass_threshold = Decimal("50")
    call.save()
    assert services.publish(call, world.users["staff"]).status == CallStatus.PUBLISHED


def test_only_staff_of_the_calls_organisation_publish(world, clock):
    clock(dt.datetime(2027, 2, 1, tzinfo=LJ))
    for who in ("viewer", "applicant", "other", "chair", "outsider"):
        with pytest.raises(Forbidden):
            services.publish(world.call, world.users[who])
    world.call.refresh_from_db()
    assert world.call.status == CallStatus.DRAFT


def test_a_call_whose_deadline_passed_is_not_published(world, clock):
    clock(AFTER)
    with pytest.raises(Refused, match="already passed"):
        services.publish(world.call, world.users["staff"])


def test_state_follows_the_clock_published_open_closed(published, clock):
    call = published.call
    clock(OPENS - dt.timedelta(seconds=1))
    assert call.state == CallState.PUBLISHED
    clock(OPENS)
    assert call.state == CallState.OPEN
    clock(CLOSES)
    assert call.state == CallState.OPEN
    clock(CLOSES + dt.timedelta(seconds=1))
    assert call.state == CallState.CLOSED


def test_unpublish_only_before_opening(published, clock):
    clock(DURING)
    with pytest.raises(Refused, match="before it opens"):
        services.unpublish(published.call, published.users["staff"])
    clock(OPENS - dt.timedelta(hours=1))
    assert services.unpublish(published.call, published.users["staff"]).status == CallStatus.DRAFT


def test_evaluated_decided_archived_only_in_order(submitted):
    w = submitted
    staff = w.users["staff"]
    with pytest.raises(Refused):
        services.mark_decided(w.call, staff)
    with pytest.raises(Refused):
        services.archive(w.call, staff)
    with pytest.raises(Refused, match="not complete"):
        services.finish_evaluation(w.call, staff)


# ------------------------------------------------------------------------------------ applications


def test_deadline_one_second_before_and_after_in_summer_time(published, clock):
    """30 March 2027 12:00 in Ljubljana is 10:00 UTC (summer time began on 28 March)."""
    w = published
    clock(DURING)
    early = fill(services.start_application(w.call, w.applicant, w.users["applicant"]), w)
    late = fill(services.start_application(w.call, w.applicant, w.users["applicant"]), w)
    assert CLOSES.astimezone(dt.UTC).hour == 10
    clock(dt.datetime(2027, 3, 30, 9, 59, 59, tzinfo=dt.UTC))
    assert (
        services.submit(early, w.users["applicant"], declarations=DECLARED).status
        == ApplicationStatus.SUBMITTED
    )
    clock(dt.datetime(2027, 3, 30, 10, 0, 1, tzinfo=dt.UTC))
    with pytest.raises(Refused) as refused:
        services.submit(late, w.users["applicant"], declarations=DECLARED)
    # the deadline as people in Ljubljana read it, to the second, in the language of the message
    assert "30 March 2027 at 12:00:00" in refused.value.message
    late.refresh_from_db()
    assert late.status == ApplicationStatus.DRAFT and late.submitted_at is None and late.number is None


def test_deadline_in_winter_time_before_the_clock_change(world, clock):
    """A call closing on 27 March 2027 12:00 (the day before summer time) closes at 11:00 UTC."""
    w = world
    w.call.closes_at = dt.datetime(2027, 3, 27, 12, 0, tzinfo=LJ)
    w.call.save()
    clock(dt.datetime(2027, 2, 1, tzinfo=LJ))
    w.call = services.publish(w.call, w.users["staff"])
    clock(DURING)
    app = fill(services.start_application(w.call, w.applicant, w.users["applicant"]), w)
    clock(dt.datetime(2027, 3, 27, 11, 0, 1, tzinfo=dt.UTC))
    with pytest.raises(Refused, match="closed"):
        services.submit(app, w.users["applicant"], declarations=DECLARED)
    clock(dt.datetime(2027, 3, 27, 10, 59, 59, tzinfo=dt.UTC))
    assert (
        services.submit(app, w.users["applicant"], declarations=DECLARED).status
        == ApplicationStatus.SUBMITTED
    )


def test_no_application_before_opening_or_after_closing(published, clock):
    w = published
    clock(OPENS - dt.timedelta(seconds=1))
    with pytest.raises(Refused, match="opens at 1 March 2027 at 08:00:00"):
        services.start_application(w.call, w.applicant, w.users["applicant"])
    clock(CLOSES + dt.timedelta(seconds=1))
    with pytest.raises(Refused, match="closed"):
        services.start_application(w.call, w.applicant, w.users["applicant"])


def test_incomplete_submission_says_what_is_missing(published, clock):
    w = published
    clock(DURING)
    app = services.start_application(w.call, w.applicant, w.users["applicant"])
    with pytest.raises(Refused) as refused:
        services.submit(app, w.users["applicant"], declarations=DECLARED)
    for missing in ("title", "summary", "fund", "phase"):
        assert missing in refused.value.message
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT


def test_only_editors_of_the_applicant_apply_and_submit(published, clock):
    w = published
    clock(DURING)
    for who in ("applicant_viewer", "other", "staff", "outsider"):
        with pytest.raises(Forbidden):
            services.start_application(w.call, w.applicant, w.users[who])
    app = fill(services.start_application(w.call, w.applicant, w.users["applicant"]), w)
    for who in ("applicant_viewer", "other", "staff", "chair"):
        with pytest.raises(Forbidden):
            services.submit(app, w.users[who], declarations=DECLARED)


def test_a_stale_draft_form_does_not_overwrite_a_newer_save(published, clock):
    w = published
    clock(DURING)
    app = services.start_application(w.call, w.applicant, w.users["applicant"])
    loaded = app.version
    fill(app, w)
    stale = services.DraftData(title="Stari naslov", summary="")
    with pytest.raises(Refused, match="Reload"):
        services.save_draft(app, w.users["applicant"], stale, version=loaded)
    app.refresh_from_db()
    assert app.title == "Zeleni Zasavje" and app.funds.count() == 1


def test_draft_refuses_a_fund_the_call_does_not_finance(published, clock):
    from regija.projects.models import Fund

    w = published
    clock(DURING)
    app = services.start_application(w.call, w.applicant, w.users["applicant"])
    other_fund = Fund.objects.exclude(pk=w.fund.pk).first()
    data = services.DraftData(title="X", summary="Y", funds=[(other_fund.pk, Decimal("10.00"))])
    with pytest.raises(Refused) as refused:
        services.save_draft(app, w.users["applicant"], data, version=app.version)
    assert refused.value.field == "funds" and refused.value.status == 422


def test_submission_numbers_follow_the_order_and_submit_is_once(submitted, clock):
    w = submitted
    assert [a.number for a in w.apps] == [1, 2]
    assert w.apps[0].reference == "JP6/1"
    clock(DURING)
    with pytest.raises(Refused, match="already submitted"):
        services.submit(w.apps[0], w.users["applicant"], declarations=DECLARED)


def test_withdrawal_before_the_decision_only(submitted):
    w = submitted
    app = services.withdraw_application(w.apps[1], w.users["applicant"], "Premalo sredstev")
    assert app.status == ApplicationStatus.WITHDRAWN
    with pytest.raises(Refused):
        services.withdraw_application(app, w.users["applicant"])


# -------------------------------------------------------------------------------------- evaluation


def test_no_assignment_or_scoring_before_the_call_closes(published, clock):
    w = published
    clock(DURING)
    app = services.submit(
        fill(services.start_application(w.call, w.applicant, w.users["applicant"]), w),
        w.users["applicant"],
        declarations=DECLARED,
    )
    with pytest.raises(Refused, match="when the call closes"):
        services.assign_committee(w.call, w.users["staff"])
    a = AssignmentFactory(application=app, seat=w.seats[1])  # as if assigned before the call closed
    with pytest.raises(Refused, match="when the call closes"):
        services.declare(a, w.users["eval2"], conflict=False)


def test_eligibility_failure_shows_the_reason_and_keeps_it_out_of_the_ranking(submitted):
    w = submitted
    cond = list(w.call.conditions.all())
    services.record_eligibility(
        w.apps[1], w.users["staff"], {cond[0].pk: (False, "sedež v Celju"), cond[1].pk: (True, "")}
    )
    services.record_eligibility(w.apps[0], w.users["staff"], {c.pk: (True, "") for c in cond})
    services.assign_committee(w.call, w.users["staff"])
    assert Assignment.objects.filter(application=w.apps[1]).count() == 0  # not eligible: nobody scores it
    row = next(r for r in selectors.ranking(w.call) if r.application.pk == w.apps[1].pk)
    assert not row.passes and "sedež v Celju" in row.reasons[0]


def test_unmet_condition_needs_a_note_and_every_condition_an_answer(submitted):
    w = submitted
    cond = list(w.call.conditions.all())
    with pytest.raises(Refused):
        services.record_eligibility(w.apps[0], w.users["staff"], {cond[0].pk: (True, "")})
    with pytest.raises(Refused):
        services.record_eligibility(
            w.apps[0], w.users["staff"], {cond[0].pk: (False, ""), cond[1].pk: (True, "")}
        )
    with pytest.raises(Forbidden):
        services.record_eligibility(w.apps[0], w.users["applicant"], {c.pk: (True, "") for c in cond})


# points by evaluator: 80, 70 and 95 for the first application, 40, 40 and 45 for the second
SCORES = [
    {"chair": (35, 25, 20), "eval2": (30, 20, 20), "eval3": (40, 30, 25)},
    {"chair": (20, 10, 10), "eval2": (15, 15, 10), "eval3": (20, 10, 15)},
]


def test_ranking_by_average_with_the_threshold_reason(submitted):
    w = submitted
    evaluate(w, SCORES)
    rows = selectors.ranking(w.call)
    assert [(r.application.pk, r.average, r.rank) for r in rows] == [
        (w.apps[0].pk, Decimal("81.67"), 1),
        (w.apps[1].pk, Decimal("41.67"), None),
    ]
    assert "41.67" in rows[1].reasons[0] and "50" in rows[1].reasons[0]


def test_scores_must_stay_within_the_maximum_and_carry_a_justification(submitted):
    w = submitted
    services.assign_committee(w.call, w.users["staff"])
    a = Assignment.objects.get(application=w.apps[0], seat__user=w.users["eval2"])
    services.declare(a, w.users["eval2"], conflict=False)
    c1, c2, c3 = w.criteria
    with pytest.raises(Refused) as refused:
        services.save_scores(
            a,
            w.users["eval2"],
            {c1.pk: (Decimal("41"), "x"), c2.pk: (Decimal(1), "x"), c3.pk: (Decimal(1), "x")},
            edits=0,
        )
    assert refused.value.field == f"criteria.{c1.pk}.points"
    with pytest.raises(Refused) as refused:
        services.save_scores(
            a,
            w.users["eval2"],
            {c1.pk: (Decimal(1), " "), c2.pk: (Decimal(1), "x"), c3.pk: (Decimal(1), "x")},
            edits=0,
        )
    assert refused.value.field == f"criteria.{c1.pk}.justification"
    assert not ScoreSheet.objects.filter(assignment=a).exists()


def test_scoring_needs_a_declaration_and_a_recused_member_does_not_count(submitted):
    w = submitted
    services.assign_committee(w.call, w.users["staff"])
    a = Assignment.objects.get(application=w.apps[0], seat__user=w.users["eval3"])
    scores = {c.pk: (Decimal(10), "ok") for c in w.criteria}
    with pytest.raises(Refused, match="conflict of interest"):
        services.save_scores(a, w.users["eval3"], scores, edits=0)
    with pytest.raises(Refused):
        services.declare(a, w.users["eval3"], conflict=True, note="")
    services.declare(a, w.users["eval3"], conflict=True, note="Sorodnik prijavitelja")
    with pytest.raises(Refused, match="conflict of interest"):
        services.save_scores(a, w.users["eval3"], scores, edits=0)
    score_all(w, w.apps[0], {"chair": (30, 30, 30), "eval2": (20, 20, 20)})
    services.finalise(w.apps[0], w.users["chair"])
    row = next(r for r in selectors.ranking(w.call) if r.application.pk == w.apps[0].pk)
    assert row.average == Decimal("75.00") and row.scored_by == 2


def test_an_evaluator_only_scores_their_own_assignment(submitted):
    w = submitted
    services.assign_committee(w.call, w.users["staff"])
    a = Assignment.objects.get(application=w.apps[0], seat__user=w.users["eval2"])
    for who in ("eval3", "chair", "staff", "applicant"):
        with pytest.raises(Forbidden):
            services.declare(a, w.users[who], conflict=False)


def test_only_the_chair_finalises_and_only_when_everyone_submitted(submitted):
    w = submitted
    services.assign_committee(w.call, w.users["staff"])
    score_all(w, w.apps[0], {"chair": (30, 30, 30), "eval2": (20, 20, 20)})
    with pytest.raises(Forbidden):
        services.finalise(w.apps[0], w.users["eval2"])
    with pytest.raises(Refused, match="Goran Šoster"):
        services.finalise(w.apps[0], w.users["chair"])


def test_a_finalised_score_is_never_changed_in_place_a_correction_is_a_new_version(submitted):
    w = submitted
    evaluate(w, SCORES)
    a = Assignment.objects.get(application=w.apps[1], seat__user=w.users["eval2"])
    first = a.sheets.get()
    assert first.status == SheetStatus.FINAL and first.total == Decimal("40")
    with pytest.raises(Refused):
        services.save_scores(
            a, w.users["eval2"], {c.pk: (Decimal(30), "x") for c in w.criteria}, edits=first.edits
        )
    first.total = Decimal("99")
    with pytest.raises(FrozenScore):
        first.save()
    with pytest.raises(FrozenScore):
        first.scores.first().save()
    with pytest.raises(Refused, match="reason"):
        services.correct_scores(
            a, w.users["eval2"], {c.pk: (Decimal(30), "x") for c in w.criteria}, reason=" "
        )
    services.correct_scores(
        a,
        w.users["eval2"],
        {c.pk: (Decimal(p), "popravek") for c, p in zip(w.criteria, (40, 30, 30), strict=True)},
        reason="Napaka pri seštevanju",
    )
    services.finalise(w.apps[1], w.users["chair"])
    sheets = list(a.sheets.order_by("version"))
    assert [(s.version, s.total, s.status) for s in sheets] == [
        (1, Decimal("40.00"), "final"),
        (2, Decimal("100.00"), "final"),
    ]
    assert sheets[1].reason == "Napaka pri seštevanju"
    row = next(r for r in selectors.ranking(w.call) if r.application.pk == w.apps[1].pk)
    assert row.average == Decimal("61.67")  # (40 + 100 + 45) / 3: the corrected version counts


# ------------------------------------------------------------------------------ decision, payments


def _decided(w):
    evaluate(w, SCORES)
    (project,) = decide(
        w,
        approve={
            0: (Decimal("45000.00"), services.Instrument("decision", "33110-12/2027", dt.date(2027, 5, 10)))
        },
        reject={1: "Pod pragom točk"},
    )
    return project


def test_approval_creates_the_operation_with_amount_instrument_phases_and_nodes(submitted):
    from regija.projects.models import ProjectStatus

    w = submitted
    project = _decided(w)
    w.call.refresh_from_db()
    assert w.call.status == CallStatus.DECIDED
    assert project.holder == w.applicant and project.status == ProjectStatus.APPROVED
    assert project.code == "JP6-01" and project.strategy.slug == "las-zasavje-2023"
    assert [(b.fund.code, b.amount, b.secured) for b in project.budget_lines.all()] == [
        ("CLLD", Decimal("45000.00"), "yes")
    ]
    assert (project.instrument_kind, project.instrument_number, project.instrument_date) == (
        "decision",
        "33110-12/2027",
        dt.date(2027, 5, 10),
    )
    assert [p.title for p in project.phases.all()] == ["1. faza"]
    assert list(project.nodes.values_list("code", flat=True)) == ["JP"]
    assert list(project.partners.values_list("organisation__slug", flat=True)) == ["zavod-luna"]
    assert w.apps[0].funds.get().approved == Decimal("45000.00")


def test_no_approval_below_the_threshold_above_the_request_or_before_evaluation(submitted):
    w = submitted
    evaluate(w, SCORES)
    inst = services.Instrument("contract", "1/2027", dt.date(2027, 5, 1))
    with pytest.raises(Refused, match="after the evaluation"):
        services.approve(w.apps[0], w.users["staff"], approved={w.fund.pk: Decimal("1.00")}, instrument=inst)
    services.finish_evaluation(w.call, w.users["staff"])
    with pytest.raises(Refused, match="below the threshold"):
        services.approve(w.apps[1], w.users["staff"], approved={w.fund.pk: Decimal("1.00")}, instrument=inst)
    with pytest.raises(Refused, match="exceed"):
        services.approve(
            w.apps[0], w.users["staff"], approved={w.fund.pk: Decimal("50000.01")}, instrument=inst
        )
    with pytest.raises(Forbidden):
        services.approve(w.apps[0], w.users["chair"], approved={w.fund.pk: Decimal("1.00")}, instrument=inst)
    services.approve(w.apps[0], w.users["staff"], approved={w.fund.pk: Decimal("50000.00")}, instrument=inst)
    with pytest.raises(Refused, match="already been decided"):
        services.approve(w.apps[0], w.users["staff"], approved={w.fund.pk: Decimal("1.00")}, instrument=inst)


def test_claims_checked_paid_once_and_never_above_the_approved_amount(submitted):
    from regija.projects.models import PaymentState, ProjectStatus

    w = submitted
    project = _decided(w)
    holder, staff = w.users["applicant"], w.users["staff"]
    with pytest.raises(Forbidden):
        payments.claim_payment(project, staff, fund_id=w.fund.pk, amount=Decimal("1.00"), label="x")
    with pytest.raises(Refused) as refused:
        payments.claim_payment(
            project, holder, fund_id=w.fund.pk, amount=Decimal("45000.01"), label="1. faza"
        )
    assert refused.value.field == "amount"
    claim = payments.claim_payment(
        project, holder, fund_id=w.fund.pk, amount=Decimal("20000.00"), label="1. faza"
    )
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS
    with pytest.raises(Refused, match="after it has been checked"):
        payments.pay_claim(claim, staff)
    with pytest.raises(Forbidden):
        payments.check_claim(claim, holder)
    payments.check_claim(claim, staff)
    paid = payments.pay_claim(claim, staff, date=dt.date(2027, 9, 1))
    assert paid.state == PaymentState.PAID and paid.paid_by == staff
    with pytest.raises(Refused, match="already paid"):
        payments.pay_claim(claim, staff)
    second = payments.claim_payment(
        project, holder, fund_id=w.fund.pk, amount=Decimal("25000.00"), label="2. faza"
    )
    payments.reject_claim(second, staff, reason="Manjkajo računi")
    again = payments.claim_payment(
        project, holder, fund_id=w.fund.pk, amount=Decimal("24000.00"), label="2. faza"
    )
    payments.check_claim(again, staff)
    payments.pay_claim(again, staff, date=dt.date(2028, 2, 29))
    done = payments.complete_project(project, staff)
    assert done.status == ProjectStatus.COMPLETED
    assert payments.sustainability_end(done, dt.date(2028, 2, 29)) == dt.date(2033, 2, 28)


def test_withdrawal_keeps_the_reason(submitted):
    from regija.projects.models import ProjectStatus

    w = submitted
    project = _decided(w)
    with pytest.raises(Refused, match="reason") as refused:
        payments.withdraw_project(project, w.users["staff"], reason="")
    assert refused.value.field == "reason"
    with pytest.raises(Forbidden):
        payments.withdraw_project(project, w.users["other"], reason="x")
    # the holder steps back by asking the programme: withdrawing is an outcome, programme staff only
    with pytest.raises(Forbidden, match="Only staff of the programme withdraw"):
        payments.withdraw_project(project, w.users["applicant"], reason="Investicija ni izvedljiva")
    p = payments.withdraw_project(
        project, w.users["staff"], reason="Investicija ni izvedljiva", on=dt.date(2027, 8, 1)
    )
    assert (p.status, p.withdrawal_reason, p.withdrawn_on) == (
        ProjectStatus.WITHDRAWN,
        "Investicija ni izvedljiva",
        dt.date(2027, 8, 1),
    )
    with pytest.raises(Refused):
        payments.claim_payment(p, w.users["applicant"], fund_id=w.fund.pk, amount=Decimal("1.00"), label="x")


def test_every_state_change_score_and_payment_is_in_the_audit_log(submitted):
    from regija.core.audit import history
    from regija.core.models import AuditEntry

    w = submitted
    project = _decided(w)
    app_history = list(history(w.apps[0]))
    changed = {tuple(e.changes.get("status", [None, None])) for e in app_history}
    assert ("submitted", "approved") in changed
    assert sum(1 for e in app_history if e.content_type.model == "score") == 9  # 3 members × 3 criteria
    assert any(
        e.content_type.model == "scoresheet" and e.changes.get("status", [None, ""])[1] == "final"
        for e in app_history
    )
    call_entries = AuditEntry.objects.filter(content_type__model="call", object_id=str(w.call.pk))
    assert {tuple(e.changes["status"]) for e in call_entries if "status" in e.changes} == {
        (None, "draft"),
        ("draft", "published"),
        ("published", "evaluated"),
        ("evaluated", "decided"),
    }
    claim = payments.claim_payment(
        project, w.users["applicant"], fund_id=w.fund.pk, amount=Decimal("100.00"), label="1. faza"
    )
    payments.check_claim(claim, w.users["staff"])
    payments.pay_claim(claim, w.users["staff"])
    pay_history = [e for e in history(project) if e.content_type.model == "payment"]
    assert len(pay_history) == 3  # claimed, checked, paid
