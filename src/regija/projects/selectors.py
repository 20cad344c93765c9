"""Reads of projects and funds: the money roll-ups per node, strategy and fund, and absorption.

Every roll-up is computed here, once, in SQL over whole sets (never a query per project or node),
and used alike by pages, the API, reports and the consistency checks. Money is stored as cents,
so the sums are exact integers on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import re
from collections.abc import Collection, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.db import connection, models
from django.db.models import QuerySet

from regija.core import caching
from regija.core.collation import slovenian, sort_key
from regija.core.models import Organisation, OrganisationKind
from regija.core.money import CENT
from regija.strategies.models import Node, Strategy

from .filters import ProjectFilters, strategy_projects
from .models import Allocation, BudgetLine, Fund, Partner, Payment, Project, place_name

ZERO = Decimal("0.00")


@dataclasses.dataclass(frozen=True)
class Rollup:
    """Money of a set of projects: counted once each, whatever the number of nodes they serve."""

    projects: int = 0
    total: Decimal = ZERO
    secured: Decimal = ZERO
    paid: Decimal = ZERO
    claimed: Decimal = ZERO
    # partly secured lines whose secured part the source does not give: somewhere between 0 and this
    secured_unknown: Decimal = ZERO
    # withdrawn projects: counted in ``projects`` but not in total, secured or secured_unknown; their
    # planned money is this figure instead (what was paid to them stays in ``paid``)
    withdrawn: int = 0
    withdrawn_total: Decimal = ZERO

    @property
    def unsecured(self) -> Decimal:
        """Not secured, counting partly secured lines of unknown split as unsecured."""
        return self.total - self.secured

    @property
    def secured_share(self) -> Decimal | None:
        return None if not self.total else (self.secured / self.total)


def _pk(obj: models.Model | int) -> int:
    """The primary key of a model instance, or the number given instead of one."""
    return obj if isinstance(obj, int) else obj.pk


def eur_from_cents(cents: int | str | Decimal | None) -> Decimal:
    """A sum of cents from raw SQL (None when no row) as euros with two decimals."""
    return (Decimal(cents or 0) / 100).quantize(CENT)


# The secured part of a budget line: all of it, the stated part, or nothing.
SECURED_SQL = (
    "CASE WHEN b.secured = 'yes' THEN b.amount "
    "WHEN b.secured = 'partly' THEN COALESCE(b.secured_amount, 0) ELSE 0 END"
)
# The part of a partly secured line whose secured share the source does not give.
UNKNOWN_SQL = "CASE WHEN b.secured = 'partly' AND b.secured_amount IS NULL THEN b.amount ELSE 0 END"

# The columns of a Rollup over per-project `money` and `pay` rows joined with the project as `pr`: a
# withdrawn project's money is planned no more, so it is left out of the planned and secured sums and
# summed apart (its count and planned total); what was paid or claimed is counted whatever the status.
_LIVE = "pr.status <> 'withdrawn'"
ROLLUP_SQL = f"""COUNT(*),
    SUM(CASE WHEN {_LIVE} THEN money.total ELSE 0 END),
    SUM(CASE WHEN {_LIVE} THEN money.secured ELSE 0 END),
    SUM(pay.paid), SUM(pay.claimed),
    SUM(CASE WHEN {_LIVE} THEN money.unknown ELSE 0 END),
    SUM(CASE WHEN {_LIVE} THEN 0 ELSE 1 END),
    SUM(CASE WHEN {_LIVE} THEN 0 ELSE money.total END)"""


def _rollup(row: Iterable[Any]) -> Rollup:
    """A Rollup from the eight ROLLUP_SQL columns."""
    count, total, secured, paid, claimed, unknown, withdrawn, withdrawn_total = row
    return Rollup(
        int(count or 0),
        eur_from_cents(total),
        eur_from_cents(secured),
        eur_from_cents(paid),
        eur_from_cents(claimed),
        eur_from_cents(unknown),
        int(withdrawn or 0),
        eur_from_cents(withdrawn_total),
    )


def _money_ctes(projects_cte: str, fund_id: int | None) -> tuple[str, list[int]]:
    """SQL CTEs `money` and `pay` per project of the CTE `ps(project_id)`, optionally for one fund."""
    fund_b = " AND b.fund_id = %s" if fund_id else ""
    fund_p = " AND p.fund_id = %s" if fund_id else ""
    sql = f"""
    WITH ps AS ({projects_cte}),
    money AS (
        SELECT b.project_id, SUM(b.amount) AS total, SUM({SECURED_SQL}) AS secured,
               SUM({UNKNOWN_SQL}) AS unknown, COUNT(*) AS lines
        FROM projects_budgetline b
        WHERE b.project_id IN (SELECT project_id FROM ps){fund_b}
        GROUP BY b.project_id
    ),
    pay AS (
        SELECT p.project_id,
               SUM(CASE WHEN p.state = 'paid' THEN p.amount ELSE 0 END) AS paid,
               SUM(CASE WHEN p.state = 'claimed' THEN p.amount ELSE 0 END) AS claimed
        FROM projects_payment p
        WHERE p.project_id IN (SELECT project_id FROM ps){fund_p}
        GROUP BY p.project_id
    )"""  # noqa: S608 - callers pass our own CTE constants; the fund id is a parameter
    return sql, [fund_id] if fund_id else []  # one fund filter; the caller passes it for money and pay


def _rollup_of(
    projects_cte: str,
    params: list[int],
    *,
    fund_id: int | None = None,
    statuses: Collection[str] | None = None,
) -> tuple[Rollup, int]:
    """Roll up the projects that `projects_cte` selects; also return how many budget lines matched."""
    ctes, money_params = _money_ctes(projects_cte, fund_id)
    status_sql = ""
    status_params: list[str] = []
    if statuses:
        marks = ", ".join(["%s"] * len(statuses))
        status_sql = f" WHERE ps.project_id IN (SELECT id FROM projects_project WHERE status IN ({marks}))"  # noqa: S608 - %s placeholders only; the statuses are parameters
        status_params = list(statuses)
    sql = f"""{ctes}
    SELECT {ROLLUP_SQL}, SUM(money.lines)
    FROM ps
    JOIN projects_project pr ON pr.id = ps.project_id
    LEFT JOIN money ON money.project_id = ps.project_id
    LEFT JOIN pay ON pay.project_id = ps.project_id{status_sql}"""  # noqa: S608 - our CTEs and status filter; all values are parameters
    # parameters in order: those of ps, the fund filter of money, of pay, then the statuses
    with connection.cursor() as cur:
        cur.execute(sql, [*params, *money_params, *money_params, *status_params])
        *row, lines = cur.fetchone()
    return _rollup(row), int(lines or 0)


_STRATEGY_PROJECTS = """
    SELECT id AS project_id FROM projects_project WHERE strategy_id = %s
    UNION
    SELECT pn.project_id FROM projects_project_nodes pn
    JOIN strategies_node n ON n.id = pn.node_id WHERE n.strategy_id = %s
