"""The evaluation after a call closes: eligibility checks, the committee's assignments and declarations,
scores saved, submitted, corrected and finalised by the chair, and what still stands in the way.

A score sheet is written only by its own evaluator – never by the chair, nor by the call's staff. The
chair finalises submitted sheets, or returns one for correction with a reason (``return_scores``); the
evaluator then writes the corrected version (``correct_scores``), which the chair finalises again.

The ranking these scores give is a read: ``calls.selectors.ranking``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regija.notify.services import notify

from ..models import (
    Application,
    ApplicationStatus,
    Assignment,
    Call,
    CallState,
    Criterion,
    Declaration,
    EligibilityCheck,
    Score,
    ScoreSheet,
    SheetReturn,
    SheetStatus,
)
from ..selectors import Ranked, ranking
from .access import is_chair, may_manage_call
from .common import Refused, local, now, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _require_closed(call: Call) -> None:
    """Refuse unless the call is closed and its evaluation not finished."""
    if call.state_at(now()) != CallState.CLOSED:
        if call.state_at(now()) in (CallState.DRAFT, CallState.PUBLISHED, CallState.OPEN):
            raise Refused(
                _("Evaluation starts when the call closes (%(closes)s).") % {"closes": local(call.closes_at)}
            )
        raise Refused(_("The evaluation of this call is finished."))


def record_eligibility(
    application: Application, user: User, results: dict[int, tuple[bool, str]]
) -> Application:
    """The administrative check: each condition met or not (with a note). Any unmet condition makes the
    application ineligible."""
    call = application.call
    require(may_manage_call(user, call) or is_chair(user, call))
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
                defaults={"met": met, "note": note.strip(), "checked_by": user, "checked_at": now()},
            )
            if not met:
                failed.append(f"{conditions[cid].text} ({note.strip()})")
        app.eligibility_checked_at = now()
        if failed:
            app.status = ApplicationStatus.INELIGIBLE
            app.decision_reason = _("Not eligible: %(conditions)s") % {"conditions": "; ".join(failed)}
            notify(
                app.applicant,
                "application_ineligible",
                title=gettext_lazy("Application %(number)s does not meet the conditions"),
                body=gettext_lazy(
                    "The check of your application “%(title)s” found conditions not met or documents "
                    "missing: %(conditions)s. Contact the call's staff."
                ),
                context={"number": app.reference, "title": app.title, "conditions": "; ".join(failed)},
                topic=call,
                url=app.get_absolute_url(),
            )
        else:
            app.status = ApplicationStatus.SUBMITTED
            app.decision_reason = ""
        app.save()
    return app


def assign_committee(call: Call, user: User) -> int:
    """Give every eligible application to every committee member (as LAS committees score). Idempotent."""
    require(may_manage_call(user, call) or is_chair(user, call))
    _require_closed(call)
    seats = list(call.seats.all())
    apps = list(call.applications.filter(status=ApplicationStatus.SUBMITTED))
    existing = set(Assignment.objects.filter(application__call=call).values_list("application_id", "seat_id"))
    new = [Assignment(application=a, seat=s) for a in apps for s in seats if (a.pk, s.pk) not in existing]
    with transaction.atomic():
        for a in new:
            a.save()  # one by one so that each assignment is in the audit log
    return len(new)


def declare(assignment: Assignment, user: User, *, conflict: bool, note: str = "") -> Assignment:
    call = assignment.application.call
    require(
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
        a.declared_at = now()
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
    assignment: Assignment, user: User, scores: dict[int, tuple[Decimal, str]], *, edits: int
) -> ScoreSheet:
    """Write the evaluator's current draft sheet. ``edits`` is the sheet's edit count the form was
    loaded with."""
    call = assignment.application.call
    require(
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
                    "These scores were saved elsewhere after you opened them. "
                    "Reload the page and enter your changes again."
                )
            )
        _write_scores(sheet, scores)
        sheet.edits += 1
        sheet.updated_at = now()
        sheet.save()
    return sheet


def _write_scores(sheet: ScoreSheet, scores: dict[int, tuple[Decimal, str]]) -> None:
    sheet.scores.all().delete()
    for cid, (points, justification) in scores.items():
        Score.objects.create(
            sheet=sheet, criterion_id=cid, points=points, justification=justification.strip()
        )
    sheet.total = sum((p for p, _j in scores.values()), Decimal("0"))


def submit_scores(assignment: Assignment, user: User) -> ScoreSheet:
    """The evaluator's draft sheet → submitted to the chair, once every criterion is scored."""
    require(assignment.seat.user_id == getattr(user, "pk", None))
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
        sheet.submitted_at = now()
        sheet.save()
    return sheet


