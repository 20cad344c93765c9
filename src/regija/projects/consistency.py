"""Consistency checks: where a figure a document states differs from what its parts add up to.

Each finding names the strategy, where the figure comes from, and both figures. A dataset whose
stated totals, counts and links agree with its rows yields no contradictions.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from regija.core import dates
from regija.core.models import Organisation
from regija.core.money import format_eur
from regija.strategies.models import Alignment, Indicator, Node, Observation, OrganisationStatement, Strategy

from . import selectors
from .models import Fund, FundStatement, Project, StatedFigure, StatedWhat

CONTRADICTION = "contradiction"
UNVERIFIABLE = "unverifiable"


@dataclasses.dataclass(frozen=True)
class Finding:
    kind: str  # CONTRADICTION or UNVERIFIABLE
    check: str  # stated_figure, payment_above_approval, partner_shares, alignment_sources, shared_facts
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
            stated = _("stated")  # outside the f-string: xgettext does not read inside one
            return f"{self.strategy}: {self.subject}{where}: {stated} {self.stated}; {self.computed}"
        return f"{self.strategy}: {self.subject}{where}: {self.stated} ≠ {self.computed}"


def _fmt(value) -> str:
    if isinstance(value, Decimal):
        return format_eur(value, get_language() or "sl")
    if hasattr(value, "isoformat"):
        return dates.day(value)
    return str(value)


def report(strategy: Strategy | None = None) -> list[Finding]:
    """All findings, for one strategy or for every strategy.

    Runs a fixed number of queries (at most fourteen), however many strategies, figures, nodes and projects
    there are.
    """
    findings: list[Finding] = []
    findings += _stated_figures(strategy)
    findings += _payments_above_approval(strategy)
    findings += _partner_shares(strategy)
    findings += _alignment_sources(strategy)
    findings += _shared_facts(strategy)
    return findings


def other_findings(strategy: Strategy | None = None) -> list[Finding]:
    """The findings of the checks other apps register with ``core.registry.register_consistency_check``
    (the lake: what a document's text claims about its own tables), for ``regija check``."""
    from regija.core import registry

    found: list[Finding] = []
    for check in registry.consistency_checks():
        found += check(strategy)
    return found


def _stated_figures(strategy: Strategy | None) -> list[Finding]:
    qs = StatedFigure.objects.select_related("strategy", "scope_node", "scope_fund").order_by(
        "strategy__slug", "order"
    )
    if strategy is not None:
        qs = qs.filter(strategy=strategy)
    figures = list(qs)
    if not figures:
        return []
    data = _ScopeData.load(figures)
    out = []
    for figure in figures:
        finding = _check_figure(figure, data)
        if finding is not None:
            out.append(finding)
    return out


# Money of one project (for all its funds or for one): cents, and how many budget lines.
_TOTAL, _SECURED, _UNKNOWN, _LINES, _PAID, _CLAIMED = range(6)
_NO_MONEY = (0, 0, 0, 0, 0, 0)


class _ScopeData:
    """Everything the stated figures of some strategies are checked against, read in a fixed number
    of queries.

    The strategies are those of the figures and of their scope nodes. Their nodes (with path and level),
    indicator target and observation dates per node, the projects listed in them or linked to their nodes
    (with status) and those projects' money per fund are read as whole sets; the roll-up of any scope is
    then added up here, with the same rules as `selectors._rollup_of` – except that a withdrawn project
    counts in total and secured like any other: a document's total counts an operation approved and then
    withdrawn, and ``scope.status`` states a figure without it (docs/strategy-file.md).
    """

    def __init__(self):
        self.nodes: dict[int, list[tuple[int, str, str]]] = defaultdict(list)  # strategy → (id, path, level)
        self.target_dates: dict[int, set] = defaultdict(set)  # node → indicator target dates
        self.observation_dates: dict[int, set] = defaultdict(set)  # node → observation dates
        self.status: dict[int, str] = {}  # project → status
        self.listed: dict[int, set[int]] = defaultdict(set)  # strategy → projects listed in it
        self.linked: dict[int, set[int]] = defaultdict(set)  # node → projects linked to it
        self.money: dict[int, dict[int | None, tuple]] = defaultdict(
            dict
        )  # project → fund (None: all) → money
        self.project_ids: dict[tuple[int, str], int] = {}  # (strategy, code) → project
        self.project_label: dict[int, str] = {}  # project → "code title"
        self.project_dates: dict[int, tuple[str, str]] = {}  # project → (start, end), partial dates
        self.countries: dict[int, set[str]] = defaultdict(set)  # project → countries of holder and partners
        self.territory: dict[str, list[str]] = {}  # strategy slug → its territory
        self._projects_cache: dict[tuple, frozenset[int]] = {}

    @classmethod
    def load(cls, figures: list[StatedFigure]) -> _ScopeData:

        data = cls()
        ids = {f.strategy_id for f in figures} | {f.scope_node.strategy_id for f in figures if f.scope_node}
        ids = sorted(ids)
        for pk, strategy_id, path, level in (
            Node.objects.filter(strategy_id__in=ids)
            .order_by()
            .values_list("id", "strategy_id", "path", "level")
        ):
            data.nodes[strategy_id].append((pk, path, level))
        for node_id, date in (
            Indicator.objects.filter(node__strategy_id__in=ids)
            .exclude(target_date=None)
            .order_by()
            .values_list("node_id", "target_date")
            .distinct()
        ):
            data.target_dates[node_id].add(date)
        for node_id, date in (
            Observation.objects.filter(indicator__node__strategy_id__in=ids)
            .order_by()
            .values_list("indicator__node_id", "date")
            .distinct()
        ):
            data.observation_dates[node_id].add(date)
        link = Project.nodes.through
        for project_id, node_id in (
            link.objects.filter(node__strategy_id__in=ids).order_by().values_list("project_id", "node_id")
        ):
            data.linked[node_id].add(project_id)
        marks = ", ".join(["%s"] * len(ids))
        in_scope = f"""
            SELECT id FROM projects_project WHERE strategy_id IN ({marks})
            UNION
            SELECT pn.project_id FROM projects_project_nodes pn
            JOIN strategies_node n ON n.id = pn.node_id WHERE n.strategy_id IN ({marks})"""  # noqa: S608 - only %s placeholders go in; the strategy ids are parameters
        with connection.cursor() as cur:
            cur.execute(
                'SELECT id, strategy_id, status, code, title, start, "end" FROM projects_project '  # noqa: S608 - in_scope is our SQL above; the ids are parameters
                f"WHERE id IN ({in_scope})",
                ids * 2,
            )
            for pk, strategy_id, status, code, title, start, end in cur.fetchall():
                data.status[pk] = status
                data.listed[strategy_id].add(pk)
                data.project_ids[(strategy_id, code)] = pk
                data.project_label[pk] = f"{code} {title}"
                data.project_dates[pk] = (start or "", end or "")
            # the countries of each project's holder and partners (read always: the number of queries
            # does not depend on which figures there are)
            cur.execute(
                f"""
                SELECT pr.id, o.country FROM projects_project pr
                JOIN core_organisation o ON o.id = pr.holder_id WHERE pr.id IN ({in_scope})
                UNION
                SELECT pa.project_id, o.country FROM projects_partner pa
                JOIN core_organisation o ON o.id = pa.organisation_id
                WHERE pa.project_id IN ({in_scope})""",  # noqa: S608 - our SQL; ids are parameters
                ids * 4,
            )
            for project_id, country in cur.fetchall():
                if country:
                    data.countries[project_id].add(country)
            # one row per project and fund: its budget lines and payments from that fund
            cur.execute(
                f"""
                SELECT x.project_id, x.fund_id, SUM(x.total), SUM(x.secured), SUM(x.unknown), SUM(x.lines),
                       SUM(x.paid), SUM(x.claimed)
                FROM (
                    SELECT b.project_id, b.fund_id, b.amount AS total, {selectors.SECURED_SQL} AS secured,
                           {selectors.UNKNOWN_SQL} AS unknown, 1 AS lines, 0 AS paid, 0 AS claimed
                    FROM projects_budgetline b WHERE b.project_id IN ({in_scope})
                    UNION ALL
                    SELECT p.project_id, p.fund_id, 0, 0, 0, 0,
                           CASE WHEN p.state = 'paid' THEN p.amount ELSE 0 END,
                           CASE WHEN p.state = 'claimed' THEN p.amount ELSE 0 END
                    FROM projects_payment p WHERE p.project_id IN ({in_scope})
                ) x
                GROUP BY x.project_id, x.fund_id""",  # noqa: S608 - our SQL (SECURED_SQL, UNKNOWN_SQL, in_scope); ids are parameters
                ids * 4,
            )
            for project_id, fund_id, *sums in cur.fetchall():
                sums = tuple(int(v or 0) for v in sums)
                per_fund = data.money[project_id]
                per_fund[fund_id] = sums
                per_fund[None] = tuple(
                    a + b for a, b in zip(per_fund.get(None, _NO_MONEY), sums, strict=True)
                )
        # every strategy's territory (a short list each): a `territory` figure may count another strategy's
        data.territory = dict(Strategy.objects.order_by().values_list("slug", "territory"))
        return data

    def subtree(self, strategy_id: int, node: Node | None) -> list[tuple[int, str, str]]:
        """Nodes of the strategy at or below the node (all of them without a node), as (id, path, level)."""
        nodes = self.nodes.get(strategy_id, [])
        if node is None:
            return nodes
        return [n for n in nodes if n[1].startswith(node.path)]

    def strategy_projects(self, strategy_id: int) -> frozenset[int]:
        """Projects listed in the strategy or linked to any of its nodes
        (as `selectors._STRATEGY_PROJECTS`)."""
        key = ("strategy", strategy_id)
        if key not in self._projects_cache:
            projects = set(self.listed.get(strategy_id, ()))
            for pk, _path, _level in self.subtree(strategy_id, None):
                projects |= self.linked.get(pk, set())
            self._projects_cache[key] = frozenset(projects)
        return self._projects_cache[key]

    def subtree_projects(self, strategy_id: int, node: Node) -> frozenset[int]:
        """Projects linked to nodes of the strategy at or below the node
        (as `selectors._SUBTREE_PROJECTS`)."""
        key = ("node", strategy_id, node.pk)
        if key not in self._projects_cache:
            projects: set[int] = set()
            for pk, _path, _level in self.subtree(strategy_id, node):
                projects |= self.linked.get(pk, set())
            self._projects_cache[key] = frozenset(projects)
        return self._projects_cache[key]

    def rollup(self, projects, *, fund_id: int | None = None, statuses=None) -> tuple[selectors.Rollup, int]:
        """What `selectors._rollup_of` gives for these projects, withdrawn ones counted in total and
        secured (see the class): the roll-up and the number of budget lines."""
        if statuses:
            projects = [p for p in projects if self.status.get(p) in statuses]
        sums = [0] * 6
        for p in projects:
            money = self.money.get(p, {}).get(fund_id, _NO_MONEY)
            for i in range(6):
                sums[i] += money[i]
        eur = selectors.eur_from_cents
        rollup = selectors.Rollup(
            len(projects),
            eur(sums[_TOTAL]),
            eur(sums[_SECURED]),
            eur(sums[_PAID]),
            eur(sums[_CLAIMED]),
            eur(sums[_UNKNOWN]),
        )
        return rollup, sums[_LINES]

    def count_with_fund(self, projects, fund_id: int, statuses=None) -> int:
        """How many of the projects have a budget line from the fund (and one of the statuses, if given)."""
        return sum(
            1
            for p in projects
            if self.money.get(p, {}).get(fund_id, _NO_MONEY)[_LINES]
            and (not statuses or self.status.get(p) in statuses)
        )


def _check_figure(figure: StatedFigure, data: _ScopeData) -> Finding | None:
    what = figure.what
    common = dict(
        strategy=figure.strategy.slug,
        subject=figure.label,
        source=figure.source,
        check="stated_figure",
        object_type="node" if figure.scope_node else "strategy",
        object_code=figure.scope_node.code if figure.scope_node else figure.strategy.slug,
    )
    if figure.value is None:  # entered without its value (the back office allows it while editing)
        return Finding(UNVERIFIABLE, stated="–", computed=_("the figure has no value"), **common)
    if what == StatedWhat.NODES:
        nodes = data.subtree(figure.strategy_id, figure.scope_node)
        if figure.scope_level:
            nodes = [n for n in nodes if n[2] == figure.scope_level]
        computed = len(nodes)
        if computed != figure.count:
            return Finding(
                CONTRADICTION,
                stated=str(figure.count),
                computed=_("%(n)s in the data") % {"n": computed},
                **common,
            )
        return None
    if what in (StatedWhat.TARGET_DATE, StatedWhat.OBSERVATION_DATE):
        per_node = data.target_dates if what == StatedWhat.TARGET_DATE else data.observation_dates
        dates = set()
        for pk, _path, _level in data.subtree(figure.strategy_id, figure.scope_node):
            dates |= per_node.get(pk, set())
        if figure.date not in dates:
            shown = ", ".join(sorted(_fmt(d) for d in dates)) or _("none")
            return Finding(
                CONTRADICTION,
                stated=_fmt(figure.date),
                computed=_("the data has %(dates)s") % {"dates": shown},
                **common,
            )
        return None

    if what == StatedWhat.TERRITORY:
        return _check_territory(figure, data, common)

    fund_id = figure.scope_fund_id
    statuses = figure.scope_status or None
    if figure.scope_node is not None:
        projects = data.subtree_projects(figure.scope_node.strategy_id, figure.scope_node)
    else:
        projects = data.strategy_projects(figure.strategy_id)
    if figure.scope_projects:
        named = [data.project_ids.get((figure.strategy_id, code)) for code in figure.scope_projects]
        missing = [code for code, pk in zip(figure.scope_projects, named, strict=True) if pk is None]
        if missing:
            return Finding(
                UNVERIFIABLE,
                stated=_fmt_value(figure),
                computed=_("the data has no project %(codes)s") % {"codes": ", ".join(missing)},
                **common,
            )
        # the named projects, within the node when one is given too
        projects = frozenset(
            pk for pk in named if pk is not None and (figure.scope_node is None or pk in projects)
        )
    if what in (StatedWhat.COUNTRIES, StatedWhat.PAID_IN_FULL, StatedWhat.YEAR):
        chosen = sorted(projects)
        if fund_id:
            chosen = [p for p in chosen if data.money.get(p, {}).get(fund_id, _NO_MONEY)[_LINES]]
        if statuses:
            chosen = [p for p in chosen if data.status.get(p) in statuses]
        check = {
            StatedWhat.COUNTRIES: _check_countries,
            StatedWhat.PAID_IN_FULL: _check_paid_in_full,
            StatedWhat.YEAR: _check_year,
        }[what]
        return check(figure, data, chosen, common)
    rollup, lines = data.rollup(projects, fund_id=fund_id, statuses=statuses)
    if what == StatedWhat.PROJECTS:
        if fund_id:
            # a project counts for a fund when one of its budget lines is from that fund; node scopes are
            # nodes of the figure's own strategy
            if figure.scope_node is not None:
                counted = data.subtree_projects(figure.strategy_id, figure.scope_node)
            else:
                counted = projects
            computed = data.count_with_fund(counted, fund_id, statuses)
            if computed == 0:
                return Finding(
                    UNVERIFIABLE,
                    stated=str(figure.count),
                    computed=_("no project in scope has a budget line from %(fund)s")
                    % {"fund": figure.scope_fund.code},
                    **common,
                )
        else:
            computed = rollup.projects
        if computed != figure.count:
            return Finding(
                CONTRADICTION,
                stated=str(figure.count),
                computed=_("%(n)s in the data") % {"n": computed},
                **common,
            )
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
            UNVERIFIABLE,
            stated=_fmt(figure.amount),
            computed=_("no project in scope has a budget line from %(fund)s")
            % {"fund": figure.scope_fund.code},
            **common,
        )
    if what in (StatedWhat.SECURED, StatedWhat.UNSECURED) and rollup.secured_unknown:
        # partly secured lines without their secured part: the data allows a range, not one figure
        low, high = computed, computed + rollup.secured_unknown
        if what == StatedWhat.UNSECURED:
            low, high = computed - rollup.secured_unknown, computed
        if low <= figure.amount <= high:
            return Finding(
                UNVERIFIABLE,
                stated=_fmt(figure.amount),
                computed=_(
                    "the rows allow %(low)s to %(high)s: "
                    "%(unknown)s is partly secured without the part stated"
                )
                % {"low": _fmt(low), "high": _fmt(high), "unknown": _fmt(rollup.secured_unknown)},
                **common,
            )
        return Finding(
            CONTRADICTION,
            stated=_fmt(figure.amount),
            computed=_("%(low)s to %(high)s from the rows") % {"low": _fmt(low), "high": _fmt(high)},
            **common,
        )
    if computed != figure.amount:
        return Finding(
            CONTRADICTION,
            stated=_fmt(figure.amount),
            computed=_("%(amount)s from the rows") % {"amount": _fmt(computed)},
            **common,
        )
    return None


