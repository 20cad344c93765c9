"""Loading strategy files into the database: validate everything, write in one transaction, update by codes.

A run reads what each file defines and refers to, then checks and writes the files one at a time,
each after the files it needs, inside a single transaction (parsed files are kept between the two
steps only up to KEEP_PARSED_BYTES, so memory does not grow with the run). Every file is checked
whatever else fails – format, codes and references at once – and if any file has a problem the
whole run is rolled back and every problem of every file is reported. Rows are matched by their
codes, so importing the same file again changes nothing and an edited file changes only what was
edited.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

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
    FROM_DATASET,
    PATH_STEP,
    Alignment,
    Indicator,
    Node,
    Observation,
    OrganisationStatement,
    Strategy,
)

from . import schema as s
from .reader import Defined, Known, check_file, defined, load_file, load_yaml, walk_nodes

LISTED = 10  # at most so many rows named per kind of problem, for a node still in use elsewhere


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


# Sent inside the import's transaction after a strategy file is written (changed or not), with
# ``strategy`` and ``result``: the lake recomputes the indicators its datasets feed (their baselines,
# when the file gives none, and their observations).
strategy_written = Signal()


class _Rollback(Exception):
    pass


def import_files(paths: Iterable[str | Path], *, dry_run: bool = False) -> list[ImportResult]:
    """Validate and load the files; raise InvalidFile (with every problem) and write nothing on error."""
    results: list[ImportResult] = []
    try:
        with transaction.atomic():
            results, problems = import_run([str(p) for p in paths])
            if problems:
                raise InvalidFile(problems)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if not dry_run and any(r.changed for r in results):
        refresh_planner_statistics()
    return results


# Files (by size on disk) kept parsed between reading a run's outline and checking each file; parsed
# data takes about ten times the file's size, so a larger run reads the rest again (at about 45 MB/s)
# and memory does not grow with the number of files.
KEEP_PARSED_BYTES = 2 * 2**20


@dataclasses.dataclass
class _File:
    path: str
    outline: Defined
    parsed: tuple[dict, Locator] | None  # the parsed data and its locator, when kept
    needs: set[int] = dataclasses.field(default_factory=set)  # files of the run written before it

    def read(self) -> tuple[dict, Locator]:
        if self.parsed is not None:
            parsed, self.parsed = self.parsed, None
            return parsed
        data, where, problems = load_file(self.path)
        if data is None:  # changed on disk since it was read a moment ago
            raise InvalidFile(problems)
        return data, where


def import_run(
    paths: list[str], outlines: list[Defined | None] | None = None
) -> tuple[list[ImportResult], list[Problem]]:
    """Check and write the files inside the caller's transaction; return what was written and every
    problem of every file. The caller rolls back when there are problems.

    Each file is checked completely – format, codes, and references against the database and the
    other files of the run, whatever their order – and written after the files whose strategies,
    organisations or funds it uses. A file with a problem is not written, nor a file that needs it,
    but every other file is (the caller rolls it all back), so that what only writing finds – a node
    another strategy still links to, an allocation another strategy declares – is reported in the
    same run. Only one file's parsed data is held at a time beyond ``KEEP_PARSED_BYTES``.

    ``outlines``, when given, receives what each file defines (``Defined``; None for a file that could
    not be read), so that other files of the run (governance files) can tell a reference to what a
    file with problems defines from a reference to nothing."""
    problems: list[Problem] = []
    loaded: list[_File] = []
    kept = 0
    for path in paths:
        data, where, load_problems = load_file(path)
        problems += load_problems
        outline = defined(data) if data is not None else None
        if outlines is not None:
            outlines.append(outline)
        if data is not None and outline is not None:
            slug = outline.slug
            other = next((f.path for f in loaded if slug and f.outline.slug == slug), None)
            if other is not None:
                problems.append(
                    Problem(
                        path,
                        where.line(("strategy", "slug")),
                        path_text(("strategy", "slug"), data),
                        _("%(file)s in this run is also strategy %(slug)s; one strategy is one file")
                        % {"file": other, "slug": repr(slug)},
                    )
                )
            size = _size(path)
            keep = kept + size <= KEEP_PARSED_BYTES
            kept += size if keep else 0
            loaded.append(_File(path, outline, (data, where) if keep else None))
        del data, where
    stored = _Stored()
    files = _write_order(loaded, stored)
    failed: set[int] = set()
    results = []
    # what the files before a file define: a file of the run replaces its strategy's nodes
    orgs: set[str] = set()
    funds: set[str] = set()
    nodes: dict[str, set[str]] = {}
    for i, f in enumerate(files):
        known = Known(
            organisations=_Union(stored.organisations, orgs),
            funds=_Union(stored.funds, funds),
            strategy_nodes=lambda slug: nodes[slug] if slug in nodes else stored.nodes(slug),
            written_later={
                later.outline.slug: later.path
                for later in files[i + 1 :]
                if later.outline.slug in f.outline.uses_strategies and later.outline.slug not in nodes
            },
        )
        orgs |= f.outline.organisations
        funds |= f.outline.funds
        if f.outline.slug:
            nodes[f.outline.slug] = f.outline.nodes
        try:
            data, where = f.read()
            doc, file_problems = check_file(data, f.path, where, known)
            if file_problems or doc is None:
                raise InvalidFile(file_problems)
            if f.needs & failed:
                failed.add(i)  # checked, but it cannot be written without a file that failed
                continue
            with transaction.atomic():  # a savepoint: a file refused while writing leaves no trace
                results.append(_Writer(doc, f.path, where, data).run())
        except InvalidFile as exc:
            problems += exc.problems
            failed.add(i)
    # reported in the order the files were named (each file's problems in file order)
    given = {path: n for n, path in enumerate(paths)}
    problems.sort(key=lambda p: given.get(p.file, len(given)))
    return results, problems


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


class _Union:
    """Two sets seen as one, without copying the larger (every organisation stored)."""

    def __init__(self, *sets: set[str]):
        self.sets = sets

    def __contains__(self, item: object) -> bool:
        return any(item in x for x in self.sets)

    def __iter__(self):
        return iter(set().union(*self.sets))

    def __len__(self) -> int:
        return len(set().union(*self.sets))


class _Stored:
    """What the database holds that a file may refer to, asked once per run."""

    def __init__(self) -> None:
        self.organisations = set(Organisation.objects.values_list("slug", flat=True))
        self.funds = set(Fund.objects.values_list("code", flat=True))
        self._nodes: dict[str, set[str] | None] = {}

    def nodes(self, slug: str) -> set[str] | None:
        """The node codes of a stored strategy, None if it is not stored; one query per strategy."""
        if slug not in self._nodes:
            strategy = Strategy.objects.filter(slug=slug).first()
            self._nodes[slug] = (
                None if strategy is None else set(strategy.nodes.values_list("code", flat=True))
            )
        return self._nodes[slug]


def _write_order(files: list[_File], stored: _Stored) -> list[_File]:
    """The files in the order they can be written: each after the files of the run that define the
    other strategies it refers to, and the organisations and funds it uses that are not stored yet;
    otherwise in the order given."""
    definer: dict[tuple[str, str], int] = {}
    for i, f in enumerate(files):
        o = f.outline
        for key in [("strategy", o.slug), *[("org", x) for x in o.organisations]]:
            if key[1]:
                definer.setdefault(key, i)
        for code in o.funds:
            definer.setdefault(("fund", code), i)
    for i, f in enumerate(files):
        o = f.outline
        wanted = [("strategy", x) for x in o.uses_strategies]
        wanted += [("org", x) for x in o.uses_organisations - o.organisations - stored.organisations]
        wanted += [("fund", x) for x in o.uses_funds - o.funds - stored.funds]
        f.needs = {definer[k] for k in wanted if k in definer} - {i}
    placed: list[int] = []
    done: set[int] = set()
    left = list(range(len(files)))
    while left:
        ready = next((i for i in left if files[i].needs <= done), left[0])  # left[0]: a cycle
        placed.append(ready)
        done.add(ready)
        left.remove(ready)
    position = {old: new for new, old in enumerate(placed)}
    ordered = [files[i] for i in placed]
    for f in ordered:
        f.needs = {position[i] for i in f.needs}
    return ordered


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
        data = load_yaml(text, filename)
        where = LineFinder(text)
        stored = _Stored()
        known = Known(organisations=stored.organisations, funds=stored.funds, strategy_nodes=stored.nodes)
        doc, problems = check_file(data, filename, where, known)
        if problems or doc is None:
            raise InvalidFile(problems)
        return _Writer(doc, filename, where, data).run()


class _Writer:
    """Writes one checked document, diffing against what is stored."""

    def __init__(self, doc: s.StrategyFile, filename: str, where: Locator, data: dict | None = None):
        self.doc = doc
        self.filename = filename
        self.where = where  # places a field path in the file, for error messages
        self.data = data  # the parsed file, to name places by their codes
        self.result = ImportResult(filename, doc.strategy.slug)
        self._foreign: dict[str, dict[str, int]] = {}

    # --- consistency with the database -----------------------------------------------------------

    def problem(self, path: tuple, message: str) -> Problem:
        return Problem(self.filename, self.where.line(path), path_text(path, self.data), message)

    def consistency_problems(self) -> list[Problem]:
        """What the file cannot change in the database as it stands: every such problem, before any
        row is written."""
        return self._removed_nodes_in_use() + self._allocations_of_others()

    # --- writing ---------------------------------------------------------------------------------

    def run(self) -> ImportResult:
        problems = self.consistency_problems()
        if problems:
            raise InvalidFile(problems)
        self.orgs = self._organisations()
        self.written_orgs: set[int] = set()  # set by _organisation_statements
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
            search_indexing.reindex_strategy(self.strategy.pk, organisations=self.written_orgs)
        strategy_written.send(sender=_Writer, strategy=self.strategy, result=self.result)
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
        # the organisations whose rows this import writes without signals – new ones and those whose
        # row changed: the search index compares these (reindex_strategy), not all of them
        self.written_orgs = set(new_ids)
        sync_rows(
            self.result,
            Organisation,
            "organisations",
            rows,
            [(k, f) for k, f in desired if k not in new_ids],
            delete=False,
            changed_keys=self.written_orgs,
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
        # Walk depth by depth so that every parent has an id before its children are written.
        paths: dict[str, str] = {}
        sibling_index: Counter = Counter()
        by_depth: dict[int, list] = {}
        for node, parent, _path in ordered:
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

    def _removed_nodes_in_use(self) -> list[Problem]:
        """A node another strategy links to cannot silently disappear with its links."""
        slug = self.doc.strategy.slug
        kept = [node.code for node, _, _ in walk_nodes(self.doc.nodes)]
        removed = Node.objects.filter(strategy__slug=slug).exclude(code__in=kept)
        outside_links = (
            Alignment.objects.filter(target_node__in=removed)
            .exclude(declared_in__slug=slug)
            .select_related("declared_in", "target_node")
            .order_by("declared_in__slug", "target_node__path")[:LISTED]
        )
        problems = [
            Problem(
                self.filename,
                self.where.line(("nodes",)),
                "nodes",
                _(
                    "node %(code)r is no longer in the file, but strategy %(strategy)r links to it; "
                    "change that strategy first"
                )
                % {"code": a.target_node.code, "strategy": a.declared_in.slug},
            )
            for a in outside_links
        ]
        outside_projects = (
            Project.nodes.through.objects.filter(node__in=removed)
            .exclude(project__strategy__slug=slug)
            .select_related("node", "project__strategy")
            .order_by("project__strategy__slug", "project__code")[:LISTED]
        )
        problems += [
            Problem(
                self.filename,
                self.where.line(("nodes",)),
                "nodes",
                _(
                    "node %(code)r is no longer in the file, but project %(project)r of strategy "
                    "%(strategy)r is linked to it; change that strategy first"
                )
                % {"code": t.node.code, "project": t.project.code, "strategy": t.project.strategy.slug},
            )
            for t in outside_projects
        ]
        return problems

    def _allocations_of_others(self) -> list[Problem]:
        """An allocation (fund, owner, period) is declared by one strategy only."""
        slug = self.doc.strategy.slug
        problems = []
        for i, f in enumerate(self.doc.funds):
            for j, a in enumerate(f.allocations):
                other = (
                    Allocation.objects.filter(fund__code=f.code, owner__slug=a.owner, period=blank(a.period))
                    .exclude(declared_in__slug=slug)
                    .select_related("declared_in")
                    .first()
                )
                if other is not None:
                    problems.append(
                        self.problem(
                            ("funds", i, "allocations", j),
                            _(
                                "this allocation (%(fund)s, %(owner)s, %(period)s) is already declared by "
                                "strategy %(strategy)r"
                            )
                            % {
                                "fund": f.code,
                                "owner": a.owner,
                                "period": a.period or _("no period"),
                                "strategy": other.declared_in.slug,
                            },
                        )
                    )
        return problems

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
        for f in self.doc.funds:
            for a in f.allocations:
                key = (self.funds[f.code], self.orgs[a.owner], blank(a.period))
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
                        inferred=[x.value for x in ind.inferred],
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
        # values computed from a dataset (FROM_DATASET) are the dataset's: kept unless the file now gives
        # a value for the same day, which then replaces it
        given = {key for key, _fields in desired_obs}
        for key in [
            k for k, o in existing_obs.items() if o.source.startswith(FROM_DATASET) and k not in given
        ]:
            del existing_obs[key]
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
                        # none when the file gives none: the period is never assumed
                        sustainability_years=p.sustainability_years,
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
                        scope_projects=list(st.scope.projects),
                        scope_strategy=blank(st.scope.strategy),
                        amount=st.value if what in s.STATED_AMOUNTS else None,
                        count=st.value if what in s.STATED_WHOLE else None,
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
