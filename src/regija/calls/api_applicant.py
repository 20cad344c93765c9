"""The applicant's side of public calls in the API: start a draft application, read one's applications,
save a draft, attach files, submit, withdraw, and claim the money of the operation an approval created.

Every write is the pages' service (``calls.services``, ``projects.services.payments``), called inside
``refusals()`` and recorded in the audit log as "api": the same rules and messages as the applicant's
pages, in English. Who sees an application is the pages' rule (``services.application_access``): members
of the applicant, the call's staff once it is submitted, a committee member it is assigned to after the
call closes; everyone else gets 404. Every operation needs a personal token; the answers are private
(``Cache-Control: no-store``) and never come from the response cache.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from ninja import File, Form, Path, Query, Router
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status

from regija.api.auth import token_auth
from regija.api.errors import (
    READ_RESPONSES as _READ,
)
from regija.api.errors import (
    REFUSED,
    Error,
    invalid,
    not_found,
    refusals,
    write_responses,
)
from regija.api.pagination import PageParams, paginate
from regija.core import audit, uploads
from regija.core.models import Organisation, OrganisationKind, Role
from regija.core.permissions import member_role_at_least
from regija.projects.models import Fund, Payment
from regija.projects.services import payments

from . import selectors, services
from .models import Application, Attachment, AttachmentKind
from .schemas import (
    ApplicationDetail,
    ApplicationFilters,
    ApplicationPage,
    ApplicationStart,
    AttachmentOut,
    ClaimIn,
    ClaimOut,
    DraftIn,
    SubmitIn,
    WithdrawIn,
)
from .storage import ALLOWED

router = Router(tags=["applications"], auth=token_auth)

ID = Path(..., ge=1, le=2**63 - 1)

# A read of one's own applications: 401 without a token, 404 for what one may not see; never a 304 from
# the shared cache (the router is not wrapped in cache_reads)
READS: dict[int, Any] = {**{k: v for k, v in _READ.items() if k != 304}, 401: Error}


def _private(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Every answer of these operations is the asker's own: no browser or proxy keeps it."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper


def _upload_limit(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A multipart body is read here, before its parameters are: a file the upload handler stopped at
    ``REGIJA_MAX_UPLOAD_BYTES`` (``core.uploads``, none of it kept) is a 413 naming the file, never a
    request that looks as if the file had not been sent."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.FILES  # noqa: B018 – parse now, through the upload handlers
            except MultiPartParserError:
                return JsonResponse({"detail": "Cannot parse request body"}, status=400)
            stopped = uploads.refused(request)
            if stopped is not None:
                with translation.override("en"):
                    return JsonResponse({"detail": stopped.message()}, status=413)
        return view(request, *args, **kwargs)

    return wrapper


router.add_decorator(_private, mode="view")


@contextlib.contextmanager
def _service(request: HttpRequest) -> Iterator[None]:
    """Around a service: its refusals as the API's errors, its writes in the audit log as "api"."""
    with refusals(), audit.acting(request.user, via="api"):
        yield


