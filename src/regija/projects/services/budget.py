"""A project's money as staff record it: budget lines by fund (how much, how far secured) and payments
from a fund (claimed, paid or rejected). The writes of the API and the back office.

Separation of duties: budget lines (the approved and secured amounts) and payments in any state are
written only by programme staff – editors of the organisations owning the strategy that lists the
project (``core.permissions.can(user, "manage", …)``). The holder (the beneficiary) may only submit a
claim: a new payment in state ``claimed``, by the rules of ``payments.check_new_claim`` (more than
0 €, within the approved amount); any other state, or any change to a budget line or a recorded
payment, is ``Forbidden`` for it.

The rules of a budget line: amounts are money (cents, not negative – nor ``-0``); only a partly
secured line has a separate secured part, never larger than the line. The rules of a payment: a
label, an amount of money above 0 €, a fund and a state; a rejected payment has its reason (the note).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from regija.core import audit
from regija.core.money import to_money
from regija.core.permissions import can
from regija.core.services import Forbidden, Refused, require, require_permission, validate

from ..models import BudgetLine, Fund, Payment, PaymentState, Project, Secured
from . import payments as claims
from .projects import next_order

if TYPE_CHECKING:
    from django.contrib.auth.models import User

BUDGET_LINE_FIELDS = ("fund", "amount", "secured", "secured_amount", "note", "source", "order")
PAYMENT_FIELDS = (
    "fund",
    "label",
    "amount",
    "date",
    "state",
    "note",
    "order",
    "phase",
    "claimed_at",
    "claimed_by",
    "checked_at",
    "checked_by",
    "paid_by",
)


def _money(value: object, field: str) -> Decimal:
    """An amount of money as stored (two places), or Refused about ``field``."""
    if value is None or value == "":
        raise Refused(_('an amount of money is a string or number such as "1250.50"'), field=field)
    try:
        amount = cast(Decimal, to_money(value))  # not None: to_money gives None for None and "" only
    except ValidationError as exc:
        raise Refused(exc.messages[0], field=field) from None
    if amount < 0 or amount.is_signed():  # "-0" too: a sign is not an amount
        raise Refused(_("an amount of money here must not be negative"), field=field)
    return amount


def require_programme(user: User, obj: BudgetLine | Payment | Project, message: str) -> None:
    """Forbidden with ``message`` unless the user is programme staff of the project (``manage``) – the
    owner check (``change``) first, so an outsider hears the general refusal."""
    require_permission(user, "change", obj)
    require(can(user, "manage", obj), message)


def _budget_forbidden() -> str:
    return _(
        "Only programme staff – editors of the organisations that own the strategy listing the project – "
        "change its budget lines and approved amounts."
    )


def _payments_forbidden() -> str:
    return _(
        "Only programme staff record payments and check, pay or reject claims; "
        "the holder submits claims (state: claimed)."
    )


def _only(changes: Mapping[str, object], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise Refused(_("This field cannot be changed here."), field=sorted(unknown)[0])


# --------------------------------------------------------------------------------------------- budget lines


def check_budget_line(line: BudgetLine, changed: Collection[str]) -> None:
    """A budget line as it would be stored (amounts normalised on ``line``); ``changed`` names the fields
    being set, so that a refusal about two fields points at the one the user changed."""
    line.amount = _money(line.amount, "amount")
    if line.secured_amount is not None:
        line.secured_amount = _money(line.secured_amount, "secured_amount")
    validate(line, ("fund", "secured", "note", "source"))
    if line.secured_amount is not None:
        if line.secured != Secured.PARTLY:
            raise Refused(
                _("a secured part is given only for a partly secured line (secured: partly)"),
                field="secured_amount",
            )
        if line.secured_amount > line.amount:
            raise Refused(
                _("the secured part (%(part)s) is larger than the amount (%(amount)s)")
                % {"part": line.secured_amount, "amount": line.amount},
                field="secured_amount" if "secured_amount" in changed else "amount",
            )


def budget_line_create(
    user: User,
    project: Project,
    *,
    fund: Fund,
    amount: Decimal,
    secured: str,
    secured_amount: Decimal | None = None,
    note: str = "",
    source: str = "",
    order: int | None = None,
    via: str,
) -> BudgetLine:
    """Add a budget line from a fund to the project (last unless ``order`` is given); programme staff only."""
    require_programme(user, project, _budget_forbidden())
    line = BudgetLine(
        project=project,
        fund=fund,
        amount=amount,
        secured=secured,
        secured_amount=secured_amount,
        note=note,
        source=source,
    )
    with audit.acting(user, via=via), transaction.atomic():
        check_budget_line(line, BUDGET_LINE_FIELDS)
        line.order = next_order(BudgetLine, project) if order is None else order
        line.save()
    return line


def apply_budget_line_changes(line: BudgetLine, changes: Mapping[str, Any]) -> None:
    """Set ``changes`` on ``line`` (not saved) and check the result. A line that stops being partly
    secured loses its separate secured part, unless ``changes`` gives one (which is then refused)."""
    _only(changes, BUDGET_LINE_FIELDS)
    for field, value in changes.items():
        setattr(line, field, value)
    if line.secured != Secured.PARTLY and "secured_amount" not in changes:
        line.secured_amount = None
    check_budget_line(line, changes)


def budget_line_update(user: User, line: BudgetLine, changes: Mapping[str, Any], *, via: str) -> BudgetLine:
    """Change a budget line: the keys of ``changes`` (see ``apply_budget_line_changes``); programme staff
    only."""
    require_programme(user, line, _budget_forbidden())
    _only(changes, BUDGET_LINE_FIELDS)
    with audit.acting(user, via=via), transaction.atomic():
        line = BudgetLine.objects.select_for_update().select_related("fund").get(pk=line.pk)
        apply_budget_line_changes(line, changes)
        line.save()
    return line


def budget_line_delete(user: User, line: BudgetLine, *, via: str) -> None:
    require_programme(user, line, _budget_forbidden())
    require_permission(user, "delete", line)
    with audit.acting(user, via=via), transaction.atomic():
        line.delete()


# --------------------------------------------------------------------------------------------- payments


def check_payment(payment: Payment) -> None:
    """A payment as it would be stored (its amount normalised on ``payment``): more than 0 €, and a
    rejected one with its reason in the note."""
    payment.amount = _money(payment.amount, "amount")
    if payment.amount == 0:
        raise Refused(_("A payment or claim is for more than 0 €."), field="amount")
    validate(payment, [f for f in PAYMENT_FIELDS if f not in ("amount", "order")])
    if payment.state == PaymentState.REJECTED and not (payment.note or "").strip():
        raise Refused(_("Give the reason for the rejection in the note."), field="note")


def payment_create(
    user: User,
    project: Project,
    *,
    fund: Fund,
    label: str,
    amount: Decimal,
    state: str,
    date: dt.date | None = None,
    note: str = "",
    order: int | None = None,
    via: str,
    **details: Any,
) -> Payment:
    """Record a payment (claimed, paid or rejected) from a fund to the project, last unless ``order`` is
    given. ``details`` are the other fields the back office sets (phase, who claimed and checked it).

    Programme staff record any state. The holder (not programme staff) only submits a claim: state
    ``claimed``, dated the day it is made, by the rules of the claims page (``payments.claim_payment``)."""
    require_permission(user, "change", project)
    _only(details, PAYMENT_FIELDS)
    if not can(user, "manage", project):
        if state != PaymentState.CLAIMED or details or order is not None:
            raise Forbidden(_payments_forbidden())
        if date is not None:
            raise Refused(_("A claim is dated the day it is submitted; leave the date out."), field="date")
        # money first, so that "-0" and "0" are refused as such wherever they come from
        amount = _money(amount, "amount")
        if amount == 0:
            raise Refused(_("A claim is for more than 0 €."), field="amount")
        with audit.acting(user, via=via):
            return claims.claim_payment(project, user, fund_id=fund.pk, amount=amount, label=label, note=note)
    payment = Payment(
        project=project, fund=fund, label=label, amount=amount, date=date, state=state, note=note, **details
    )
    with audit.acting(user, via=via), transaction.atomic():
        check_payment(payment)
        payment.order = next_order(Payment, project) if order is None else order
        payment.save()
    return payment


def payment_update(user: User, payment: Payment, changes: Mapping[str, Any], *, via: str) -> Payment:
    """Change a payment (the keys of ``changes``); programme staff only."""
    require_programme(user, payment, _payments_forbidden())
    _only(changes, PAYMENT_FIELDS)
    with audit.acting(user, via=via), transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        for field, value in changes.items():
            setattr(payment, field, value)
        check_payment(payment)
        payment.save()
    return payment


def payment_delete(user: User, payment: Payment, *, via: str) -> None:
    require_programme(user, payment, _payments_forbidden())
    require_permission(user, "delete", payment)
    with audit.acting(user, via=via), transaction.atomic():
        payment.delete()
