"""Personal API tokens: created and revoked by their owner, kept only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from .models import ApiToken

PREFIX = "rgj_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create(user, name: str) -> tuple[ApiToken, str]:
    """A new token for this user; the raw token is returned once and never stored."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100] or "API", prefix=raw[:10], key_hash=_hash(raw)
    )
    return token, raw


def revoke(user, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when there is no such active token. Saved as an
    object, so the audit log records it."""
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        return False
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return True


def authenticate(raw: str):
    """The active user behind a raw token, or None."""
    if not raw or not raw.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user").filter(key_hash=_hash(raw), revoked_at__isnull=True).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch last use at most once a minute, so reads don't turn into a write each.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def active_for(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at")
