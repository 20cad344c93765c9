"""Writes to strategies and their indicators' observations: the API, the staff pages and the back office
all call these, so a fact follows one rule whichever door it comes through.

Each service takes the acting user and the door (``via``: "api", "web", "admin"), checks the user's
right with ``core.permissions``, validates, and writes in one transaction attributed to the user in the
audit log (the log itself is written by the model signals of ``core.audit``). It refuses with
``core.services.Refused`` (``Forbidden``, ``Conflict``) and a message that says what and where.

**Observations.** An indicator has at most one observation per date. Adding one on a date that has
one is refused (``Conflict``): a value is never replaced by an addition, only by a correction
(``observation_update``). A value is an exact decimal with at most six decimals and fifteen digits
before the point (negative allowed), stored at the column's six places, so the audit log compares
like with like on later changes. Fifteen, not the column's eighteen: SQLite keeps a decimal column
as a floating-point number, and a value near 10**18 came back from it as one with 25 digits, which
the column cannot hold – every later read of it failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Context, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from regija.core import audit, dates
from regija.core.services import Conflict, Refused, require_permission, validate

from .models import Indicator, Observation, Strategy

if TYPE_CHECKING:
    from regija.core.permissions import Actor

# Observation.value: max_digits=24, decimal_places=6
VALUE_PLACES = 6
VALUE_WHOLE_DIGITS = 15
SIX_PLACES = Decimal(1).scaleb(-VALUE_PLACES)
# wide enough for any value below 10**18 at six places, also when the rounding of a longer one carries
_EXACT = Context(prec=VALUE_WHOLE_DIGITS + VALUE_PLACES + 8)

STRATEGY_FIELDS = ("status", "title", "description", "source_url")


# --------------------------------------------------------------------------------------------- strategies


def strategy_update(user: Actor, strategy: Strategy, changes: Mapping[str, object], *, via: str) -> Strategy:
    """Change a strategy's status, title, description or source document's address (the keys of
    ``changes``); the address must be http(s) (``core.validators.safe_url``, the model field's rule)."""
    require_permission(user, "change", strategy)
    unknown = set(changes) - set(STRATEGY_FIELDS)
    if unknown:
        raise Refused(_("This field cannot be changed here."), field=sorted(unknown)[0])
    with audit.acting(user, via=via), transaction.atomic():
        strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
        for field, value in changes.items():
            setattr(strategy, field, value)
        validate(strategy, changes)
        if changes:
            strategy.save(update_fields=list(changes))
    return strategy


# --------------------------------------------------------------------------------------------- observations


def observation_value(value: object) -> Decimal:
    """An indicator value as it is stored, or Refused (field ``value``): never rounded silently."""
    if isinstance(value, float):
        value = repr(value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise Refused(_("The value is not a number."), field="value") from None
    if not number.is_finite():
        raise Refused(_("The value is not a number."), field="value")
    if abs(number) >= Decimal(10) ** VALUE_WHOLE_DIGITS:
        raise Refused(_("The value is too large: at most 15 digits before the decimal point."), field="value")
    stored = number.quantize(SIX_PLACES, context=_EXACT)
    if stored != number:
        raise Refused(_("A value has at most six decimals."), field="value")
    return stored


def duplicate_message(date: dt.date) -> str:
    return _("There is already a value for %(date)s; correct that one instead of adding another.") % {
        "date": dates.day(date)
    }


def check_observation(
    indicator: Indicator,
    *,
    date: dt.date,
    value: object,
    source: str = "",
    note: str = "",
    correcting: Observation | None = None,
) -> Observation:
    """The observation as it would be stored (unsaved; ``correcting`` is the one being changed, if any),
    without writing anything: Refused when a field breaks the rules, Conflict when another observation of
    the indicator has that date.

    The back office validates its forms with this before it saves, so it refuses what the services do."""
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise Refused(_("A date is written YYYY-MM-DD."), field="date")
    checked = Observation(
        pk=correcting.pk if correcting is not None else None,
        indicator=indicator,
        date=date,
        value=observation_value(value),
        source=source or "",
        note=note or "",
    )
    validate(checked, ("date", "value", "source", "note"))
    if indicator.pk is not None:
        others = Observation.objects.filter(indicator=indicator, date=date)
        if checked.pk is not None:
            others = others.exclude(pk=checked.pk)
        if others.exists():
            raise Conflict(duplicate_message(date), field="date")
    return checked


def observation_add(
    user: Actor,
    indicator: Indicator,
    *,
    date: dt.date,
    value: object,
    source: str = "",
    note: str = "",
    via: str,
) -> Observation:
    """Add the indicator's value on a date; Conflict when that date has one already (correct it instead)."""
    require_permission(user, "change", indicator)
    try:
        with audit.acting(user, via=via), transaction.atomic():
            observation = check_observation(indicator, date=date, value=value, source=source, note=note)
            observation.save()
    except IntegrityError:  # another request added the same date in between
        raise Conflict(duplicate_message(date), field="date") from None
    return observation


def observation_update(
    user: Actor,
    observation: Observation,
    *,
    value: object,
    source: str = "",
    note: str = "",
    date: dt.date | None = None,
    via: str,
) -> Observation:
    """Correct an observation: replace its value, source and note (and its date, when one is given)."""
    require_permission(user, "change", observation)
    date = observation.date if date is None else date
    try:
        with audit.acting(user, via=via), transaction.atomic():
            observation = (
                Observation.objects.select_for_update().select_related("indicator").get(pk=observation.pk)
            )
            checked = check_observation(
                observation.indicator,
                date=date,
                value=value,
                source=source,
                note=note,
                correcting=observation,
            )
            for field in ("date", "value", "source", "note"):
                setattr(observation, field, getattr(checked, field))
            observation.save()
    except IntegrityError:  # another request added the same date in between
        raise Conflict(duplicate_message(date), field="date") from None
    return observation


def observation_delete(user: Actor, observation: Observation, *, via: str) -> None:
    require_permission(user, "delete", observation)
    with audit.acting(user, via=via), transaction.atomic():
        observation.delete()
