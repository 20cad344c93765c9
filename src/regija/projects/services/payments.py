"""The money of an operation after its approval: payment claims checked, paid or rejected; the
operation completed after its final payment or withdrawn; the end of its sustainability period.

Two parties act here, with separate duties: the holder – the beneficiary, editors of the
organisation holding the operation – claims money; the programme's staff (editors of an organisation
owning the strategy that lists the operation: ``core.permissions.can(user, "manage", project)``)
check, pay and reject claims, and complete or withdraw the operation. A claim is paid once: its row
is locked and read again inside the transaction, so a second, concurrent "paid" is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regija.core.models import Role
from regija.core.permissions import can, member_role_at_least
from regija.core.services import Refused, now, require
from regija.notify.services import notify

from ..models import Payment, PaymentState, Project, ProjectStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from regija.core.permissions import Actor


def is_holder(user: Actor, project: Project) -> bool:
    """An editor (or admin) of the organisation holding the operation: claims its money."""
    return project.holder_id is not None and member_role_at_least(user, project.holder_id, Role.EDITOR)


def is_programme_staff(user: Actor, project: Project) -> bool:
    """An editor (or admin) of an organisation owning the operation's strategy, or a superuser: checks,
    pays and rejects claims, completes and withdraws the operation (``can(user, "manage", project)``)."""
    return can(user, "manage", project)


def _require_holder(user: Actor, project: Project) -> None:
    require(
        is_holder(user, project), _("Only an editor of the operation's holder can submit payment claims.")
    )


def _require_programme_staff(user: Actor, project: Project) -> None:
    require(is_programme_staff(user, project), _("Only staff of the programme check and pay claims."))


def check_new_claim(project: Project, *, fund_id: int, amount: Decimal | None) -> None:
    """The rules of a new claim on ``project`` (read inside the caller's transaction, the project row
    locked): the operation is approved or in progress, the amount is more than 0 €, the fund is one of
    its budget lines, and claims together (waiting and paid) stay within the approved amount."""
    if project.status not in (ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS):
        raise Refused(
            _("Claims are made for an approved operation in progress; this one is %(status)s.")
            % {"status": project.get_status_display()}
        )
    if amount is None or amount <= 0:
        raise Refused(_("A claim is for more than 0 €."), field="amount", status=422)
    line = project.budget_lines.filter(fund_id=fund_id).aggregate(s=Sum("amount"))["s"]
    if line is None:
        raise Refused(_("The operation has no approved money from this fund."), field="fund", status=422)
    used = (
        project.payments.filter(
            fund_id=fund_id, state__in=[PaymentState.CLAIMED, PaymentState.PAID]
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    if used + amount > line:
        raise Refused(
            _("Claims would total %(total)s, more than the approved %(approved)s.")
            % {"total": used + amount, "approved": line},
            field="amount",
            status=422,
        )


def claim_payment(
    project: Project,
    user: User,
    *,
    fund_id: int,
    amount: Decimal,
    label: str,
    phase_id: int | None = None,
    note: str = "",
) -> Payment:
    """The holder claims money from one of the operation's funds (optionally for a phase); claims together
    never exceed the approved amount. The first claim puts an approved operation in progress."""
    _require_holder(user, project)
    with transaction.atomic():
        p = Project.objects.select_for_update().get(pk=project.pk)
        check_new_claim(p, fund_id=fund_id, amount=amount)
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
            claimed_at=now(),
            claimed_by=user,
            phase_id=phase_id,
            order=order,
            note=note.strip(),
        )
        if p.status == ProjectStatus.APPROVED:
            p.status = ProjectStatus.IN_PROGRESS
            p.save()
    return payment


def check_claim(payment: Payment, user: User) -> Payment:
    """The programme's staff mark a waiting claim checked; only a checked claim is paid."""
    _require_programme_staff(user, payment.project)
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=payment.pk)
        if p.state != PaymentState.CLAIMED or p.checked_at is not None:
            raise Refused(_("Only a claim waiting for its check can be checked."))
        p.checked_at = now()
        p.checked_by = user
        p.save()
    return p


def pay_claim(payment: Payment, user: User, *, date: dt.date | None = None) -> Payment:
    """Checked claim → paid. Locked and re-read inside the transaction: a second, concurrent 'paid' is
    refused."""
    _require_programme_staff(user, payment.project)
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=payment.pk)
        if p.state == PaymentState.PAID:
            raise Refused(
                _("This claim was already paid on %(date)s.")
                % {"date": formats.date_format(p.date) if p.date else "–"}
            )
        if p.state != PaymentState.CLAIMED or p.checked_at is None:
            raise Refused(_("A claim is paid after it has been checked."))
        p.state = PaymentState.PAID
        p.date = date or timezone.localdate()
        p.paid_by = user
        p.save()
        notify(
            p.project.holder,
            "claim_paid",
            title=gettext_lazy("Claim paid: %(label)s"),
            body=gettext_lazy(
                "The claim “%(label)s” of operation %(project)s was paid on %(date)s: %(amount)s EUR."
            ),
            context={
                "label": p.label,
                "project": p.project.code,
                "date": p.date.isoformat(),
                "amount": p.amount,
            },
            url=reverse("project", args=[p.project.strategy.slug, p.project.code]),
        )
    return p


def reject_claim(payment: Payment, user: User, *, reason: str) -> Payment:
    """An unpaid claim → rejected, with the reason (kept as its note)."""
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
        notify(
            p.project.holder,
            "claim_returned",
            title=gettext_lazy("Claim returned: %(label)s"),
            body=gettext_lazy(
                "The claim “%(label)s” of operation %(project)s was returned. Reason: %(reason)s"
            ),
            context={"label": p.label, "project": p.project.code, "reason": p.note},
            url=reverse("project", args=[p.project.strategy.slug, p.project.code]),
        )
    return p


def complete_project(project: Project, user: User) -> Project:
    """In progress → completed, after the final payment and with no claim still open."""
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


def withdraw_project(project: Project, user: User, *, reason: str, on: dt.date | None = None) -> Project:
    """The programme withdraws the operation – also when the holder steps back (odstop), which the
    holder asks of the programme; the reason is kept and shown. An outcome, so programme staff only."""
    require(
        is_programme_staff(user, project),
        _("Only staff of the programme withdraw an operation; the holder asks them to, with the reason."),
    )
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


def final_payment_date(payments: Iterable[Payment]) -> dt.date | None:
    """The date of the last paid claim among ``payments`` (already loaded), or None."""
    return max((p.date for p in payments if p.state == PaymentState.PAID and p.date), default=None)


def sustainability_end(project: Project, final_payment: dt.date | None) -> dt.date | None:
    """The end of the sustainability period: N years after the final payment (the last paid claim);
    None when the period is not known (the source gives none) or has not started."""
    years = project.sustainability_years
    if final_payment is None or years is None or project.status != ProjectStatus.COMPLETED:
        return None
    try:
        return final_payment.replace(year=final_payment.year + years)
    except ValueError:  # 29 February
        return final_payment.replace(year=final_payment.year + years, day=28)
