"""Absolute links in API answers: to another API resource, and to an object's public page."""

from __future__ import annotations

from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse


def api_url(request: HttpRequest, name: str, *args: object) -> str:
    """The absolute URL of the API resource named ``api:<name>``."""
    return request.build_absolute_uri(reverse(f"api:{name}", args=args))


def web_url(request: HttpRequest, obj: Model) -> str:
    """The absolute URL of an object's public page."""
    return request.build_absolute_uri(obj.get_absolute_url())  # type: ignore[attr-defined]
