"""Writing a stored strategy back out: the strategy file (YAML, JSON, an XLSX workbook) and flat tables (CSV).

The YAML, JSON and XLSX exports are valid strategy files: importing one into an empty database gives
the same data back. The CSV tables are a flat, lossy view for spreadsheets and scripts.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import yaml
from django.db.models import Prefetch, Q
from pydantic import ValidationError

from regija.core import spreadsheet
from regija.core.models import Organisation
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
from regija.strategies.models import Alignment, Indicator, Node, Observation, OrganisationStatement, Strategy

from . import workbook
from .reader import path_text, schema_errors
from .schema import Fund as FundEntry
from .schema import Organisation as OrganisationEntry
from .schema import StrategyFile

# the facts of an organisation and a fund, in the order a file writes them
_ORGANISATION_FACTS = [f for f in OrganisationEntry.model_fields if f != "slug"]
_FUND_FACTS = [f for f in FundEntry.model_fields if f not in ("code", "allocations")]


class ExportError(Exception):
    """Stored data the strategy file format refuses: one line naming the object and the field."""


def _num(value: Decimal | None):
    """A Decimal as the plainest YAML/JSON number that reads back to the same value."""
    if value is None:
        return None
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return format(value.normalize(), "f")


def _clean(d: dict) -> dict:
    """Drop empty optional values so the export reads like a hand-written file."""
    return {k: v for k, v in d.items() if v not in (None, "", [], {})}


def strategy_document(strategy: Strategy) -> dict:
    """The strategy as a plain dict in the strategy file format."""
    nodes = list(Node.objects.filter(strategy=strategy).prefetch_related("responsible").order_by("path"))
    node_code = {n.pk: n.code for n in nodes}
    foreign_nodes = {}

    def ref(node_id: int):
        if node_id in node_code:
            return node_code[node_id]
        return foreign_nodes[node_id]

    alignments = list(
        Alignment.objects.filter(declared_in=strategy)
        .select_related("source_node__strategy", "target_node__strategy")
        .order_by("pk")
    )
    projects = list(
        Project.objects.filter(strategy=strategy)
        .select_related("holder")
        .prefetch_related(
            Prefetch("nodes", queryset=Node.objects.select_related("strategy")),
            Prefetch("partners", queryset=Partner.objects.select_related("organisation").order_by("order")),
            Prefetch("budget_lines", queryset=BudgetLine.objects.select_related("fund").order_by("order")),
            Prefetch("payments", queryset=Payment.objects.select_related("fund").order_by("order")),
        )
        .order_by("order")
    )
    for a in alignments:
        for n in (a.source_node, a.target_node):
            if n.strategy_id != strategy.pk:
                foreign_nodes[n.pk] = {"strategy": n.strategy.slug, "code": n.code}
    for p in projects:
        for n in p.nodes.all():
            if n.strategy_id != strategy.pk:
                foreign_nodes[n.pk] = {"strategy": n.strategy.slug, "code": n.code}

    allocations = list(
        Allocation.objects.filter(declared_in=strategy).select_related("fund", "owner").order_by("pk")
    )
    indicators = list(
        Indicator.objects.filter(strategy=strategy)
        .select_related("node")
        .prefetch_related(Prefetch("observations", queryset=Observation.objects.order_by("date")))
        .order_by("order")
    )
    stated = list(
        StatedFigure.objects.filter(strategy=strategy)
        .select_related("scope_node", "scope_fund")
        .order_by("order")
    )

    # every organisation and fund the document states or refers to travels with it, as the document
    # states it (its own source, not that of another document sharing the row)
    org_statements = dict(
        OrganisationStatement.objects.filter(strategy=strategy).values_list("organisation_id", "facts")
    )
    org_ids = set(strategy.owners.values_list("pk", flat=True)) | set(org_statements)
    org_ids |= {o.pk for n in nodes for o in n.responsible.all()}
    org_ids |= {a.owner_id for a in allocations}
    for p in projects:
        if p.holder_id:
            org_ids.add(p.holder_id)
        org_ids |= {pt.organisation_id for pt in p.partners.all()}
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids)}
    while True:  # parents travel too: as the document states them, or else as the rows have them
        parent_ids = {o.parent_id for pk, o in orgs.items() if pk not in org_statements and o.parent_id}
        parent_slugs = {org_statements[pk].get("parent") for pk in orgs if pk in org_statements}
        parent_ids -= set(orgs)
        parent_slugs -= {o.slug for o in orgs.values()} | {None}
        if not parent_ids and not parent_slugs:
            break
        found = list(Organisation.objects.filter(Q(pk__in=parent_ids) | Q(slug__in=parent_slugs)))
        if not found:  # a stated parent no longer stored: the file written says so when read back
            break
        orgs.update((o.pk, o) for o in found)
    slug_of = {pk: o.slug for pk, o in orgs.items()}

    fund_statements = dict(FundStatement.objects.filter(strategy=strategy).values_list("fund_id", "facts"))
    fund_ids = {a.fund_id for a in allocations} | {s.scope_fund_id for s in stated if s.scope_fund_id}
    fund_ids |= set(fund_statements)
    for p in projects:
        fund_ids |= {b.fund_id for b in p.budget_lines.all()} | {pay.fund_id for pay in p.payments.all()}
    funds = list(Fund.objects.filter(pk__in=fund_ids).order_by("code"))

    def organisation_entry(o: Organisation) -> dict:
        facts = org_statements.get(o.pk)
        if facts is None:  # used but not stated by this document: the row's facts, with no source
            facts = {
                **{f: getattr(o, f) for f in _ORGANISATION_FACTS if f not in ("parent", "source")},
                "parent": slug_of.get(o.parent_id),
            }
        return _clean({"slug": o.slug, **{f: facts.get(f) for f in _ORGANISATION_FACTS}})

    def fund_facts(f: Fund) -> dict:
        facts = fund_statements.get(f.pk)
        if facts is None:  # used but not stated by this document: the row's facts, with no source
            facts = {"name": f.name, "name_en": f.name_en}
        return {k: facts.get(k) for k in _FUND_FACTS}

    tree: dict[int | None, list[dict]] = {}
    for n in nodes:
        entry = _clean(
            {
                "code": n.code,
                "level": n.level,
                "title": n.title,
                "title_en": n.title_en,
                "description": n.description,
                "responsible": sorted(slug_of[o.pk] for o in n.responsible.all()),
                "planned_amount": _num(n.planned_amount),
                "planned_projects": n.planned_projects,
                "source": n.source,
            }
        )
        entry["_id"] = n.pk
        tree.setdefault(n.parent_id, []).append(entry)

    def build(parent_id):
        out = []
        for entry in tree.get(parent_id, []):
            children = build(entry.pop("_id"))
            if children:
                entry["children"] = children
            out.append(entry)
        return out

    doc = {
        "regija": 1,
        "strategy": _clean(
            {
                "slug": strategy.slug,
                "title": strategy.title,
                "title_en": strategy.title_en,
                "description": strategy.description,
                "owners": sorted(o.slug for o in strategy.owners.all()),
                "territory": strategy.territory,
                "period": _clean({"start": strategy.period_start, "end": strategy.period_end}),
                "adopted": _clean({"date": strategy.adopted_on, "body": strategy.adopted_by}),
                "status": strategy.status,
                "source": _clean(
                    {
                        "title": strategy.source_title,
                        "reference": strategy.source_reference,
                        "url": strategy.source_url,
                        "published": strategy.source_published,
                    }
                ),
                "levels": strategy.levels,
            }
        ),
        "organisations": [organisation_entry(o) for o in sorted(orgs.values(), key=lambda o: o.slug)],
        "funds": [
            _clean(
                {
                    "code": f.code,
                    **fund_facts(f),
                    "allocations": [
                        _clean(
                            {
                                "owner": a.owner.slug,
                                "period": a.period,
                                "amount": _num(a.amount),
                                "used_share": _num(a.used_share),
                                "used_by": a.used_by,
                                "note": a.note,
                                "source": a.source,
                            }
                        )
                        for a in allocations
                        if a.fund_id == f.pk
                    ],
                }
            )
            for f in funds
        ],
        "nodes": build(None),
        "alignments": [
            _clean(
                {
                    "from": ref(a.source_node_id),
                    "to": ref(a.target_node_id),
                    "type": a.type,
                    "note": a.note,
                    "source": (a.sources[0] if len(a.sources) == 1 else a.sources),
                }
            )
            for a in alignments
        ],
        "indicators": [
            _clean(
                {
                    "code": i.code,
                    "node": i.node.code,
                    "name": i.name,
                    "effect": i.effect,
                    "unit": i.unit,
                    "direction": i.direction,
                    "data_source": i.data_source,
                    "baseline": _clean({"value": _num(i.baseline_value), "date": i.baseline_date})
                    if i.baseline_value is not None
                    else None,
                    "target": _clean({"value": _num(i.target_value), "date": i.target_date})
                    if i.target_value is not None
                    else None,
                    "observations": [
                        _clean({"date": o.date, "value": _num(o.value), "source": o.source, "note": o.note})
                        for o in i.observations.all()
                    ],
                    "inferred": list(i.inferred),
                    "note": i.note,
                    "source": i.source,
                }
            )
            for i in indicators
        ],
        "projects": [_project(p, ref, slug_of) for p in projects],
        "stated": [
            _clean(
                {
                    "label": st.label,
                    "what": st.what,
                    "scope": _clean(
                        {
                            "node": st.scope_node.code if st.scope_node else None,
                            "fund": st.scope_fund.code if st.scope_fund else None,
                            "level": st.scope_level,
                            "status": st.scope_status,
                            "projects": list(st.scope_projects),
                            "strategy": st.scope_strategy,
                        }
                    ),
                    "value": _num(st.value) if isinstance(st.value, Decimal) else st.value,
                    "source": st.source,
                }
            )
            for st in stated
        ],
    }
    return {k: v for k, v in doc.items() if v not in ([], {}) or k in ("regija", "strategy")}


def _project(p: Project, ref, slug_of) -> dict:
    budget = list(p.budget_lines.all())
    single_fund = len({b.fund_id for b in budget}) == 1
    return _clean(
        {
            "code": p.code,
            "title": p.title,
            "title_en": p.title_en,
            "description": p.description,
            "holder": slug_of.get(p.holder_id),
            "status": p.status,
            "start": p.start,
            "end": p.end,
            "location": _clean(
                {"name": p.location_name, "municipality": p.municipality, "lat": p.lat, "lon": p.lon}
            ),
            "nodes": [
                ref(n.pk)
                for n in sorted(p.nodes.all(), key=lambda n: (n.strategy_id != p.strategy_id, n.path))
            ],
            "partners": [
                _clean(
                    {
                        "organisation": pt.organisation.slug,
                        "role": pt.role,
                        "budget_share": _num(pt.budget_share),
                    }
                )
                for pt in p.partners.all()
            ],
            "budget": [
                _clean(
                    {
                        "fund": b.fund.code,
                        "amount": _num(b.amount),
                        "secured": b.secured,
                        "secured_amount": _num(b.secured_amount),
                        "note": b.note,
                        "source": b.source,
                    }
                )
                for b in budget
            ],
            "instrument": _clean(
                {
                    "kind": p.instrument_kind,
                    "number": p.instrument_number,
                    "date": p.instrument_date,
                    "issuer": p.instrument_issuer,
                }
            ),
            "sustainability_years": p.sustainability_years,
            "payments": [
                _clean(
                    {
                        "label": pay.label,
                        "amount": _num(pay.amount),
                        "date": pay.date,
                        "state": pay.state,
                        "fund": None if single_fund else pay.fund.code,
                        "note": pay.note,
                    }
                )
                for pay in p.payments.all()
            ],
            "withdrawal": _clean({"date": p.withdrawn_on, "reason": p.withdrawal_reason}),
            "note": p.note,
            "source": p.source,
        }
    )


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper, data):
    # long texts as literal blocks, so descriptions stay readable and diff line by line
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)


def to_yaml(strategy: Strategy) -> str:
    doc = _importable(strategy_document(strategy))
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def to_json(strategy: Strategy) -> str:
    doc = _importable(strategy_document(strategy))
    return json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default)


def _importable(doc: dict) -> dict:
    """An export must always be importable: raise ExportError naming the first stored value that is not."""
    try:
        StrategyFile.model_validate(doc)
    except ValidationError as exc:
        problems = schema_errors(exc)
        loc, message = problems[0]
        what, rest = _whose(doc, loc)
        where = f"{what}, field {path_text(rest)}" if rest else what
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ExportError(
            f"cannot export {doc['strategy']['slug']}: {where}: {message}{more}; "
            "correct the stored data and export again"
        ) from None
    return doc


_RECORDS = {
    "organisations": ("organisation", "slug"),
    "funds": ("fund", "code"),
    "indicators": ("indicator", "code"),
    "projects": ("project", "code"),
    "stated": ("stated figure", "label"),
}


def _whose(doc: dict, loc: tuple) -> tuple[str, tuple]:
    """The record a field path of ``doc`` points into, named as people know it, and the path within it."""
    head, index = (loc + (None, None))[:2]
    if head == "nodes" and isinstance(index, int):
        node, rest, siblings = None, loc, doc["nodes"]
        while len(rest) >= 2 and rest[0] in ("nodes", "children") and isinstance(rest[1], int):
            node = siblings[rest[1]]
            siblings, rest = node.get("children", []), rest[2:]
        return f"node {node.get('code')!r}", rest
    if head == "alignments" and isinstance(index, int):
        a = doc["alignments"][index]
        ends = [_ref_text(a.get(end)) for end in ("from", "to")]
        return f"alignment {ends[0]} → {ends[1]}", loc[2:]
    if head in _RECORDS and isinstance(index, int):
        kind, key = _RECORDS[head]
        return f"{kind} {doc[head][index].get(key)!r}", loc[2:]
    if head == "strategy":
        loc = loc[1:]
    return f"strategy {doc['strategy']['slug']!r}", loc


def _ref_text(ref) -> str:
    return f"{ref['strategy']}:{ref['code']}" if isinstance(ref, dict) else str(ref)


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


# --- flat tables -------------------------------------------------------------------------------


def tables(strategy: Strategy) -> dict[str, tuple[list[str], list[list]]]:
    """The strategy as flat tables (name → header, rows) for the CSV export (lossy: for reading, not for
    importing; the XLSX export is the workbook ``workbook`` writes)."""
    doc = strategy_document(strategy)
    out: dict[str, tuple[list[str], list[list]]] = {}

    def nodes_rows(nodes, parent, rows):
        for n in nodes:
            rows.append(
                [
                    n["code"],
                    parent or "",
                    n["level"],
                    n["title"],
                    n.get("title_en", ""),
                    n.get("description", ""),
                    ", ".join(n.get("responsible", [])),
                    n.get("planned_amount", ""),
                    n.get("source", ""),
                ]
            )
            nodes_rows(n.get("children", []), n["code"], rows)
        return rows

    out["nodes"] = (
        [
            "code",
            "parent",
            "level",
            "title",
            "title_en",
            "description",
            "responsible",
            "planned_amount",
            "source",
        ],
        nodes_rows(doc.get("nodes", []), None, []),
    )

    def ref_text(r):
        return f"{r['strategy']}:{r['code']}" if isinstance(r, dict) else r

    out["alignments"] = (
        ["from", "to", "type", "note", "source"],
        [
            [
                ref_text(a["from"]),
                ref_text(a["to"]),
                a["type"],
                a.get("note", ""),
                "; ".join(a["source"]) if isinstance(a.get("source"), list) else a.get("source", ""),
            ]
            for a in doc.get("alignments", [])
        ],
    )
    out["indicators"] = (
        [
            "code",
            "node",
            "name",
            "effect",
            "unit",
            "direction",
            "data_source",
            "baseline",
            "baseline_date",
            "target",
            "target_date",
            "inferred",
            "source",
        ],
        [
            [
                i["code"],
                i["node"],
                i["name"],
                i.get("effect", ""),
                i.get("unit", ""),
                i["direction"],
                i.get("data_source", ""),
                i.get("baseline", {}).get("value", ""),
                i.get("baseline", {}).get("date", ""),
                i.get("target", {}).get("value", ""),
                i.get("target", {}).get("date", ""),
                ", ".join(i.get("inferred", [])),
                i.get("source", ""),
            ]
            for i in doc.get("indicators", [])
        ],
    )
    out["observations"] = (
        ["indicator", "date", "value", "source", "note"],
        [
            [i["code"], o["date"], o["value"], o.get("source", ""), o.get("note", "")]
            for i in doc.get("indicators", [])
            for o in i.get("observations", [])
        ],
    )
    projects = doc.get("projects", [])
    out["projects"] = (
        [
            "code",
            "title",
            "holder",
            "status",
            "start",
            "end",
            "municipality",
            "lat",
            "lon",
            "nodes",
            "total",
            "instrument",
            "instrument_number",
            "instrument_date",
            "source",
        ],
        [
            [
                p["code"],
                p["title"],
                p.get("holder", ""),
                p["status"],
                p.get("start", ""),
                p.get("end", ""),
                p.get("location", {}).get("municipality", ""),
                p.get("location", {}).get("lat", ""),
                p.get("location", {}).get("lon", ""),
                ", ".join(ref_text(r) for r in p.get("nodes", [])),
                sum((Decimal(str(b["amount"])) for b in p.get("budget", [])), Decimal("0.00")),
                p.get("instrument", {}).get("kind", ""),
                p.get("instrument", {}).get("number", ""),
                p.get("instrument", {}).get("date", ""),
                p.get("source", ""),
            ]
            for p in projects
        ],
    )
    out["partners"] = (
        ["project", "organisation", "role", "budget_share"],
        [
            [p["code"], pt["organisation"], pt["role"], pt.get("budget_share", "")]
            for p in projects
            for pt in p.get("partners", [])
        ],
    )
    out["budget_lines"] = (
        ["project", "fund", "amount", "secured", "secured_amount", "note", "source"],
        [
            [
                p["code"],
                b["fund"],
                b["amount"],
                b["secured"],
                b.get("secured_amount", ""),
                b.get("note", ""),
                b.get("source", ""),
            ]
            for p in projects
            for b in p.get("budget", [])
        ],
    )
    out["payments"] = (
        ["project", "label", "amount", "date", "state", "fund", "note"],
        [
            [
                p["code"],
                pay["label"],
                pay["amount"],
                pay.get("date", ""),
                pay["state"],
                pay.get("fund") or (p["budget"][0]["fund"] if p.get("budget") else ""),
                pay.get("note", ""),
            ]
            for p in projects
            for pay in p.get("payments", [])
        ],
    )
    out["stated"] = (
        [
            "label",
            "what",
            "scope_node",
            "scope_fund",
            "scope_level",
            "scope_status",
            "scope_projects",
            "scope_strategy",
            "value",
            "source",
        ],
        [
            [
                st["label"],
                st["what"],
                st.get("scope", {}).get("node", ""),
                st.get("scope", {}).get("fund", ""),
                st.get("scope", {}).get("level", ""),
                ", ".join(st.get("scope", {}).get("status", [])),
                ", ".join(st.get("scope", {}).get("projects", [])),
                st.get("scope", {}).get("strategy", ""),
                st["value"],
                st.get("source", ""),
            ]
            for st in doc.get("stated", [])
        ],
    )
    return out


def _cell(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def to_csv_zip(strategy: Strategy) -> bytes:
    """One CSV file per table, zipped; UTF-8 with BOM so spreadsheet programs read č, š, ž right. Cells go
    through ``core.spreadsheet`` (a title beginning with ``=`` never becomes a formula)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (header, rows) in tables(strategy).items():
            text = io.StringIO()
            writer = spreadsheet.csv_writer(text)
            writer.writerow(header)
            writer.writerows([[_cell(c) for c in row] for row in rows])
            zf.writestr(f"{strategy.slug}/{name}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()


def to_xlsx(strategy: Strategy) -> bytes:
    """The strategy as the workbook ``regija import`` reads back (``workbook``): every field of the file,
    amounts as numbers, dates as dates, cells through ``core.spreadsheet``."""
    return workbook.write(_importable(strategy_document(strategy)))


def export(strategy: Strategy, fmt: str, output: Path | None) -> Path:
    """Write the export and return where it went."""
    if fmt == "yaml":
        data, suffix = to_yaml(strategy).encode(), ".yaml"
    elif fmt == "json":
        data, suffix = to_json(strategy).encode(), ".json"
    elif fmt == "csv":
        data, suffix = to_csv_zip(strategy), ".csv.zip"
    elif fmt == "xlsx":
        data, suffix = to_xlsx(strategy), ".xlsx"
    else:
        raise ValueError(f"unknown format {fmt!r}; use yaml, json, csv or xlsx")
    path = output or Path(f"{strategy.slug}{suffix}")
    path.write_bytes(data)
    return path