def _abs(request: HttpRequest, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _application(request: HttpRequest, id: int) -> tuple[Application, set[str]]:
    """The application with its parts, and why the asker may see it; 404 when they may not."""
    app = selectors.application_detail(id)
    seen_as = services.application_access(request.user, app) if app is not None else set()
    if app is None or not seen_as:
        raise not_found("application", str(id))
    return app, seen_as


def _item(request: HttpRequest, app: Application) -> dict[str, Any]:
    call = app.call
    return {
        "id": app.pk,
        "call": {
            "organisation": {"slug": call.organisation.slug, "name": call.organisation.name},
            "slug": call.slug,
            "number": call.number,
            "title": call.title,
            "url": _abs(request, "api:call", call.organisation.slug, call.slug),
        },
        "applicant": {"slug": app.applicant.slug, "name": app.applicant.name},
        "title": app.title,
        "status": app.status,
        "reference": app.reference,
        "version": app.version,
        "requested_total": sum((f.requested for f in app.funds.all()), Decimal("0")),
        "created_at": timezone.localtime(app.created_at),
        "updated_at": timezone.localtime(app.updated_at),
        "submitted_at": timezone.localtime(app.submitted_at) if app.submitted_at else None,
        "url": _abs(request, "api:application", app.pk),
    }


def _attachment(request: HttpRequest, a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_at": timezone.localtime(a.uploaded_at),
        "url": _abs(request, "api:application_attachment", a.application_id, a.pk),
    }


def _detail(request: HttpRequest, app: Application, seen_as: set[str]) -> dict[str, Any]:
    user = request.user
    editable = services.may_change_draft(user, app)
    funds = list(app.funds.all())
    project = app.project
    out = _item(request, app)
    out.update(
        summary=app.summary,
        seen_as=sorted(seen_as),
        editable=editable,
        withdrawable=services.may_withdraw(user, app),
        funds=[{"fund": f.fund.code, "requested": f.requested, "approved": f.approved} for f in funds],
        partners=[{"name": p.name, "role": p.role} for p in app.partners.all()],
        phases=[
            {"title": p.title, "start": p.start, "end": p.end, "amount": p.amount} for p in app.phases.all()
        ],
        attachments=[_attachment(request, a) for a in app.attachments.all()],
        declarations=list(app.declarations or []),
        missing=services.missing_for_submission(app) if editable else [],
        warnings=selectors.budget_warnings(
            [(f.fund_id, f.requested) for f in funds], selectors.call_money(app.call)
        )
        if editable
        else [],
        closes_at=timezone.localtime(app.call.closes_at) if app.call.closes_at else None,
        decision_reason=app.decision_reason,
        instrument={
            "kind": app.instrument_kind,
            "number": app.instrument_number,
            "date": app.instrument_date,
        },
        operation={
            "strategy": project.strategy.slug,
            "code": project.code,
            "status": project.status,
            "url": _abs(request, "api:project", project.strategy.slug, project.code),
            "claims_url": _abs(request, "api:application_claims", app.pk),
        }
        if project is not None
        else None,
    )
    return out


def _fresh(request: HttpRequest, id: int) -> dict[str, Any]:
    """The application as it is stored now (after a write), as the asker sees it."""
    with translation.override("en"):  # its missing parts and budget warnings, like every API message
        app, seen_as = _application(request, id)
        return _detail(request, app, seen_as)


# ------------------------------------------------------------------------------------------ applications


@router.get("/applications", response={200: ApplicationPage, **READS}, url_name="applications")
def list_applications(request, filters: Query[ApplicationFilters], pages: Query[PageParams]):
    """Your applications: those of every organisation you are a member of (any role), last saved first."""
    qs = selectors.applications_of(request.user, status=filters.status)
    return paginate(request, qs, pages, lambda page: [_item(request, a) for a in page])


@router.post(
    "/calls/{org}/{slug}/applications",
    response=write_responses({201: ApplicationDetail}, conflict=True),
    url_name="application_start",
)
def start_application(request, org: str, slug: str, payload: ApplicationStart):
    """Start a draft application to an open call on behalf of an organisation where you are an editor or
    admin. 409 when the call is not open (with its opening or closing time)."""
    call = (
        selectors.public_calls()
        .select_related("organisation")
        .filter(organisation__slug=org, slug=slug)
        .first()
    )
    if call is None:
        raise not_found("call", f"{org}/{slug}")
    applicant = Organisation.objects.filter(slug=payload.applicant).first()
    if applicant is None or (
        applicant.kind == OrganisationKind.PERSON
        and not member_role_at_least(request.user, applicant.pk, Role.VIEWER)
    ):  # a natural person's organisation is not known to those outside it
        invalid(["body", "applicant"], f"there is no organisation '{payload.applicant}'", REFUSED)
    with _service(request):
        app = services.start_application(call, applicant, request.user, payload.title)
    return Status(201, _fresh(request, app.pk))


@router.get("/applications/{id}", response={200: ApplicationDetail, **READS}, url_name="application")
def get_application(request, id: int = ID):
    """One application with its funds, partners, phases, attachments and decision; for an editable draft
    also what a submission still misses and the budget warnings."""
    return _fresh(request, id)


@router.put(
    "/applications/{id}",
    response=write_responses({200: ApplicationDetail}, conflict=True),
    url_name="application_save",
)
def save_application(request, payload: DraftIn, id: int = ID):
    """Save a draft: its whole content (title, summary, amounts by fund, partners, phases) is replaced by
    what is sent, as the application form saves it. ``version`` is the one you read: 409 when someone
    saved it since, or when it is no longer a draft or the call has closed."""
    app, _seen = _application(request, id)
    codes = {f.code: f.pk for f in Fund.objects.filter(code__in={r.fund for r in payload.funds})}
    with _service(request):  # who may not change it hears that first (the service's own check)
        services.require(services.may_edit_application(request.user, app))
    for i, row in enumerate(payload.funds):
        if row.fund not in codes:
            invalid(
                ["body", "funds", i, "fund"], f"there is no fund with the code '{row.fund}'", "unknown_fund"
            )
    data = services.DraftData(
        title=payload.title,
        summary=payload.summary,
        funds=[(codes[r.fund], r.requested) for r in payload.funds],
        partners=[{"name": p.name, "role": p.role} for p in payload.partners],
        phases=[
            {"title": p.title, "start": p.start, "end": p.end, "amount": p.amount} for p in payload.phases
        ],
    )
    with _service(request):
        services.save_draft(app, request.user, data, version=payload.version)
    return _fresh(request, id)


@router.post(
    "/applications/{id}/submit",
    response=write_responses({200: ApplicationDetail}, conflict=True),
    url_name="application_submit",
)
def submit_application(request, payload: SubmitIn, id: int = ID):
    """Submit a draft before the deadline, with every declaration made; the answer has its ``reference``
    (e.g. JP6/1). 422 listing what is missing when it is incomplete; 409 when it changed since the
    ``version`` you checked, was submitted already, or the call is not open."""
    app, _seen = _application(request, id)
    with _service(request):
        services.submit(app, request.user, declarations=list(payload.declarations), version=payload.version)
    return _fresh(request, id)


@router.post(
    "/applications/{id}/withdraw",
    response=write_responses({200: ApplicationDetail}, conflict=True),
    url_name="application_withdraw",
)
def withdraw_application(request, payload: WithdrawIn, id: int = ID):
    """Withdraw a draft or submitted application before the decision (cannot be undone); the reason is
    optional. 409 once it is decided."""
    app, _seen = _application(request, id)
    with _service(request):
        services.withdraw_application(app, request.user, payload.reason)
    return _fresh(request, id)


# ------------------------------------------------------------------------------------------- attachments


@router.get(
    "/applications/{id}/attachments",
    response={200: list[AttachmentOut], **READS},
    url_name="application_attachments",
)
def list_attachments(request, id: int = ID):
    """The application's attachments."""
    app, _seen = _application(request, id)
    return [_attachment(request, a) for a in app.attachments.all()]


@decorate_view(_upload_limit)
@router.post(
    "/applications/{id}/attachments",
    response=write_responses({201: AttachmentOut, 413: Error}, conflict=True),
    url_name="application_attachment_add",
)
def add_attachment(request, kind: Form[AttachmentKind], file: File[UploadedFile], id: int = ID):
    """Attach a file to a draft (multipart/form-data: ``kind`` and ``file``): PDF, DOCX, XLSX, ODT, ODS,
    PNG or JPEG, decided from its content, at most REGIJA_MAX_UPLOAD_MB (10 MB; a larger file is a 413,
    none of it kept). A new version of the application."""
    app, _seen = _application(request, id)
    with _service(request):
        attachment = services.attachment_add(app, request.user, kind=kind, upload=file)
    return Status(201, _attachment(request, attachment))


@router.get(
    "/applications/{id}/attachments/{attachment}",
    response={200: None, **READS},
    url_name="application_attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, in the type its content was found to be when it was attached",
                "content": {ct: {"schema": {"type": "string", "format": "binary"}} for ct in ALLOWED},
            }
        }
    },
)
def download_attachment(request, id: int = ID, attachment: int = ID):
    """Download an attachment (whoever may read the application)."""
    app, _seen = _application(request, id)
    found = next((a for a in app.attachments.all() if a.pk == attachment), None)
    if found is None:
        raise not_found("attachment", f"{id}/{attachment}")
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.delete(
    "/applications/{id}/attachments/{attachment}",
    response=write_responses({204: None}, conflict=True),
    url_name="application_attachment_delete",
)
def delete_attachment(request, id: int = ID, attachment: int = ID):
    """Remove an attachment of a draft (a new version of the application)."""
    app, _seen = _application(request, id)
    found = next((a for a in app.attachments.all() if a.pk == attachment), None)
    if found is None:
        raise not_found("attachment", f"{id}/{attachment}")
    with _service(request):
        services.attachment_delete(found, request.user)
    return Status(204, None)


