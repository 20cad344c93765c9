"""Two-factor authentication for staff roles (REGIJA_STAFF_MFA, on by default).

A superuser, a Django staff user or an editor or admin of any organisation signed in with a session must
have two-factor authentication (allauth.mfa: an authenticator app, with recovery codes) and must have
used it in this session. Until then every page but the account's own pages (setting up two-factor,
signing out, the language) sends them to set it up – or, when they have it, to enter a code – and a
write through the API with the session is refused (403). API tokens are unaffected: they are made by
staff who have two-factor. Viewers and residents may turn two-factor on; they are not asked to."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors

SAFE = {"GET", "HEAD", "OPTIONS"}


def _open_paths() -> tuple[str, ...]:
    return (
        reverse("mfa_index"),
        reverse("account_logout"),
        reverse("account_login"),
        reverse("account_reauthenticate"),
        reverse("language", args=["sl"]).rsplit("sl/", 1)[0],
        "/i18n/",
        str(settings.STATIC_URL if str(settings.STATIC_URL).startswith("/") else "/" + settings.STATIC_URL),
        "/favicon.ico",
    )


class StaffMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.check(request)
        return refused if refused is not None else self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        if not settings.REGIJA_STAFF_MFA:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not selectors.needs_mfa(user):
            return None
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return None  # a token's request: the token is the credential (core.tokens)
        if selectors.mfa_done(request):
            return None
        path = request.path
        if path.startswith("/api/"):
            if request.method in SAFE:
                return None
            message = _("Staff must use two-factor authentication: set it up at /racun/ or use an API token.")
            return JsonResponse({"detail": message}, status=403)
        if path.startswith(_open_paths()):
            return None
        target = "mfa_reauthenticate" if selectors.has_mfa(user) else "mfa_activate_totp"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
