"""How allauth fits Regija: the address a request comes from (the one django-axes and the throttles
count), the account a failed sign-in is counted against, the language a new account starts with, and –
for sign-ins through an OpenID Connect identity provider – a verified residency from its claims."""

from __future__ import annotations

from typing import Any

from allauth.account import stages
from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from regija.core.accounts import client_ip


def sign_in_name(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """django-axes's AXES_USERNAME_CALLABLE: the account a sign-in is counted against – by username,
    whether the person typed it or their e-mail address (so both count towards the same pause)."""
    value = None
    for key in ("username", "email", "login"):
        if credentials and credentials.get(key):
            value = str(credentials[key])
            break
    if value is None and request is not None and request.method == "POST":
        value = request.POST.get("login") or request.POST.get("username")
    if value and "@" in value:
        found = (
            get_user_model()
            .objects.filter(email__iexact=value.strip())
            .order_by("-is_active", "pk")
            .values_list("username", flat=True)
            .first()
        )
        return found or value.strip().lower()
    return value


class EmailVerificationStage(stages.EmailVerificationStage):
    """allauth's "confirm your e-mail first" step of signing in, for accounts that were made by signing
    up (or through an identity provider): they have allauth e-mail address records. An account made by
    staff in the back office or with the command line has none and signs in with its password as before
    (its e-mail address is not confirmed, so it still cannot post: ``selectors.can_contribute``)."""

    def handle(self):
        from allauth.account.models import EmailAddress

        user = self.login.user
        if (
            not self.login.signup
            and user is not None
            and user.pk is not None
            and not EmailAddress.objects.filter(user_id=user.pk).exists()
        ):
            return None, True
        return super().handle()


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request) or "0.0.0.0"  # noqa: S104 - a key for the throttle, not a bind address

    def get_login_stages(self) -> list[str]:
        return [
            f"{__name__}.EmailVerificationStage" if path.endswith(".EmailVerificationStage") else path
            for path in super().get_login_stages()
        ]


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in through an identity provider configured in REGIJA_OIDC_PROVIDERS; residency from its
    claims is taken in ``accounts.services.residency_from_identity_provider`` (on sign-in)."""
