"""The workflow of a public call: every state change goes through a function here.

Each function checks who is acting and whether the step is allowed now, does the change in one
transaction with the rows it depends on locked, and raises ``Refused`` with a message for the user
when it is not allowed. Views, the API and tests call these functions; nothing else writes a status.

Time is the server's: ``timezone.now()`` when the request is handled, compared with the call's
opening and closing time (stored in UTC, shown in Europe/Ljubljana). The closing second itself still
counts; one second later a submission is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from regija.core.models import Organisation, Role
from regija.core.permissions import can, org_ids_with
from regija.projects.models import (
    BudgetLine,
    Partner,
    Payment,
    PaymentState,
    Project,
    ProjectPhase,
    ProjectStatus,
    Secured,
)

from .models import (
    Application,
    ApplicationFund,
    ApplicationPartner,
    ApplicationPhase,
    ApplicationStatus,
    Assignment,
    Call,
    CallState,
    CallStatus,
    Criterion,
    Declaration,
    EligibilityCheck,
    Score,
    ScoreSheet,
    SeatRole,
    SheetStatus,
)


class Refused(Exception):
    """A step that is not allowed: the message says why, in the user's language."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 409):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status  # 403 when it is about who acts, 409 when about the state, 422 about the data


class Forbidden(Refused):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("You may not do this."), status=403)


def _now() -> dt.datetime:
    return timezone.now()


def local(moment: dt.datetime | None) -> str:
    """A moment as people in Slovenia read it: 15. 3. 2027 12:00:00 (Europe/Ljubljana)."""
    if moment is None:
        return "–"
    return timezone.localtime(moment).strftime("%-d. %-m. %Y %H:%M:%S")


# --------------------------------------------------------------------------------------------- who


def _member_role_at_least(user, organisation_id: int, minimum: str) -> bool:
    ids = org_ids_with(user, minimum)
    return ids is None or organisation_id in ids


def may_manage_call(user, call: Call) -> bool:
    """Editors and admins of the organisation running the call (and superusers)."""
    return _member_role_at_least(user, call.organisation_id, Role.EDITOR)


def may_see_call_staff(user, call: Call) -> bool:
    return _member_role_at_least(user, call.organisation_id, Role.VIEWER)


def may_edit_application(user, application: Application) -> bool:
    return _member_role_at_least(user, application.applicant_id, Role.EDITOR)


def seat_of(user, call: Call):
    if not getattr(user, "is_authenticated", False):
        return None
    return call.seats.filter(user=user).first()


def _require(condition: bool, message: str | None = None) -> None:
    if not condition:
        raise Forbidden(message)


# ------------------------------------------------------------------------------------------- calls


def publish(call: Call, user) -> Call:
    """Draft → published. A call needs its dates, criteria, threshold and committee before anyone can apply."""
    _require(may_manage_call(user, call))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.status != CallStatus.DRAFT:
            raise Refused(
                _("Only a draft call can be published; this one is %(state)s.")
                % {"state": call.get_state_display()}
            )
        missing = []
        if not call.opens_at or not call.closes_at:
            missing.append(_("the opening and closing time"))
        if call.strategy_id is None:
            missing.append(_("the strategy whose operations it selects"))
        criteria = list(call.criteria.all())
        if not criteria:
            missing.append(_("at least one scoring criterion"))
        if not call.seats.exists():
            missing.append(_("the evaluation committee"))
        elif not call.seats.filter(role=SeatRole.CHAIR).exists():
            missing.append(_("the chair of the evaluation committee"))
        if missing:
            raise Refused(
                _("The call cannot be published yet. It still needs: %(missing)s.")
                % {"missing": "; ".join(missing)}
            )
        total = sum((c.max_points for c in criteria), Decimal("0"))
        if call.pass_threshold > total:
            raise Refused(
                _(
                    "The pass threshold (%(threshold)s points) is above the most points the criteria give (%(total)s)."
                )
                % {"threshold": call.pass_threshold, "total": total}
            )
        if call.closes_at <= _now():
            raise Refused(
                _("The closing time %(closes)s has already passed.") % {"closes": local(call.closes_at)}
            )
        call.status = CallStatus.PUBLISHED
        if call.published_on is None:
            call.published_on = timezone.localdate()
        call.save()
    return call