def _fmt_value(figure: StatedFigure) -> str:
    return _fmt(figure.value)


def _check_countries(
    figure: StatedFigure, data: _ScopeData, projects: list[int], common: dict
) -> Finding | None:
    """How many countries the holders and partners of the projects in scope come from."""
    countries = sorted({c for p in projects for c in data.countries.get(p, ())})
    if len(countries) != figure.count:
        return Finding(
            CONTRADICTION,
            stated=str(figure.count),
            computed=_("%(n)s in the data: %(countries)s")
            % {"n": len(countries), "countries": ", ".join(countries)},
            **common,
        )
    return None


def _check_paid_in_full(
    figure: StatedFigure, data: _ScopeData, projects: list[int], common: dict
) -> Finding | None:
    """How many of the projects in scope were paid their whole approved (secured) amount."""
    full, short, unknown = [], [], []
    for p in projects:
        money = data.money.get(p, {}).get(None, _NO_MONEY)
        if not money[_LINES] or not money[_SECURED]:
            unknown.append(p)  # no approved (secured) amount to compare the payments with
        elif money[_PAID] >= money[_SECURED]:
            full.append(p)
        else:
            short.append(p)
    eur = selectors.eur_from_cents
    # the stated number must lie between the projects shown paid in full and those that may be
    if len(full) > figure.count or len(full) + len(unknown) < figure.count:
        described = "; ".join(
            _("%(project)s: paid %(paid)s of %(approved)s")
            % {
                "project": data.project_label[p],
                "paid": _fmt(eur(data.money[p][None][_PAID])),
                "approved": _fmt(eur(data.money[p][None][_SECURED])),
            }
            for p in short
        )
        computed = _("%(n)s in the data") % {"n": len(full)}
        if described:
            computed = f"{computed} ({described})"
        return Finding(CONTRADICTION, stated=str(figure.count), computed=computed, **common)
    if len(full) != figure.count:
        return Finding(
            UNVERIFIABLE,
            stated=str(figure.count),
            computed=_("%(n)s in the data; without an approved amount: %(projects)s")
            % {"n": len(full), "projects": ", ".join(data.project_label[p] for p in unknown)},
            **common,
        )
    return None


