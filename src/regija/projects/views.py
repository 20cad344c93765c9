"""Public pages of projects and funds: the filtered list with its map and downloads, a project, the funds;
and the staff consistency report."""

from __future__ import annotations

import csv
import hashlib
import io
from html import escape
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from regija.core import caching, charts, permissions
from regija.core.caching import cached
from regija.core.models import Organisation, OrganisationKind
from regija.strategies.models import Node, Strategy

from . import consistency as consistency_checks
from . import selectors
from .filters import ProjectFilters, strategy_projects
from .models import Fund, Project, ProjectStatus
from .services import payments

PAGE_SIZE = 25
EXPORT_COLUMNS = [
    ("strategy", "strategy"),
    ("code", "code"),
    ("title", "title"),
    ("status", "status"),
    ("holder", "holder"),
    ("municipality", "municipality"),
    ("start", "start"),
    ("end", "end"),
    ("total_eur", "total (EUR)"),
    ("secured_eur", "secured (EUR)"),
    ("paid_eur", "paid (EUR)"),
    ("funds", "funds"),
    ("nodes", "strategy nodes"),
    ("lat", "latitude"),
    ("lon", "longitude"),
    ("url", "url"),
]


def _filter_options(request, filters: ProjectFilters) -> dict:
    """``_filter_choices`` written as <option>s, kept per data version and the choices in use: a
    visit the page cache has not seen (another page, a signed-in user) writes none of them again."""
    chosen = (filters.strategy, filters.node, filters.fund, filters.holder)
    version = getattr(request, "data_version", None)
    options = caching.kept(
        request,
        "project-filter-options",
        chosen,
        lambda: {k: str(v) for k, v in _filter_choices(filters, version).items() if k != "statuses"},
    )
    safe = {k: mark_safe(v) for k, v in options.items()}  # noqa: S308 (written escaped by _options)
    return {**safe, "statuses": ProjectStatus.choices}


def _filter_choices(filters: ProjectFilters, version: int | None = None) -> dict:
    """Options for the filter form. The long lists (strategies, the chosen strategy's nodes and
    holders) are kept per data version and strategy, and their <option>s are written here: a template
    loop with truncatechars per option was most of the page's render."""
    key = hashlib.sha1((filters.strategy or "").encode(), usedforsecurity=False).hexdigest()
    lists = caching.per_version(
        "project-filter-choices", [key], lambda keys: {key: _choice_lists(filters.strategy)}, version=version
    )[key]
    holders = lists["holders"]
    if filters.holder and filters.holder not in {slug for slug, _ in holders}:
        # the holder already chosen is always offered, so the form shows the filter in use – unless it
        # is a natural person, who is never offered (and whose slug matches nothing: ProjectFilters.apply)
        chosen = (
            Organisation.objects.filter(slug=filters.holder)
            .exclude(kind=OrganisationKind.PERSON)
            .values_list("slug", "name")
            .first()
        )
        if chosen:
            holders = sorted([*holders, (chosen[0], _shorten(chosen[1], 60))], key=lambda h: h[1])
    return {
        "strategies": _options(lists["strategies"], filters.strategy),
        "nodes": _options(lists["nodes"], filters.node),
        "funds": _options(lists["funds"], filters.fund),
        "statuses": ProjectStatus.choices,
        "holders": _options(holders, filters.holder),
    }


def _choice_lists(strategy: str | None) -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs of the form's long lists; one query each."""
    nodes = []
    if strategy:
        nodes = [
            (n["code"], f"{n['code']} {_shorten(n['title'], 60)}")
            for n in Node.objects.filter(strategy__slug=strategy).order_by("path").values("code", "title")
        ]
    return {
        "strategies": [
            (slug, _shorten(title, 70))
            for slug, title in Strategy.objects.order_by("title").values_list("slug", "title")
        ],
        "nodes": nodes,
        "funds": [
            (code, f"{code} – {_shorten(name, 50)}")
            for code, name in Fund.objects.order_by("code").values_list("code", "name")
        ],
        "holders": _holder_choices(strategy),
    }


SELECTED = " selected"


def _options(pairs: list[tuple[str, str]], selected: str | None) -> str:
    """``<option value="…"[ selected]>label</option>`` for each (value, label), escaped as templates do
    (django.utils.html.escape is html.escape; calling it directly skips a wrapper per value)."""
    return mark_safe(  # noqa: S308  (every value and label escaped)
        "".join(
            f'<option value="{escape(value)}"{SELECTED if value == selected else ""}>{escape(label)}</option>'
            for value, label in pairs
        )
    )


