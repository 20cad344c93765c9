"""API of projects and funds: the filtered project list (the same ``ProjectFilters`` as the list page),
its GeoJSON for maps, a project with partners, budget lines and payments, money per fund; and the
writes through the API (a project's facts, a new payment or claim, a budget line's amount and security),
with the separation of duties of ``projects.services`` (the holder claims, programme staff manage money).
"""

from __future__ import annotations

from decimal import Decimal

from ninja import Path, Query, Router
from ninja.responses import Status

from regija.api.auth import token_auth
from regija.api.errors import READ_RESPONSES, invalid, not_found, refusals, require_change, write_responses
from regija.api.links import api_url
from regija.api.pagination import PageParams, paginate, paginate_kept
from regija.core.models import OrganisationKind
from regija.strategies.models import Strategy

from . import selectors
from .filters import ProjectFilters
from .models import BudgetLine, Fund, Payment, Project
from .schemas import (
    BudgetLineOut,
    BudgetLinePatch,
    FeatureCollection,
    FundFilters,
    FundPage,
    PaymentIn,
    PaymentOut,
    ProjectDetail,
    ProjectItem,
    ProjectPage,
    ProjectPatch,
)
from .services import budget
from .services import projects as project_services

router = Router(tags=["projects"])
fund_router = Router(tags=["funds"])


# ---------------------------------------------------------------------------------------------
# Funds


def fund_money(f) -> dict:
    """A FundRollup from projects.selectors as the API shows it."""
    absorption = f.absorption
    return {
        "code": f.fund.code,
        "name": f.fund.name,
        "name_en": f.fund.name_en,
        "projects": f.projects,
        "total": f.total,
        "approved": f.approved,
        "secured_unknown": f.secured_unknown,
        "paid": f.paid,
        "claimed": f.claimed,
        "allocated": f.allocated,
        "allocated_paid": f.allocated_paid,
        "unallocated_paid": f.unallocated_paid,
        "withdrawn_total": f.withdrawn_total,
        "absorption": None if absorption is None else absorption.quantize(Decimal("0.0001")),
    }


@fund_router.get("/funds", response={200: FundPage, **READ_RESPONSES}, url_name="funds")
def list_funds(request, filters: Query[FundFilters], pages: Query[PageParams]):
    """Money per fund: allocated, approved, paid, claimed and absorption (paid against the allocations /
    allocated)."""
    if filters.strategy:
        strategy = Strategy.objects.filter(slug=filters.strategy).first()
        # an unknown slug matches nothing, as the project filters do
        rows = selectors.fund_rollups(strategy) if strategy else []
    else:
        rows = selectors.fund_rollups()
    return paginate(request, rows, pages, lambda page: [fund_money(f) for f in page])


# ---------------------------------------------------------------------------------------------
# Project list and map


def _party(org) -> dict:
    if org.kind == OrganisationKind.PERSON:
        return {"person": True, "name": None, "slug": None}
    return {"person": False, "name": org.name, "slug": org.slug}


def _project_item(request, p) -> dict:
    m = p.money
    return {
        "strategy": p.strategy.slug,
        "code": p.code,
        "title": p.title,
        "title_en": p.title_en,
        "status": p.status,
        "holder": _party(p.holder) if p.holder_id else None,
        "start": p.start,
        "end": p.end,
        "location": (
            {
                "name": "",
                "municipality": p.municipality,
                "lat": None,
                "lon": None,
            }  # a person's place is not published
            if p.held_by_person
            else {"name": p.location_name, "municipality": p.municipality, "lat": p.lat, "lon": p.lon}
        ),
        "money": {
            "total": m.total,
            "secured": m.secured,
            "secured_unknown": m.secured_unknown,
            "paid": m.paid,
            "claimed": m.claimed,
        },
        "url": api_url(request, "project", p.strategy.slug, p.code),
        "web_url": request.build_absolute_uri(p.get_absolute_url()),
    }


@router.get("/projects", response={200: ProjectPage, **READ_RESPONSES}, url_name="projects")
def list_projects(request, filters: Query[ProjectFilters], pages: Query[PageParams]):
    """Projects filtered and sorted exactly as on the project list page, with money per project."""

    def rows():
        return filters.apply(selectors.project_queryset())

    def build(page):
        return [_project_item(request, p) for p in selectors.with_money(page)]

    return paginate_kept(request, "api-projects", filters.as_query(), rows, pages, build, ProjectItem)


@router.get("/projects/geo", response={200: FeatureCollection, **READ_RESPONSES}, url_name="projects_geo")
def projects_geo(request, filters: Query[ProjectFilters]):
    """The filtered projects with a place on the map, as a GeoJSON FeatureCollection: an exact location,
    or else the seat of the project's municipality (``approximate: true``)."""
    rows = selectors.located_projects(filters)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {
                    "strategy": r["strategy__slug"],
                    "code": r["code"],
                    "title": r["title"],
                    "location_name": r["location_name"],
                    "municipality": r.get("municipality", ""),
                    "approximate": bool(r.get("approximate", False)),
                    "url": api_url(request, "project", r["strategy__slug"], r["code"]),
                    "web_url": request.build_absolute_uri(r["url"]),
                },
            }
            for r in rows
        ],
        "truncated": len(rows) >= selectors.MAP_LIMIT,
    }


