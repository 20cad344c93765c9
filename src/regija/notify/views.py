"""Notifications' pages. Thin: reads through ``selectors``, writes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from regija.core.choices import OrganisationKind
from regija.core.models import Membership, Organisation, Role
from regija.core.services import Refused

from . import delivery, selectors, services, topics
from .models import Alert, Delivery, EmailMode, Preference, Severity


def _next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@never_cache
@login_required
def notification_list(request):
    page = Paginator(selectors.notifications(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page, "items": page.object_list})


@login_required
@require_POST
def mark_read(request):
    if request.POST.get("id", "").isdigit():
        services.mark_read(request.user, [int(request.POST["id"])])
    else:
        count = services.mark_read(request.user)
        messages.success(request, _("All notifications are marked read (%(count)s).") % {"count": count})
    return redirect(_next(request, "notify:notifications"))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    subs = {s.pk: s for s in selectors.subscriptions(request.user)}
    if request.method == "POST":
        try:
            if "direct" in request.POST:
                services.set_direct_email(request.user, request.POST.get("direct_email") == "on")
            elif "unfollow" in request.POST:
                sub = subs.get(int(request.POST["unfollow"]) if request.POST["unfollow"].isdigit() else 0)
                if sub is None:
                    raise Http404
                services.unfollow(request.user, sub.topic_obj)
            else:
                for pk, sub in subs.items():
                    if f"email-{pk}" in request.POST:
                        services.set_preferences(
                            request.user,
                            sub,
                            email=request.POST[f"email-{pk}"],
                            in_app=request.POST.get(f"in_app-{pk}") == "on",
                            push=request.POST.get(f"push-{pk}") == "on",
                        )
        except Refused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your choices are saved."))
        return redirect("notify:preferences")
    pref = Preference.objects.filter(user=request.user).first()
    public_key, _private = delivery.vapid_keys()
    return render(
        request,
        "notify/preferences.html",
        {
            "subscriptions": list(subs.values()),
            "modes": EmailMode.choices,
            "direct_email": pref.direct_email if pref else True,
            "vapid_public_key": public_key,
            "browsers": request.user.push_subscriptions.all(),
        },
    )


@login_required
@require_POST
def follow_view(request):
    """Follow or stop following a topic (the buttons on strategy, call and organisation pages)."""
    topic = topics.by_label(request.POST.get("type", ""), request.POST.get("id", ""))
    if topic is None:
        raise Http404
    try:
        if request.POST.get("action") == "unfollow":
            services.unfollow(request.user, topic)
            messages.success(request, _("You no longer follow %(topic)s.") % {"topic": topic})
        else:
            services.follow(request.user, topic)
            messages.success(
                request,
                _(
                    "You follow %(topic)s. You will get a daily e-mail digest of its news; "
                    "change it in your notification settings."
                )
                % {"topic": topic},
            )
    except Refused as refusal:
        if refusal.status == 403:
            raise PermissionDenied from None
        messages.error(request, refusal.message)
    return redirect(_next(request, topics.url_of(topic) or "notify:notifications"))


@csrf_exempt  # RFC 8058: the mail client POSTs without cookies or a CSRF token; the signed token suffices
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    read = services.read_unsubscribe_token(token)
    if read is None:
        raise Http404
    if request.method == "POST":
        what = services.unsubscribe(token)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(_("You are unsubscribed."), content_type="text/plain; charset=utf-8")
        return render(request, "notify/unsubscribe.html", {"done": True, "what": what, "token": token})
    return render(request, "notify/unsubscribe.html", {"done": False, "scope": read[1], "token": token})


def _staff_municipalities(user) -> list[Organisation] | None:
    """The municipalities whose alerts the user issues (None: every one, a superuser)."""
    if user.is_superuser:
        return None
    ids = Membership.objects.filter(user=user, role__in=[Role.EDITOR, Role.ADMIN]).values("organisation_id")
    return list(Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.MUNICIPALITY))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def alerts(request):
    municipalities = _staff_municipalities(request.user)
    if municipalities == []:
        raise PermissionDenied
    areas = Organisation.objects.filter(
        Q(kind=OrganisationKind.MUNICIPALITY) | Q(kind=OrganisationKind.LOCAL_COMMUNITY, parent__isnull=False)
    ).select_related("parent")
    if municipalities is not None:
        ids = [m.pk for m in municipalities]
        areas = areas.filter(Q(pk__in=ids) | Q(parent_id__in=ids))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if "cancel" in request.POST:
                alert = get_object_or_404(
                    Alert, pk=request.POST["cancel"] if request.POST["cancel"].isdigit() else 0
                )
                services.cancel_alert(request.user, alert)
                messages.success(request, _("The alert was cancelled; its banner is gone."))
                return redirect("notify:alerts")
            area = areas.filter(
                pk=request.POST.get("area") if request.POST.get("area", "").isdigit() else 0
            ).first()
            if area is None:
                raise Refused(_("Choose the area."), field="area")
            ends = request.POST.get("ends_at", "").strip()
            ends_at = parse_datetime(ends) if ends else None
            if ends and ends_at is None:
                raise Refused(_("Give the end as a date and time."), field="ends_at")
            if ends_at is not None and timezone.is_naive(ends_at):
                ends_at = timezone.make_aware(ends_at)
            alert = services.issue_alert(
                request.user,
                area,
                title_sl=request.POST.get("title_sl", ""),
                title_en=request.POST.get("title_en", ""),
                body_sl=request.POST.get("body_sl", ""),
                body_en=request.POST.get("body_en", ""),
                severity=request.POST.get("severity", Severity.WARNING),
                ends_at=ends_at,
            )
            messages.success(request, _("The alert is issued; its followers are being told."))
            return redirect("notify:alerts")
        except Refused as refusal:
            if refusal.status == 403:
                raise PermissionDenied from None
            errors[refusal.field or "form"] = refusal.message
    listed = selectors.alerts_for_staff(None if municipalities is None else [m.pk for m in municipalities])[
        :50
    ]
    return render(
        request,
        "notify/alerts.html",
        {
            "areas": areas,
            "alerts": listed,
            "errors": errors,
            "severities": Severity.choices,
            "data": request.POST,
            "now": timezone.now(),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def deliveries(request):
    if not services.may_see_deliveries(request.user):
        raise PermissionDenied
    if request.method == "POST":
        item = get_object_or_404(
            Delivery, pk=request.POST.get("retry") if request.POST.get("retry", "").isdigit() else 0
        )
        try:
            services.retry(request.user, item)
            messages.success(request, _("The delivery is being sent again."))
        except Refused as refusal:
            messages.error(request, refusal.message)
        return redirect("notify:deliveries")
    page = Paginator(selectors.problem_deliveries(), 50).get_page(request.GET.get("page"))
    return render(request, "notify/deliveries.html", {"page": page, "items": page.object_list})


def service_worker(request):
    """/sw.js: the service worker that shows web-push messages (served from the root for scope /)."""
    response = HttpResponse(
        render_to_string("notify/sw.js"), content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
