"""Pages of places (Slovenian paths): the map and list by category with its legend, "nearest to me" – from
the browser's location, asked for by a small script and never stored, or from a typed address or place,
which works without JavaScript –, one place, the GeoJSON and CSV exports, and staff's import.

Reads go through ``selectors``, the import through ``services``. Pages are not kept in the response cache:
"open now" and the broker's live chargers and car parks change without a write to Regija's data."""

from __future__ import annotations

import io
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from regija.core import permissions, spreadsheet
from regija.core.models import Organisation, Role
from regija.core.services import Refused

from . import fileformat, geo, present, selectors, services
from .forms import ImportForm, PlaceForm
from .models import PlaceCategory

# the symbol and colour of each category in the legend and on the list
ICONS = {
    PlaceCategory.AED: ("♥", "#d4351c"),
    PlaceCategory.DRINKING_WATER: ("💧", "#1d70b8"),
    PlaceCategory.WIFI: ("📶", "#4c2c92"),
    PlaceCategory.BUS_STOP: ("🚌", "#00703c"),
    PlaceCategory.HERITAGE: ("🏛", "#6f4e37"),
    PlaceCategory.EV_CHARGING: ("⚡", "#f47738"),
    PlaceCategory.PARKING: ("P", "#003078"),
}
LIMITS = (5, 10, 20)


def legend() -> list[dict]:
    return [
        {
            "value": value,
            "label": label,
            "symbol": ICONS[value][0],
            "colour": ICONS[value][1],
            "live": value in selectors.LIVE_TYPES,
        }  # fmt: skip
        for value, label in PlaceCategory.choices
    ]


def _category(request, errors: list[str]) -> str:
    category = request.GET.get("kategorija", "").strip()
    if category and category not in PlaceCategory.values:
        errors.append(_("There is no such category."))
        return ""
    return category


def _limit(request) -> int:
    try:
        n = int(request.GET.get("n", "5"))
    except ValueError:
        n = 5
    return n if n in LIMITS else 5


def _near(request, errors: list[str]):
    """The position asked about: ``blizu`` (lat,lon: the browser's location or a chosen match) or ``kje``
    (a typed address or place, found in what Regija holds); and the other matches of a typed text."""
    typed = request.GET.get("kje", "").strip()[:200]
    raw = request.GET.get("blizu", "").strip()[:60]
    if raw:
        try:
            lat, lon = geo.parse_position(raw)
        except ValueError as exc:
            errors.append(str(exc))
            return None, []
        return selectors.Spot(typed or _("your location"), lat, lon), []
    if not typed:
        return None, []
    found = selectors.find(typed)
    if not found:
        errors.append(
            _("“%(text)s” is not a place or street we know; try a street name or a place's name.")
            % {"text": typed}
        )
        return None, []
    area = geo.territory()
    inside = [s for s in found if area.contains(s.latitude, s.longitude)]
    if not inside:
        errors.append(_("“%(text)s” lies outside the territory.") % {"text": typed})
        return None, []
    return inside[0], inside[1:]


@never_cache
def index(request):
    """The legend, the nearest places to a position (typed or the browser's), and the places of the chosen
    category on the map and in a list."""
    errors: list[str] = []
    category = _category(request, errors)
    limit = _limit(request)
    spot, others = _near(request, errors)
    nearby = selectors.nearest(spot.latitude, spot.longitude, category=category, limit=limit) if spot else []
    listed = list(selectors.places(category)[:500]) if category and not spot else []
    live = selectors.live_places(category) if category in selectors.LIVE_TYPES and not spot else []
    located = [
        {"lat": p.latitude, "lon": p.longitude, "title": p.display_name, "url": p.get_absolute_url()}
        for p in (n.place for n in nearby) if p is not None
    ] if nearby else [
        {"lat": p.latitude, "lon": p.longitude, "title": p.display_name, "url": p.get_absolute_url()}
        for p in listed
    ] + [{"lat": e.latitude, "lon": e.longitude, "title": e.name, "url": ""} for e in live]  # fmt: skip
    return render(
        request,
        "places/index.html",
        {
            "nav": "places",
            "legend": legend(),
            "counts": selectors.counts(),
            "category": category,
            "limit": limit,
            "limits": LIMITS,
            "typed": request.GET.get("kje", "").strip()[:200],
            "spot": spot,
            "others": others,
            "nearby": nearby,
            "listed": listed,
            "live": live,
            "located": located,
            "errors": errors,
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_ATTRIBUTION,
            "export_query": request.GET.urlencode(),
        },
    )


@never_cache
def place_detail(request, pk: int):
    place = selectors.place(pk)
    if place is None:
        raise Http404
    data = present.item(place)
    return render(
        request,
        "places/place.html",
        {
            "nav": "places",
            "place": place,
            "hours": data["hours"],
            "icon": ICONS[place.category] if place.category in ICONS else ("•", "#505a5f"),
            "located": [
                {"lat": place.latitude, "lon": place.longitude, "title": place.display_name, "url": ""}
            ],
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_ATTRIBUTION,
            "may_change": permissions.can(request.user, "change", place),
        },
    )


