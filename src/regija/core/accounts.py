"""Signing in: the address failed sign-ins are counted by, the page a throttled sign-in gets, and the
password reset by e-mail (Django's own views, in the site's templates under registration/).

Failed sign-ins are counted and refused by django-axes (settings.py, "Accounts"): per account and per
address, on the site's sign-in page and the back office's alike, because both call Django's
``authenticate`` with the request. API tokens do not sign in (``core.tokens``) and are not counted.
"""

from __future__ import annotations

import ipaddress

from axes.utils import reset as reset_failed_sign_ins
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address a request comes from: the connection's, or – behind ``REGIJA_PROXIES`` reverse proxies,
    each appending the address it was connected from to X-Forwarded-For – the address the outermost
    proxy saw. Entries further left are whatever the client sent, so they are not trusted."""
    remote = _ip(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.REGIJA_PROXIES
    if proxies > 0:
        forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return _ip(forwarded[-proxies]) or remote
    return remote


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What a sign-in gets after too many failures (django-axes's AXES_LOCKOUT_CALLABLE): 429 and a page
    that says why, for how long, and that a new password by e-mail lifts it for the account."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/locked_out.html", context, status=429)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view (never cached: the link carries a secret); a new password also ends the account's
    sign-in pause, since whoever set it has the account's e-mail."""

    def form_valid(self, form):
        response = super().form_valid(form)
        reset_failed_sign_ins(username=form.user.get_username())
        return response