"""

_SUBTREE_PROJECTS = """
    SELECT DISTINCT pn.project_id FROM projects_project_nodes pn
    JOIN strategies_node d ON d.id = pn.node_id
    JOIN strategies_node anc ON anc.id = %s
    WHERE d.strategy_id = anc.strategy_id AND d.path LIKE anc.path || '%%'
"""


def strategy_rollup(
    strategy: Strategy | int, *, fund_id: int | None = None, statuses: Collection[str] | None = None
) -> Rollup:
    """Projects listed in the strategy or linked to any of its nodes, each counted once."""
    pk = _pk(strategy)
    return _rollup_of(_STRATEGY_PROJECTS, [pk, pk], fund_id=fund_id, statuses=statuses)[0]


def overall_rollup() -> Rollup:
    """Every project of every strategy, each counted once: the start page's headline money."""
    return _rollup_of("SELECT id AS project_id FROM projects_project", [])[0]


def node_rollup(
    node: Node | int, *, fund_id: int | None = None, statuses: Collection[str] | None = None
) -> Rollup:
    """Projects linked to the node or to any node below it, each counted once."""
    pk = _pk(node)
    return _rollup_of(_SUBTREE_PROJECTS, [pk], fund_id=fund_id, statuses=statuses)[0]


def node_rollups(strategy: Strategy | int) -> dict[int, Rollup]:
    """Roll-up of every node of a strategy (node id → Rollup) in one query; nodes without projects
    are absent."""
    pk = _pk(strategy)
    sql = f"""
    WITH pairs AS (
        SELECT DISTINCT anc.id AS node_id, pn.project_id AS project_id
        FROM strategies_node anc
        JOIN strategies_node d ON d.strategy_id = anc.strategy_id AND d.path LIKE anc.path || '%%'
        JOIN projects_project_nodes pn ON pn.node_id = d.id
        WHERE anc.strategy_id = %s
    ),
    money AS (
        SELECT b.project_id, SUM(b.amount) AS total, SUM({SECURED_SQL}) AS secured,
               SUM({UNKNOWN_SQL}) AS unknown
        FROM projects_budgetline b
        WHERE b.project_id IN (SELECT project_id FROM pairs)
        GROUP BY b.project_id
    ),
    pay AS (
        SELECT p.project_id,
               SUM(CASE WHEN p.state = 'paid' THEN p.amount ELSE 0 END) AS paid,
               SUM(CASE WHEN p.state = 'claimed' THEN p.amount ELSE 0 END) AS claimed
        FROM projects_payment p
        WHERE p.project_id IN (SELECT project_id FROM pairs)
        GROUP BY p.project_id
    )
    SELECT pairs.node_id, {ROLLUP_SQL}
    FROM pairs
    JOIN projects_project pr ON pr.id = pairs.project_id
    LEFT JOIN money ON money.project_id = pairs.project_id
    LEFT JOIN pay ON pay.project_id = pairs.project_id
    GROUP BY pairs.node_id
    """  # noqa: S608 - SECURED_SQL/UNKNOWN_SQL constants; the strategy id is a parameter
    with connection.cursor() as cur:
        cur.execute(sql, [pk])
        rows = cur.fetchall()
    return {node_id: _rollup(rest) for node_id, *rest in rows}