def unpublish(call: Call, user) -> Call:
    """Published → draft, only before the call opens (nobody can have applied yet)."""
    _require(may_manage_call(user, call))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.state_at(_now()) != CallState.PUBLISHED:
            raise Refused(_("A call can be taken back to draft only before it opens."))
        call.status = CallStatus.DRAFT
        call.save()
    return call


def finish_evaluation(call: Call, user) -> Call:
    """Closed → evaluated: every submitted application checked for eligibility and fully scored."""
    _require(may_manage_call(user, call) or _is_chair(user, call))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.state_at(_now()) != CallState.CLOSED:
            raise Refused(
                _("Evaluation can be finished only after the call closes and before it is finished.")
            )
        problems = evaluation_gaps(call)
        if problems:
            raise Refused(
                _("The evaluation is not complete: %(problems)s") % {"problems": " ".join(problems)}
            )
        call.status = CallStatus.EVALUATED
        call.save()
    return call


def mark_decided(call: Call, user) -> Call:
    _require(may_manage_call(user, call))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.status != CallStatus.EVALUATED:
            raise Refused(_("Decisions are recorded after the evaluation is finished."))
        open_ = call.applications.filter(status=ApplicationStatus.SUBMITTED).count()
        if open_:
            raise Refused(
                _("%(n)s application(s) still have no decision (approve or reject each).") % {"n": open_}
            )
        call.status = CallStatus.DECIDED
        call.save()
    return call


def archive(call: Call, user) -> Call:
    _require(may_manage_call(user, call))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.status != CallStatus.DECIDED:
            raise Refused(_("Only a decided call can be archived."))
        call.status = CallStatus.ARCHIVED
        call.save()
    return call


# ------------------------------------------------------------------------------------ applications


def start_application(call: Call, applicant: Organisation, user, title: str = "") -> Application:
    _require(
        _member_role_at_least(user, applicant.pk, Role.EDITOR),
        _("Only an editor or administrator of %(org)s can apply on its behalf.") % {"org": applicant},
    )
    if not call.accepts_at(_now()):
        raise Refused(_not_open_message(call))
    return Application.objects.create(
        call=call,
        applicant=applicant,
        title=title or _("New application"),
        created_by=user,
        status=ApplicationStatus.DRAFT,
    )


def _not_open_message(call: Call) -> str:
    state = call.state_at(_now())
    if state == CallState.PUBLISHED:
        return _("The call opens at %(opens)s.") % {"opens": local(call.opens_at)}
    if state == CallState.DRAFT:
        return _("The call is not published.")
    return _(
        "The call closed at %(closes)s (server time now: %(now)s); applications are no longer accepted."
    ) % {
        "closes": local(call.closes_at),
        "now": local(_now()),
    }


@dataclass
class DraftData:
    title: str
    summary: str
    funds: list[tuple[int, Decimal]] = field(default_factory=list)  # (fund id, requested)
    partners: list[dict] = field(default_factory=list)  # {organisation, name, role}
    phases: list[dict] = field(default_factory=list)  # {title, start, end, amount}


def save_draft(application: Application, user, data: DraftData, *, version: int) -> Application:
    """Replace the draft's content; ``version`` is the one the user loaded, so a stale form can't overwrite a newer save."""
    _require(may_edit_application(user, application))
    with transaction.atomic():
        app = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        if app.status != ApplicationStatus.DRAFT:
            raise Refused(_("The application has been submitted and can no longer be changed."))
        if not app.call.accepts_at(_now()):
            raise Refused(_not_open_message(app.call))
        if app.version != version:
            raise Refused(
                _(
                    "Someone saved this application after you opened it (at %(when)s). Reload it, then make your changes again."
                )
                % {"when": local(app.updated_at)}
            )
        allowed_funds = set(app.call.funds.values_list("fund_id", flat=True))
        seen = set()
        for fund_id, amount in data.funds:
            if allowed_funds and fund_id not in allowed_funds:
                raise Refused(
                    _("This call does not finance from the chosen fund."), field="funds", status=422
                )
            if fund_id in seen:
                raise Refused(_("Each fund may appear once."), field="funds", status=422)
            if amount is None or amount <= 0:
                raise Refused(_("A requested amount must be more than 0."), field="funds", status=422)
            seen.add(fund_id)
        app.title = data.title.strip() or app.title
        app.summary = data.summary.strip()
        app.version += 1
        app.updated_at = _now()
        app.save()
        app.funds.all().delete()
        ApplicationFund.objects.bulk_create(
            ApplicationFund(application=app, fund_id=fid, requested=amount) for fid, amount in data.funds
        )
        app.partners.all().delete()
        ApplicationPartner.objects.bulk_create(
            ApplicationPartner(application=app, order=i, **p) for i, p in enumerate(data.partners)
        )
        app.phases.all().delete()
        ApplicationPhase.objects.bulk_create(
            ApplicationPhase(application=app, order=i, **p) for i, p in enumerate(data.phases)
        )
    return app


