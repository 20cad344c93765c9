"""Pages of issue reports (Slovenian paths): the list and map, a new report, a report with its
handling, confirming and rating by e-mail link, the staff's list. Thin: reads through ``selectors``,
writes through ``services``; a refusal becomes a message on the page."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regija.core import throttle
from regija.core.permissions import can, visible
from regija.core.services import Refused

from . import selectors, services
from .forms import PlaceForm, ReportForm
from .models import Photo, Report, Service, Status

NAV = "fixes"


def _filters(request) -> selectors.Filters:
    g = request.GET
    return selectors.Filters(
        service=g.get("service", ""),
        status=g.get("status", ""),
        area=g.get("area", ""),
        since=parse_date(g.get("since", "") or "") if len(g.get("since", "")) == 10 else None,
        until=parse_date(g.get("until", "") or "") if len(g.get("until", "")) == 10 else None,
    )


def report_list(request):
    f = _filters(request)
    page = Paginator(selectors.report_list(f), 50).get_page(request.GET.get("page"))
    south, west, north, east = services.bounds()
    box = selectors.Box(south, west, north, east)
    located = [
        {
            "lat": c["lat"],
            "lon": c["lon"],
            "title": _("%(n)s reports") % {"n": c["count"]}
            if c["count"] > 1
            else _("Report %(n)s") % {"n": c["id"]},
            "url": f"?{request.GET.urlencode()}" if c["count"] > 1 else Report(pk=c["id"]).get_absolute_url(),
            "place": "",
        }
        for c in selectors.map_clusters(box, f, grid=12)["clusters"]
    ]
    return render(
        request,
        "fixes/list.html",
        {
            "nav": NAV,
            "page": page,
            "filters": f,
            "services": selectors.services(),
            "areas": selectors.areas(),
            "statuses": Status.choices,
            "located": located,
            "times": selectors.time_to_fix(f.area),
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_ATTRIBUTION,
        },
    )


def map_data(request):
    """The public reports in a viewport as clusters: ``?bbox=south,west,north,east`` and the list's
    filters (JSON). The box is widened to the grid of its scale (``selectors.snapped``; the answer's
    ``bbox``), so that panned viewports share the clusters kept for it."""
    try:
        south, west, north, east = (float(v) for v in request.GET.get("bbox", "").split(","))
    except ValueError:
        return JsonResponse({"error": _("bbox must be four numbers: south,west,north,east.")}, status=400)
    if not (south < north and west < east):
        return JsonResponse({"error": _("bbox must be four numbers: south,west,north,east.")}, status=400)
    box = selectors.Box(max(south, -90), max(west, -180), min(north, 90), min(east, 180))
    return JsonResponse(selectors.map_clusters(box, _filters(request)))


# the services' names of fields as the form names them
FIELDS = {"address_string": "address", "service_code": "service"}


def _data(request, form: ReportForm, service: Service) -> services.ReportData:
    d = form.cleaned_data
    return services.ReportData(
        service=service,
        description=d["description"],
        lat=d["lat"],
        lon=d["lon"],
        address=d["address"],
        attributes={a["code"]: d.get(f"attribute[{a['code']}]") for a in service.attributes},
        photos=[f.read() for f in d["photos"]],
        email=d.get("email", ""),
    )


def _refuse(form, refused: Refused) -> None:
    name = FIELDS.get(refused.field or "", refused.field or "")
    form.add_error(name if name in form.fields else None, refused.message)


def report_new(request):
    """Step 1 (GET): the category and the place. Step 2 (GET with both, then POST): the nearby open
    reports of the category first ("is it one of these?"), then the questions, the description, the
    photos – asked after that step, so that no photo is sent twice – and the e-mail address."""
    choices = selectors.services()
    anonymous = not request.user.is_authenticated
    near: list[Report] = []
    status = 200
    if request.method == "POST":
        service = selectors.service(request.POST.get("service", ""))
        report_form = ReportForm(
            request.POST, request.FILES, services=choices, service=service, anonymous=anonymous
        )
        form: PlaceForm = report_form
        if form.is_valid() and service is not None:
            try:
                if anonymous and not throttle.allow(
                    request, "fixes-report", int(getattr(settings, "REGIJA_FIXES_HOURLY", 20))
                ):
                    raise Refused(
                        _("Too many reports from this address in an hour. Please try again later."),
                        status=429,
                    )
                if not request.POST.get("new"):  # a client that went past step 1's list
                    point = services.position(request.POST.get("lat"), request.POST.get("lon"))
                    near = selectors.nearby(service.code, *point) if point else []
                if not near:
                    report = services.report_create(request.user, _data(request, report_form, service))
                    if report.confirmed_at is None:
                        return render(request, "fixes/sent.html", {"nav": NAV, "email": report.email})
                    messages.success(request, _("Thank you: report %(n)s is received.") % {"n": report.pk})
                    return redirect(report.get_absolute_url())
            except Refused as refused:
                _refuse(form, refused)
                status = 429 if refused.status == 429 else 422
        else:
            status = 422
        step = 2 if service is not None else 1
    else:
        form = PlaceForm(request.GET if "service" in request.GET else None, services=choices)
        service, step = None, 1
        if form.is_bound and form.is_valid() and "change" not in request.GET:
            service = form.cleaned_data["service"]
            try:
                point = services.position(form.cleaned_data["lat"], form.cleaned_data["lon"])
                if point is None and not form.cleaned_data["address"].strip():
                    raise Refused(_("Mark the place on the map or give its address."), field="lat")
            except Refused as refused:
                _refuse(form, refused)
            else:
                near = selectors.nearby(service.code, *point) if point else []
                form = ReportForm(
                    initial=form.cleaned_data | {"service": service.code},
                    services=choices,
                    service=service,
                    anonymous=anonymous,
                )
                step = 2
    return render(
        request,
        "fixes/new.html",
        {
            "nav": NAV,
            "form": form,
            "step": step,
            "service": service,
            "near": near,
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_ATTRIBUTION,
            "bounds": services.bounds(),
        },
        status=status,
    )


def report_detail(request, pk: int):
    report = selectors.report_for(request.user, pk)
    if report is None:
        raise Http404
    handles = request.user.is_authenticated and services.may_handle(request.user, report)
    return render(
        request,
        "fixes/detail.html",
        {
            "nav": NAV,
            "report": report,
            "photos": list(report.photos.all()),
            "updates": list(report.updates.all()),
            "private": selectors.sees_private(request.user, report),
            "handles": handles,
            "owner": request.user.is_authenticated and can(request.user, "change", report),
            "statuses": Status.choices,
            "organisations": selectors.assignees() if handles else [],
            "hides": request.user.is_authenticated
            and (can(request.user, "change", report) or request.user.has_perm("fixes.moderate_report")),
            "rates": request.user.is_authenticated and report.reporter_id == request.user.pk,
        },
    )


@require_POST
def report_support(request, pk: int):
    report = get_object_or_404(Report, pk=pk)
    try:
        services.report_support(request.user, report)
        messages.success(request, _("Thank you: the municipality sees that more people have this problem."))
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect(report.get_absolute_url())


@login_required
@require_POST
def report_handle(request, pk: int):
    report = get_object_or_404(Report, pk=pk)
    p = request.POST
    change = services.Handling(
        status=p.get("status") or None,
        reason=p.get("reason") if "reason" in p else None,
        answer=p.get("answer") if "answer" in p else None,
    )
    try:
        if "assignee" in p:
            chosen = p["assignee"].strip()
            change.assignee = (
                selectors.assignees().filter(pk=int(chosen)).first() if chosen.isdigit() else None
            )
            if chosen and change.assignee is None:
                raise Refused(_("There is no such organisation."), field="assignee")
        if "department" in p:
            change.department = p["department"]
        if p.get("duplicate_of", "").strip():
            if not p["duplicate_of"].strip().isdigit():
                raise Refused(_("Give the number of the report this one repeats."), field="duplicate_of")
            change.duplicate_of = int(p["duplicate_of"])
        for name, find in (("project", selectors.fixing_project), ("proposal", selectors.fixing_proposal)):
            if name in p:
                ref = p[name].strip()
                found = find(request.user, ref) if ref else None
                if ref and found is None:
                    raise Refused(
                        _("There is no such project (strategy:code).")
                        if name == "project"
                        else _("There is no such proposal."),
                        field=name,
                    )
                setattr(change, name, found)
        services.report_handle(request.user, report, change)
        messages.success(request, _("The report is updated."))
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect(report.get_absolute_url())


@login_required
@require_POST
def report_hide(request, pk: int):
    report = get_object_or_404(Report, pk=pk)
    try:
        services.report_hide(request.user, report, request.POST.get("reason", ""))
        messages.success(request, _("The report is hidden from the public pages."))
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect(report.get_absolute_url())


def report_confirm(request, token: str):
    try:
        report = services.report_confirm(token)
    except Refused as refused:
        return render(request, "fixes/sent.html", {"nav": NAV, "error": refused.message}, status=404)
    messages.success(request, _("Thank you: your report is confirmed and published."))
    return redirect(report.get_absolute_url())


def report_rate(request, pk: int, token: str = ""):
    """The reporter rates the response: signed in (their own report), or with the link in the e-mail
    that told an anonymous reporter it is closed. Anyone else finds no such page."""
    report = get_object_or_404(Report, pk=pk)
    if token:
        try:
            if services.report_of_token(token, "rate").pk != report.pk:
                raise Http404
        except Refused:
            raise Http404 from None
    elif not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    elif report.reporter_id != request.user.pk:
        raise Http404
    if request.method == "POST":
        try:
            services.report_rate(
                request.user, report, request.POST.get("rating"), request.POST.get("comment", ""), token=token
            )
            messages.success(request, _("Thank you for rating the response."))
            return redirect(report.get_absolute_url()) if report.confirmed_at else redirect("fixes:list")
        except Refused as refused:
            messages.error(request, refused.message)
    return render(request, "fixes/rate.html", {"nav": NAV, "report": report, "token": token})


def photo(request, pk: int):
    row = get_object_or_404(visible(request.user, Photo.objects.all()), pk=pk)
    return FileResponse(row.image.open("rb"), content_type=row.content_type)


@login_required
def staff_list(request):
    f = _filters(request)
    page = Paginator(selectors.staff_reports(request.user, f).order_by("-created_at", "-id"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "fixes/staff.html",
        {"nav": NAV, "page": page, "filters": f, "statuses": Status.choices, "today": dt.date.today()},
    )