def _shorten(text: str, limit: int) -> str:
    """What the truncatechars filter gives, without a template filter call per option."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _holder_choices(strategy: str | None) -> list[tuple[str, str]]:
    """Holders to choose from: of the chosen strategy's projects only (a few dozen instead of every
    holder in the country, which made the form most of the page), else every organisation holding a
    project. Natural persons are never offered: a public list must not name them."""
    if strategy:
        held = Project.objects.filter(pk__in=strategy_projects(strategy)).values("holder_id")
        holders = Organisation.objects.filter(pk__in=held)
    else:
        holders = Organisation.objects.filter(held_projects__isnull=False)
    holders = holders.exclude(kind=OrganisationKind.PERSON)
    rows = holders.distinct().order_by("name").values_list("slug", "name")
    return [(slug, _shorten(name, 60)) for slug, name in rows]


@cached
def project_list(request):
    filters, errors = ProjectFilters.from_querydict(request.GET)
    qs = filters.apply(selectors.project_queryset())
    query = filters.as_query()
    listing = urlencode(query)
    paginator = Paginator(qs, PAGE_SIZE)
    paginator.count = caching.kept(request, "project-count", (listing,), qs.count)  # kept like the rows
    page = paginator.get_page(request.GET.get("page"))
    query_without_sort = urlencode([(k, v) for k, v in query if k != "sort"])
    # The rows and the map are the same for everyone who asks for these filters until the data changes:
    # kept per filters and page, so staff and URLs the page cache has not seen only count the matches.
    table = caching.fragment(
        request,
        "project-table",
        (listing, page.number),
        lambda: render_to_string(
            "projects/_list_table.html",
            {
                "projects": selectors.with_money(list(page.object_list)),
                "filters": filters,
                "query_without_sort": query_without_sort,
            },
            request=request,
        ),
    )
    map_part = caching.kept(request, "project-map-html", (listing,), lambda: _map_part(request, filters))
    return render(
        request,
        "projects/list.html",
        {
            "filters": filters,
            "errors": errors,
            "page": page,
            "table": table,
            "query": listing,
            "map": {"count": map_part["count"], "html": mark_safe(map_part["html"])},  # noqa: S308 (our template's output)
            "choices": _filter_options(request, filters),
            "sorts": [
                ("code", _("strategy and code")),
                ("title", _("title A–Z")),
                ("-title", _("title Z–A")),
                ("-amount", _("amount, largest first")),
                ("amount", _("amount, smallest first")),
                ("-start", _("start, newest first")),
                ("start", _("start, oldest first")),
                ("status", _("status")),
                ("holder", _("holder")),
            ],
            "nav": "projects",
        },
        status=422 if errors else 200,
    )


def _map_part(request, filters: ProjectFilters) -> dict:
    """The map of the filtered list: its points as JSON for the script and as a list for everyone
    else, rendered once per filters and data version (a few hundred points made the list the costliest
    part of a page the page cache had not seen)."""
    located = selectors.located_projects(filters)
    html = render_to_string(
        "projects/_map.html",
        {"located": located, "map_tiles": settings.MAP_TILE_URL, "map_attribution": settings.MAP_ATTRIBUTION},
        request=request,
    )
    return {"count": len(located), "html": html}


def _export_rows(filters: ProjectFilters, request, person: str):
    """Rows of exactly the filtered list, read in batches so a large export stays small in memory.

    A holder that is a natural person is written as ``person`` (the translated "natural person"), never
    by name, and the project's coordinates are left out (the municipality stays)."""
    qs = filters.apply(selectors.project_queryset())
    ids = list(qs.values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        projects = selectors.export_batch(chunk)
        for p in projects:
            yield [
                p.strategy.slug,
                p.code,
                p.title,
                p.status,
                person if p.held_by_person else (p.holder.name if p.holder else ""),
                p.municipality,
                p.start,
                p.end,
                p.money.total,
                p.money.secured,
                p.money.paid,
                " ".join(p.fund_codes),
                " ".join(p.node_codes),
                "" if p.lat is None or p.held_by_person else p.lat,
                "" if p.lon is None or p.held_by_person else p.lon,
                request.build_absolute_uri(p.get_absolute_url()),
            ]


class _Echo:
    def write(self, value):
        return value


def project_export(request, fmt: str):
    """The filtered list as CSV or XLSX: the same filters, every matching row (not just one page)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filters, errors = ProjectFilters.from_querydict(request.GET)
    if errors:
        return HttpResponse(
            "\n".join(f"{k}: {v}" for k, v in errors.items()),
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    header = [label for _key, label in EXPORT_COLUMNS]
    # translated now, in the request's language: the CSV rows are written after the view returns
    person = _("natural person")
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def stream():
            yield "\ufeff" + writer.writerow(header)
            for row in _export_rows(filters, request, person):
                yield writer.writerow(row)

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="projekti.csv"'
        return response
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("projekti")
    ws.append(header)
    for row in _export_rows(filters, request, person):
        ws.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="projekti.xlsx"'
    return response


@cached
def project_detail(request, slug: str, code: str):
    project = selectors.project_detail(slug, code)
    if project is None:
        raise Http404
    final_payment = payments.final_payment_date(project.payments.all())
    can_edit = request.user.is_authenticated and permissions.can_change(request.user, project)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "can_edit": can_edit,
            "application": getattr(project, "application", None),
            "final_payment": final_payment,
            "sustainability_end": payments.sustainability_end(project, final_payment),
            "nav": "projects",
        },
    )


@cached
def funds(request):
    rows = selectors.fund_rollups()
    uses = selectors.allocation_uses()
    return render(
        request,
        "projects/funds.html",
        {
            "rows": rows,
            "uses": uses,
            "chart": charts.funds_chart(rows, request.LANGUAGE_CODE),
            "nav": "funds",
        },
    )


@login_required
def consistency(request):
    if not permissions.is_staff(request.user):
        raise PermissionDenied
    slug = request.GET.get("strategy") or None
    strategy = Strategy.objects.filter(slug=slug).first() if slug else None
    findings = consistency_checks.report(strategy)
    links = consistency_checks.locations(findings)
    items = [(f, links.get(i)) for i, f in enumerate(findings)]
    return render(
        request,
        "projects/consistency.html",
        {
            "items": items,
            "strategy": strategy,
            "strategies": Strategy.objects.order_by("title").values("slug", "title"),
            "contradictions": sum(1 for f in findings if f.kind == consistency_checks.CONTRADICTION),
            "unverifiable": sum(1 for f in findings if f.kind == consistency_checks.UNVERIFIABLE),
            "nav": "consistency",
        },
    )