@dataclasses.dataclass(frozen=True)
class FundRollup:
    fund: Fund
    total: Decimal = ZERO
    secured: Decimal = ZERO
    paid: Decimal = ZERO
    claimed: Decimal = ZERO
    projects: int = 0
    allocated: Decimal | None = None
    secured_unknown: Decimal = ZERO
    # planned money of withdrawn projects, left out of total and secured
    withdrawn_total: Decimal = ZERO
    # of ``paid``: what counts against the allocations shown (``allocated``), and what counts against
    # no allocation at all (paid to projects of owners without one: "brez dodelitve")
    allocated_paid: Decimal = ZERO
    unallocated_paid: Decimal = ZERO

    @property
    def unsecured(self) -> Decimal:
        return self.total - self.secured

    @property
    def approved(self) -> Decimal:
        """What is approved (secured) for the fund; the figure payments are measured against."""
        return self.secured

    @property
    def absorption(self) -> Decimal | None:
        """Paid against the allocations as a share of them (``absorbed``); unknown when nothing is
        allocated."""
        if not self.allocated:
            return None
        return self.allocated_paid / self.allocated


# --- absorption: whose allocation a payment counts against --------------------------------------------
# docs/strategy-file.md "Money roll-ups". A project's money belongs to the programme that funds it: the
# owners of the strategy that lists it (``Project.strategy``; a link to another strategy's node does not
# move money), or – for an operation selected in a call – the call's organisation, which apps above this
# one name with ``register_programme_owners``. A payment from fund F counts against an allocation of F
# held by that owner: the owner's only allocation of F, or, when it has several (programme periods), the
# one whose period holds the payment's year (a budget line: the project's start year). A payment that
# finds no such allocation – its owners hold none of F, or more than one of them does, or no period
# matches – counts against none: it is paid, but "brez dodelitve" (unallocated).

_PROGRAMME_OWNERS: list[str] = []


def register_programme_owners(sql: str) -> None:
    """Name, in SQL selecting ``(project_id, owner_id)``, the organisation whose programme a project
    belongs to instead of its strategy's owners (calls: the call's organisation for its operations)."""
    if sql not in _PROGRAMME_OWNERS:
        _PROGRAMME_OWNERS.append(sql)


def _year_sql(column: str) -> str:
    """The year of a date column as text ("2023"), NULL for no date."""
    if connection.vendor == "postgresql":
        return f"TO_CHAR({column}, 'YYYY')"
    return f"strftime('%%Y', {column})"


