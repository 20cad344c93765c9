"""API of public calls: the list by state and organisation, one call, and its results.

The same reads as the pages (``calls.selectors``): drafts are never shown, the state filter is the
one SQL rule of ``selectors.state_q``, and a natural person is never named (``"person": true`` and a
null name instead). A call's state moves with the clock, so the ETag (and the cache key of anonymous
answers) also carries the next moment any call opens or closes.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router

from regija.api.errors import READ_RESPONSES, not_found
from regija.api.pagination import PageParams, paginate

from . import selectors
from .schemas import (
    CallDetail,
    CallFilters,
    CallPage,
    CallResults,
)

router = Router(tags=["calls"])


def _abs(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _local(value):
    return timezone.localtime(value) if value else None


def _item(request, c) -> dict:
    return {
        "organisation": {"slug": c.organisation.slug, "name": c.organisation.name},
        "slug": c.slug,
        "number": c.number,
        "title": c.title,
        "title_en": c.title_en,
        "status": c.status,
        "state": c.public_state,
        "group": c.group,
        "published_on": c.published_on,
        "opens_at": _local(c.opens_at),
        "closes_at": _local(c.closes_at),
        "budget": [{"fund": cf.fund.code, "amount": cf.amount} for cf in c.budget],
        "budget_total": c.budget_total,
        "url": _abs(request, "api:call", c.organisation.slug, c.slug),
        "web_url": request.build_absolute_uri(c.get_absolute_url()),
    }


@router.get("/calls", response={200: CallPage, **READ_RESPONSES}, url_name="calls")
def list_calls(request, filters: Query[CallFilters], pages: Query[PageParams]):
    """Public calls (never drafts): open first, then upcoming, closed and archived, newest first within each."""  # noqa: E501 - ninja publishes this docstring as the operation's description: one line, as before
    now = timezone.now()
    qs = selectors.call_list(group=filters.state, organisation=filters.organisation, now=now)
    return paginate(
        request, qs, pages, lambda page: [_item(request, c) for c in selectors.with_budget(page, now)]
    )


@router.get("/calls/{org}/{slug}", response={200: CallDetail, **READ_RESPONSES}, url_name="call")
def get_call(request, org: str, slug: str):
    """One public call: text, budget by fund, documents, eligibility conditions, scoring criteria,
    strategy nodes and the evaluation committee."""
    c = selectors.call_detail(org, slug)
    if c is None:
        raise not_found("call", f"{org}/{slug}")
    term = c.committee_term
    out = _item(request, c)
    out.update(
        text=c.text,
        pass_threshold=c.pass_threshold,
        max_points=c.points_total,
        sustainability_years=c.sustainability_years,
        contact=c.contact,
        source=c.source,
        strategy=c.strategy.slug if c.strategy_id else None,
        nodes=[{"strategy": n.strategy.slug, "code": n.code, "title": n.title} for n in c.nodes.all()],
        documents=[
            {
                "id": d.pk,
                "title": d.title,
                "content_type": d.content_type,
                "size": d.size,
                "url": _abs(request, "call_document", c.organisation.slug, c.slug, d.pk),
            }
            for d in c.documents.all()
        ],
        conditions=[{"order": x.order, "text": x.text} for x in c.conditions.all()],
        criteria=[
            {"order": x.order, "name": x.name, "max_points": x.max_points, "guide": x.guide}
            for x in c.criteria_list
        ],
        committee={
            "body": term.body.name if term else None,
            "term": term.label if term else None,
            "chosen": c.committee_choice,
            "selection": term.selection if term else "",
            "members": [{"name": m.name, "role": m.role} for m in c.committee],
        },
        results_url=_abs(request, "api:call_results", c.organisation.slug, c.slug) if c.has_results else None,
    )
    return out


def _party(p: dict) -> dict:
    return {"person": p["person"], "name": p["name"], "slug": p["slug"]}


def _result(request, r, funds) -> dict:
    a = r.application
    project = a.project
    return {
        "number": a.number,
        "reference": a.reference,
        "title": a.title,
        "status": a.status,
        "applicant": _party(r.applicant),
        "partners": [_party(p) | {"role": p["role"]} for p in r.partners],
        "approved": [
            {"fund": f.code, "amount": r.approved[f.pk]} for f in funds if r.approved.get(f.pk) is not None
        ],
        "approved_total": r.approved_total,
        "paid": r.paid,
        "average_score": r.average,
        "score_sheets": r.sheets,
        "rank": r.rank,
        "reason": a.decision_reason,
        "instrument": {"kind": r.instrument_kind, "number": r.instrument_number, "date": r.instrument_date},
        "operation": {
            "status": r.operation_status,
            "withdrawn": r.withdrawn,
            "withdrawn_on": r.withdrawn_on,
            "withdrawal_reason": r.withdrawal_reason,
            "project_url": _abs(request, "api:project", project.strategy.slug, project.code)
            if project
            else None,
        },
    }


@router.get(
    "/calls/{org}/{slug}/results", response={200: CallResults, **READ_RESPONSES}, url_name="call_results"
)
def get_call_results(request, org: str, slug: str):
    """Results of a decided or archived call: approved operations with amounts per fund, instrument,
    status and payments, withdrawn ones with their reason, totals; and the applications not selected or
    not eligible, with their reasons, ranked by average score. 404 before the call is decided."""
    res = selectors.call_results(org, slug)
    if res is None:
        raise not_found("call results", f"{org}/{slug}")
    call = selectors.with_budget([res.call])[0]
    funds = res.funds
    return {
        "call": _item(request, call),
        "approved": [_result(request, r, funds) for r in res.approved],
        "not_selected": [_result(request, r, funds) for r in res.not_selected],
        "totals": {
            "approved": [{"fund": f.code, "amount": res.totals[f.pk]} for f in funds],
            "approved_total": res.approved_total,
            "paid": res.paid_total,
            "withdrawn": res.withdrawn_total,
        },
    }
