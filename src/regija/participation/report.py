"""A consultation's report: every unit with its comments and the organisation's answers, with counts –
one builder for the page and the Word document (drawn with the annual report's DOCX writer,
``reports.word.document``)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils.translation import gettext as _

from regija.core import dates
from regija.reports import word
from regija.reports.layout import Cell, Heading, Paragraph, Table

from . import selectors
from .models import Comment, Consultation, Unit


@dataclasses.dataclass
class UnitReport:
    unit: Unit
    comments: list[Comment]


@dataclasses.dataclass
class ConsultationReport:
    consultation: Consultation
    counts: dict[str, int]
    units: list[UnitReport]
    published_at: dt.datetime | None


def build(consultation: Consultation) -> ConsultationReport:
    """A fixed number of queries, whatever the number of units and comments."""
    units = selectors.consultation_units(consultation)
    by_unit: dict[int, list[Comment]] = {}
    for c in selectors.comments_on(units):
        by_unit.setdefault(c.object_id, []).append(c)
    return ConsultationReport(
        consultation=consultation,
        counts=selectors.report_counts(consultation),
        units=[UnitReport(u, by_unit.get(u.pk, [])) for u in units],
        published_at=consultation.report_published_at,
    )


def _comment_text(c: Comment) -> str:
    if c.hidden_at is not None:
        return _("hidden: %(reason)s") % {"reason": c.hidden_reason}
    return c.text


def blocks(r: ConsultationReport) -> list[Heading | Table | Paragraph]:
    c = r.consultation
    out: list[Heading | Table | Paragraph] = [
        Heading(1, _("Report of the consultation: %(title)s") % {"title": c.title}),
        Paragraph(
            _("%(org)s · open from %(opens)s to %(closes)s")
            % {
                "org": c.organisation.name,
                "opens": dates.day(c.opens_at),
                "closes": dates.day(c.closes_at - dt.timedelta(microseconds=1)),
            }
        ),
        Paragraph(
            _(
                "%(comments)s comments by %(people)s people; %(answered)s answered; "
                "%(hidden)s hidden by moderators."
            )
            % r.counts
        ),
    ]
    for ur in r.units:
        out.append(Heading(2, f"{ur.unit.label} {ur.unit.text.splitlines()[0][:200]}"))
        if not ur.comments:
            out.append(Paragraph(_("No comments."), style="empty"))
            continue
        out.append(
            Table(
                caption=_("Comments on %(label)s") % {"label": ur.unit.label},
                columns=[_("No."), _("Comment"), _("Answer")],
                rows=[
                    [Cell(str(i)), Cell(_comment_text(cm)), Cell(cm.answer or _("no answer"))]
                    for i, cm in enumerate(ur.comments, 1)
                ],
                key=f"unit-{ur.unit.pk}",
            )
        )
    return out


def docx(r: ConsultationReport) -> bytes:
    return word.document(blocks(r), title=r.consultation.title, subject=r.consultation.organisation.name)