def missing_for_submission(app: Application) -> list[str]:
    missing = []
    if not app.title.strip() or app.title == _("New application"):
        missing.append(_("a project title"))
    if not app.summary.strip():
        missing.append(_("a summary"))
    if not app.funds.exists():
        missing.append(_("the amount requested from at least one fund"))
    if not app.phases.exists():
        missing.append(_("at least one planned phase"))
    return missing


def submit(application: Application, user) -> Application:
    """Draft → submitted, before the deadline by the server's clock and only when complete."""
    _require(may_edit_application(user, application))
    with transaction.atomic():
        # the call row is locked so that numbers are handed out one at a time
        call = Call.objects.select_for_update().get(pk=application.call_id)
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status != ApplicationStatus.DRAFT:
            raise Refused(
                _("The application was already submitted at %(when)s.") % {"when": local(app.submitted_at)}
            )
        moment = _now()
        if not call.accepts_at(moment):
            raise Refused(_not_open_message(call))
        missing = missing_for_submission(app)
        if missing:
            raise Refused(
                _("The application is incomplete and was not submitted. Missing: %(missing)s.")
                % {"missing": "; ".join(missing)},
                status=422,
            )
        last = Application.objects.filter(call=call).aggregate(n=Max("number"))["n"] or 0
        app.number = last + 1
        app.status = ApplicationStatus.SUBMITTED
        app.submitted_at = moment
        app.submitted_by = user
        app.save()
    return app


def withdraw_application(application: Application, user, reason: str = "") -> Application:
    _require(may_edit_application(user, application))
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status not in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED):
            raise Refused(_("A decided application cannot be withdrawn; withdraw the operation instead."))
        app.status = ApplicationStatus.WITHDRAWN
        app.decision_reason = reason.strip()
        app.save()
    return app


# -------------------------------------------------------------------------------------- evaluation


def _is_chair(user, call: Call) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and call.seats.filter(user=user, role=SeatRole.CHAIR).exists()
    )


def _require_closed(call: Call) -> None:
    if call.state_at(_now()) != CallState.CLOSED:
        if call.state_at(_now()) in (CallState.DRAFT, CallState.PUBLISHED, CallState.OPEN):
            raise Refused(
                _("Evaluation starts when the call closes (%(closes)s).") % {"closes": local(call.closes_at)}
            )
        raise Refused(_("The evaluation of this call is finished."))


def record_eligibility(application: Application, user, results: dict[int, tuple[bool, str]]) -> Application:
    """The administrative check: each condition met or not (with a note). Any unmet condition makes the application ineligible."""
    call = application.call
    _require(may_manage_call(user, call) or _is_chair(user, call))
    _require_closed(call)
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.INELIGIBLE):
            raise Refused(_("Only submitted applications are checked."))
        conditions = {c.pk: c for c in call.conditions.all()}
        if set(results) != set(conditions):
            raise Refused(_("Answer every eligibility condition."), field="conditions", status=422)
        failed = []
        for cid, (met, note) in results.items():
            if not met and not note.strip():
                raise Refused(_("Say why a condition is not met."), field=f"conditions.{cid}", status=422)
            EligibilityCheck.objects.update_or_create(
                application=app,
                condition_id=cid,
                defaults={"met": met, "note": note.strip(), "checked_by": user, "checked_at": _now()},
            )
            if not met:
                failed.append(f"{conditions[cid].text} ({note.strip()})")
        app.eligibility_checked_at = _now()
        if failed:
            app.status = ApplicationStatus.INELIGIBLE
            app.decision_reason = _("Not eligible: %(conditions)s") % {"conditions": "; ".join(failed)}
        else:
            app.status = ApplicationStatus.SUBMITTED
            app.decision_reason = ""
        app.save()
    return app


