"""Consistency checks: where a figure a document states differs from what its parts add up to.

Each finding names the strategy, where the figure comes from, and both figures. A dataset whose
stated totals, counts and links agree with its rows yields no contradictions.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _

from regija.core.money import format_eur
from regija.strategies.models import Alignment, Indicator, Node, Observation, Strategy

from . import selectors
from .models import StatedFigure, StatedWhat

CONTRADICTION = "contradiction"
UNVERIFIABLE = "unverifiable"


@dataclasses.dataclass(frozen=True)
class Finding:
    kind: str  # CONTRADICTION or UNVERIFIABLE
    check: str  # stated_figure, payment_above_approval, partner_shares, alignment_sources
    strategy: str  # slug
    subject: str  # what the figure is about: a label, a project or node code
    stated: str  # the figure the document states (or the first of two disagreeing sources)
    computed: str  # what the data adds up to (or the second source)
    source: str = ""  # section or table of the stated figure
    object_type: str = ""  # "strategy", "node", "project": where to look
    object_code: str = ""

    def __str__(self) -> str:
        where = f" [{self.source}]" if self.source else ""
        if self.kind == UNVERIFIABLE:
            return f"{self.strategy}: {self.subject}{where}: {_('stated')} {self.stated}; {self.computed}"
        return f"{self.strategy}: {self.subject}{where}: {self.stated} ≠ {self.computed}"


def _fmt(value) -> str:
    if isinstance(value, Decimal):
        return format_eur(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def report(strategy: Strategy | None = None) -> list[Finding]:
    """All findings, for one strategy or for every strategy."""
    findings: list[Finding] = []
    findings += _stated_figures(strategy)
    findings += _payments_above_approval(strategy)
    findings += _partner_shares(strategy)
    findings += _alignment_sources(strategy)
    return findings


def _stated_figures(strategy: Strategy | None) -> list[Finding]:
    qs = StatedFigure.objects.select_related("strategy", "scope_node", "scope_fund").order_by("strategy__slug", "order")
    if strategy is not None:
        qs = qs.filter(strategy=strategy)
    out = []
    for figure in qs:
        finding = _check_figure(figure)
        if finding is not None:
            out.append(finding)
    return out


def _subtree(figure: StatedFigure):
    nodes = Node.objects.filter(strategy=figure.strategy)
    if figure.scope_node is not None:
        nodes = nodes.filter(path__startswith=figure.scope_node.path)
    return nodes


def _check_figure(figure: StatedFigure) -> Finding | None:
    what = figure.what
    common = dict(
        strategy=figure.strategy.slug,
        subject=figure.label,
        source=figure.source,
        check="stated_figure",
        object_type="node" if figure.scope_node else "strategy",
        object_code=figure.scope_node.code if figure.scope_node else figure.strategy.slug,
    )
    if what == StatedWhat.NODES:
        nodes = _subtree(figure)
        if figure.scope_level:
            nodes = nodes.filter(level=figure.scope_level)
        computed = nodes.count()
        if computed != figure.count:
            return Finding(CONTRADICTION, stated=str(figure.count), computed=_("%(n)s in the data") % {"n": computed}, **common)
        return None
    if what in (StatedWhat.TARGET_DATE, StatedWhat.OBSERVATION_DATE):
        indicators = Indicator.objects.filter(node__in=_subtree(figure))
        if what == StatedWhat.TARGET_DATE:
            dates = set(indicators.exclude(target_date=None).values_list("target_date", flat=True))
        else:
            dates = set(Observation.objects.filter(indicator__in=indicators).values_list("date", flat=True))
        if figure.date not in dates:
            shown = ", ".join(sorted(_fmt(d) for d in dates)) or _("none")
            return Finding(
                CONTRADICTION, stated=_fmt(figure.date), computed=_("the data has %(dates)s") % {"dates": shown}, **common
            )
        return None

    fund_id = figure.scope_fund_id
    statuses = figure.scope_status or None
    if figure.scope_node is not None:
        rollup, lines = selectors._rollup_of(
            selectors._SUBTREE_PROJECTS, [figure.scope_node_id], fund_id=fund_id, statuses=statuses
        )
    else:
        pk = figure.strategy_id
        rollup, lines = selectors._rollup_of(selectors._STRATEGY_PROJECTS, [pk, pk], fund_id=fund_id, statuses=statuses)
    if what == StatedWhat.PROJECTS:
        if fund_id:
            # a project counts for a fund when one of its budget lines is from that fund
            computed = _count_projects_with_fund(figure, fund_id, statuses)
            if computed == 0:
                return Finding(
                    UNVERIFIABLE, stated=str(figure.count),
                    computed=_("no project in scope has a budget line from %(fund)s") % {"fund": figure.scope_fund.code},
                    **common,
                )
        else:
            computed = rollup.projects
        if computed != figure.count:
            return Finding(CONTRADICTION, stated=str(figure.count), computed=_("%(n)s in the data") % {"n": computed}, **common)
        return None
    computed = {
        StatedWhat.TOTAL: rollup.total,
        StatedWhat.SECURED: rollup.secured,
        StatedWhat.UNSECURED: rollup.unsecured,
        StatedWhat.PAID: rollup.paid,
        StatedWhat.CLAIMED: rollup.claimed,
    }[what]
    if fund_id and lines == 0 and what in (StatedWhat.TOTAL, StatedWhat.SECURED, StatedWhat.UNSECURED):
        return Finding(
            UNVERIFIABLE, stated=_fmt(figure.amount),
            computed=_("no project in scope has a budget line from %(fund)s") % {"fund": figure.scope_fund.code},
            **common,
        )
    if what in (StatedWhat.SECURED, StatedWhat.UNSECURED) and rollup.secured_unknown:
        # partly secured lines without their secured part: the data allows a range, not one figure
        low, high = computed, computed + rollup.secured_unknown
        if what == StatedWhat.UNSECURED:
            low, high = computed - rollup.secured_unknown, computed
        if low <= figure.amount <= high:
            return Finding(
                UNVERIFIABLE, stated=_fmt(figure.amount),
                computed=_("the rows allow %(low)s to %(high)s: %(unknown)s is partly secured without the part stated")
                % {"low": _fmt(low), "high": _fmt(high), "unknown": _fmt(rollup.secured_unknown)},
                **common,
            )
        return Finding(
            CONTRADICTION, stated=_fmt(figure.amount),
            computed=_("%(low)s to %(high)s from the rows") % {"low": _fmt(low), "high": _fmt(high)}, **common,
        )
    if computed != figure.amount:
        return Finding(
            CONTRADICTION, stated=_fmt(figure.amount),
            computed=_("%(amount)s from the rows") % {"amount": _fmt(computed)}, **common,
        )
    return None


def _count_projects_with_fund(figure: StatedFigure, fund_id: int, statuses) -> int:
    from .models import Project

    projects = Project.objects.filter(budget_lines__fund_id=fund_id)
    if figure.scope_node is not None:
        projects = projects.filter(nodes__in=_subtree(figure))
    else:
        projects = projects.filter(strategy=figure.strategy) | projects.filter(nodes__strategy=figure.strategy)
    if statuses:
        projects = projects.filter(status__in=statuses)
    return projects.distinct().count()


def _payments_above_approval(strategy: Strategy | None) -> list[Finding]:
    """Projects paid (or claimed) more than the approved, secured amount of their budget."""
    where = "WHERE pr.strategy_id = %s" if strategy is not None else ""
    sql = f"""
    SELECT s.slug, pr.code, pr.title,
           COALESCE((SELECT SUM({selectors._SECURED_SQL}) FROM projects_budgetline b WHERE b.project_id = pr.id), 0),
           COALESCE((SELECT SUM(p.amount) FROM projects_payment p WHERE p.project_id = pr.id AND p.state = 'paid'), 0),
           COALESCE((SELECT SUM(p.amount) FROM projects_payment p WHERE p.project_id = pr.id), 0)
    FROM projects_project pr JOIN strategies_strategy s ON s.id = pr.strategy_id
    {where}
    ORDER BY s.slug, pr."order"
    """
    out = []
    with connection.cursor() as cur:
        cur.execute(sql, [strategy.pk] if strategy is not None else [])
        for slug, code, title, approved, paid, paid_or_claimed in cur.fetchall():
            approved, paid, paid_or_claimed = (selectors._eur(x) for x in (approved, paid, paid_or_claimed))
            if paid_or_claimed > approved:
                label = _("paid") if paid > approved else _("paid and claimed")
                out.append(
                    Finding(
                        CONTRADICTION,
                        check="payment_above_approval",
                        strategy=slug,
                        subject=_("%(code)s %(title)s: %(what)s above approval") % {"code": code, "title": title, "what": label},
                        stated=_("approved %(amount)s") % {"amount": format_eur(approved)},
                        computed=_("%(what)s %(amount)s") % {
                            "what": label, "amount": format_eur(paid if paid > approved else paid_or_claimed)
                        },
                        object_type="project",
                        object_code=code,
                    )
                )
    return out


def _partner_shares(strategy: Strategy | None) -> list[Finding]:
    """Partners' budget shares that add up to more than the project's budget."""
    where = "AND pr.strategy_id = %s" if strategy is not None else ""
    sql = f"""
    SELECT s.slug, pr.code, pr.title, shares.total,
           (SELECT SUM(b.amount) FROM projects_budgetline b WHERE b.project_id = pr.id)
    FROM projects_project pr
    JOIN strategies_strategy s ON s.id = pr.strategy_id
    JOIN (SELECT project_id, SUM(budget_share) AS total FROM projects_partner
          WHERE budget_share IS NOT NULL GROUP BY project_id) shares ON shares.project_id = pr.id
    WHERE EXISTS (SELECT 1 FROM projects_budgetline b WHERE b.project_id = pr.id) {where}
    ORDER BY s.slug, pr."order"
    """
    out = []
    with connection.cursor() as cur:
        cur.execute(sql, [strategy.pk] if strategy is not None else [])
        for slug, code, title, shares, budget in cur.fetchall():
            shares, budget = selectors._eur(shares), selectors._eur(budget)
            if shares > budget:
                out.append(
                    Finding(
                        CONTRADICTION,
                        check="partner_shares",
                        strategy=slug,
                        subject=_("%(code)s %(title)s: partners' shares above the budget") % {"code": code, "title": title},
                        stated=_("shares %(amount)s") % {"amount": format_eur(shares)},
                        computed=_("budget %(amount)s") % {"amount": format_eur(budget)},
                        object_type="project",
                        object_code=code,
                    )
                )
    return out


def _alignment_sources(strategy: Strategy | None) -> list[Finding]:
    """A node whose links of one type are given differently by two parts of its document."""
    qs = Alignment.objects.select_related("declared_in", "source_node", "target_node").order_by("pk")
    if strategy is not None:
        qs = qs.filter(declared_in=strategy)
    groups: dict[tuple, list[Alignment]] = defaultdict(list)
    for a in qs:
        if a.sources:
            groups[(a.declared_in.slug, a.source_node_id, a.type)].append(a)
    out = []
    for (slug, _node, type_), links in groups.items():
        all_sources = sorted({src for a in links for src in a.sources})
        if len(all_sources) < 2:
            continue
        per_source = {src: sorted(a.target_node.code for a in links if src in a.sources) for src in all_sources}
        if len({tuple(v) for v in per_source.values()}) == 1:
            continue
        node = links[0].source_node
        described = [f"{src}: {', '.join(codes) or '–'}" for src, codes in per_source.items()]
        out.append(
            Finding(
                CONTRADICTION,
                check="alignment_sources",
                strategy=slug,
                subject=_("%(code)s %(title)s: links (%(type)s) differ between sources")
                % {"code": node.code, "title": node.title, "type": links[0].get_type_display()},
                stated=described[0],
                computed="; ".join(described[1:]),
                object_type="node",
                object_code=node.code,
            )
        )
    return out


def locations(findings: list[Finding]) -> dict[int, str]:
    """Finding index → URL of the page where the figure lives (strategy, node or project); two queries."""
    from django.urls import reverse

    from .models import Project

    wanted_nodes = {(f.strategy, f.object_code) for f in findings if f.object_type == "node"}
    wanted_projects = {(f.strategy, f.object_code) for f in findings if f.object_type == "project"}
    known_nodes = set()
    if wanted_nodes:
        q = Node.objects.filter(strategy__slug__in={s for s, _ in wanted_nodes}, code__in={c for _, c in wanted_nodes})
        known_nodes = set(q.values_list("strategy__slug", "code"))
    known_projects = set()
    if wanted_projects:
        q = Project.objects.filter(
            strategy__slug__in={s for s, _ in wanted_projects}, code__in={c for _, c in wanted_projects}
        )
        known_projects = set(q.values_list("strategy__slug", "code"))
    out = {}
    for i, f in enumerate(findings):
        key = (f.strategy, f.object_code)
        if f.object_type == "node" and key in known_nodes:
            out[i] = reverse("node", args=list(key))
        elif f.object_type == "project" and key in known_projects:
            out[i] = reverse("project", args=list(key))
        else:
            out[i] = reverse("strategy", args=[f.strategy])
    return out
