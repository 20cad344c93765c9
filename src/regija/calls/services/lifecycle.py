"""A call's life as staff move it: publish, back to draft, finish the evaluation, decisions made, archive.

Open and closed are not steps: they follow from the call's times and the server clock (``Call.state_at``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ApplicationStatus, Call, CallState, CallStatus, SeatRole
from .access import is_chair, may_manage_call
from .common import Refused, local, now, require
from .evaluation import evaluation_gaps

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def publish(call: Call, user: User) -> Call:
    """Draft → published. A call needs its dates, criteria, threshold and committee before anyone can
    apply."""
    require(may_manage_call(user, call))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.status != CallStatus.DRAFT:
            raise Refused(
                _("Only a draft call can be published; this one is %(state)s.")
                % {"state": call.get_state_display()}
            )
        missing: list[str] = []
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
                    "The pass threshold (%(threshold)s points) is above the most points "
                    "the criteria give (%(total)s)."
                )
                % {"threshold": call.pass_threshold, "total": total}
            )
        if call.closes_at is not None and call.closes_at <= now():  # (None is refused above)
            raise Refused(
                _("The closing time %(closes)s has already passed.") % {"closes": local(call.closes_at)}
            )
        call.status = CallStatus.PUBLISHED
        if call.published_on is None:
            call.published_on = timezone.localdate()
        call.save()
    return call


def unpublish(call: Call, user: User) -> Call:
    """Published → draft, only before the call opens (nobody can have applied yet)."""
    require(may_manage_call(user, call))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.state_at(now()) != CallState.PUBLISHED:
            raise Refused(_("A call can be taken back to draft only before it opens."))
        call.status = CallStatus.DRAFT
        call.save()
    return call


def finish_evaluation(call: Call, user: User) -> Call:
    """Closed → evaluated: every submitted application checked for eligibility and fully scored."""
    require(may_manage_call(user, call) or is_chair(user, call))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.state_at(now()) != CallState.CLOSED:
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


def mark_decided(call: Call, user: User) -> Call:
    """Evaluated → decided, once every submitted application is approved or rejected."""
    require(may_manage_call(user, call))
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


def archive(call: Call, user: User) -> Call:
    """Decided → archived."""
    require(may_manage_call(user, call))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.status != CallStatus.DECIDED:
            raise Refused(_("Only a decided call can be archived."))
        call.status = CallStatus.ARCHIVED
        call.save()
    return call
