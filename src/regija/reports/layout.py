"""The annual report laid out as headings, paragraphs and tables of text, in the active language.

Both renderers – the HTML template and the DOCX writer – draw exactly these blocks, so every figure
reads the same in both: amounts in the language's money format ("1.675.262,39 €" in Slovenian),
dates as "22. 2. 2023". Build it with the language the reader asked for active.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from regija.core import dates
from regija.core.money import format_eur
from regija.core.templatetags.regija import num

if TYPE_CHECKING:  # annual builds the report, layout draws it; annual uses layout's date format
    from .annual import AnnualReport, BodyBlock, CallBlock, Party, SessionRow


def _lang() -> str:
    return get_language() or "sl"


def fmt_date(d: dt.date | None) -> str:
    """22. 2. 2023 in Slovenian, 22 February 2023 in English (the language's date format, as on the
    site's pages); empty for no date."""
    return dates.day(d)


def fmt_range(a: dt.date | None, b: dt.date | None) -> str:
    if a and b and a != b:
        return f"{fmt_date(a)} – {fmt_date(b)}"
    return fmt_date(a or b)


def eur(amount: Decimal | None) -> str:
    return format_eur(amount, _lang())


# ----------------------------------------------------------------------------------------- blocks


@dataclasses.dataclass
class Cell:
    text: str
    url: str = ""
    numeric: bool = False

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclasses.dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    footer: list[list[Cell]] = dataclasses.field(default_factory=list)
    key: str = ""  # a stable name for tests and styling: "calls", "call-1", "funds", "indicators" …
    block: str = "table"


@dataclasses.dataclass
class Heading:
    level: int  # 1 the title, 2 a chapter, 3 a section
    text: str
    anchor: str = ""
    block: str = "heading"


@dataclasses.dataclass
class Paragraph:
    text: str
    style: str = ""  # "", "note" (a stated figure that differs), "empty" (a section without data), "lead"
    block: str = "paragraph"


def _c(text, url: str = "") -> Cell:
    return Cell("" if text is None else str(text), url)


def _m(amount: Decimal | None) -> Cell:
    return Cell(eur(amount), numeric=True)


def _n(value) -> Cell:
    return Cell("–" if value is None else num(value), numeric=True)


def party(report: AnnualReport, who: Party) -> str:
    """A holder's or partner's name as the form of the report writes it: a natural person is "natural
    person" in the published form and marked so in the staff form."""
    if not who.person:
        return who.name
    if report.published or not who.name:
        return _("natural person")
    return _("%(name)s (natural person)") % {"name": who.name}


def layout(report: AnnualReport) -> list:
    """The blocks of the report, in reading order."""
    p = report.profile
    blocks: list = [
        Heading(1, _("Annual activity report %(year)s") % {"year": report.year}, "title"),
        Paragraph(p.name, "lead"),
    ]
    if report.has_persons:
        blocks.append(
            Paragraph(
                _("Natural persons who hold or partner in an operation are not named.")
                if report.published
                else _(
                    "Staff form: natural persons who hold or partner in an operation are named and marked "
                    "“natural person”. Publish the published form, which leaves their names out."
                ),
                "lead",
            )
        )
    blocks += _profile(report)
    blocks += _bodies(report)
    blocks += _calls(report)
    blocks += _indicators(report)
    blocks += _cooperation(report)
    blocks += _notes(report)
    blocks.append(
        Paragraph(
            _(
                "Every table is computed from the data of Regija on %(date)s; "
                "amounts approved are the secured parts of the operations' budgets, "
                "amounts paid count payments made by %(end)s."
            )
            % {"date": fmt_date(report.generated_at.date()), "end": fmt_date(report.end)},
            "lead",
        )
    )
    return blocks


def _profile(report: AnnualReport) -> list:
    p = report.profile
    rows = [[_c(_("Name")), _c(p.name)]]
    if p.short_name:
        rows.append([_c(_("Short name")), _c(p.short_name)])
    rows.append([_c(_("Kind")), _c(p.kind)])
    if p.address:
        rows.append([_c(_("Address")), _c(p.address)])
    if p.website:
        rows.append([_c(_("Website")), _c(p.website)])
    if p.registration_number:
        rows.append([_c(_("Registration number")), _c(p.registration_number)])
    if p.territory:
        rows.append([_c(_("Area (municipalities)")), _c(", ".join(p.territory))])
        rows.append([_c(_("Number of municipalities")), _n(len(p.territory))])
    for s in p.strategies:
        label = f"{s.title} ({s.period})" if s.period else s.title
        rows.append([_c(_("Strategy")), _c(label, s.url)])
    return [
        Heading(2, _("1. Basic information"), "profile"),
        Table(
            _("Basic information about %(name)s") % {"name": p.short_name or p.name},
            [_("Item"), _("Value")],
            rows,
            key="profile",
        ),
        *_allocations(report),
    ]


def _allocations(report: AnnualReport) -> list:
    """The money the funds set aside for the organisation in the programme periods that include the year,
    with a total per period."""
    out: list = [Heading(3, _("Funds allocated for operations"), "allocations")]
    if not report.allocations:
        out.append(
            Paragraph(
                _("No fund allocation to the organisation is recorded for %(year)s.") % {"year": report.year},
                "empty",
            )
        )
        return out
    rows = [
        [_c(f"{a.fund_code} – {a.fund_name}"), _c(a.period or "–"), _m(a.amount), _c(a.source)]
        for a in report.allocations
    ]
    totals: dict[str, Decimal] = {}
    for a in report.allocations:
        totals[a.period] = totals.get(a.period, Decimal("0")) + a.amount
    footer = [
        [
            _c(_("Total %(period)s") % {"period": period} if period else _("Total")),
            _c(""),
            _m(total),
            _c(""),
        ]
        for period, total in totals.items()
    ]
    out.append(
        Table(
            _("Funds allocated to %(name)s for operations")
            % {"name": report.profile.short_name or report.profile.name},
            [_("Fund"), _("Programme period"), _("Amount"), _("Stated in")],
            rows,
            footer,
            key="allocations",
        )
    )
    return out


def _session_label(s: SessionRow) -> str:
    number = f"{s.number}. " if s.number else ""
    return f"{number}{s.kind_label}"


def _session_content(s: SessionRow) -> str:
    lines = [f"{i}. {title}" for i, title in enumerate(s.agenda, 1)]
    for number, text in s.decisions:
        head = _("Decision no. %(number)s") % {"number": number} if number else _("Decision")
        lines.append(f"{head}: {text}" if text else head)
    if not s.held:
        lines.append(_("not held"))
    if s.note and not lines:
        lines.append(s.note)
    return "\n".join(lines)


def _body(report: AnnualReport, b: BodyBlock) -> list:
    out: list = [Heading(3, b.name, f"body-{b.slug}")]
    if b.description:
        out.append(Paragraph(b.description))
    for t in b.terms:
        period = fmt_range(t.start, t.end) if t.end else (_("from %(date)s") % {"date": fmt_date(t.start)})
        rows = []
        for m in t.members:
            if m.start or m.end:
                when = (
                    fmt_range(m.start, m.end)
                    if m.start and m.end
                    else (
                        _("from %(date)s") % {"date": fmt_date(m.start)}
                        if m.start
                        else _("until %(date)s") % {"date": fmt_date(m.end)}
                    )
                )
            else:
                when = ""
            rows.append([_c(m.name), _c(m.role_label), _c(m.represents), _c(when), _c(m.note)])
        caption = _("%(body)s: composition %(label)s (%(period)s)") % {
            "body": b.name,
            "label": t.label,
            "period": period,
        }
        if rows:
            out.append(
                Table(
                    caption,
                    [_("Member"), _("Role"), _("Represents"), _("In the body"), _("Note")],
                    rows,
                    key=f"members-{b.slug}-{t.label}",
                )
            )
        else:
            out.append(Paragraph(caption + " – " + _("no members recorded."), "empty"))
    if b.sessions:
        rows = [
            [_c(_session_label(s)), _c(fmt_range(s.date, s.end_date)), _c(_session_content(s))]
            for s in b.sessions
        ]
        regular = sum(1 for s in b.sessions if s.kind == "regular" and s.held)
        corr = sum(1 for s in b.sessions if s.kind == "correspondence" and s.held)
        out.append(
            Table(
                _("%(body)s: sessions in %(year)s") % {"body": b.name, "year": report.year},
                [_("Session"), _("Date"), _("Agenda and decisions")],
                rows,
                footer=[
                    [
                        _c(_("Held")),
                        _c(
                            ngettext("%(n)d regular session", "%(n)d regular sessions", regular)
                            % {"n": regular}
                            + ", "
                            + ngettext("%(n)d correspondence session", "%(n)d correspondence sessions", corr)
                            % {"n": corr}
                        ),
                        _c(""),
                    ]
                ],
                key=f"sessions-{b.slug}",
            )
        )
    else:
        out.append(
            Paragraph(
                _("%(body)s held no session in %(year)s.") % {"body": b.name, "year": report.year}, "empty"
            )
        )
    return out


def _bodies(report: AnnualReport) -> list:
    out: list = [Heading(2, _("2. Bodies and sessions in %(year)s") % {"year": report.year}, "bodies")]
    if not report.bodies:
        out.append(
            Paragraph(
                _("No body has a composition or a session recorded for %(year)s.") % {"year": report.year},
                "empty",
            )
        )
    for b in report.bodies:
        out += _body(report, b)
    return out


def _money_columns(report: AnnualReport) -> list[str]:
    cols = [_("Approved"), _("Paid")]
    if report.has_claims:
        cols.append(_("Claimed, not yet paid"))
    return cols


def _money_cells(report: AnnualReport, approved, paid, claimed) -> list[Cell]:
    cells = [_m(approved), _m(paid)]
    if report.has_claims:
        cells.append(_m(claimed))
    return cells


def _note(n) -> Paragraph:
    return Paragraph(
        _("Note: the source states %(subject)s %(stated)s; the data gives %(computed)s.")
        % {
            "subject": f"»{n.subject}«" + (f" ({n.source})" if n.source else ""),
            "stated": n.stated,
            "computed": n.computed,
        },
        "note",
    )


def _call(report: AnnualReport, c: CallBlock) -> list:
    out: list = [Heading(3, c.title, f"call-{c.number}")]
    facts = [_("Number: %(number)s") % {"number": c.number}]
    if c.published_on:
        facts.append(_("published on %(date)s") % {"date": fmt_date(c.published_on)})
    facts.append(_("state: %(state)s") % {"state": c.state_label})
    if c.committee:
        facts.append(_("evaluated by: %(committee)s") % {"committee": c.committee})
    out.append(Paragraph("; ".join(facts) + "."))
    if c.operations:
        rows = [
            [
                _c(o.title, o.url),
                _c(party(report, o.holder)),
                _m(o.approved),
                _c(o.instrument),
                _c(o.status_label),
            ]
            + [_m(o.paid)]
            + ([_m(o.claimed)] if report.has_claims else [])
            for o in c.operations
        ]
        footer = [
            [
                _c(_("Total")),
                _c(
                    ngettext("%(n)d operation", "%(n)d operations", len(c.operations))
                    % {"n": len(c.operations)}
                ),
                _m(c.approved),
                _c(""),
                _c(ngettext("%(n)d withdrawn", "%(n)d withdrawn", c.withdrawn) % {"n": c.withdrawn}),
            ]
            + [_m(c.paid)]
            + ([_m(c.claimed)] if report.has_claims else [])
        ]
        columns = [_("Operation"), _("Holder"), _("Approved"), _("Instrument"), _("Status"), _("Paid")]
        if report.has_claims:
            columns.append(_("Claimed, not yet paid"))
        out.append(
            Table(
                _("Operations of the call %(title)s") % {"title": c.title},
                columns,
                rows,
                footer,
                key=f"call-{c.number}",
            )
        )
    else:
        out.append(Paragraph(_("No operation of this call is recorded."), "empty"))
    out += [_note(n) for n in c.notes]
    return out


def _calls(report: AnnualReport) -> list:
    out: list = [Heading(2, _("3. Public calls and operations"), "calls")]
    if not report.calls:
        out.append(
            Paragraph(
                _("The organisation has no public call published by %(date)s.")
                % {"date": fmt_date(report.end)},
                "empty",
            )
        )
        return out
    rows = [
        [_c(c.title), _c(fmt_date(c.published_on)), _c(c.state_label), _n(len(c.operations)), _n(c.withdrawn)]
        + _money_cells(report, c.approved, c.paid, c.claimed)
        for c in report.calls
    ]
    footer = [
        [_c(_("Total")), _c(""), _c(""), _n(report.operations), _n(report.withdrawn)]
        + _money_cells(report, report.approved, report.paid, report.claimed)
    ]
    out.append(
        Table(
            _("Public calls and their operations"),
            [_("Call"), _("Published"), _("State"), _("Operations"), _("Withdrawn")] + _money_columns(report),
            rows,
            footer,
            key="calls",
        )
    )
    for c in report.calls:
        out += _call(report, c)
    out.append(Heading(3, _("Approved and paid by fund"), "funds"))
    if report.funds:
        rows = [
            [_c(f"{f.code} – {f.name}"), _n(f.operations), _n(f.withdrawn)]
            + _money_cells(report, f.approved, f.paid, f.claimed)
            for f in report.funds
        ]
        # an operation financed from two funds counts once in the total
        footer = [
            [_c(_("Total")), _n(report.operations), _n(report.withdrawn)]
            + _money_cells(report, report.approved, report.paid, report.claimed)
        ]
        out.append(
            Table(
                _("Operations of the calls by fund"),
                [_("Fund"), _("Operations"), _("Withdrawn")] + _money_columns(report),
                rows,
                footer,
                key="funds",
            )
        )
    else:
        out.append(Paragraph(_("No operation has an approved amount from a fund."), "empty"))
    return out


def _indicators(report: AnnualReport) -> list:
    out: list = [Heading(2, _("4. Indicators"), "indicators")]
    if not report.indicators:
        out.append(
            Paragraph(
                _("The organisation's strategies for %(year)s have no indicators.") % {"year": report.year},
                "empty",
            )
        )
        return out
    rows = []
    for i in report.indicators:
        rows.append(
            [
                _c(i.name, i.url),
                _c(i.unit),
                _n(i.target),
                _c(fmt_date(i.target_date)),
                _n(i.achieved),
                _c(fmt_date(i.achieved_date)),
                _c(i.status_label),
            ]
        )
    out.append(
        Table(
            _("Indicators: target and value achieved by %(date)s") % {"date": fmt_date(report.end)},
            [
                _("Indicator"),
                _("Unit"),
                _("Target"),
                _("Target date"),
                _("Achieved"),
                _("Measured on"),
                _("Status"),
            ],
            rows,
            key="indicators",
        )
    )
    return out


def _cooperation(report: AnnualReport) -> list:
    out: list = [Heading(2, _("5. Cooperation operations"), "cooperation")]
    if not report.cooperation:
        out.append(Paragraph(_("No cooperation operation is recorded."), "empty"))
        return out
    rows = [
        [
            _c(o.title, o.url),
            _c(party(report, o.holder)),
            _c(", ".join(party(report, x) for x in o.partners)),
            _m(o.approved) if o.approved is not None else Cell("–", numeric=True),
            _m(o.paid),
            _c(o.status_label),
        ]
        for o in report.cooperation
    ]
    out.append(
        Table(
            _("Cooperation operations"),
            [_("Operation"), _("Holder"), _("Partners"), _("Approved"), _("Paid"), _("Status")],
            rows,
            key="cooperation",
        )
    )
    return out


def _notes(report: AnnualReport) -> list:
    out: list = [Heading(2, _("6. Stated figures that differ from the data"), "notes")]
    if not report.notes:
        out.append(Paragraph(_("Every figure the source documents state agrees with the data."), "empty"))
        return out
    out.append(
        Paragraph(
            _(
                "Figures the source documents state and what the data adds up to, where they differ or where "
                "the data cannot confirm them (the consistency report). They are shown, not corrected."
            )
        )
    )
    rows = [
        [
            _c(n.subject),
            _c(n.stated),
            _c(n.computed),
            _c(n.source),
            _c(_("contradiction") if n.kind == "contradiction" else _("cannot be verified")),
        ]
        for n in report.notes
    ]
    out.append(
        Table(
            _("Stated and computed figures"),
            [_("Figure"), _("Stated"), _("Computed"), _("Source"), _("Kind")],
            rows,
            key="notes",
        )
    )
    return out
