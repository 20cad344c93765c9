"""Pages of the calendar (Slovenian paths): the list by day and the month's grid, an event's page,
the iCalendar feeds, registration and following, a person's own calendar, and staff's pages.

Reads go through ``selectors``, writes through ``services``; public pages and feeds carry ETags and
are kept for anonymous visitors until the data changes (``cache_response``), the lists also until the
day changes. A person's own feed has its own ETag: it depends on their registrations too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from regija.core import caching, permissions
from regija.core.caching import cache_response
from regija.core.models import Organisation, Role
from regija.core.services import Refused

from . import ical, selectors, services
from .forms import FIELD_OF, EventForm
from .models import Category, Event

PAGE_SIZE = 50
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _today() -> str:
    return timezone.localdate().isoformat()


def _date(request, name: str, errors: list[str]) -> dt.date | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.append(_("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": raw[:40]})
        return None


def _filters(request, errors: list[str]) -> selectors.Filters:
    org = request.GET.get("organizacija", "").strip()[:100]
    category = request.GET.get("kategorija", "").strip()
    if category and category not in Category.values:
        errors.append(_("There is no such category."))
        category = ""
    start = _date(request, "od", errors)
    end = _date(request, "do", errors)
    if start and end and end < start:
        errors.append(_("The end of the period is before its start."))
        end = None
    return selectors.Filters(organisation=org, category=category, start=start, end=end)


def _context(request, filters: selectors.Filters, errors: list[str]) -> dict:
    return {
        "filters": filters,
        "errors": errors,
        "organisations": selectors.organisations_with_events(),
        "categories": Category.choices,
        "nav": "events",
    }


@cache_response(moment=_today)
def event_list(request):
    """Upcoming events by day, filtered, paged."""
    errors: list[str] = []
    filters = _filters(request, errors)
    page = Paginator(selectors.upcoming(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = _context(request, filters, errors)
    context |= {"page": page, "days": selectors.by_day(list(page.object_list)), "today": timezone.localdate()}
    return render(request, "events/list.html", context, status=400 if errors else 200)


@cache_response(moment=_today)
def month(request):
    """A month's grid (Monday first), ``?mesec=YYYY-MM``; this month without it."""
    errors: list[str] = []
    filters = _filters(request, errors)
    today = timezone.localdate()
    year, number = today.year, today.month
    raw = request.GET.get("mesec", "")
    if raw:
        m = MONTH.match(raw)
        if m and 1 <= int(m.group(2)) <= 12 and 1900 <= int(m.group(1)) <= 2200:
            year, number = int(m.group(1)), int(m.group(2))
        else:
            errors.append(_("“%(value)s” is not a month; write it as YYYY-MM.") % {"value": raw[:40]})
    first = dt.date(year, number, 1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    context = _context(request, selectors.Filters(filters.organisation, filters.category), errors)
    context |= {
        "weeks": selectors.month(year, number, filters),
        "first": first,
        "previous": previous,
        "following": following,
        "today": today,
    }
    return render(request, "events/month.html", context, status=400 if errors else 200)


def _event_context(request, event: Event) -> dict:
    user = request.user
    context = {"event": event, "nav": "events", "can_edit": permissions.can(user, "change", event)}
    if user.is_authenticated:
        context["registered"] = selectors.is_registered(user, event)
        context["follow"] = selectors.follow_of(user, event.organisation_id)
        if event.registration and event.capacity is not None:
            context["taken"] = selectors.registered_count(event)
            context["left"] = max(0, event.capacity - context["taken"])
    context["started"] = event.starts_at <= timezone.now()
    return context


@cache_response(moment=_today)
def _public_event(request, pk: int):
    event = selectors.event(pk)
    if event is None:
        raise Http404
    return render(request, "events/event.html", _event_context(request, event))


def event_detail(request, pk: int):
    """An event's page. A signed-in visitor sees it as it is now, with their registration; others get
    the kept page."""
    if not request.user.is_authenticated:
        return _public_event(request, pk)
    event = selectors.event(pk) or selectors.staff_event(request.user, pk)
    if event is None:
        raise Http404
    response = render(request, "events/event.html", _event_context(request, event))
    response["Cache-Control"] = "private, no-cache"
    return response


# ----------------------------------------------------------------------------------------------- feeds


def _ics(request, events, name: str, filename: str) -> HttpResponse:
    rows = list(events)
    body = ical.calendar(
        rows, name=name, base_url=request.build_absolute_uri("/"), language=translation.get_language() or "sl"
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    if rows:
        response["Last-Modified"] = http_date(max(e.modified_at for e in rows).timestamp())
    return response


@cache_response
def feed(request):
    return _ics(request, selectors.feed_events(), _("Events"), "dogodki.ics")


@cache_response
def feed_organisation(request, slug: str):
    org = get_object_or_404(Organisation, slug=slug)
    return _ics(
        request, selectors.feed_events(organisation=org), f"{org.name} – {_('events')}", f"{slug}.ics"
    )


@cache_response
def feed_category(request, key: str):
    if key not in Category.values:
        raise Http404
    label = str(Category(key).label)
    return _ics(request, selectors.feed_events(category=key), f"{_('Events')}: {label}", f"{key}.ics")


@cache_response
def event_ics(request, pk: int):
    event = selectors.event(pk)
    if event is None:
        raise Http404
    return _ics(request, [event], event.local_title, f"dogodek-{pk}.ics")


@never_cache
def feed_personal(request, token: str):
    """A person's own feed at a secret address: their registrations and followed calendars."""
    user = selectors.feed_user(token)
    if user is None:
        raise Http404
    events = list(selectors.personal_events(user))
    stamp = (
        caching.release(),
        caching.current(),
        translation.get_language(),
        selectors.personal_stamp(user),
        tuple((e.pk, e.sequence, e.modified_at) for e in events),
    )
    tag = '"' + hashlib.sha256(repr(stamp).encode()).hexdigest()[:32] + '"'
    if caching.matches(request, tag):
        response = HttpResponseNotModified()
        response["ETag"] = tag
        return response
    response = _ics(request, events, _("My events"), "moji-dogodki.ics")
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


# ------------------------------------------------------------------------------------------ people


@require_POST
@login_required
def register(request, pk: int):
    event = selectors.event(pk)
    if event is None:
        raise Http404
    try:
        if request.POST.get("action") == "unregister":
            services.unregister(request.user, event)
            messages.success(request, _("Your registration is cancelled."))
        else:
            services.register(request.user, event, language=translation.get_language() or "")
            messages.success(request, _("You are registered. The event is in your calendar feed."))
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect(event.get_absolute_url())


@require_POST
@login_required
def follow(request, slug: str):
    org = get_object_or_404(Organisation, slug=slug)
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = "events:mine"
    if request.POST.get("action") == "unfollow":
        services.unfollow(request.user, org)
        messages.success(request, _("You no longer follow this calendar."))
    else:
        services.follow(
            request.user,
            org,
            reminders=request.POST.get("reminders") == "1",
            language=translation.get_language() or "",
        )
        messages.success(request, _("You follow this calendar: its events are in your calendar feed."))
    return redirect(back)


@never_cache
@login_required
def mine(request):
    """A person's calendar: their feed's address, registrations and followed calendars."""
    token = services.feed_token(request.user)
    return render(
        request,
        "events/mine.html",
        {
            "feed_url": request.build_absolute_uri(f"/dogodki/moj/{token}.ics"),
            "registrations": selectors.my_registrations(request.user),
            "follows": selectors.my_follows(request.user),
            "nav": "events",
        },
    )


@require_POST
@login_required
def feed_renew(request):
    services.feed_token_renew(request.user)
    messages.success(request, _("Your calendar feed has a new address; the old one no longer works."))
    back = request.POST.get("next", "")
    return redirect(back if back in ("/racun/", "/dogodki/moji/") else "events:mine")


# ------------------------------------------------------------------------------------------- staff


def _editor_organisations(user):
    allowed = permissions.org_ids_with(user, Role.EDITOR)
    qs = Organisation.objects.order_by("name")
    return qs if allowed is None else qs.filter(pk__in=allowed)


def _require_editor(request):
    if not permissions.can_edit_anything(request.user):
        raise Http404


@never_cache
@login_required
def staff(request):
    _require_editor(request)
    page = Paginator(selectors.staff_events(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/staff/list.html", {"page": page, "nav": "events"})


def _refused(form, exc: Refused) -> None:
    field = FIELD_OF.get(exc.field or "", exc.field or "")
    form.add_error(field if field in form.fields else None, exc.message)


@never_cache
@login_required
def create(request):
    _require_editor(request)
    organisations = _editor_organisations(request.user)
    form = EventForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                request.user, organisation=form.cleaned_data["organisation"], via="web", **form.values()
            )
        except Refused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The event is created."))
            return redirect(event.get_absolute_url())
    return render(request, "events/staff/form.html", {"form": form, "event": None, "nav": "events"})


def _own(request, pk: int) -> Event:
    event = get_object_or_404(Event.objects.select_related("organisation"), pk=pk)
    if not permissions.can(request.user, "change", event):
        raise Http404
    return event


@never_cache
@login_required
def edit(request, pk: int):
    event = _own(request, pk)
    if event.automatic:
        messages.info(
            request,
            _(
                "This event is made from another page (a session, a call …); change it there, and the event "
                "follows."
            ),
        )
        return redirect(event.get_absolute_url())
    form = EventForm(request.POST or None, organisations=_editor_organisations(request.user), event=event)
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values() | {"organisation": form.cleaned_data["organisation"]}
            event = services.event_update(request.user, event, via="web", **values)
        except Refused as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The event is saved."))
            return redirect(event.get_absolute_url())
    return render(request, "events/staff/form.html", {"form": form, "event": event, "nav": "events"})


@login_required
def cancel(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    event = _own(request, pk)
    try:
        if request.POST.get("action") == "restore":
            services.event_restore(request.user, event, via="web")
            messages.success(request, _("The event takes place again."))
        else:
            services.event_cancel(request.user, event, via="web")
            messages.success(request, _("The event is cancelled; it stays in the calendar as cancelled."))
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect(event.get_absolute_url())