def assign_committee(call: Call, user) -> int:
    """Give every eligible application to every committee member (as LAS committees score). Idempotent."""
    _require(may_manage_call(user, call) or _is_chair(user, call))
    _require_closed(call)
    seats = list(call.seats.all())
    apps = list(call.applications.filter(status=ApplicationStatus.SUBMITTED))
    existing = set(Assignment.objects.filter(application__call=call).values_list("application_id", "seat_id"))
    new = [Assignment(application=a, seat=s) for a in apps for s in seats if (a.pk, s.pk) not in existing]
    with transaction.atomic():
        for a in new:
            a.save()  # one by one so that each assignment is in the audit log
    return len(new)


def declare(assignment: Assignment, user, *, conflict: bool, note: str = "") -> Assignment:
    call = assignment.application.call
    _require(
        assignment.seat.user_id == getattr(user, "pk", None),
        _("Only the committee member it is assigned to can declare."),
    )
    _require_closed(call)
    with transaction.atomic():
        a = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if a.sheets.exists():
            raise Refused(_("The declaration was made and scoring has started; it cannot be changed."))
        if conflict and not note.strip():
            raise Refused(_("Say what the conflict of interest is."), field="note", status=422)
        a.declaration = Declaration.RECUSED if conflict else Declaration.NO_CONFLICT
        a.declaration_note = note.strip()
        a.declared_at = _now()
        a.save()
    return a


def _validate_scores(call: Call, scores: dict[int, tuple[Decimal, str]]) -> list[Criterion]:
    criteria = list(call.criteria.all())
    for c in criteria:
        if c.pk not in scores:
            raise Refused(
                _("Score every criterion (“%(name)s” is missing).") % {"name": c.name},
                field=f"criteria.{c.pk}",
                status=422,
            )
        points, justification = scores[c.pk]
        if points is None or points < 0 or points > c.max_points:
            raise Refused(
                _("“%(name)s”: points must be between 0 and %(max)s.")
                % {"name": c.name, "max": c.max_points},
                field=f"criteria.{c.pk}.points",
                status=422,
            )
        if not justification.strip():
            raise Refused(
                _("“%(name)s”: give a justification.") % {"name": c.name},
                field=f"criteria.{c.pk}.justification",
                status=422,
            )
    extra = set(scores) - {c.pk for c in criteria}
    if extra:
        raise Refused(_("Scores for criteria of another call."), field="criteria", status=422)
    return criteria


def save_scores(
    assignment: Assignment, user, scores: dict[int, tuple[Decimal, str]], *, edits: int
) -> ScoreSheet:
    """Write the evaluator's current draft sheet. ``edits`` is the sheet's edit count the form was loaded with."""
    call = assignment.application.call
    _require(
        assignment.seat.user_id == getattr(user, "pk", None),
        _("Only the committee member it is assigned to can score."),
    )
    _require_closed(call)
    _validate_scores(call, scores)
    with transaction.atomic():
        a = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if a.declaration != Declaration.NO_CONFLICT:
            raise Refused(_("Declare that you have no conflict of interest before scoring."))
        sheet = a.sheets.select_for_update().order_by("-version").first()
        if sheet is None:
            sheet = ScoreSheet.objects.create(assignment=a, version=1, created_by=user)
        elif sheet.status != SheetStatus.DRAFT:
            raise Refused(_("These scores were submitted; a change is a correction with a reason."))
        if sheet.edits != edits:
            raise Refused(
                _(
                    "These scores were saved elsewhere after you opened them. Reload the page and enter your changes again."
                )
            )
        _write_scores(sheet, scores)
        sheet.edits += 1
        sheet.updated_at = _now()
        sheet.save()
    return sheet


