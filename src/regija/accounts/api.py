"""The signed-in person's own account through the API (/api/v1/me…), for a mobile app: profile and
language, residencies (ask for a code by post, enter it), consents, all my data, deleting the account.
Every call needs a personal token (``Authorization: Bearer rgj_…``, made at /racun/) and acts on the
token's own person only; writes go through ``accounts.services`` like the pages."""

from __future__ import annotations

from typing import Any, Literal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from regija.api.auth import token_auth
from regija.api.errors import READ_RESPONSES, Error, refusals, write_responses
from regija.api.schemas import Input
from regija.core.choices import OrganisationKind
from regija.core.models import Organisation

from . import selectors, services
from .models import Residency

router = Router(tags=["me"])
# personal reads: never cached nor answered 304 (no ETag), 401 without a token
ME_READ: dict[int, Any] = {**{k: v for k, v in READ_RESPONSES.items() if k != 304}, 401: Error}


class ResidencyOut(Schema):
    municipality: str
    municipality_name: str
    local_community: str | None
    method: str
    verified_at: str
    revoked_at: str | None


class ConsentOut(Schema):
    kind: str
    version: str
    text_sha256: str
    given_at: str
    withdrawn_at: str | None


class RequestOut(Schema):
    municipality: str
    asked_at: str
    letter_at: str | None
    expires_at: str | None
    state: Literal["waiting", "letter_sent", "verified", "locked"]


class MeOut(Schema):
    username: str
    name: str
    email: str
    language: str
    email_confirmed: bool
    can_contribute: bool
    two_factor: bool
    residencies: list[ResidencyOut]
    residency_requests: list[RequestOut]
    consents: list[ConsentOut]


class MePatch(Input):
    language: str = Field(..., max_length=10)


class ResidencyRequestIn(Input):
    municipality: str = Field(..., max_length=100, description="the municipality's slug")
    local_community: str | None = Field(None, max_length=100, description="its local community's slug")
    name: str = Field(..., max_length=200)
    address: str = Field(..., max_length=300)
    postcode: str = Field(..., max_length=100)


class CodeIn(Input):
    code: str = Field(..., max_length=30)


class ConsentIn(Input):
    kind: Literal["terms", "privacy"]
    action: Literal["give", "withdraw"] = "give"


class DeleteIn(Input):
    confirm: Literal[True]
    reason: str = Field("", max_length=500)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _me(user) -> dict[str, Any]:
    residencies = Residency.objects.filter(user=user).select_related("municipality", "area").order_by("pk")
    requests = selectors.residency_requests(user).order_by("pk")
    return {
        "username": user.get_username(),
        "name": selectors.display_name(user),
        "email": user.email,
        "language": selectors.language_of(user),
        "email_confirmed": selectors.email_confirmed(user),
        "can_contribute": selectors.can_contribute(user),
        "two_factor": selectors.has_mfa(user),
        "residencies": [
            {
                "municipality": r.municipality.slug,
                "municipality_name": r.municipality.name,
                "local_community": r.area.slug if r.area else None,
                "method": r.method,
                "verified_at": r.verified_at.isoformat(),
                "revoked_at": _iso(r.revoked_at),
            }
            for r in residencies
        ],
        "residency_requests": [
            {
                "municipality": r.municipality.slug,
                "asked_at": r.created_at.isoformat(),
                "letter_at": _iso(r.letter_at),
                "expires_at": _iso(r.expires_at),
                "state": "verified"
                if r.done_at
                else "locked"
                if r.locked_at
                else "letter_sent"
                if r.letter_at
                else "waiting",
            }
            for r in requests
        ],
        "consents": [
            {
                "kind": c.kind,
                "version": c.version,
                "text_sha256": c.text_hash,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in selectors.consents(user)
        ],
    }


@router.get("/me", auth=token_auth, response={200: MeOut, **ME_READ}, url_name="me")
def me(request):
    """My profile: language, whether my e-mail is confirmed (needed to post), two-factor, residencies
    and requests for a code by post, consents."""
    return _me(request.user)


@router.patch("/me", auth=token_auth, response=write_responses({200: MeOut}))
def patch_me(request, payload: MePatch):
    """Change the language messages reach me in (sl, en)."""
    with refusals():
        services.set_language(request.user, payload.language)
    return _me(request.user)


@router.get("/me/data", auth=token_auth, response={200: dict[str, Any], **ME_READ})
def my_data(request):
    """All Regija holds about me (the same JSON as /racun/moji-podatki.json)."""
    return services.export_data(request.user)


@router.post("/me/consents", auth=token_auth, response=write_responses({200: MeOut}))
def consent(request, payload: ConsentIn):
    """Give (the current version) or withdraw a consent."""
    with refusals():
        if payload.action == "withdraw":
            services.withdraw_consent(request.user, payload.kind, via="api")
        else:
            services.give_consent(request.user, payload.kind, via="api")
    return _me(request.user)


@router.post("/me/residency-requests", auth=token_auth, response=write_responses({201: MeOut}, conflict=True))
def residency_request(request, payload: ResidencyRequestIn):
    """Ask for a code by post to my address in a municipality."""
    municipality = get_object_or_404(
        Organisation, slug=payload.municipality, kind=OrganisationKind.MUNICIPALITY
    )
    area = None
    if payload.local_community:
        area = get_object_or_404(Organisation, slug=payload.local_community, parent=municipality)
    with refusals():
        services.request_residency(
            request.user,
            municipality,
            area=area,
            name=payload.name,
            address=payload.address,
            postcode=payload.postcode,
        )
    return Status(201, _me(request.user))


@router.post("/me/residency-code", auth=token_auth, response=write_responses({200: MeOut}))
def residency_code(request, payload: CodeIn):
    """Enter the code from the letter: verified as a resident (5 wrong codes lock the letter)."""
    with refusals():
        services.enter_code(request.user, payload.code)
    return _me(request.user)


@router.post("/me/delete", auth=token_auth, response=write_responses({204: None}, conflict=True))
def delete(request, payload: DeleteIn):
    """Delete my account (``confirm: true``): what I posted stays, shown as by a deleted account; the
    token stops working."""
    with refusals():
        services.delete_account(request.user, reason=payload.reason, via="api")
    return Status(204, None)