def _changeable(request, pk: int):
    """The place, for someone who may change it; 404 for anyone else (as a place they cannot edit)."""
    place = selectors.place(pk)
    if place is None or not permissions.can(request.user, "change", place):
        raise Http404
    return place


@never_cache
@login_required
def place_edit(request, pk: int):
    """Staff of the place's organisation change it: every value checked as a file's row is, the broker's
    entity kept in step."""
    place = _changeable(request, pk)
    initial = {f: getattr(place, f) for f in services.FIELDS}
    initial["checked_on"] = place.checked_on.isoformat() if place.checked_on else ""
    form = PlaceForm(request.POST or None, initial=initial, categories=PlaceCategory.choices)
    if request.method == "POST":
        form.is_valid()  # the layout's own checks; the values are checked by the service
        try:
            services.place_save(
                request.user, place.organisation, {**form.values(), "code": place.code}, via="web"
            )
        except services.InvalidRows as exc:
            for problem in exc.problems:
                form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        except Refused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The place is saved."))
            return redirect("places:place", pk=place.pk)
    return render(request, "places/edit.html", {"nav": "places", "place": place, "form": form})


@never_cache
@login_required
def place_delete(request, pk: int):
    """Staff of the place's organisation delete it (and its entity in the broker), after a confirmation."""
    place = _changeable(request, pk)
    if request.method == "POST":
        try:
            services.place_delete(request.user, place, via="web")
        except Refused as exc:
            messages.error(request, exc.message)
            return redirect("places:place", pk=place.pk)
        messages.success(request, _("The place %(name)s is deleted.") % {"name": place.display_name})
        return redirect("places:index")
    return render(request, "places/delete.html", {"nav": "places", "place": place})


CSV_COLUMNS = (
    "id", "entity_id", "origin", "category", "name", "name_en", "latitude", "longitude", "address",
    "opening_hours", "open_now", "accessibility", "phone", "email", "website", "photo", "source",
    "checked_on",
    "illustrative", "organisation", "distance_m", "bearing_deg", "direction",
)  # fmt: skip


@never_cache
def export(request, fmt: str):
    """The places (of a category; with ``blizu`` or ``kje`` the nearest ones, with distance and direction)
    as GeoJSON or CSV."""
    if fmt not in ("geojson", "csv"):
        raise Http404
    errors: list[str] = []
    category = _category(request, errors)
    spot, _others = _near(request, errors)
    if errors:
        return HttpResponse("\n".join(errors), status=400, content_type="text/plain; charset=utf-8")
    if spot is not None:
        rows = [present.item(n, absolute=request.build_absolute_uri) for n in selectors.nearest(
            spot.latitude, spot.longitude, category=category, limit=_limit(request))]  # fmt: skip
    else:
        rows = [present.item(p, absolute=request.build_absolute_uri) for p in selectors.places(category)]
    if fmt == "geojson":
        body = json.dumps(
            {"type": "FeatureCollection", "features": [present.feature(r) for r in rows]}, ensure_ascii=False
        )
        response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="kraji.geojson"'
        return response
    out = io.StringIO()
    writer = spreadsheet.csv_writer(out)  # every cell through the one rule (no formulas run)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        hours_ = r["hours"] or {}
        flat = {**r, "opening_hours": hours_.get("text", ""), "open_now": hours_.get("open_now")}
        writer.writerow(["" if flat.get(c) is None else flat.get(c) for c in CSV_COLUMNS])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kraji.csv"'
    return response


def _editor_organisations(user):
    allowed = permissions.org_ids_with(user, Role.EDITOR)
    qs = Organisation.objects.order_by("name")
    return qs if allowed is None else qs.filter(pk__in=allowed)


@never_cache
@login_required
def import_places(request):
    """Staff import a file of places for an organisation they edit: every row checked, all or nothing."""
    if not permissions.can_edit_anything(request.user):
        raise Http404
    form = ImportForm(
        request.POST or None, request.FILES or None, organisations=_editor_organisations(request.user)
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = fileformat.read(upload.name, upload.read())
            result = services.import_places(request.user, form.cleaned_data["organisation"], rows, via="web")
        except fileformat.UnreadableFile as exc:
            form.add_error("file", str(exc))
        except services.InvalidRows as exc:
            problems = [str(p) for p in exc.problems]
            form.add_error(
                "file", _("The file has %(n)s problems; nothing was imported.") % {"n": len(problems)}
            )
        except Refused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged places.")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            )
            return redirect("places:import")
    return render(request, "places/import.html", {"nav": "places", "form": form, "problems": problems[:500],
                                                  "more": max(0, len(problems) - 500)})  # fmt: skip
