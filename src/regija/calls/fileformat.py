"""The calls part of the governance file format: an organisation's historic public calls.

docs/governance.md describes it. A historic call names the strategy node whose projects were its
operations, its budget by fund, and the committee (a body's term) that evaluated it.
GovernanceFileWithCalls is the whole governance file: regija.governance.fileformat's part and this one.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.utils import timezone
from django.utils.text import slugify
from pydantic import BeforeValidator, Field, model_validator

from regija.core.filetypes import Code, Date, Money, Record, Slug, not_a_real_date
from regija.core.translate import gettext
from regija.governance.fileformat import GovernanceFile, Label, Text, Text300


def _to_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?", value.strip()
    ):
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(not_a_real_date(value, exc)) from None
    else:
        raise ValueError(
            gettext("a date and time must be written YYYY-MM-DDTHH:MM (e.g. 2019-09-16T12:00), not %(value)s")
            % {"value": repr(value)}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


# a moment, YYYY-MM-DDTHH:MM, local time unless an offset is given
DateTime = Annotated[dt.datetime, BeforeValidator(_to_datetime)]


class CommitteeRef(Record):
    """The committee that evaluated a call: a term of a body of this file."""

    body: Slug
    term: Label


class CallFundIn(Record):
    fund: Code
    amount: Money

    @model_validator(mode="after")
    def _not_negative(self):
        if self.amount < 0:
            raise ValueError(gettext("a call's budget cannot be negative"))
        return self


class CallIn(Record):
    number: Annotated[Code, Field(max_length=60)]
    slug: Slug | None = None
    strategy: Slug | None = None
    node: Code | None = None
    title: Annotated[str, Field(min_length=1, max_length=400)]
    title_en: Annotated[str, Field(min_length=1, max_length=400)] | None = None
    published: Date | None = None
    opens: DateTime | None = None
    closes: DateTime | None = None
    funds: list[CallFundIn] = []
    committee: CommitteeRef | None = None
    note: Text | None = None
    source: Text300 | None = None

    @model_validator(mode="after")
    def _checks(self):
        if self.node is not None and self.strategy is None:
            raise ValueError(gettext("node needs strategy: the slug of the strategy the node belongs to"))
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValueError(gettext("closes must be after opens"))
        return self

    @property
    def call_slug(self) -> str:
        return self.slug or slugify(self.title)[:100] or slugify(self.number)


class GovernanceFileWithCalls(GovernanceFile):
    """A whole governance file: the organisation's governance and its historic calls."""

    calls: list[CallIn] = []
