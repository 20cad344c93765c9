"""Pages of core: the language switch, a signed-in member's account (API tokens) and object history."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme

from . import audit, permissions, registry
from .models import AuditEntry


def switch_language(request, code: str):
    """Switch the language with a plain link (no form), so public pages stay cacheable."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
def history(request, model: str, pk: int):
    """The audit log of one object, for staff of an organisation that owns it: the entries of its parts
    too, each only if the user may read it (``core.permissions``: one query for all of them)."""
    model_class = registry.history_model(model)
    if model_class is None:
        raise Http404
    obj = get_object_or_404(model_class, pk=pk)
    if not (permissions.can(request.user, "view_staff", obj) and permissions.can(request.user, "view", obj)):
        raise PermissionDenied
    entries = list(audit.history(obj))
    shown = AuditEntry.objects.filter(pk__in=[e.pk for e in entries])
    readable = set(permissions.visible(request.user, shown).values_list("pk", flat=True))
    entries = [e for e in entries if e.pk in readable]
    return render(request, "core/history.html", {"obj": obj, "entries": entries, "model": model})


def favicon(request):
    """Browsers ask for /favicon.ico before reading a page's <link rel="icon">: send them to the icon."""
    return HttpResponsePermanentRedirect(static("regija/favicon.svg"))