# ---------------------------------------------------------------------------------------------
# One project


def _budget_line_out(b: BudgetLine) -> dict:
    return {
        "id": b.pk,
        "fund": b.fund.code,
        "amount": b.amount,
        "secured": b.secured,
        "secured_amount": b.secured_amount,
        "note": b.note,
    }


def _payment_out(p: Payment) -> dict:
    return {
        "id": p.pk,
        "fund": p.fund.code,
        "label": p.label,
        "amount": p.amount,
        "date": p.date,
        "state": p.state,
        "note": p.note,
    }


def _project_detail(request, slug: str, code: str) -> dict:
    project = selectors.project_detail(slug, code)
    if project is None:
        raise not_found("project", f"{slug}/{code}")
    out = _project_item(request, project)
    out.update(
        description=project.description,
        note=project.note,
        source=project.source,
        instrument={
            "kind": project.instrument_kind,
            "number": project.instrument_number,
            "date": project.instrument_date,
            "issuer": project.instrument_issuer,
        },
        partners=[
            {
                "organisation": _party(pa.organisation),
                "role": pa.role,
                "budget_share": pa.budget_share,
            }
            for pa in project.partners.all()
        ],
        budget_lines=[_budget_line_out(b) for b in project.budget_lines.all()],
        payments=[_payment_out(p) for p in project.payments.all()],
        nodes=[{"strategy": n.strategy.slug, "code": n.code, "title": n.title} for n in project.nodes.all()],
    )
    return out


@router.get("/projects/{slug}/{code}", response={200: ProjectDetail, **READ_RESPONSES}, url_name="project")
def get_project(request, slug: str, code: str):
    """One project (slug of the strategy that lists it, and its code) with partners, budget and payments."""
    return _project_detail(request, slug, code)


# ---------------------------------------------------------------------------------------------
# Writes


def _project_or_404(slug: str, code: str) -> Project:
    project = Project.objects.filter(strategy__slug=slug, code=code).first()
    if project is None:
        raise not_found("project", f"{slug}/{code}")
    return project


@router.patch("/projects/{slug}/{code}", auth=token_auth, response=write_responses({200: ProjectDetail}))
def patch_project(request, slug: str, code: str, payload: ProjectPatch):
    """Change a project's facts (only the fields sent). Editors and admins of the holder or of an
    owner of the listing strategy may do this; a status change to or from completed or withdrawn only
    the latter (programme staff)."""
    apart = payload.lat_lon_apart()
    if apart:  # the shape of the body, checked before the object (docs/api.md, the order of checks)
        invalid(
            ["body", apart],
            "lat and lon go together: give both, or null both to remove the location",
            "lat_lon_together",
        )
    project = _project_or_404(slug, code)
    with refusals():
        project_services.project_update(
            request.user, project, payload.model_dump(exclude_unset=True), via="api"
        )
    return _project_detail(request, slug, code)


@router.post("/projects/{slug}/{code}/payments", auth=token_auth, response=write_responses({201: PaymentOut}))
def create_payment(request, slug: str, code: str, payload: PaymentIn):
    """Add a payment from a fund to the project: programme staff record any state; the holder only
    claims (state claimed, within the approved amount). More than 0 €; a rejected one with its note."""
    project = _project_or_404(slug, code)
    fund = Fund.objects.filter(code=payload.fund).first()
    if fund is None:
        require_change(request, project)  # who may not write hears that first
        invalid(["body", "fund"], f"there is no fund with the code '{payload.fund}'", "unknown_fund")
    with refusals():
        payment = budget.payment_create(
            request.user, project, **payload.model_dump(exclude={"fund"}), fund=fund, via="api"
        )
    return Status(201, _payment_out(payment))


@router.patch(
    "/projects/{slug}/{code}/budget-lines/{id}",
    auth=token_auth,
    response=write_responses({200: BudgetLineOut}),
)
def patch_budget_line(
    request, slug: str, code: str, payload: BudgetLinePatch, id: int = Path(..., ge=1, le=2**63 - 1)
):
    """Change a budget line's amount, whether it is secured, and the secured part of a partly secured line;
    programme staff only (editors and admins of an owner of the listing strategy)."""
    project = _project_or_404(slug, code)
    line = BudgetLine.objects.select_related("fund").filter(project=project, pk=id).first()
    if line is None:
        raise not_found("budget line", f"{slug}/{code}/{id}")
    with refusals():
        line = budget.budget_line_update(
            request.user, line, payload.model_dump(exclude_unset=True), via="api"
        )
    return _budget_line_out(line)
