"""The decision on an evaluated call: approve an application (which creates its operation) or reject it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regija.notify.services import notify
from regija.projects.models import BudgetLine, Partner, Project, ProjectPhase, ProjectStatus, Secured
from regija.strategies.models import Strategy

from ..models import Application, ApplicationStatus, Call, CallStatus
from ..selectors import ranking
from .access import may_manage_call
from .common import Refused, now, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class Instrument:
    """The decision, contract or confirmation notice an approval rests on: its kind, number and date."""

    kind: str
    number: str
    date: dt.date


def approve(
    application: Application, user: User, *, approved: dict[int, Decimal], instrument: Instrument
) -> Project:
    """Evaluated call, passing application → approved, and its operation (project) is created."""
    call = Call.objects.get(pk=application.call_id)  # the stored status, not a copy loaded earlier
    require(may_manage_call(user, call))
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
        app.decided_at = now()
        app.instrument_kind, app.instrument_number, app.instrument_date = (
            instrument.kind,
            instrument.number.strip(),
            instrument.date,
        )
        app.project = project
        app.save()
        notify(
            app.applicant,
            "application_approved",
            title=gettext_lazy("Application %(number)s approved"),
            body=gettext_lazy(
                "Your application “%(title)s” was approved: %(kind)s no. %(instrument)s of %(date)s. "
                "The operation is now %(project)s; claim payments on its page."
            ),
            context={
                "number": app.reference,
                "title": app.title,
                "kind": app.get_instrument_kind_display(),
                "instrument": app.instrument_number,
                "date": instrument.date.isoformat(),
                "project": project.code,
            },
            topic=call,
            url=app.get_absolute_url(),
        )
    return project


def _create_project(app: Application, approved: dict[int, Decimal], instrument: Instrument) -> Project:
    call = app.call
    strategy = cast(Strategy, call.strategy)  # set: publish() refuses a call without a strategy
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
    ProjectPhase.copy_from(project, app.phases.all())
    for i, partner in enumerate(app.partners.filter(organisation__isnull=False)):
        Partner.objects.get_or_create(
            project=project,
            organisation_id=cast(int, partner.organisation_id),  # not None: filtered above
            defaults={"order": i, "role": "partner"},
        )
    return project


def reject(application: Application, user: User, *, reason: str) -> Application:
    """Evaluated call, submitted application → rejected, with the reason."""
    call = Call.objects.get(pk=application.call_id)  # the stored status, not a copy loaded earlier
    require(may_manage_call(user, call))
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
        app.decided_at = now()
        app.save()
        notify(
            app.applicant,
            "application_rejected",
            title=gettext_lazy("Application %(number)s not selected"),
            body=gettext_lazy("Your application “%(title)s” was not selected. Reason: %(reason)s"),
            context={"number": app.reference, "title": app.title, "reason": app.decision_reason},
            topic=call,
            url=app.get_absolute_url(),
        )
    return app
