"""Loading strategy files into the database: validate everything, write in one transaction, update by codes.

Each file is read, validated and written in turn inside a single transaction, so memory holds one
file at a time however many are imported; if any file has a problem the whole run is rolled back
and every problem of every file is reported. Rows are matched by their codes, so importing the
same file again changes nothing and an edited file changes only what was edited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from regija.core import audit, caching
from regija.core.files import InvalidFile, LineFinder, Locator, Problem, path_text
from regija.core.models import Organisation
from regija.core.rowsync import ImportResult, blank, sync_links, sync_rows
from regija.projects.models import (
    Allocation,
    BudgetLine,
    Fund,
    FundStatement,
    Partner,
    Payment,
    Project,
    StatedFigure,
)
from regija.search import indexing as search_indexing
from regija.strategies.models import (
    PATH_STEP,
    Alignment,
    Indicator,
    Node,
    Observation,
    OrganisationStatement,
    Strategy,
)

from . import schema as s
from .reader import (
    MISSING_STRATEGY,
    Known,
    check_references,
    load_file,
    parse_text,
    validate_data,
    walk_nodes,
)

# a file that does not give a project's sustainability period gets the model's default
SUSTAINABILITY_YEARS = Project._meta.get_field("sustainability_years").default


_COUNTRY = Organisation._meta.get_field("country").default


def stated(entry: s.Model, *leave_out: str) -> dict:
    """What a file's entry states, as written: the fields it gives, without those it leaves out."""
    return entry.model_dump(mode="json", exclude_unset=True, exclude_none=True, exclude=set(leave_out))


def _first(statements: list[dict], key: str):
    """The value of the earliest statement that gives ``key``."""
    return next((st[key] for st in statements if st.get(key) not in (None, "")), None)


def shown_organisation(statements: list[dict]) -> dict:
    """The facts an organisation row shows, from its documents' statements (earliest first): each
    fact from the earliest document that gives it, the coordinates as one pair; the parent as a slug."""
    lat, lon = next(
        (
            (st["lat"], st["lon"])
            for st in statements
            if st.get("lat") is not None and st.get("lon") is not None
        ),
        (None, None),
    )
    return dict(
        name=_first(statements, "name"),
        short_name=blank(_first(statements, "short_name")),
        kind=_first(statements, "kind"),
        country=_first(statements, "country") or _COUNTRY,
        registration_number=blank(_first(statements, "registration_number")),
        website=blank(_first(statements, "website")),
        address=blank(_first(statements, "address")),
        lat=lat,
        lon=lon,
        source=blank(_first(statements, "source")),
        parent=_first(statements, "parent"),
    )


def shown_fund(statements: list[dict]) -> dict:
    """The facts a fund row shows, from its documents' statements (earliest first), as for organisations."""
    return dict(
        name=_first(statements, "name"),
        name_en=blank(_first(statements, "name_en")),
        source=blank(_first(statements, "source")),
    )


def _changed_statements(existing: dict, desired: list[tuple[int, dict]]) -> set[int]:
    """The rows (organisations or funds) whose statement by this document is new, changed or gone."""
    wanted = dict(desired)
    changed = {k for k, fields in wanted.items() if k not in existing or existing[k].facts != fields["facts"]}
    return changed | (set(existing) - set(wanted))


class _Rollback(Exception):
    pass


def import_files(paths: Iterable[str | Path], *, dry_run: bool = False) -> list[ImportResult]:
    """Validate and load the files; raise InvalidFile (with every problem) and write nothing on error."""
    pending = [str(p) for p in paths]
    results: list[ImportResult] = []
    problems: list[Problem] = []
    try:
        with transaction.atomic():
            # A file may point at a strategy that a later file in the same run defines: such a file
            # is retried after the others until a round makes no progress.
            while pending:
                deferred: list[tuple[str, list[Problem]]] = []
                for path in pending:
                    data, where, load_problems = load_file(path)
                    try:
                        if load_problems:
                            raise InvalidFile(load_problems)
                        results.append(_import_one(path, data, where, write=not problems))
                    except InvalidFile as exc:
                        if all(_is_missing_strategy(p) for p in exc.problems):
                            deferred.append((path, exc.problems))
                        else:
                            problems.extend(exc.problems)
                if len(deferred) == len(pending):
                    for _, file_problems in deferred:
                        problems.extend(file_problems)
                    break
                pending = [path for path, _ in deferred]
            if problems:
                raise InvalidFile(problems)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if not dry_run and any(r.changed for r in results):
        refresh_planner_statistics()
    return results