def _check_year(figure: StatedFigure, data: _ScopeData, projects: list[int], common: dict) -> Finding | None:
    """Whether the projects in scope took place in the stated year, as their start and end dates say."""
    year = figure.count
    if not projects:
        return Finding(UNVERIFIABLE, stated=str(year), computed=_("no project in scope"), **common)
    elsewhere, undated = [], []
    for p in projects:
        start, end = data.project_dates.get(p, ("", ""))
        if not start and not end:
            undated.append(p)
            continue
        first, last = int((start or end)[:4]), int((end or start)[:4])
        if not first <= year <= last:
            elsewhere.append(f"{data.project_label[p]}: {dates.period(start or None, end or None)}")
    if elsewhere:
        return Finding(
            CONTRADICTION,
            stated=str(year),
            computed=_("the data dates %(projects)s") % {"projects": "; ".join(elsewhere)},
            **common,
        )
    if undated:
        return Finding(
            UNVERIFIABLE,
            stated=str(year),
            computed=_("no dates in the data for %(projects)s")
            % {"projects": ", ".join(data.project_label[p] for p in undated)},
            **common,
        )
    return None


def _check_territory(figure: StatedFigure, data: _ScopeData, common: dict) -> Finding | None:
    """How many places (municipalities) the territory of a strategy – this one or another – lists."""
    slug = figure.scope_strategy or figure.strategy.slug
    territory = data.territory.get(slug)
    if territory is None:
        return Finding(
            UNVERIFIABLE,
            stated=str(figure.count),
            computed=_("strategy %(slug)s is not loaded") % {"slug": slug},
            **common,
        )
    if len(territory) != figure.count:
        return Finding(
            CONTRADICTION,
            stated=str(figure.count),
            computed=_("%(n)s in the territory of %(slug)s: %(places)s")
            % {"n": len(territory), "slug": slug, "places": ", ".join(territory)},
            **common,
        )
    return None