def _attributed(scope_sql: str | None, params: list[int]) -> list[tuple[int | None, int, Any, int, int]]:
    """Paid and approved (secured, of projects not withdrawn) cents per (owner, fund, year): the owner
    whose allocation of the fund they count against, None when no single owner holds one; the year (text)
    of the payment's date, or of a budget line's project start. One query; the projects those of
    ``scope_sql`` (selecting ``project_id``), or all."""
    overridden = (
        " UNION ".join(_PROGRAMME_OWNERS) or "SELECT CAST(NULL AS INTEGER), CAST(NULL AS INTEGER) WHERE 1 = 0"
    )
    scope_p = f" AND pay.project_id IN ({scope_sql})" if scope_sql else ""
    scope_b = f" AND b.project_id IN ({scope_sql})" if scope_sql else ""
    sql = f"""
    WITH overridden (project_id, owner_id) AS ({overridden}),
    claimants AS (
        SELECT project_id, owner_id FROM overridden
        UNION
        SELECT p.id, so.organisation_id FROM projects_project p
        JOIN strategies_strategy_owners so ON so.strategy_id = p.strategy_id
        WHERE p.id NOT IN (SELECT project_id FROM overridden)
    ),
    holders AS (SELECT DISTINCT fund_id, owner_id FROM projects_allocation),
    holder_of AS (
        SELECT c.project_id, h.fund_id, MIN(c.owner_id) AS owner_id, COUNT(*) AS n
        FROM claimants c JOIN holders h ON h.owner_id = c.owner_id
        GROUP BY c.project_id, h.fund_id
    )
    SELECT CASE WHEN ho.n = 1 THEN ho.owner_id END, x.fund_id, x.year, SUM(x.paid), SUM(x.approved)
    FROM (
        SELECT pay.project_id, pay.fund_id, {_year_sql("pay.date")} AS year, pay.amount AS paid,
               0 AS approved
        FROM projects_payment pay WHERE pay.state = 'paid'{scope_p}
        UNION ALL
        SELECT b.project_id, b.fund_id, SUBSTR(pr.start, 1, 4), 0, {SECURED_SQL}
        FROM projects_budgetline b JOIN projects_project pr ON pr.id = b.project_id
        WHERE {_LIVE}{scope_b}
    ) x
    LEFT JOIN holder_of ho ON ho.project_id = x.project_id AND ho.fund_id = x.fund_id
    GROUP BY CASE WHEN ho.n = 1 THEN ho.owner_id END, x.fund_id, x.year"""  # noqa: S608 - our SQL constants and registered SQL; ids are parameters
    with connection.cursor() as cur:
        cur.execute(sql, params * 2 if scope_sql else [])
        return [tuple(row) for row in cur.fetchall()]


_PERIOD = re.compile(r"^\s*(\d{4})\s*[-–]\s*(\d{4})\s*$")


def _in_period(period: str, year: str | None) -> bool:
    """Whether a programme period ("2021-2027") holds the year ("2023"; None or other text: no)."""
    m = _PERIOD.match(period or "")
    if not m or not year or not year.isdigit():
        return False
    return int(m.group(1)) <= int(year) <= int(m.group(2))


def _absorbed(
    allocations: Iterable[Allocation], rows: Iterable[tuple[int | None, int, Any, int, int]]
) -> tuple[dict[int, tuple[int, int]], dict[int, int]]:
    """Per allocation id, the (paid, approved) cents counting against it; per fund id, the paid cents
    counting against no allocation."""
    held: dict[tuple[int, int], list[Allocation]] = {}
    for a in allocations:
        held.setdefault((a.owner_id, a.fund_id), []).append(a)
    uses: dict[int, tuple[int, int]] = {}
    unallocated: dict[int, int] = {}
    for owner_id, fund_id, year, paid, approved in rows:
        candidates = held.get((owner_id, fund_id), []) if owner_id is not None else []
        if len(candidates) == 1:
            target: Allocation | None = candidates[0]
        else:
            target = next((a for a in candidates if _in_period(a.period, year)), None)
        if target is None:
            unallocated[fund_id] = unallocated.get(fund_id, 0) + int(paid or 0)
            continue
        was_paid, was_approved = uses.get(target.pk, (0, 0))
        uses[target.pk] = (was_paid + int(paid or 0), was_approved + int(approved or 0))
    return uses, unallocated