def _write_scores(sheet: ScoreSheet, scores) -> None:
    sheet.scores.all().delete()
    for cid, (points, justification) in scores.items():
        Score.objects.create(
            sheet=sheet, criterion_id=cid, points=points, justification=justification.strip()
        )
    sheet.total = sum((p for p, _j in scores.values()), Decimal("0"))


def submit_scores(assignment: Assignment, user) -> ScoreSheet:
    _require(assignment.seat.user_id == getattr(user, "pk", None))
    _require_closed(assignment.application.call)
    with transaction.atomic():
        sheet = (
            ScoreSheet.objects.select_for_update().filter(assignment=assignment).order_by("-version").first()
        )
        if sheet is None or sheet.status != SheetStatus.DRAFT:
            raise Refused(_("There is no draft to submit."))
        if sheet.scores.count() != assignment.application.call.criteria.count():
            raise Refused(_("Score every criterion before submitting."), status=422)
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = _now()
        sheet.save()
    return sheet


def correct_scores(assignment: Assignment, user, scores, *, reason: str) -> ScoreSheet:
    """A new version of submitted or finalised scores, with its reason; the previous version stays as it was."""
    call = assignment.application.call
    _require(assignment.seat.user_id == getattr(user, "pk", None) or _is_chair(user, call))
    _require_closed(call)
    if not reason.strip():
        raise Refused(_("A correction needs its reason."), field="reason", status=422)
    _validate_scores(call, scores)
    with transaction.atomic():
        a = Assignment.objects.select_for_update().get(pk=assignment.pk)
        last = a.sheets.order_by("-version").first()
        if last is None or last.status == SheetStatus.DRAFT:
            raise Refused(_("Only submitted scores are corrected; a draft is simply saved again."))
        sheet = ScoreSheet.objects.create(
            assignment=a,
            version=last.version + 1,
            reason=reason.strip(),
            created_by=user,
            status=SheetStatus.DRAFT,
        )
        _write_scores(sheet, scores)
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = _now()
        sheet.save()
    return sheet


def finalise(application: Application, user) -> int:
    """The chair freezes every submitted sheet of the application. Returns how many were finalised."""
    call = application.call
    _require(_is_chair(user, call), _("Only the chair of the committee finalises scores."))
    _require_closed(call)
    with transaction.atomic():
        assignments = list(Assignment.objects.select_for_update().filter(application=application))
        pending = [a for a in assignments if a.declaration == Declaration.PENDING]
        if pending:
            raise Refused(
                _("Not every member has declared on conflicts of interest: %(names)s.")
                % {"names": ", ".join(a.seat.name for a in pending)}
            )
        n = 0
        for a in assignments:
            if a.declaration == Declaration.RECUSED:
                continue
            last = a.sheets.select_for_update().order_by("-version").first()
            if last is None or last.status == SheetStatus.DRAFT:
                raise Refused(_("%(name)s has not submitted scores yet.") % {"name": a.seat.name})
            if last.status == SheetStatus.SUBMITTED:
                # the last write of this sheet: from now on ScoreSheet.save() refuses every change
                last.status = SheetStatus.FINAL
                last.finalised_at = _now()
                last.finalised_by = user
                last.save()
                n += 1
        if not any(a.declaration == Declaration.NO_CONFLICT for a in assignments):
            raise Refused(
                _("No committee member without a conflict of interest has scored this application.")
            )
    return n


@dataclass
class Ranked:
    application: Application
    average: Decimal | None
    scored_by: int
    passes: bool
    reasons: list[str]
    rank: int | None = None