# ------------------------------------------------------------------------------------------ payment claims


def _claim(p: Payment) -> dict[str, Any]:
    return {
        "id": p.pk,
        "fund": p.fund.code,
        "label": p.label,
        "amount": p.amount,
        "state": p.state,
        "checked": p.checked_at is not None,
        "date": p.date,
        "phase": p.phase_id,
        "note": p.note,
    }


def _operation(request: HttpRequest, id: int):
    app, _seen = _application(request, id)
    if app.project is None:
        raise HttpError(409, "The application has no operation yet: claims are made once it is approved.")
    return app.project


@router.get(
    "/applications/{id}/claims",
    response={200: list[ClaimOut], 409: Error, **READS},
    url_name="application_claims",
)
def list_claims(request, id: int = ID):
    """The payment claims (and payments) of the operation the approved application became."""
    project = _operation(request, id)
    return [_claim(p) for p in project.payments.select_related("fund").order_by("order", "pk")]


@router.post(
    "/applications/{id}/claims",
    response=write_responses({201: ClaimOut}, conflict=True),
    url_name="application_claim",
)
def create_claim(request, payload: ClaimIn, id: int = ID):
    """Submit a payment claim for the operation, as its holder's editor does on the claims page: from one
    of its funds, optionally for a phase, more than 0 €, and claims together within the approved amount.
    The first claim puts an approved operation in progress."""
    project = _operation(request, id)
    fund = Fund.objects.filter(code=payload.fund).first()
    with _service(request):  # an unknown code is a fund without approved money: the service says so
        claim = payments.claim_payment(
            project,
            request.user,
            fund_id=fund.pk if fund else 0,
            amount=payload.amount,
            label=payload.label,
            phase_id=payload.phase,
        )
    claim = Payment.objects.select_related("fund").get(pk=claim.pk)
    return Status(201, _claim(claim))