def fund_rollups(strategy: Strategy | int | None = None) -> list[FundRollup]:
    """Money per fund – total, secured (approved), paid, claimed, allocated, absorption – for one strategy
    or all. For a strategy: its projects, its owners' allocations, and of its projects' payments those
    that count against those allocations. Four queries."""
    if strategy is None:
        where_b = where_p = ""
        params: list[int] = []
        scope_sql = None
    else:
        pk = _pk(strategy)
        scope = f"IN ({_STRATEGY_PROJECTS})"
        where_b = f" AND b.project_id {scope}"
        where_p = f" WHERE p.project_id {scope}"
        params = [pk, pk]
        scope_sql = _STRATEGY_PROJECTS
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT b.fund_id,
                       SUM(CASE WHEN {_LIVE} THEN b.amount ELSE 0 END),
                       SUM(CASE WHEN {_LIVE} THEN {SECURED_SQL} ELSE 0 END),
                       COUNT(DISTINCT b.project_id),
                       SUM(CASE WHEN {_LIVE} THEN {UNKNOWN_SQL} ELSE 0 END),
                       SUM(CASE WHEN {_LIVE} THEN 0 ELSE b.amount END)
                FROM projects_budgetline b JOIN projects_project pr ON pr.id = b.project_id
                WHERE 1 = 1{where_b} GROUP BY b.fund_id""",  # noqa: S608 - our SQL constants; the strategy id is a parameter
            params,
        )
        budget = {row[0]: row[1:] for row in cur.fetchall()}
        cur.execute(
            f"""SELECT p.fund_id,
                       SUM(CASE WHEN p.state = 'paid' THEN p.amount ELSE 0 END),
                       SUM(CASE WHEN p.state = 'claimed' THEN p.amount ELSE 0 END)
                FROM projects_payment p{where_p} GROUP BY p.fund_id""",  # noqa: S608 - our SQL constants; the strategy id is a parameter
            params,
        )
        payments = {row[0]: row[1:] for row in cur.fetchall()}
    alloc_qs = Allocation.objects.only("pk", "fund_id", "owner_id", "period", "amount")
    if strategy is not None:  # the strategy's owners' allocations are shown; every one is matched to
        owned = Strategy.owners.through.objects.filter(
            strategy_id=_pk(strategy), organisation_id=models.OuterRef("owner_id")
        )
        alloc_qs = alloc_qs.annotate(shown=models.Exists(owned))
    every_allocation = list(alloc_qs)
    shown = [a for a in every_allocation if strategy is None or getattr(a, "shown", False)]
    uses, unallocated = _absorbed(every_allocation, _attributed(scope_sql, params))
    allocations: dict[int, Decimal] = {}
    allocated_paid: dict[int, int] = {}
    for a in shown:
        allocations[a.fund_id] = allocations.get(a.fund_id, ZERO) + a.amount
        allocated_paid[a.fund_id] = allocated_paid.get(a.fund_id, 0) + uses.get(a.pk, (0, 0))[0]
    fund_ids = set(budget) | set(payments) | set(allocations)
    funds = Fund.objects.in_bulk(fund_ids)
    out = []
    for fund_id in sorted(fund_ids, key=lambda i: funds[i].code):
        total, secured, projects, unknown, withdrawn = budget.get(fund_id, (0, 0, 0, 0, 0))
        paid, claimed = payments.get(fund_id, (0, 0))
        out.append(
            FundRollup(
                funds[fund_id],
                total=eur_from_cents(total),
                secured=eur_from_cents(secured),
                paid=eur_from_cents(paid),
                claimed=eur_from_cents(claimed),
                projects=int(projects or 0),
                allocated=allocations.get(fund_id),
                secured_unknown=eur_from_cents(unknown),
                withdrawn_total=eur_from_cents(withdrawn),
                allocated_paid=eur_from_cents(allocated_paid.get(fund_id, 0)),
                unallocated_paid=eur_from_cents(unallocated.get(fund_id, 0)),
            )
        )
    return out


@dataclasses.dataclass(frozen=True)
class AllocationUse:
    allocation: Allocation
    paid: Decimal
    approved: Decimal

    @property
    def absorption(self) -> Decimal | None:
        return None if not self.allocation.amount else self.paid / self.allocation.amount


@dataclasses.dataclass(frozen=True)
class UnallocatedUse:
    """What is paid from a fund to projects whose owners hold no allocation of it ("brez dodelitve")."""

    fund: Fund
    paid: Decimal


def allocation_uses() -> tuple[list[AllocationUse], list[UnallocatedUse]]:
    """Each fund allocation with what is approved and paid against it (the rule above), and per fund
    what is paid against no allocation. Three queries."""
    allocations = list(
        Allocation.objects.select_related("fund", "owner", "declared_in").order_by("fund__code")
    )
    uses, unallocated = _absorbed(allocations, _attributed(None, []))
    out = []
    for a in allocations:
        paid, approved = uses.get(a.pk, (0, 0))
        out.append(AllocationUse(a, eur_from_cents(paid), eur_from_cents(approved)))
    funds = Fund.objects.in_bulk([f for f, cents in unallocated.items() if cents])
    rest = [
        UnallocatedUse(funds[f], eur_from_cents(cents))
        for f, cents in sorted(
            unallocated.items(), key=lambda item: funds[item[0]].code if item[0] in funds else ""
        )
        if cents
    ]
    return out, rest


def _per_project(project_ids: list[int]) -> dict[int, Rollup]:
    """Money of each listed project (total, secured, paid, claimed) in one query."""
    if not project_ids:
        return {}
    marks = ", ".join(["%s"] * len(project_ids))
    sql = f"""
    SELECT x.project_id, SUM(x.total), SUM(x.secured), SUM(x.paid), SUM(x.claimed), SUM(x.unknown) FROM (
        SELECT b.project_id, b.amount AS total, {SECURED_SQL} AS secured, 0 AS paid, 0 AS claimed,
               {UNKNOWN_SQL} AS unknown
        FROM projects_budgetline b WHERE b.project_id IN ({marks})
        UNION ALL
        SELECT p.project_id, 0, 0, CASE WHEN p.state = 'paid' THEN p.amount ELSE 0 END,
               CASE WHEN p.state = 'claimed' THEN p.amount ELSE 0 END, 0
        FROM projects_payment p WHERE p.project_id IN ({marks})
    ) x GROUP BY x.project_id"""  # noqa: S608 - our constants and %s placeholders; the project ids are parameters
    with connection.cursor() as cur:
        cur.execute(sql, list(project_ids) * 2)
        rows = cur.fetchall()
    return {
        pid: Rollup(
            1,
            eur_from_cents(total),
            eur_from_cents(secured),
            eur_from_cents(paid),
            eur_from_cents(claimed),
            eur_from_cents(unknown),
        )
        for pid, total, secured, paid, claimed, unknown in rows
    }


def with_money(projects: list[Project]) -> list[Project]:
    """Attach ``.money`` (a Rollup) to each project of a page; one query for the page."""
    money = _per_project([p.pk for p in projects])
    for p in projects:
        p.money = money.get(p.pk, Rollup(1))
    return projects


def project_queryset() -> QuerySet[Project]:
    """Projects as lists show them: with strategy and holder joined in."""

    return Project.objects.select_related("strategy", "holder")


def strategy_rollups(strategy_ids: Iterable[int]) -> dict[int, Rollup]:
    """Roll-up of several strategies at once (strategy id → Rollup); one query."""
    ids = list(strategy_ids)
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    sql = f"""
    WITH ps AS (
        SELECT strategy_id, id AS project_id FROM projects_project WHERE strategy_id IN ({marks})
        UNION
        SELECT n.strategy_id, pn.project_id FROM projects_project_nodes pn
        JOIN strategies_node n ON n.id = pn.node_id WHERE n.strategy_id IN ({marks})
    ),
    money AS (
        SELECT b.project_id, SUM(b.amount) AS total, SUM({SECURED_SQL}) AS secured,
               SUM({UNKNOWN_SQL}) AS unknown
        FROM projects_budgetline b WHERE b.project_id IN (SELECT project_id FROM ps) GROUP BY b.project_id
    ),
    pay AS (
        SELECT p.project_id,
               SUM(CASE WHEN p.state = 'paid' THEN p.amount ELSE 0 END) AS paid,
               SUM(CASE WHEN p.state = 'claimed' THEN p.amount ELSE 0 END) AS claimed
        FROM projects_payment p WHERE p.project_id IN (SELECT project_id FROM ps) GROUP BY p.project_id
    )
    SELECT ps.strategy_id, {ROLLUP_SQL}
    FROM ps
    JOIN projects_project pr ON pr.id = ps.project_id
    LEFT JOIN money ON money.project_id = ps.project_id
    LEFT JOIN pay ON pay.project_id = ps.project_id
    GROUP BY ps.strategy_id"""  # noqa: S608 - our constants and %s placeholders; the strategy ids are parameters
    with connection.cursor() as cur:
        cur.execute(sql, ids * 2)
        rows = cur.fetchall()
    return {sid: _rollup(rest) for sid, *rest in rows}


def project_detail(strategy_slug: str, code: str) -> Project | None:
    """One project with everything its page shows, in a fixed number of queries; None if absent."""
    from django.db.models import Prefetch

    project = (
        Project.objects.select_related("strategy", "holder", "application__call__organisation")
        .prefetch_related(
            "phases",
            Prefetch("partners", queryset=Partner.objects.select_related("organisation").order_by("order")),
            Prefetch("budget_lines", queryset=BudgetLine.objects.select_related("fund").order_by("order")),
            Prefetch("payments", queryset=Payment.objects.select_related("fund").order_by("order")),
            Prefetch(
                "nodes",
                queryset=Node.objects.select_related("strategy").order_by(
                    slovenian("strategy__title"), "strategy_id", "path"
                ),
            ),
        )
        .filter(strategy__slug=strategy_slug, code=code)
        .first()
    )
    if project is not None:
        with_money([project])
    return project


def organisation_money(org_id: int) -> dict[str, Any]:
    """What an organisation holds and partners in: counts and money (held projects' budgets,
    partner shares)."""

    held = _rollup_of("SELECT id AS project_id FROM projects_project WHERE holder_id = %s", [org_id])[0]
    shares = Partner.objects.filter(organisation_id=org_id).exclude(project__holder_id=org_id)
    share_total = sum((s for s in shares.values_list("budget_share", flat=True) if s is not None), ZERO)
    return {"held": held, "partner_share_total": share_total}


MAP_LIMIT = 5000


@functools.cache
def municipality_seats() -> dict[str, tuple[float, float]]:
    """Approximate coordinates of municipal seats (core/data/municipality_seats.csv), for projects that
    name their municipality but have no exact location: shown there on the map and marked approximate."""
    path = Path(__file__).resolve().parent.parent / "core" / "data" / "municipality_seats.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["municipality"]: (float(row["lat"]), float(row["lon"])) for row in csv.DictReader(fh)}


def located_projects(filters: ProjectFilters) -> list[dict[str, Any]]:
    """Projects of the filtered list with a place on the map, as plain dicts (one query, capped).

    An exact location wins; otherwise the municipality's seat, flagged ``approximate``. A project held
    by a natural person is never placed exactly: it stands at its municipality's seat, without its
    location name, or is left off the map."""
    from django.db.models import Q
    from django.urls import reverse

    seats = municipality_seats()
    person = Q(holder__kind=OrganisationKind.PERSON)
    qs = filters.apply(project_queryset()).filter(
        (Q(lat__isnull=False, lon__isnull=False) & ~person) | Q(municipality__in=list(seats))
    )
    fields = (
        "code",
        "title",
        "lat",
        "lon",
        "strategy__slug",
        "location_name",
        "municipality",
        "holder__kind",
    )
    rows = list(qs.values(*fields)[:MAP_LIMIT])
    for r in rows:
        if r.pop("holder__kind") == OrganisationKind.PERSON:
            r["lat"] = r["lon"] = None
            r["location_name"] = ""
        r["place"] = place_name(r["location_name"], r["municipality"])
        r["url"] = reverse("project", args=[r["strategy__slug"], r["code"]])
        r["approximate"] = r["lat"] is None
        if r["approximate"]:
            r["lat"], r["lon"] = seats[r["municipality"]]
    return rows


def export_batch(project_ids: list[int]) -> list[Project]:
    """A batch of projects for downloads: money, fund codes and node codes attached; four queries."""

    projects = list(project_queryset().filter(pk__in=project_ids))
    order = {pk: i for i, pk in enumerate(project_ids)}
    projects.sort(key=lambda p: order[p.pk])
    with_money(projects)
    funds: dict[int, list[str]] = {}
    for pid, code in (
        BudgetLine.objects.filter(project_id__in=project_ids)
        .values_list("project_id", "fund__code")
        .distinct()
        .order_by("fund__code")
    ):
        funds.setdefault(pid, []).append(code)
    nodes: dict[int, list[str]] = {}
    link = Project.nodes.through
    for pid, slug, code in (
        link.objects.filter(project_id__in=project_ids)
        .values_list("project_id", "node__strategy__slug", "node__code")
        .order_by("node__strategy__slug", "node__path")
    ):
        nodes.setdefault(pid, []).append(f"{slug}:{code}")
    for p in projects:
        p.fund_codes = funds.get(p.pk, [])
        p.node_codes = nodes.get(p.pk, [])
    return projects


# --- the project list's kept parts ------------------------------------------------------------------
# A list many visitors page through with ever new filters: its costly parts are kept per filters until
# the data changes (core.caching), the same for every visitor.


def _listing(filters: ProjectFilters) -> str:
    return urlencode(filters.as_query())


def project_count(filters: ProjectFilters) -> int:
    """How many projects match ``filters``."""
    return caching.kept("project-count", _listing(filters), lambda: filters.apply(project_queryset()).count())


def located_kept(filters: ProjectFilters) -> list[dict[str, Any]]:
    """``located_projects``, kept until the data changes: read only when the map is rendered."""
    return caching.kept("project-located", _listing(filters), lambda: located_projects(filters))


def located_count(filters: ProjectFilters) -> int:
    """How many projects of the filtered list the map shows. Kept apart from the points, so a page
    whose map is kept rendered reads a number, not every point; the first read of a version computes
    the points once for both."""
    return caching.kept("project-located-count", _listing(filters), lambda: len(located_kept(filters)))


def filter_choices(filters: ProjectFilters) -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs of the filter form's long lists: strategies, the chosen strategy's nodes,
    funds and holders. The lists are kept per strategy; the holder already chosen is always offered, so
    the form shows the filter in use – unless it is a natural person, who is never offered."""
    lists = caching.kept(
        "project-filter-choices", filters.strategy or "", lambda: _choice_lists(filters.strategy)
    )
    holders = lists["holders"]
    if filters.holder and filters.holder not in {slug for slug, _label in holders}:
        chosen = (
            Organisation.objects.filter(slug=filters.holder)
            .exclude(kind=OrganisationKind.PERSON)
            .values_list("slug", "name")
            .first()
        )
        if chosen:
            holders = sorted([*holders, (chosen[0], shorten(chosen[1], 60))], key=lambda h: sort_key(h[1]))
    return {**lists, "holders": holders}