def ranking(call: Call) -> list[Ranked]:
    """Applications by average score (of each member's latest finalised sheet), best first; the reasons for those out."""
    apps = list(
        call.applications.exclude(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
        .select_related("applicant")
        .order_by("submitted_at", "pk")
    )
    from .selectors import average_scores  # the same averages as the public results

    averages = average_scores([a.pk for a in apps])
    rows = []
    for app in apps:
        average, scored_by = averages.get(app.pk, (None, 0))
        reasons = []
        if app.status == ApplicationStatus.INELIGIBLE:
            reasons.append(app.decision_reason or _("not eligible"))
        elif average is None:
            reasons.append(_("not scored yet"))
        elif average < call.pass_threshold:
            reasons.append(
                _("average %(avg)s points is below the threshold of %(threshold)s")
                % {"avg": average, "threshold": call.pass_threshold}
            )
        rows.append(Ranked(app, average, scored_by, passes=not reasons, reasons=reasons))
    rows.sort(key=lambda r: (not r.passes, -(r.average or Decimal("-1"))))
    for i, r in enumerate((r for r in rows if r.passes), start=1):
        r.rank = i
    return rows


def evaluation_gaps(call: Call, rows: list[Ranked] | None = None) -> list[str]:
    """What stands between a closed call and a finished evaluation; ``rows`` is its ranking when already computed."""
    gaps = []
    apps = list(call.applications.filter(status=ApplicationStatus.SUBMITTED))
    has_conditions = call.conditions.exists()
    unchecked = [a for a in apps if a.eligibility_checked_at is None and has_conditions]
    if unchecked:
        gaps.append(_("%(n)s application(s) not checked for eligibility.") % {"n": len(unchecked)})
    for row in ranking(call) if rows is None else rows:
        if row.application.status == ApplicationStatus.SUBMITTED and row.average is None:
            gaps.append(_("“%(title)s” has no finalised scores.") % {"title": row.application.title})
    return gaps


# ------------------------------------------------------------------------------------- decisions


@dataclass
class Instrument:
    kind: str
    number: str
    date: dt.date


def approve(
    application: Application, user, *, approved: dict[int, Decimal], instrument: Instrument
) -> Project:
    """Evaluated call, passing application → approved, and its operation (project) is created."""
    call = Call.objects.get(pk=application.call_id)  # the stored status, not a copy loaded earlier
    _require(may_manage_call(user, call))
    if call.status != CallStatus.EVALUATED:
        raise Refused(_("Applications are approved after the evaluation is finished."))
    row = next((r for r in ranking(call) if r.application.pk == application.pk), None)
    if row is None or not row.passes:
        reason = "; ".join(row.reasons) if row else _("it was not submitted")
        raise Refused(_("This application cannot be approved: %(reason)s.") % {"reason": reason})
    if not instrument.number.strip() or instrument.date is None:
        raise Refused(
            _("Give the number and date of the decision or contract."), field="instrument", status=422
        )
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status != ApplicationStatus.SUBMITTED:
            raise Refused(
                _("This application has already been decided (%(status)s).")
                % {"status": app.get_status_display()}
            )
        requested = {f.fund_id: f for f in app.funds.all()}
        for fund_id, amount in approved.items():
            if fund_id not in requested:
                raise Refused(_("Approve only funds the application asks for."), field="approved", status=422)
            if amount < 0 or amount > requested[fund_id].requested:
                raise Refused(
                    _("The approved amount may not exceed the requested %(requested)s.")
                    % {"requested": requested[fund_id].requested},
                    field=f"approved.{fund_id}",
                    status=422,
                )
        if not any(a > 0 for a in approved.values()):
            raise Refused(
                _("Approve a positive amount from at least one fund."), field="approved", status=422
            )
        project = _create_project(app, approved, instrument)
        for fund_id, line in requested.items():
            line.approved = approved.get(fund_id, Decimal("0"))
            line.save()
        app.status = ApplicationStatus.APPROVED
        app.decided_at = _now()
        app.instrument_kind, app.instrument_number, app.instrument_date = (
            instrument.kind,
            instrument.number.strip(),
            instrument.date,
        )
        app.project = project
        app.save()
    return project


def _create_project(app: Application, approved: dict[int, Decimal], instrument: Instrument) -> Project:
    call = app.call
    strategy = call.strategy
    base = f"{call.number}-{app.number:02d}" if app.number else f"{call.number}-{app.pk}"
    code, n = base, 1
    while Project.objects.filter(strategy=strategy, code=code).exists():
        n += 1
        code = f"{base}-{n}"
    order = (Project.objects.filter(strategy=strategy).aggregate(m=Max("order"))["m"] or 0) + 1
    try:
        project = Project.objects.create(
            strategy=strategy,
            code=code,
            title=app.title,
            description=app.summary,
            holder=app.applicant,
            status=ProjectStatus.APPROVED,
            instrument_kind=instrument.kind,
            instrument_number=instrument.number.strip(),
            instrument_date=instrument.date,
            instrument_issuer=str(call.organisation),
            sustainability_years=call.sustainability_years,
            source=_("Call %(number)s, application %(ref)s") % {"number": call.number, "ref": app.reference},
            order=order,
        )
    except IntegrityError:  # pragma: no cover - a concurrent approval took the code
        raise Refused(_("Another approval was saved at the same moment; try again.")) from None
    project.nodes.set(call.nodes.all())
    for i, (fund_id, amount) in enumerate(sorted(approved.items())):
        if amount > 0:
            BudgetLine.objects.create(
                project=project, fund_id=fund_id, amount=amount, secured=Secured.YES, order=i
            )
    for i, phase in enumerate(app.phases.all()):
        ProjectPhase.objects.create(
            project=project, order=i, title=phase.title, start=phase.start, end=phase.end, amount=phase.amount
        )
    for i, partner in enumerate(app.partners.filter(organisation__isnull=False)):
        Partner.objects.get_or_create(
            project=project, organisation_id=partner.organisation_id, defaults={"order": i, "role": "partner"}
        )
    return project


def reject(application: Application, user, *, reason: str) -> Application:
    call = Call.objects.get(pk=application.call_id)  # the stored status, not a copy loaded earlier
    _require(may_manage_call(user, call))
    if call.status != CallStatus.EVALUATED:
        raise Refused(_("Applications are decided after the evaluation is finished."))
    if not reason.strip():
        raise Refused(_("Give the reason for the rejection."), field="reason", status=422)
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status != ApplicationStatus.SUBMITTED:
            raise Refused(
                _("This application has already been decided (%(status)s).")
                % {"status": app.get_status_display()}
            )
        app.status = ApplicationStatus.REJECTED
        app.decision_reason = reason.strip()
        app.decided_at = _now()
        app.save()
    return app


# --------------------------------------------------------------------------- implementation: money


def _require_holder(user, project: Project) -> None:
    _require(
        project.holder_id is not None and _member_role_at_least(user, project.holder_id, Role.EDITOR),
        _("Only an editor of the operation's holder can submit payment claims."),
    )


def _require_programme_staff(user, project: Project) -> None:
    from regija.strategies.selectors import owner_ids

    owners = owner_ids(project.strategy_id)
    allowed = org_ids_with(user, Role.EDITOR)
    _require(
        allowed is None or bool(allowed & owners), _("Only staff of the programme check and pay claims.")
    )


def claim_payment(
    project: Project, user, *, fund_id: int, amount: Decimal, label: str, phase_id: int | None = None
) -> Payment:
    _require_holder(user, project)
    with transaction.atomic():
        p = Project.objects.select_for_update().get(pk=project.pk)
        if p.status not in (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS):
            raise Refused(
                _("Claims are made for an approved operation in progress; this one is %(status)s.")
                % {"status": p.get_status_display()}
            )
        if amount is None or amount <= 0:
            raise Refused(_("A claim is for more than 0 €."), field="amount", status=422)
        line = p.budget_lines.filter(fund_id=fund_id).aggregate(s=Sum("amount"))["s"]
        if line is None:
            raise Refused(_("The operation has no approved money from this fund."), field="fund", status=422)
        used = (
            p.payments.filter(fund_id=fund_id, state__in=[PaymentState.CLAIMED, PaymentState.PAID]).aggregate(
                s=Sum("amount")
            )["s"]
            or 0
        )
        if used + amount > line:
            raise Refused(
                _("Claims would total %(total)s, more than the approved %(approved)s.")
                % {"total": used + amount, "approved": line},
                field="amount",
                status=422,
            )
        if phase_id is not None and not p.phases.filter(pk=phase_id).exists():
            raise Refused(_("No such phase in this operation."), field="phase", status=422)
        order = (p.payments.aggregate(m=Max("order"))["m"] or 0) + 1
        payment = Payment.objects.create(
            project=p,
            fund_id=fund_id,
            label=label.strip() or _("claim %(n)s") % {"n": order},
            amount=amount,
            state=PaymentState.CLAIMED,
            date=timezone.localdate(),
            claimed_at=_now(),
            claimed_by=user,
            phase_id=phase_id,
            order=order,
        )
        if p.status == ProjectStatus.APPROVED:
            p.status = ProjectStatus.IN_PROGRESS
            p.save()
    return payment


def check_claim(payment: Payment, user) -> Payment:
    _require_programme_staff(user, payment.project)
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=payment.pk)
        if p.state != PaymentState.CLAIMED or p.checked_at is not None:
            raise Refused(_("Only a claim waiting for its check can be checked."))
        p.checked_at = _now()
        p.checked_by = user
        p.save()
    return p