def open_return(assignment: Assignment) -> SheetReturn | None:
    """The chair's return of this assignment's scores still waiting for the evaluator's correction."""
    return (
        SheetReturn.objects.filter(sheet__assignment=assignment, correction__isnull=True)
        .order_by("-returned_at")
        .first()
    )


def return_scores(assignment: Assignment, user: User, *, reason: str) -> SheetReturn:
    """The chair returns a member's submitted or finalised scores for correction, with the reason; the
    returned version stays as it was, and the application is not finalised until the member has
    submitted the corrected version."""
    call = assignment.application.call
    require(is_chair(user, call), _("Only the chair of the committee returns scores for correction."))
    _require_closed(call)
    if assignment.seat.user_id == getattr(user, "pk", None):
        raise Refused(_("Your own scores you correct yourself, with the reason."))
    if not reason.strip():
        raise Refused(_("Say why the scores are returned for correction."), field="reason", status=422)
    with transaction.atomic():
        a = Assignment.objects.select_for_update().get(pk=assignment.pk)
        last = a.sheets.order_by("-version").first()
        if last is None or last.status == SheetStatus.DRAFT:
            raise Refused(_("Only submitted or finalised scores are returned for correction."))
        if open_return(a) is not None:
            raise Refused(
                _("These scores are already returned for correction; the member has not answered yet.")
            )
        return SheetReturn.objects.create(
            sheet=last, reason=reason.strip(), returned_by=user, returned_at=now()
        )


def correct_scores(
    assignment: Assignment, user: User, scores: dict[int, tuple[Decimal, str]], *, reason: str
) -> ScoreSheet:
    """The evaluator's new version of their submitted or finalised scores, with its reason, submitted to
    the chair; the previous version stays as it was. It answers the chair's open return, if any. Only
    the evaluator writes it: the chair returns scores for correction (``return_scores``) instead."""
    call = assignment.application.call
    require(
        assignment.seat.user_id == getattr(user, "pk", None),
        _(
            "Only the committee member it is assigned to corrects their scores; "
            "the chair returns them for correction with a reason."
        ),
    )
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
        sheet.submitted_at = now()
        sheet.save()
        returned = open_return(a)
        if returned is not None:
            returned.correction = sheet
            returned.save()
    return sheet


def finalise(application: Application, user: User) -> int:
    """The chair freezes every submitted sheet of the application. Returns how many were finalised."""
    call = application.call
    require(is_chair(user, call), _("Only the chair of the committee finalises scores."))
    _require_closed(call)
    with transaction.atomic():
        assignments = list(Assignment.objects.select_for_update().filter(application=application))
        pending = [a for a in assignments if a.declaration == Declaration.PENDING]
        if pending:
            raise Refused(
                _("Not every member has declared on conflicts of interest: %(names)s.")
                % {"names": ", ".join(a.seat.name for a in pending)}
            )
        waiting = list(
            SheetReturn.objects.filter(
                sheet__assignment__in=assignments, correction__isnull=True
            ).select_related("sheet__assignment__seat")
        )
        if waiting:
            raise Refused(
                _("Scores returned for correction wait for the corrected version: %(names)s.")
                % {"names": ", ".join(r.sheet.assignment.seat.name for r in waiting)}
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
                last.finalised_at = now()
                last.finalised_by = user
                last.save()
                n += 1
        if not any(a.declaration == Declaration.NO_CONFLICT for a in assignments):
            raise Refused(
                _("No committee member without a conflict of interest has scored this application.")
            )
    return n


def evaluation_gaps(call: Call, rows: list[Ranked] | None = None) -> list[str]:
    """What stands between a closed call and a finished evaluation; ``rows`` is its ranking
    (``selectors.ranking``) when already computed."""
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