def refresh_planner_statistics() -> None:
    """Table statistics for the query planner, after an import has committed.

    SQLite keeps none until ANALYZE runs, and without them it ignores, for example, the index of the
    default project order and sorts all projects for every API page. ``analysis_limit`` samples each
    index (well under a second at 100 000 projects). Skipped inside a caller's transaction: its
    data is not committed yet, and the caller decides when that happens."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")


def import_text(text: str, filename: str = "<text>") -> ImportResult:
    """Import one document given as text (used by tests and the API)."""
    with transaction.atomic():
        doc = parse_text(text, filename)
        return _Writer(doc, filename, LineFinder(text)).run()


def _is_missing_strategy(problem: Problem) -> bool:
    return problem.kind == MISSING_STRATEGY


def _import_one(path: str, data: dict, where: Locator, *, write: bool) -> ImportResult:
    doc = validate_data(data, path, where)
    writer = _Writer(doc, path, where)
    if not write:
        writer.check()
        return ImportResult(path, doc.strategy.slug)
    return writer.run()


class _Writer:
    """Writes one validated document, diffing against what is stored."""

    def __init__(self, doc: s.StrategyFile, filename: str, where: Locator):
        self.doc = doc
        self.filename = filename
        self.where = where  # places a field path in the file, for error messages
        self.result = ImportResult(filename, doc.strategy.slug)
        self._foreign: dict[str, dict[str, int]] = {}

    # --- validation against the database ---------------------------------------------------------

    def check(self) -> None:
        known = Known(
            organisations=set(Organisation.objects.values_list("slug", flat=True)),
            funds=set(Fund.objects.values_list("code", flat=True)),
            strategy_nodes=self._stored_codes,
        )
        check_references(self.doc, self.filename, self.where, known)

    @staticmethod
    def _stored_codes(slug: str) -> set[str] | None:
        strategy = Strategy.objects.filter(slug=slug).first()
        if strategy is None:
            return None
        return set(strategy.nodes.values_list("code", flat=True))

    def _fail(self, path: tuple, message: str) -> None:
        raise InvalidFile([Problem(self.filename, self.where.line(path), path_text(path), message)])

    # --- writing ---------------------------------------------------------------------------------

    def run(self) -> ImportResult:
        self.check()
        self.orgs = self._organisations()
        self.funds = self._funds()
        self.strategy = self._strategy()
        self._organisation_statements()
        self._fund_statements()
        self.nodes = self._nodes()
        self._alignments()
        self._allocations()
        self._indicators()
        self._projects()
        self._stated()
        if self.result.changed:
            Strategy.objects.filter(pk=self.strategy.pk).update(imported_at=timezone.now())
            audit.record_import(self.strategy, self.result)
            caching.bump()
            # rows went in without model signals, so the search index is brought up to date here
            search_indexing.reindex_strategy(self.strategy.pk)
        return self.result

    def _organisations(self) -> dict[str, int]:
        """Rows for the organisations of the file that are not stored yet; what a stored row shows
        is settled in _organisation_statements, once the strategy has an id."""
        self.org_facts = {o.slug: stated(o, "slug") for o in self.doc.organisations}
        stored = set(Organisation.objects.filter(slug__in=self.org_facts).values_list("slug", flat=True))
        self.new_orgs = set(self.org_facts) - stored
        fresh = []
        for slug in self.org_facts:
            if slug in self.new_orgs:
                fields = shown_organisation([self.org_facts[slug]])
                del fields["parent"]  # a parent may come later in the file: set once all exist
                fresh.append((slug, dict(slug=slug, **fields)))
        # organisations are shared: one file never deletes another's
        sync_rows(self.result, Organisation, "organisations", {}, fresh, delete=False)
        return dict(Organisation.objects.values_list("slug", "id"))

    def _funds(self) -> dict[str, int]:
        """Rows for the funds of the file that are not stored yet (see _organisations)."""
        self.fund_facts = {f.code: stated(f, "code", "allocations") for f in self.doc.funds}
        stored = set(Fund.objects.filter(code__in=self.fund_facts).values_list("code", flat=True))
        fresh = [
            (code, dict(code=code, **shown_fund([facts])))
            for code, facts in self.fund_facts.items()
            if code not in stored
        ]
        sync_rows(self.result, Fund, "funds", {}, fresh, delete=False)
        return dict(Fund.objects.values_list("code", "id"))

    def _organisation_statements(self) -> None:
        """Keep what this document says of each organisation; where that changed, the organisation
        row shows again what the statements say, each fact from the earliest loaded document that gives
        it. A row whose statements did not change is left alone, with any change made in the back office."""
        existing = {
            o.organisation_id: o for o in OrganisationStatement.objects.filter(strategy=self.strategy)
        }
        desired = [
            (
                self.orgs[slug],
                dict(strategy_id=self.strategy.pk, organisation_id=self.orgs[slug], facts=facts),
            )
            for slug, facts in self.org_facts.items()
        ]
        touched = _changed_statements(existing, desired)
        sync_rows(self.result, OrganisationStatement, "organisation statements", existing, desired)
        statements: dict[int, list[dict]] = {}
        for org_id, facts in (
            OrganisationStatement.objects.filter(organisation_id__in=touched)
            .order_by("strategy_id")
            .values_list("organisation_id", "facts")
        ):
            statements.setdefault(org_id, []).append(facts)
        new_ids = {self.orgs[slug] for slug in self.new_orgs}
        rows = {o.pk: o for o in Organisation.objects.filter(pk__in=statements)}
        desired = []
        for org_id, facts in statements.items():
            fields = shown_organisation(facts)
            parent = fields.pop("parent")
            fields["parent_id"] = self.orgs.get(parent) if parent else None
            if org_id in new_ids:  # created with these facts: only the parent is still to be set
                fields = {"parent_id": fields["parent_id"]}
            desired.append((org_id, fields))
        parents = {k: rows.pop(k) for k, fields in desired if k in new_ids}
        sync_rows(
            self.result,
            Organisation,
            "organisations",
            rows,
            [(k, f) for k, f in desired if k not in new_ids],
            delete=False,
        )
        moved = []
        for k, fields in desired:
            if k in parents and parents[k].parent_id != fields["parent_id"]:
                parents[k].parent_id = fields["parent_id"]
                moved.append(parents[k])
        if moved:
            Organisation.objects.bulk_update(moved, ["parent_id"], batch_size=500)

    def _fund_statements(self) -> None:
        """What this document says of each fund, kept and shown as for organisations."""
        existing = {f.fund_id: f for f in FundStatement.objects.filter(strategy=self.strategy)}
        desired = [
            (self.funds[code], dict(strategy_id=self.strategy.pk, fund_id=self.funds[code], facts=facts))
            for code, facts in self.fund_facts.items()
        ]
        touched = _changed_statements(existing, desired)
        sync_rows(self.result, FundStatement, "fund statements", existing, desired)
        statements: dict[int, list[dict]] = {}
        for fund_id, facts in (
            FundStatement.objects.filter(fund_id__in=touched)
            .order_by("strategy_id")
            .values_list("fund_id", "facts")
        ):
            statements.setdefault(fund_id, []).append(facts)
        rows = {f.pk: f for f in Fund.objects.filter(pk__in=statements)}
        sync_rows(
            self.result,
            Fund,
            "funds",
            rows,
            [(k, shown_fund(facts)) for k, facts in statements.items()],
            delete=False,
        )

    def _strategy(self) -> Strategy:
        st = self.doc.strategy
        fields = dict(
            slug=st.slug,
            title=st.title,
            title_en=blank(st.title_en),
            description=blank(st.description),
            territory=list(st.territory),
            period_start=blank(st.period.start),
            period_end=blank(st.period.end),
            adopted_on=st.adopted.date if st.adopted else None,
            adopted_by=blank(st.adopted.body) if st.adopted else "",
            status=st.status.value,
            source_title=st.source.title,
            source_reference=blank(st.source.reference),
            source_url=blank(st.source.url),
            source_published=blank(st.source.published),
            levels={k: v.model_dump(exclude_none=True) for k, v in st.levels.items()},
        )
        existing = {o.slug: o for o in Strategy.objects.filter(slug=st.slug)}
        strategy = sync_rows(self.result, Strategy, "strategies", existing, [(st.slug, fields)])[st.slug]
        owners = {self.orgs[o] for o in st.owners}
        sync_links(
            self.result,
            Strategy.owners.through.objects.filter(strategy_id=strategy.pk),
            "owners",
            "strategy_id",
            "organisation_id",
            {(strategy.pk, o) for o in owners},
        )
        return strategy

    def _nodes(self) -> dict[str, Node]:
        existing = {n.code: n for n in Node.objects.filter(strategy=self.strategy)}
        ordered = list(walk_nodes(self.doc.nodes))
        kept = {node.code for node, _, _ in ordered}
        removed = [n.pk for code, n in existing.items() if code not in kept]
        if removed:
            self._refuse_if_referenced(removed)
        # Walk depth by depth so that every parent has an id before its children are written.
        paths: dict[str, str] = {}
        sibling_index: Counter = Counter()
        by_depth: dict[int, list] = {}
        for node, parent, _ in ordered:
            parent_code = parent.code if parent else None
            order = sibling_index[parent_code]
            sibling_index[parent_code] += 1
            paths[node.code] = (paths[parent_code] if parent_code else "") + str(order).zfill(PATH_STEP)
            by_depth.setdefault(len(paths[node.code]) // PATH_STEP - 1, []).append((node, parent_code, order))
        result: dict[str, Node] = {}
        # Delete stale nodes first so that their codes and paths are free; what hangs on them goes too,
        # and is counted so the summary tells the whole change.
        if removed:
            self.result.deleted["alignments"] += (
                Alignment.objects.filter(declared_in=self.strategy)
                .filter(Q(source_node_id__in=removed) | Q(target_node_id__in=removed))
                .count()
            )
            self.result.deleted["indicators"] += Indicator.objects.filter(node_id__in=removed).count()
        sync_rows(
            self.result, Node, "nodes", {c: existing.pop(c) for c in list(existing) if c not in kept}, []
        )
        for depth in sorted(by_depth):
            desired = []
            for node, parent_code, order in by_depth[depth]:
                desired.append(
                    (
                        node.code,
                        dict(
                            strategy_id=self.strategy.pk,
                            parent_id=result[parent_code].pk if parent_code else None,
                            code=node.code,
                            level=node.level,
                            title=node.title,
                            title_en=blank(node.title_en),
                            description=blank(node.description),
                            order=order,
                            path=paths[node.code],
                            depth=depth,
                            planned_amount=node.planned_amount,
                            planned_projects=node.planned_projects,
                            source=blank(node.source),
                        ),
                    )
                )
            part = {code: existing.pop(code) for code, _ in desired if code in existing}
            result.update(sync_rows(self.result, Node, "nodes", part, desired))
        wanted = {(result[n.code].pk, self.orgs[o]) for n, _, _ in ordered for o in n.responsible}
        sync_links(
            self.result,
            Node.responsible.through.objects.filter(node__strategy=self.strategy),
            "responsible",
            "node_id",
            "organisation_id",
            wanted,
        )
        return result

    def _refuse_if_referenced(self, node_ids: list[int]) -> None:
        """A node another strategy links to cannot silently disappear with its links."""
        outside_links = (
            Alignment.objects.filter(target_node_id__in=node_ids)
            .exclude(declared_in=self.strategy)
            .select_related("declared_in", "target_node")[:5]
        )
        problems = [
            Problem(
                self.filename,
                None,
                "nodes",
                f"node {a.target_node.code!r} is no longer in the file, but strategy "
                f"{a.declared_in.slug!r} links to it; change that strategy first",
            )
            for a in outside_links
        ]
        through = Project.nodes.through
        outside_projects = (
            through.objects.filter(node_id__in=node_ids)
            .exclude(project__strategy=self.strategy)
            .select_related("node", "project__strategy")[:5]
        )
        problems += [
            Problem(
                self.filename,
                None,
                "nodes",
                f"node {t.node.code!r} is no longer in the file, but project {t.project.code!r} of strategy "
                f"{t.project.strategy.slug!r} is linked to it; change that strategy first",
            )
            for t in outside_projects
        ]
        if problems:
            raise InvalidFile(problems)

    def _ref_id(self, ref) -> int:
        if isinstance(ref, s.NodeRef) and ref.strategy != self.strategy.slug:
            if ref.strategy not in self._foreign:  # one query per other strategy, not per reference
                self._foreign[ref.strategy] = dict(
                    Node.objects.filter(strategy__slug=ref.strategy).values_list("code", "id")
                )
            return self._foreign[ref.strategy][ref.code]
        code = ref.code if isinstance(ref, s.NodeRef) else ref
        return self.nodes[code].pk

    def _alignments(self) -> None:
        existing = {
            (a.source_node_id, a.target_node_id, a.type): a
            for a in Alignment.objects.filter(declared_in=self.strategy)
        }
        desired = []
        for a in self.doc.alignments:
            key = (self._ref_id(a.from_), self._ref_id(a.to), a.type.value)
            desired.append(
                (
                    key,
                    dict(
                        declared_in_id=self.strategy.pk,
                        source_node_id=key[0],
                        target_node_id=key[1],
                        type=key[2],
                        note=blank(a.note),
                        sources=a.sources(),
                    ),
                )
            )
        sync_rows(self.result, Alignment, "alignments", existing, desired)

    def _allocations(self) -> None:
        existing = {
            (a.fund_id, a.owner_id, a.period): a for a in Allocation.objects.filter(declared_in=self.strategy)
        }
        desired = []
        for i, f in enumerate(self.doc.funds):
            for j, a in enumerate(f.allocations):
                key = (self.funds[f.code], self.orgs[a.owner], blank(a.period))
                other = (
                    Allocation.objects.filter(fund_id=key[0], owner_id=key[1], period=key[2])
                    .exclude(declared_in=self.strategy)
                    .select_related("declared_in")
                    .first()
                    if key not in existing
                    else None
                )
                if other is not None:
                    self._fail(
                        ("funds", i, "allocations", j),
                        f"this allocation ({f.code}, {a.owner}, {a.period or 'no period'}) is already "
                        f"declared by strategy {other.declared_in.slug!r}",
                    )
                desired.append(
                    (
                        key,
                        dict(
                            declared_in_id=self.strategy.pk,
                            fund_id=key[0],
                            owner_id=key[1],
                            period=key[2],
                            amount=a.amount,
                            used_share=a.used_share,
                            used_by=a.used_by,
                            note=blank(a.note),
                            source=blank(a.source),
                        ),
                    )
                )
        sync_rows(self.result, Allocation, "allocations", existing, desired)

    def _indicators(self) -> None:
        existing = {i.code: i for i in Indicator.objects.filter(strategy=self.strategy)}
        desired = []
        for order, ind in enumerate(self.doc.indicators):
            desired.append(
                (
                    ind.code,
                    dict(
                        strategy_id=self.strategy.pk,
                        node_id=self.nodes[ind.node].pk,
                        code=ind.code,
                        name=ind.name,
                        effect=blank(ind.effect),
                        unit=ind.unit,
                        direction=ind.direction.value,
                        data_source=blank(ind.data_source),
                        baseline_value=ind.baseline.value if ind.baseline else None,
                        baseline_date=ind.baseline.date if ind.baseline else None,
                        target_value=ind.target.value if ind.target else None,
                        target_date=ind.target.date if ind.target else None,
                        note=blank(ind.note),
                        source=blank(ind.source),
                        order=order,
                    ),
                )
            )
        sync_rows(self.result, Indicator, "indicators", existing, desired, objects=False)
        indicator_ids = dict(Indicator.objects.filter(strategy=self.strategy).values_list("code", "id"))
        existing_obs = {
            (o.indicator_id, o.date): o for o in Observation.objects.filter(indicator__strategy=self.strategy)
        }
        desired_obs = []
        for ind in self.doc.indicators:
            ind_id = indicator_ids[ind.code]
            for o in ind.observations:
                desired_obs.append(
                    (
                        (ind_id, o.date),
                        dict(
                            indicator_id=ind_id,
                            date=o.date,
                            value=o.value,
                            source=blank(o.source),
                            note=blank(o.note),
                        ),
                    )
                )
        sync_rows(self.result, Observation, "observations", existing_obs, desired_obs, objects=False)

    def _projects(self) -> None:
        existing = {p.code: p for p in Project.objects.filter(strategy=self.strategy)}
        desired = []
        for order, p in enumerate(self.doc.projects):
            loc = p.location or s.Location()
            ins = p.instrument
            desired.append(
                (
                    p.code,
                    dict(
                        strategy_id=self.strategy.pk,
                        code=p.code,
                        title=p.title,
                        title_en=blank(p.title_en),
                        description=blank(p.description),
                        holder_id=self.orgs[p.holder] if p.holder else None,
                        status=p.status.value,
                        start=blank(p.start),
                        end=blank(p.end),
                        location_name=blank(loc.name),
                        municipality=blank(loc.municipality),
                        lat=loc.lat,
                        lon=loc.lon,
                        instrument_kind=ins.kind.value if ins and ins.kind else "",
                        instrument_number=blank(ins.number) if ins else "",
                        instrument_date=ins.date if ins else None,
                        instrument_issuer=blank(ins.issuer) if ins else "",
                        sustainability_years=SUSTAINABILITY_YEARS
                        if p.sustainability_years is None
                        else p.sustainability_years,
                        withdrawn_on=p.withdrawal.date if p.withdrawal else None,
                        withdrawal_reason=blank(p.withdrawal.reason) if p.withdrawal else "",
                        note=blank(p.note),
                        source=blank(p.source),
                        order=order,
                    ),
                )
            )
        sync_rows(self.result, Project, "projects", existing, desired, objects=False)
        ids = dict(Project.objects.filter(strategy=self.strategy).values_list("code", "id"))

        wanted = {(ids[p.code], self._ref_id(ref)) for p in self.doc.projects for ref in p.nodes}
        sync_links(
            self.result,
            Project.nodes.through.objects.filter(project__strategy=self.strategy),
            "project links",
            "project_id",
            "node_id",
            wanted,
        )

        scope = dict(project__strategy=self.strategy)
        sync_rows(
            self.result,
            Partner,
            "partners",
            {(o.project_id, o.organisation_id): o for o in Partner.objects.filter(**scope)},
            [
                (
                    (ids[p.code], self.orgs[pt.organisation]),
                    dict(
                        project_id=ids[p.code],
                        organisation_id=self.orgs[pt.organisation],
                        role=pt.role,
                        budget_share=pt.budget_share,
                        order=j,
                    ),
                )
                for p in self.doc.projects
                for j, pt in enumerate(p.partners)
            ],
            objects=False,
        )
        sync_rows(
            self.result,
            BudgetLine,
            "budget lines",
            {(o.project_id, o.order): o for o in BudgetLine.objects.filter(**scope)},
            [
                (
                    (ids[p.code], j),
                    dict(
                        project_id=ids[p.code],
                        fund_id=self.funds[b.fund],
                        amount=b.amount,
                        secured=b.secured.value,
                        secured_amount=b.secured_amount,
                        note=blank(b.note),
                        source=blank(b.source),
                        order=j,
                    ),
                )
                for p in self.doc.projects
                for j, b in enumerate(p.budget)
            ],
            objects=False,
        )
        sync_rows(
            self.result,
            Payment,
            "payments",
            {(o.project_id, o.order): o for o in Payment.objects.filter(**scope)},
            [
                (
                    (ids[p.code], j),
                    dict(
                        project_id=ids[p.code],
                        fund_id=self.funds[pay.fund or p.budget[0].fund],
                        label=pay.label,
                        amount=pay.amount,
                        date=pay.date,
                        state=pay.state.value,
                        note=blank(pay.note),
                        order=j,
                    ),
                )
                for p in self.doc.projects
                for j, pay in enumerate(p.payments)
            ],
            objects=False,
        )

    def _stated(self) -> None:
        existing = {o.order: o for o in StatedFigure.objects.filter(strategy=self.strategy)}
        desired = []
        for order, st in enumerate(self.doc.stated):
            what = st.what
            desired.append(
                (
                    order,
                    dict(
                        strategy_id=self.strategy.pk,
                        label=st.label,
                        what=what.value,
                        scope_node_id=self.nodes[st.scope.node].pk if st.scope.node else None,
                        scope_fund_id=self.funds[st.scope.fund] if st.scope.fund else None,
                        scope_level=blank(st.scope.level),
                        scope_status=[x.value for x in st.scope.status],
                        amount=st.value if what in s.STATED_AMOUNTS else None,
                        count=st.value if what in s.STATED_COUNTS else None,
                        date=st.value if what in s.STATED_DATES else None,
                        source=blank(st.source),
                        order=order,
                    ),
                )
            )
        sync_rows(self.result, StatedFigure, "stated figures", existing, desired)


def uses_returning() -> bool:
    """bulk_create must hand back primary keys for the node tree to be written level by level."""
    return connection.features.can_return_rows_from_bulk_insert