def _payments_above_approval(strategy: Strategy | None) -> list[Finding]:
    """Projects paid (or claimed) more than the approved, secured amount of their budget."""
    where = "WHERE pr.strategy_id = %s" if strategy is not None else ""
    sql = f"""
    SELECT s.slug, pr.code, pr.title,
           COALESCE((SELECT SUM({selectors.SECURED_SQL}) FROM projects_budgetline b
                     WHERE b.project_id = pr.id), 0),
           COALESCE((SELECT SUM(p.amount) FROM projects_payment p
                     WHERE p.project_id = pr.id AND p.state = 'paid'), 0),
           COALESCE((SELECT SUM(p.amount) FROM projects_payment p WHERE p.project_id = pr.id), 0)
    FROM projects_project pr JOIN strategies_strategy s ON s.id = pr.strategy_id
    {where}
    ORDER BY s.slug, pr."order"
    """  # noqa: S608 - our SQL constants and a fixed WHERE; the strategy id is a parameter
    out = []
    with connection.cursor() as cur:
        cur.execute(sql, [strategy.pk] if strategy is not None else [])
        for slug, code, title, approved, paid, paid_or_claimed in cur.fetchall():
            approved, paid, paid_or_claimed = (
                selectors.eur_from_cents(x) for x in (approved, paid, paid_or_claimed)
            )
            if paid_or_claimed > approved:
                label = _("paid") if paid > approved else _("paid and claimed")
                out.append(
                    Finding(
                        CONTRADICTION,
                        check="payment_above_approval",
                        strategy=slug,
                        subject=_("%(code)s %(title)s: %(what)s above approval")
                        % {"code": code, "title": title, "what": label},
                        stated=_("approved %(amount)s") % {"amount": _fmt(approved)},
                        computed=_("%(what)s %(amount)s")
                        % {"what": label, "amount": _fmt(paid if paid > approved else paid_or_claimed)},
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
    """  # noqa: S608 - a fixed AND clause only; the strategy id is a parameter
    out = []
    with connection.cursor() as cur:
        cur.execute(sql, [strategy.pk] if strategy is not None else [])
        for slug, code, title, shares, budget in cur.fetchall():
            shares, budget = selectors.eur_from_cents(shares), selectors.eur_from_cents(budget)
            if shares > budget:
                out.append(
                    Finding(
                        CONTRADICTION,
                        check="partner_shares",
                        strategy=slug,
                        subject=_("%(code)s %(title)s: partners' shares above the budget")
                        % {"code": code, "title": title},
                        stated=_("shares %(amount)s") % {"amount": _fmt(shares)},
                        computed=_("budget %(amount)s") % {"amount": _fmt(budget)},
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
    for (slug, _node, _type), links in groups.items():
        all_sources = sorted({src for a in links for src in a.sources})
        if len(all_sources) < 2:
            continue
        per_source = {
            src: sorted(a.target_node.code for a in links if src in a.sources) for src in all_sources
        }
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


def _shared_facts(strategy: Strategy | None) -> list[Finding]:
    """A shared organisation or fund of which two documents state a fact differently (another name,
    another parent): the later document's statement against the earliest one that gives the fact,
    which is what the organisation or fund shows. Sources differ by nature and are not compared."""
    out = []
    for model, statements, key, facts in (
        (Organisation, OrganisationStatement.objects.select_related("organisation"), "organisation", "slug"),
        (Fund, FundStatement.objects.select_related("fund"), "fund", "code"),
    ):
        rows = statements.select_related("strategy").order_by(f"{key}_id", "strategy_id")
        if strategy is not None:
            # the statements of the strategy's organisations (funds), with those of the other documents
            mine = statements.filter(strategy=strategy).values(f"{key}_id")
            rows = rows.filter(**{f"{key}_id__in": mine})
        by_row: dict[int, list] = defaultdict(list)
        for st in rows:
            by_row[getattr(st, f"{key}_id")].append(st)
        for group in by_row.values():
            first: dict[str, tuple] = {}
            for st in group:
                for fact, value in st.facts.items():
                    if fact == "source" or value in (None, ""):
                        continue
                    if fact not in first:
                        first[fact] = (st.strategy.slug, value)
                        continue
                    earliest, shown = first[fact]
                    if value == shown or (strategy is not None and st.strategy_id != strategy.pk):
                        continue
                    code = getattr(getattr(st, key), facts)
                    out.append(
                        Finding(
                            CONTRADICTION,
                            check="shared_facts",
                            strategy=st.strategy.slug,
                            subject=_("%(what)s %(code)s, %(fact)s")
                            % {
                                "what": model._meta.verbose_name,
                                "code": code,
                                "fact": model._meta.get_field(fact).verbose_name,
                            },
                            stated=str(value),
                            computed=f"{shown} ({earliest})",
                            object_type=key,
                            object_code=code,
                        )
                    )
    return out


def locations(findings: list[Finding]) -> dict[int, str]:
    """Finding index → URL of the page where the figure lives (strategy, node or project); two queries."""
    from django.urls import reverse

    wanted_nodes = {(f.strategy, f.object_code) for f in findings if f.object_type == "node"}
    wanted_projects = {(f.strategy, f.object_code) for f in findings if f.object_type == "project"}
    known_nodes = set()
    if wanted_nodes:
        q = Node.objects.filter(
            strategy__slug__in={s for s, _ in wanted_nodes}, code__in={c for _, c in wanted_nodes}
        )
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
        elif f.object_type == "organisation":
            out[i] = reverse("organisation", args=[f.object_code])
        else:
            out[i] = reverse("strategy", args=[f.strategy])
    return out