def pay_claim(payment: Payment, user, *, date: dt.date | None = None) -> Payment:
    """Checked claim → paid. Locked and re-read inside the transaction: a second, concurrent 'paid' is refused."""
    _require_programme_staff(user, payment.project)
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=payment.pk)
        if p.state == PaymentState.PAID:
            raise Refused(
                _("This claim was already paid on %(date)s.")
                % {"date": formats.date_format(p.date, "j. n. Y")}
            )
        if p.state != PaymentState.CLAIMED or p.checked_at is None:
            raise Refused(_("A claim is paid after it has been checked."))
        p.state = PaymentState.PAID
        p.date = date or timezone.localdate()
        p.paid_by = user
        p.save()
    return p


def reject_claim(payment: Payment, user, *, reason: str) -> Payment:
    _require_programme_staff(user, payment.project)
    if not reason.strip():
        raise Refused(_("Give the reason for the rejection."), field="reason", status=422)
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=payment.pk)
        if p.state != PaymentState.CLAIMED:
            raise Refused(_("Only an unpaid claim can be rejected."))
        p.state = PaymentState.REJECTED
        p.note = reason.strip()
        p.save()
    return p


def complete_project(project: Project, user) -> Project:
    _require_programme_staff(user, project)
    with transaction.atomic():
        p = Project.objects.select_for_update().get(pk=project.pk)
        if p.status not in (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS):
            raise Refused(_("Only an operation in progress can be completed."))
        if p.payments.filter(state=PaymentState.CLAIMED).exists():
            raise Refused(_("Open claims must be paid or rejected first."))
        if not p.payments.filter(state=PaymentState.PAID).exists():
            raise Refused(_("An operation is completed after its final payment."))
        p.status = ProjectStatus.COMPLETED
        p.save()
    return p


