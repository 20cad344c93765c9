"""Public pages of projects and funds: the filtered list with its map and downloads, a project, the funds;
and the staff consistency report."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regija.core import charts, permissions, spreadsheet
from regija.core.caching import cache_response
from regija.core.collation import slovenian
from regija.strategies.models import Strategy

from . import consistency as consistency_checks
from . import selectors
from .filters import LABELS, ProjectFilters, page_errors
from .models import ProjectStatus
from .services import payments

PAGE_SIZE = 25
# The columns of the list's downloads, headed in the page's language (the API gives the same data with
# stable field names, for programs).
EXPORT_COLUMNS = [
    ("strategy", gettext_lazy("Strategy")),
    ("code", gettext_lazy("Code")),
    ("title", gettext_lazy("Title")),
    ("status", gettext_lazy("Status")),
    ("holder", gettext_lazy("Holder")),
    ("municipality", gettext_lazy("Municipality")),
    ("start", gettext_lazy("Start")),
    ("end", gettext_lazy("End")),
    ("total_eur", gettext_lazy("Total (EUR)")),
    ("secured_eur", gettext_lazy("Secured (EUR)")),
    ("paid_eur", gettext_lazy("Paid (EUR)")),
    ("funds", gettext_lazy("Funds")),
    ("nodes", gettext_lazy("Strategy parts")),
    ("lat", gettext_lazy("Latitude")),
    ("lon", gettext_lazy("Longitude")),
    ("url", gettext_lazy("Web address")),
]


SORTS = [
    ("code", gettext_lazy("strategy and code")),
    ("title", gettext_lazy("title A–Z")),
    ("-title", gettext_lazy("title Z–A")),
    ("-amount", gettext_lazy("amount, largest first")),
    ("amount", gettext_lazy("amount, smallest first")),
    ("-start", gettext_lazy("start, newest first")),
    ("start", gettext_lazy("start, oldest first")),
    ("status", gettext_lazy("status")),
    ("holder", gettext_lazy("holder")),
]


# The form's field for each filter: its id (the error summary links to it) and its label (the same
# labels the downloads' error text uses, ``filters.LABELS``).
_FIELD_IDS = {
    "strategy": "f-strategy",
    "node": "f-node",
    "fund": "f-fund",
    "holder": "f-holder",
    "status": "f-status",
    "municipality": "f-municipality",
    "year_from": "f-year-from",
    "year_to": "f-year-to",
    "amount_min": "f-min",
    "amount_max": "f-max",
    "sort": "f-sort",
}
FILTER_FIELDS = {name: (field_id, LABELS[name]) for name, field_id in _FIELD_IDS.items()}
MAP_VIEW = "zemljevid"  # /projekti/?pogled=zemljevid: the map is drawn at once, not when asked for


@cache_response
def project_list(request):
    filters, errors = ProjectFilters.from_querydict(request.GET)
    map_view = request.GET.get("pogled") == MAP_VIEW
    query = filters.as_query()
    paginator = Paginator(filters.apply(selectors.project_queryset()), PAGE_SIZE)
    paginator.count = selectors.project_count(filters)  # kept until the data changes, like the rows
    page = paginator.get_page(request.GET.get("page"))
    located = selectors.located_count(filters)
    # The rows, the map and the long option lists are the same for everyone who asks for these filters
    # until the data changes: the template keeps them rendered ({% cache %}) and reads them (these
    # callables) only when they are not kept, so staff and URLs the response cache has not seen only
    # read the kept counts.
    return render(
        request,
        "projects/list.html",
        {
            "filters": filters,
            "errors": errors,
            "error_items": [
                (*FILTER_FIELDS.get(field, ("project-filters", field)), msg) for field, msg in errors.items()
            ],
            "raw": request.GET,
            "page": page,
            "listing": urlencode(query),
            "query": urlencode(query),
            "query_without_sort": urlencode([(k, v) for k, v in query if k != "sort"]),
            "rows": lambda: selectors.with_money(list(page.object_list)),
            "choices": functools.partial(selectors.filter_choices, filters),
            "statuses": ProjectStatus.choices,
            "sorts": SORTS,
            "map_count": located,
            # Leaflet (~160 KB) is loaded only when the visitor asks for the map, or on the map view
            "map_load": "now" if map_view else "ask",
            "map_view": MAP_VIEW if map_view else "",
            "located": functools.partial(selectors.located_kept, filters),
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_ATTRIBUTION,
            "csv_other": spreadsheet.other_offered(request.LANGUAGE_CODE),
            "nav": "projects",
        },
        status=422 if errors else 200,
    )


def _export_rows(filters: ProjectFilters, request, person: str, statuses: dict[str, str]):
    """Rows of exactly the filtered list, read in batches so a large export stays small in memory.

    A holder that is a natural person is written as ``person`` (the translated "natural person"), never
    by name, and the project's coordinates are left out (the municipality stays). A status is written
    as its label in the request's language (``statuses``)."""
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
                statuses.get(p.status, p.status),
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
    """The filtered list as CSV or XLSX: the same filters, every matching row (not just one page), with
    the headers and the statuses in the request's language. A CSV is in the dialect of the language
    (Slovenian Excel's for Slovenian: ``;`` and a decimal comma) unless ``?dialect=excel-sl|csv`` asks
    for the other (``core.spreadsheet``). Every cell goes through ``core.spreadsheet``, so a title
    beginning with ``=`` never runs as a formula."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filters, errors = ProjectFilters.from_querydict(request.GET)
    if errors:
        return HttpResponse(
            "\n".join(f"{label}: {message}" for label, message in page_errors(errors).items()),
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    # translated now, in the request's language: the CSV rows are written after the view returns
    header = [str(label) for _key, label in EXPORT_COLUMNS]
    person = _("natural person")
    statuses = {value: str(label) for value, label in ProjectStatus.choices}
    if fmt == "csv":
        dialect = spreadsheet.dialect_for(request.LANGUAGE_CODE, request.GET.get("dialect"))
        writer = spreadsheet.csv_writer(_Echo(), dialect)

        def stream():
            yield dialect.bom + writer.writerow(header)
            for row in _export_rows(filters, request, person, statuses):
                yield writer.writerow(row)

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_("projects")}.csv"'
        return response
    response = HttpResponse(
        spreadsheet.xlsx([(_("projects"), header, _export_rows(filters, request, person, statuses))]),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_("projects")}.xlsx"'
    return response


@cache_response
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


@cache_response
def funds(request):
    rows = selectors.fund_rollups()
    uses, unallocated = selectors.allocation_uses()
    return render(
        request,
        "projects/funds.html",
        {
            "rows": rows,
            "uses": uses,
            "unallocated": unallocated,
            "chart": charts.funds_chart(rows, request.LANGUAGE_CODE),
            "nav": "funds",
        },
    )


@login_required
def consistency(request):
    if not permissions.is_staff(request.user):
        raise PermissionDenied
    # Only the strategies the user may read (a draft is its owners' alone), and only their findings.
    readable = permissions.visible(request.user, Strategy.objects.all())
    slug = request.GET.get("strategy") or None
    strategy = readable.filter(slug=slug).first() if slug else None
    if slug and strategy is None:
        raise Http404
    findings = consistency_checks.report(strategy)
    if strategy is None and not request.user.is_superuser:
        slugs = set(readable.values_list("slug", flat=True))
        findings = [f for f in findings if f.strategy in slugs]
    links = consistency_checks.locations(findings)
    items = [(f, links.get(i)) for i, f in enumerate(findings)]
    return render(
        request,
        "projects/consistency.html",
        {
            "items": items,
            "strategy": strategy,
            "strategies": readable.order_by(slovenian("title"), "pk").values("slug", "title"),
            "contradictions": sum(1 for f in findings if f.kind == consistency_checks.CONTRADICTION),
            "unverifiable": sum(1 for f in findings if f.kind == consistency_checks.UNVERIFIABLE),
            "nav": "consistency",
        },
    )
