"""allauth's signals Regija listens to."""

from __future__ import annotations

from typing import Any


def residency_on_sign_in(
    sender: Any, request: Any, user: Any, sociallogin: Any = None, **kwargs: Any
) -> None:
    """A sign-in through an identity provider trusted for residency verifies it from the claims."""
    if sociallogin is None:
        return
    from allauth.socialaccount.models import SocialApp  # noqa: F401 - the app's settings below

    from .services import residency_from_claims

    account = sociallogin.account
    app = sociallogin.provider.app if hasattr(sociallogin.provider, "app") else None
    provider_settings = dict(getattr(app, "settings", {}) or {})
    data = account.extra_data or {}
    claims: dict[str, Any] = {}
    if isinstance(data, dict):
        claims.update(data.get("userinfo") or {})
        claims.update(data.get("id_token") or {})
    residency_from_claims(user, provider_settings, claims)