def withdraw_project(project: Project, user, *, reason: str, on: dt.date | None = None) -> Project:
    """The holder steps back (odstop) or the programme withdraws the operation; the reason is kept and shown."""
    holder_ok = project.holder_id is not None and _member_role_at_least(user, project.holder_id, Role.EDITOR)
    _require(holder_ok or can(user, "change", project))
    if not reason.strip():
        raise Refused(_("Give the reason for the withdrawal."), field="reason", status=422)
    with transaction.atomic():
        p = Project.objects.select_for_update().get(pk=project.pk)
        if p.status in (ProjectStatus.COMPLETED, ProjectStatus.WITHDRAWN):
            raise Refused(
                _("A %(status)s operation cannot be withdrawn.") % {"status": p.get_status_display()}
            )
        if p.payments.filter(state=PaymentState.CLAIMED).exists():
            raise Refused(_("Open claims must be paid or rejected first."))
        p.status = ProjectStatus.WITHDRAWN
        p.withdrawal_reason = reason.strip()
        p.withdrawn_on = on or timezone.localdate()
        p.save()
    return p


def final_payment_date(payments) -> dt.date | None:
    """The date of the last paid claim among ``payments`` (already loaded), or None."""
    return max((p.date for p in payments if p.state == PaymentState.PAID and p.date), default=None)


def sustainability_end(project: Project, final_payment: dt.date | None) -> dt.date | None:
    """The end of the sustainability period: N years after the final payment (the last paid claim)."""
    if final_payment is None or project.status != ProjectStatus.COMPLETED:
        return None
    years = project.sustainability_years
    try:
        return final_payment.replace(year=final_payment.year + years)
    except ValueError:  # 29 February
        return final_payment.replace(year=final_payment.year + years, day=28)