def _choice_lists(strategy: str | None) -> dict[str, list[tuple[str, str]]]:
    nodes = []
    if strategy:
        nodes = [
            (n["code"], f"{n['code']} {shorten(n['title'], 60)}")
            for n in Node.objects.filter(strategy__slug=strategy).order_by("path").values("code", "title")
        ]
    return {
        "strategies": [
            (slug, shorten(title, 70))
            for slug, title in Strategy.objects.order_by(slovenian("title"), "pk").values_list(
                "slug", "title"
            )
        ],
        "nodes": nodes,
        "funds": [
            (code, f"{code} – {shorten(name, 50)}")
            for code, name in Fund.objects.order_by("code").values_list("code", "name")
        ],
        "holders": _holder_choices(strategy),
    }


def _holder_choices(strategy: str | None) -> list[tuple[str, str]]:
    """Holders to choose from: of the chosen strategy's projects only (a few dozen instead of every
    holder in the country), else every organisation holding a project. Natural persons are never
    offered: a public list must not name them."""
    if strategy:
        held = Project.objects.filter(pk__in=strategy_projects(strategy)).values("holder_id")
        holders = Organisation.objects.filter(pk__in=held)
    else:
        holders = Organisation.objects.filter(held_projects__isnull=False)
    holders = holders.exclude(kind=OrganisationKind.PERSON)
    rows = holders.distinct().order_by(slovenian("name"), "slug").values_list("slug", "name")
    return [(slug, shorten(name, 60)) for slug, name in rows]


def shorten(text: str, limit: int) -> str:
    """What the truncatechars filter gives, without a template filter call per option."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
