"""Every action the permission matrix walks, with how to perform it and how to see whether it happened.

An action is one row of ``matrix.csv``: a ``route`` (what a user does: an API operation, a back-office
view of a registered model, a page or a workflow POST) on an ``object`` of the world (``world.py``).
``do(client, world, role)`` performs it as the role; ``probe(world)`` reads from the database what a
write changes (for an allowed write it must change, for a denied one stay as it was); ``marker(world)``
is the text that shows an object in a list.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ObjectDoesNotExist
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from regija.calls.models import (
    ApplicantDeclaration,
    ApplicantRegistration,
    Application,
    Assignment,
    Call,
    ScoreSheet,
    SheetReturn,
)
from regija.calls.services.registration import confirmation_token
from regija.core.models import ApiToken, AuditEntry, Membership
from regija.projects.models import BudgetLine, Payment, Project
from regija.strategies.models import Observation, Strategy
from tests.admin_forms import change_form_data

from .world import PDF

API = "/api/v1"


@dataclasses.dataclass(frozen=True)
class Action:
    route: str  # "PATCH /api/v1/projects/{slug}/{code}", "admin calls.Call changelist", "POST call_manage"
    object: str  # what it acts on, in words, e.g. "P: operation of S held by B"
    do: Callable[..., Any]
    probe: Callable[[Any], Any] | None = None  # writes: what must change (allowed) or stay (denied)
    marker: Callable[[Any], str] | None = None  # list reads: how the object shows in the answer
    surface: str = "page"  # api, admin, page
    key: str = ""  # what completeness checks name: an API operation, an admin model, a URL name
    table: str = "matrix"  # the table of its expected outcomes: matrix.csv, or matrix_<table>.csv

    @property
    def id(self) -> str:
        return f"{self.route} | {self.object}"


ACTIONS: list[Action] = []


def action(route, obj, do, *, probe=None, marker=None, surface="page", key=""):
    ACTIONS.append(Action(route, obj, do, probe, marker, surface, key))


def _auth(w, role):
    token = w.tokens.get(role)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


def _send(method, path, body=None):
    def do(client, w, role):
        p = path(w) if callable(path) else path
        b = body(w) if callable(body) else body
        if method == "get":
            return client.get(API + p, **_auth(w, role))
        data = "" if b is None else json.dumps(b)
        return getattr(client, method)(API + p, data=data, content_type="application/json", **_auth(w, role))

    return do


# ------------------------------------------------------------------------------------------------- API


def api(method, template, obj, path, *, body=None, probe=None, marker=None):
    action(
        f"{method} {API}{template}",
        obj,
        _send(method.lower(), path, body),
        probe=probe,
        marker=marker,
        surface="api",
        key=f"{method} {API}{template}",
    )


S_OBJ, D_OBJ = "S: public strategy of A", "D: draft strategy of A"
P_OBJ = "P: operation of S held by B"

api("GET", "/strategies", S_OBJ, "/strategies?page_size=100", marker=lambda w: '"matrika-s"')
api("GET", "/strategies", D_OBJ, "/strategies?page_size=100", marker=lambda w: '"matrika-d"')
api("GET", "/strategies/{slug}", S_OBJ, "/strategies/matrika-s")
api("GET", "/strategies/{slug}", D_OBJ, "/strategies/matrika-d")
api(
    "PATCH",
    "/strategies/{slug}",
    S_OBJ + " (description)",
    "/strategies/matrika-s",
    body={"description": "Spremenjeno."},
    probe=lambda w: Strategy.objects.get(pk=w.S.pk).description,
)
api("GET", "/strategies/{slug}/nodes/{code}", "node of S", "/strategies/matrika-s/nodes/M1")
api("GET", "/strategies/{slug}/nodes/{code}", "node of D", "/strategies/matrika-d/nodes/MD1")
api("GET", "/indicators", "indicator of S", "/indicators?strategy=matrika-s", marker=lambda w: '"MK1"')
api("GET", "/indicators/{slug}/{code}", "indicator of S", "/indicators/matrika-s/MK1")
api(
    "POST",
    "/indicators/{slug}/{code}/observations",
    "indicator of S (a new date)",
    "/indicators/matrika-s/MK1/observations",
    body={"date": "2025-12-31", "value": "7"},
    probe=lambda w: Observation.objects.filter(indicator=w.K).count(),
)
api(
    "PUT",
    "/indicators/{slug}/{code}/observations/{date}",
    "observation of S",
    "/indicators/matrika-s/MK1/observations/2024-12-31",
    body={"value": "6"},
    probe=lambda w: str(Observation.objects.get(pk=w.OBS.pk).value),
)
api(
    "DELETE",
    "/indicators/{slug}/{code}/observations/{date}",
    "observation of S",
    "/indicators/matrika-s/MK1/observations/2024-12-31",
    probe=lambda w: Observation.objects.filter(pk=w.OBS.pk).exists(),
)
api("GET", "/projects", P_OBJ, "/projects?strategy=matrika-s&page_size=100", marker=lambda w: '"M-1"')
api("GET", "/projects/geo", "projects of S", "/projects/geo?strategy=matrika-s")
api("GET", "/projects/{slug}/{code}", P_OBJ, "/projects/matrika-s/M-1")


def _project_field(field):
    return lambda w: getattr(Project.objects.get(pk=w.P.pk), field)


api(
    "PATCH",
    "/projects/{slug}/{code}",
    P_OBJ + " (description)",
    "/projects/matrika-s/M-1",
    body={"title": "Nov naslov", "description": "Nov opis."},
    probe=_project_field("description"),
)
api(
    "PATCH",
    "/projects/{slug}/{code}",
    P_OBJ + " (status completed)",
    "/projects/matrika-s/M-1",
    body={"status": "completed"},
    probe=_project_field("status"),
)
api(
    "PATCH",
    "/projects/{slug}/{code}",
    P_OBJ + " (status withdrawn)",
    "/projects/matrika-s/M-1",
    body={"status": "withdrawn"},
    probe=_project_field("status"),
)


def _payments(w):
    return sorted(Payment.objects.filter(project=w.P).values_list("pk", "state", "amount"))


api(
    "POST",
    "/projects/{slug}/{code}/payments",
    P_OBJ + " (a claim of 100 €, state claimed)",
    "/projects/matrika-s/M-1/payments",
    body={"fund": "MATRIKA", "label": "API zahtevek", "amount": "100.00", "state": "claimed"},
    probe=_payments,
)
api(
    "POST",
    "/projects/{slug}/{code}/payments",
    P_OBJ + " (a payment of 500 000 €, state paid)",
    "/projects/matrika-s/M-1/payments",
    body={
        "fund": "MATRIKA",
        "label": "API plačilo",
        "amount": "500000.00",
        "state": "paid",
        "date": "2025-05-02",
    },
    probe=_payments,
)
api(
    "PATCH",
    "/projects/{slug}/{code}/budget-lines/{id}",
    P_OBJ + " (approved amount 15 000 → 1 000 000 €)",
    lambda w: f"/projects/matrika-s/M-1/budget-lines/{w.LINE.pk}",
    body={"amount": "1000000.00"},
    probe=lambda w: BudgetLine.objects.get(pk=w.LINE.pk).amount,
)
api("GET", "/funds", "fund F", "/funds?page_size=100", marker=lambda w: '"MATRIKA"')
api("GET", "/organisations", "B: an association", "/organisations?q=Matrika", marker=lambda w: '"matrika-b"')
api(
    "GET",
    "/organisations",
    "N: a natural person",
    "/organisations?q=Matrika",
    marker=lambda w: '"matrika-oseba"',
)
api("GET", "/organisations/{slug}", "B: an association", "/organisations/matrika-b")
api("GET", "/organisations/{slug}", "N: a natural person", "/organisations/matrika-oseba")
api("GET", "/organisations/{slug}/bodies", "A", "/organisations/matrika-a/bodies")
api("GET", "/organisations/{slug}/sessions", "A", "/organisations/matrika-a/sessions")
api("GET", "/search", "-", "/search?q=matrika")
api(
    "GET",
    "/calls",
    "C_OPEN: open call of A",
    "/calls?organisation=matrika-a&page_size=100",
    marker=lambda w: '"matrika-c-open"',
)
api(
    "GET",
    "/calls",
    "C_DRAFT: draft call of A",
    "/calls?organisation=matrika-a&page_size=100",
    marker=lambda w: '"matrika-c-draft"',
)
api("GET", "/calls/{org}/{slug}", "C_OPEN: open call of A", "/calls/matrika-a/matrika-c-open")
api("GET", "/calls/{org}/{slug}", "C_DRAFT: draft call of A", "/calls/matrika-a/matrika-c-draft")
api(
    "GET", "/calls/{org}/{slug}/results", "C_DEC: decided call of A", "/calls/matrika-a/matrika-c-dec/results"
)
api(
    "GET",
    "/calls/{org}/{slug}/results",
    "C_CLOSED: closed call of A",
    "/calls/matrika-a/matrika-c-closed/results",
)

# The applicant's side (calls/api_applicant.py): the same rules as the applicant's pages below
A_DRAFT = "APP_DRAFT: B's draft application (open call)"
A_SUB = "APP1: B's submitted application (closed call, scored)"
A_OK = "APP_OK: B's approved application (decided call), operation P_OK"


def _app(key):
    return lambda w: Application.objects.get(pk=getattr(w, key).pk)


def _draft_body(w):
    app = Application.objects.get(pk=w.APP_DRAFT.pk)
    return {
        "version": app.version,
        "title": "API naslov",
        "summary": "Povzetek.",
        "funds": [{"fund": "MATRIKA", "requested": "9000.00"}],
        "phases": [{"title": "1. faza", "amount": "9000.00"}],
    }


api(
    "GET",
    "/applications",
    A_DRAFT,
    "/applications?page_size=100",
    marker=lambda w: '"Matrika osnutek vloge"',
)
api(
    "POST",
    "/calls/{org}/{slug}/applications",
    "C_OPEN: open call of A (apply on behalf of B)",
    "/calls/matrika-a/matrika-c-open/applications",
    body={"applicant": "matrika-b", "title": "API vloga"},
    probe=lambda w: Application.objects.filter(call=w.C_OPEN).count(),
)
api("GET", "/applications/{id}", A_DRAFT, lambda w: f"/applications/{w.APP_DRAFT.pk}")
api("GET", "/applications/{id}", A_SUB, lambda w: f"/applications/{w.APP1.pk}")
api(
    "PUT",
    "/applications/{id}",
    A_DRAFT + " (save the draft)",
    lambda w: f"/applications/{w.APP_DRAFT.pk}",
    body=_draft_body,
    probe=lambda w: _app("APP_DRAFT")(w).title,
)
api(
    "PUT",
    "/applications/{id}",
    A_SUB + " (save it again)",
    lambda w: f"/applications/{w.APP1.pk}",
    body=lambda w: {**_draft_body(w), "version": _app("APP1")(w).version},
    probe=lambda w: _app("APP1")(w).title,
)
api(
    "POST",
    "/applications/{id}/submit",
    A_DRAFT + " (with the declarations)",
    lambda w: f"/applications/{w.APP_DRAFT.pk}/submit",
    body=lambda w: {
        "version": _app("APP_DRAFT")(w).version,
        "declarations": list(ApplicantDeclaration.values),
    },
    probe=lambda w: _app("APP_DRAFT")(w).status,
)
api(
    "POST",
    "/applications/{id}/withdraw",
    A_DRAFT,
    lambda w: f"/applications/{w.APP_DRAFT.pk}/withdraw",
    body={"reason": "API"},
    probe=lambda w: _app("APP_DRAFT")(w).status,
)
api("GET", "/applications/{id}/attachments", A_DRAFT, lambda w: f"/applications/{w.APP_DRAFT.pk}/attachments")
api("GET", "/applications/{id}/attachments", A_SUB, lambda w: f"/applications/{w.APP1.pk}/attachments")


def _api_upload(client, w, role):
    upload = SimpleUploadedFile("api.pdf", PDF, "application/pdf")
    return client.post(
        f"{API}/applications/{w.APP_DRAFT.pk}/attachments",
        {"kind": "other", "file": upload},
        **_auth(w, role),
    )


action(
    f"POST {API}/applications/{{id}}/attachments",
    A_DRAFT,
    _api_upload,
    probe=lambda w: w.APP_DRAFT.attachments.count(),
    surface="api",
    key=f"POST {API}/applications/{{id}}/attachments",
)
api(
    "GET",
    "/applications/{id}/attachments/{attachment}",
    "attachment of APP1 (submitted)",
    lambda w: f"/applications/{w.APP1.pk}/attachments/{w.ATT1.pk}",
)
api(
    "GET",
    "/applications/{id}/attachments/{attachment}",
    "attachment of APP_DRAFT",
    lambda w: f"/applications/{w.APP_DRAFT.pk}/attachments/{w.ATT_DRAFT.pk}",
)
api(
    "DELETE",
    "/applications/{id}/attachments/{attachment}",
    "attachment of APP_DRAFT",
    lambda w: f"/applications/{w.APP_DRAFT.pk}/attachments/{w.ATT_DRAFT.pk}",
    probe=lambda w: w.APP_DRAFT.attachments.count(),
)
api("GET", "/applications/{id}/claims", A_OK, lambda w: f"/applications/{w.APP_OK.pk}/claims")
api(
    "POST",
    "/applications/{id}/claims",
    A_OK + " (a claim of 100 €)",
    lambda w: f"/applications/{w.APP_OK.pk}/claims",
    body={"fund": "MATRIKA", "amount": "100.00", "label": "API zahtevek"},
    probe=lambda w: Payment.objects.filter(project=w.P_OK).count(),
)


# ---------------------------------------------------------------------------------- pages and workflow


def page(method, name, obj, url, *, data=None, probe=None, marker=None, files=None):
    """A page (GET) or a workflow POST of the URL named ``name``; ``url(w)`` gives its address and
    ``data(w)`` the form it posts."""

    def do(client, w, role):
        u = url(w) if callable(url) else url
        if method == "GET":
            return client.get(u)
        d = dict(data(w) if callable(data) else (data or {}))
        if files:
            d.update(files())
        return client.post(u, d)

    label = f"{method} {name}" + (
        f" ({data.__name__})" if callable(data) and data.__name__ != "<lambda>" else ""
    )
    # a namespaced name ("events:list") is labelled so; the URL conf's walk knows it by its bare name
    action(label, obj, do, probe=probe, marker=marker, surface="page", key=name.split(":")[-1])


def _r(name, *args):
    return lambda w: reverse(name, args=[a(w) if callable(a) else a for a in args])


page("GET", "home", "-", "/")
page("GET", "strategy", S_OBJ, _r("strategy", "matrika-s"))
page("GET", "strategy", D_OBJ, _r("strategy", "matrika-d"))
page("GET", "node", "node of S", _r("node", "matrika-s", "M1"))
page("GET", "node", "node of D", _r("node", "matrika-d", "MD1"))
page("GET", "indicator", "indicator of S", _r("indicator", "matrika-s", "MK1"))
page("GET", "indicator_csv", "indicator of S", _r("indicator_csv", "matrika-s", "MK1"))


def observation(w):
    return {"date": "2025-12-31", "value": "7", "source": "", "note": ""}


page(
    "POST",
    "observation_add",
    "indicator of S (a new date)",
    _r("observation_add", "matrika-s", "MK1"),
    data=observation,
    probe=lambda w: Observation.objects.filter(indicator=w.K).count(),
)
page("GET", "project_list", P_OBJ, "/projekti/?strategy=matrika-s", marker=lambda w: "Matrika operacija")
page("GET", "project_export", "projects of S (CSV)", "/projekti/izvoz.csv?strategy=matrika-s")
page("GET", "project", P_OBJ, _r("project", "matrika-s", "M-1"))
page("GET", "funds", "-", "/skladi/")
for key, what in (("DS", "published"), ("DS_DRAFT", "draft"), ("DS_PRIVATE", "private")):
    page(
        "GET",
        "lake_dcat_catalogue",
        f"{key}: {what} dataset of A",
        "/katalog.ttl",
        marker=lambda w, key=key: f'"{getattr(w, key).title}"@sl',
    )
    page(
        "GET",
        "lake_dcat_dataset",
        f"{key}: {what} dataset of A",
        lambda w, key=key: f"/podatki/{getattr(w, key).slug}.ttl",
    )
page("GET", "consistency", "-", "/preverjanje/?strategy=matrika-s")
page("GET", "strategy_template", "-", "/strategije/predloga-za-uvoz.xlsx")
page(
    "GET",
    "organisation_list",
    "B: an association",
    "/organizacije/?q=Matrika",
    marker=lambda w: "/organizacije/matrika-b/",
)
page(
    "GET",
    "organisation_list",
    "N: a natural person",
    "/organizacije/?q=Matrika",
    marker=lambda w: "Matrika Oseba Novak",
)
page("GET", "organisation", "B: an association", _r("organisation", "matrika-b"))
page("GET", "organisation", "N: a natural person", _r("organisation", "matrika-oseba"))
page("GET", "organisation_bodies", "A", _r("organisation_bodies", "matrika-a"))
page("GET", "search", "-", "/iskanje/?q=matrika")
page("GET", "account", "own account", "/racun/")


def new_token(w):
    return {"name": "matrika nov žeton"}


page(
    "POST",
    "account",
    "own account (a new API token)",
    "/racun/",
    data=new_token,
    probe=lambda w: ApiToken.objects.filter(name="matrika nov žeton").count(),
)
page("GET", "history", P_OBJ, _r("history", "project", lambda w: w.P.pk))
page("GET", "history", D_OBJ, _r("history", "strategy", lambda w: w.D.pk))
page("GET", "login", "-", "/prijava/")
page("POST", "logout", "-", "/odjava/")
page("GET", "language", "-", "/jezik/en/?next=/")
page("GET", "favicon", "-", "/favicon.ico")
page("POST", "set_language", "-", "/i18n/setlang/", data={"language": "en", "next": "/"})
page("GET", "annual_report", "A, 2025", _r("annual_report", "matrika-a", 2025))
page("GET", "annual_report_docx", "A, 2025", _r("annual_report_docx", "matrika-a", 2025))
page("GET", "annual_report_published", "A, 2025", _r("annual_report_published", "matrika-a", 2025))
page("GET", "annual_report_published_docx", "A, 2025", _r("annual_report_published_docx", "matrika-a", 2025))

# password reset by e-mail (Django's views): the e-mailed link is what lets one set a new password
page("GET", "password_reset", "-", _r("password_reset"))


def reset_request(w):
    return {"email": w.users["holder"].email}


page(
    "POST",
    "password_reset",
    "the holder's account (a reset link by e-mail)",
    _r("password_reset"),
    data=reset_request,
    probe=lambda w: [m.to for m in mail.outbox],
)
page("GET", "password_reset_done", "-", _r("password_reset_done"))


def _reset_link(w, valid: bool) -> str:
    user = w.users["holder"]
    token = default_token_generator.make_token(user) if valid else "0-wrongtoken"
    return reverse("password_reset_confirm", args=[urlsafe_base64_encode(force_bytes(user.pk)), token])


def _holder_password(w):
    return get_user_model().objects.get(pk=w.users["holder"].pk).password


page("GET", "password_reset_confirm", "the holder's e-mailed link", lambda w: _reset_link(w, True))


def _set_password(valid: bool):
    def do(client, w, role):
        link = client.get(_reset_link(w, valid))  # Django moves the token into the session, then redirects
        url = link["Location"] if link.status_code == 302 else _reset_link(w, valid)
        new = "Novo-geslo-Matrika-2025"
        return client.post(url, {"new_password1": new, "new_password2": new})

    return do


action(
    "POST password_reset_confirm",
    "the holder's e-mailed link (a new password)",
    _set_password(True),
    probe=_holder_password,
    key="password_reset_confirm",
)
action(
    "POST password_reset_confirm",
    "a link with a wrong token (a new password)",
    _set_password(False),
    probe=_holder_password,
    key="password_reset_confirm",
)
page("GET", "password_reset_complete", "-", _r("password_reset_complete"))

# public calls
OPEN_OBJ, DRAFT_CALL = "C_OPEN: open call of A", "C_DRAFT: draft call of A"
page("GET", "call_list", OPEN_OBJ, "/razpisi/", marker=lambda w: "Matrika poziv C_OPEN")
page("GET", "call_list", DRAFT_CALL, "/razpisi/", marker=lambda w: "Matrika poziv C_DRAFT")
page("GET", "call", OPEN_OBJ, _r("call", "matrika-a", "matrika-c-open"))
page("GET", "call", DRAFT_CALL, _r("call", "matrika-a", "matrika-c-draft"))
page("GET", "call_results", "C_DEC: decided call of A", _r("call_results", "matrika-a", "matrika-c-dec"))
page("GET", "call_results", "C_CLOSED: closed call of A", _r("call_results", "matrika-a", "matrika-c-closed"))
page(
    "GET",
    "call_document",
    "document of C_OPEN",
    _r("call_document", "matrika-a", "matrika-c-open", lambda w: w.DOC_OPEN.pk),
)
page(
    "GET",
    "call_document",
    "document of C_DRAFT",
    _r("call_document", "matrika-a", "matrika-c-draft", lambda w: w.DOC_DRAFT.pk),
)

# the applicant's side
APPD = "APP_DRAFT: B's draft application (open call)"
APP1 = "APP1: B's submitted application (closed call, scored)"


def start(w):
    return {"applicant": "__own__", "title": "Matrika nova vloga"}


def _start(client, w, role):
    # on behalf of the organisation the role may apply for (B for those who may for none)
    org = {"editor": w.A, "admin": w.A, "other_editor": w.C}.get(role, w.B)
    return client.post(
        reverse("application_start", args=["matrika-a", "matrika-c-open"]),
        {"applicant": org.pk, "title": "Matrika nova vloga"},
    )


action(
    "POST application_start",
    OPEN_OBJ + " (apply on behalf of one's organisation)",
    _start,
    probe=lambda w: Application.objects.filter(call=w.C_OPEN).count(),
    key="application_start",
)
page("GET", "application_start", OPEN_OBJ, _r("application_start", "matrika-a", "matrika-c-open"))
page("GET", "my_applications", APPD, "/prijave/", marker=lambda w: "Matrika osnutek vloge")
page("GET", "application", APPD, _r("application", lambda w: w.APP_DRAFT.pk))
page("GET", "application", APP1, _r("application", lambda w: w.APP1.pk))


def save_draft(w):
    app = Application.objects.get(pk=w.APP_DRAFT.pk)
    return {
        "version": app.version,
        "title": "Matrika spremenjena vloga",
        "summary": "Povzetek.",
        "funds-TOTAL_FORMS": "1",
        "funds-INITIAL_FORMS": "0",
        "funds-0-fund": str(w.F.pk),
        "funds-0-requested": "10000,00",
        "partners-TOTAL_FORMS": "0",
        "partners-INITIAL_FORMS": "0",
        "phases-TOTAL_FORMS": "1",
        "phases-INITIAL_FORMS": "0",
        "phases-0-title": "1. faza",
        "phases-0-amount": "10000,00",
    }


page(
    "POST",
    "application",
    APPD + " (save the draft)",
    _r("application", lambda w: w.APP_DRAFT.pk),
    data=save_draft,
    probe=lambda w: Application.objects.get(pk=w.APP_DRAFT.pk).title,
)
page(
    "POST",
    "attachment_upload",
    APPD,
    _r("attachment_upload", lambda w: w.APP_DRAFT.pk),
    data={"kind": "other"},
    files=lambda: {"file": SimpleUploadedFile("dodatek.pdf", PDF, "application/pdf")},
    probe=lambda w: w.APP_DRAFT.attachments.count(),
)
page(
    "GET",
    "attachment",
    "attachment of APP1 (submitted)",
    _r("attachment", lambda w: w.APP1.pk, lambda w: w.ATT1.pk),
)
page(
    "GET",
    "attachment",
    "attachment of APP_DRAFT",
    _r("attachment", lambda w: w.APP_DRAFT.pk, lambda w: w.ATT_DRAFT.pk),
)
page(
    "POST",
    "attachment_delete",
    "attachment of APP_DRAFT",
    _r("attachment_delete", lambda w: w.APP_DRAFT.pk, lambda w: w.ATT_DRAFT.pk),
    probe=lambda w: w.APP_DRAFT.attachments.count(),
)


def submission(w):
    app = Application.objects.get(pk=w.APP_DRAFT.pk)
    return {"version": app.version, "declarations": list(ApplicantDeclaration.values)}


page("GET", "application_check", APPD, _r("application_check", lambda w: w.APP_DRAFT.pk))
page(
    "POST",
    "application_check",
    APPD + " (submit with the declarations)",
    _r("application_check", lambda w: w.APP_DRAFT.pk),
    data=submission,
    probe=lambda w: Application.objects.get(pk=w.APP_DRAFT.pk).status,
)
page("GET", "application_submitted", APP1, _r("application_submitted", lambda w: w.APP1.pk))
page("GET", "application_withdraw", APPD, _r("application_withdraw", lambda w: w.APP_DRAFT.pk))
page(
    "POST",
    "application_withdraw",
    APPD,
    _r("application_withdraw", lambda w: w.APP_DRAFT.pk),
    data={"confirm": "yes", "reason": "Umik."},
    probe=lambda w: Application.objects.get(pk=w.APP_DRAFT.pk).status,
)
page(
    "POST",
    "application_withdraw",
    APPD + " (not confirmed)",
    _r("application_withdraw", lambda w: w.APP_DRAFT.pk),
    data={"reason": "Umik."},
    probe=lambda w: Application.objects.get(pk=w.APP_DRAFT.pk).status,
)

# an applicant organisation registers itself; the call's staff approve or reject it
REG_OBJ = "REG: a registration for C_OPEN waiting for approval"
REG_NEW_OBJ = "REG_NEW: a registration for C_OPEN, e-mail address not confirmed"
page("GET", "registration", OPEN_OBJ, _r("registration", "matrika-a", "matrika-c-open"))


def register_organisation(w):
    password = "Matrika-novo-geslo-2025"
    return {
        "first_name": "Matrika",
        "last_name": "Novakova",
        "email": "matrika-novakova@primer.si",
        "password1": password,
        "password2": password,
        "organisation_name": "Matrika Zavod Novi",
        "organisation_kind": "public_institute",
        "registration_number": "5000017",
        "tax_number": "12345679",
        "address": "Cesta 2, Zagorje",
        "website": "",
        "consent": "on",
    }


page(
    "POST",
    "registration",
    OPEN_OBJ + " (register an organisation)",
    _r("registration", "matrika-a", "matrika-c-open"),
    data=register_organisation,
    probe=lambda w: sorted(ApplicantRegistration.objects.values_list("email", flat=True)),
)
page("GET", "registration_sent", OPEN_OBJ, _r("registration_sent", "matrika-a", "matrika-c-open"))
page(
    "POST",
    "registration_sent",
    OPEN_OBJ + " (the e-mail again, with no registration of this browser)",
    _r("registration_sent", "matrika-a", "matrika-c-open"),
    probe=lambda w: [m.to for m in mail.outbox],
)


def _confirm_link(valid: bool):
    def url(w):
        token = confirmation_token(w.REG_NEW) if valid else "0-wrongtoken"
        return reverse("registration_confirm", args=["matrika-a", "matrika-c-open", token])

    return url


page("GET", "registration_confirm", REG_NEW_OBJ + " (its e-mailed link)", _confirm_link(True))
page(
    "POST",
    "registration_confirm",
    REG_NEW_OBJ + " (confirmed by its e-mailed link)",
    _confirm_link(True),
    probe=lambda w: ApplicantRegistration.objects.get(pk=w.REG_NEW.pk).status,
)
page("GET", "registration_confirm", "a link with a wrong token", _confirm_link(False))
page(
    "POST",
    "registration_confirm",
    REG_NEW_OBJ + " (a link with a wrong token)",
    _confirm_link(False),
    probe=lambda w: ApplicantRegistration.objects.get(pk=w.REG_NEW.pk).status,
)
_decide_url = _r("registration_decide", "matrika-a", "matrika-c-open", lambda w: w.REG.pk)
page("GET", "registration_decide", REG_OBJ, _decide_url)


def approve_registration(w):
    return {"approve": "1", "match": ""}


def reject_registration(w):
    return {"reject": "1", "reason": "Ni sedeža na območju."}


for form in (approve_registration, reject_registration):
    page(
        "POST",
        "registration_decide",
        REG_OBJ,
        _decide_url,
        data=form,
        probe=lambda w: ApplicantRegistration.objects.get(pk=w.REG.pk).status,
    )

# programme staff: a call's life, eligibility, decisions


def _call_status(key):
    return lambda w: Call.objects.get(pk=getattr(w, key).pk).status


for act, key, obj in (
    ("publish", "C_DRAFT", DRAFT_CALL),
    ("unpublish", "C_PUB", "C_PUB: published call of A, not open yet"),
    ("finish_evaluation", "C_FIN", "C_FIN: closed call of A, nothing left to evaluate"),
    ("mark_decided", "C_EVALD0", "C_EVALD0: evaluated call of A, nothing left to decide"),
    ("archive", "C_DEC", "C_DEC: decided call of A"),
):
    slug = f"matrika-{key.lower().replace('_', '-')}"
    action(
        f"POST call_manage (action={act})",
        obj,
        (
            lambda s, a: (
                lambda client, w, role: client.post(
                    reverse("call_manage", args=["matrika-a", s]), {"action": a}
                )
            )
        )(slug, act),
        probe=_call_status(key),
        key="call_manage",
    )
page("GET", "call_manage", "C_CLOSED: closed call of A", _r("call_manage", "matrika-a", "matrika-c-closed"))
APP5 = "APP5: B's submitted application, not yet checked"
APPE = "APP_E: B's application with finalised scores (evaluated call)"
page("GET", "eligibility", APP5, _r("eligibility", lambda w: w.APP5.pk))


def eligible(w):
    cond = w.C_CLOSED.conditions.get()
    return {f"met_{cond.pk}": "yes", f"note_{cond.pk}": ""}


page(
    "POST",
    "eligibility",
    APP5,
    _r("eligibility", lambda w: w.APP5.pk),
    data=eligible,
    probe=lambda w: Application.objects.get(pk=w.APP5.pk).checks.count(),
)
page("GET", "decide", APPE, _r("decide", lambda w: w.APP_E.pk))


def approve(w):
    return {
        "approve": "1",
        "instrument_kind": "decision",
        "instrument_number": "1/2025",
        "instrument_date_day": "1",
        "instrument_date_month": "6",
        "instrument_date_year": "2025",
        f"approved_{w.F.pk}": "10000,00",
    }


def reject(w):
    return {"reject": "1", "reason": "Premalo točk."}


for form in (approve, reject):
    page(
        "POST",
        "decide",
        APPE,
        _r("decide", lambda w: w.APP_E.pk),
        data=form,
        probe=lambda w: Application.objects.get(pk=w.APP_E.pk).status,
    )

# the committee
page("GET", "evaluation", "-", "/ocenjevanje/")
ASG1 = "evaluator's assignment of APP1 (sheet submitted)"
ASG2 = "evaluator's assignment of APP2 (declared, not scored)"
ASG3 = "evaluator's assignment of APP3 (not declared)"
page("GET", "assignment", ASG1, _r("assignment", lambda w: w.ASSIGN1.pk))


def declare(w):
    return {"declare": "1", "conflict": "no", "note": ""}


def scores(w, **extra):
    crit = w.C_CLOSED.criteria.get()
    return {f"points_{crit.pk}": "55", f"justification_{crit.pk}": "Nova utemeljitev.", **extra}


def save(w):
    return scores(w, save="1", edits="0")


def correct(w):
    return scores(w, correct="1", reason="Popravek.", edits="0")


def _sheets(key):
    """The assignment's sheets with their versions, states and points."""

    def probe(w):
        sheets = ScoreSheet.objects.filter(assignment=getattr(w, key)).prefetch_related("scores")
        return sorted(
            (s.version, s.status, s.edits, sorted(str(x.points) for x in s.scores.all())) for s in sheets
        )

    return probe


page(
    "POST",
    "assignment",
    ASG3,
    _r("assignment", lambda w: w.ASSIGN3.pk),
    data=declare,
    probe=lambda w: Assignment.objects.get(pk=w.ASSIGN3.pk).declaration,
)
page(
    "POST", "assignment", ASG2, _r("assignment", lambda w: w.ASSIGN2.pk), data=save, probe=_sheets("ASSIGN2")
)
page(
    "POST",
    "assignment",
    ASG1,
    _r("assignment", lambda w: w.ASSIGN1.pk),
    data=correct,
    probe=_sheets("ASSIGN1"),
)


def return_sheet(w):
    return {"return": "1", "reason": "Utemeljitev manjka."}


page(
    "POST",
    "assignment",
    ASG1,
    _r("assignment", lambda w: w.ASSIGN1.pk),
    data=return_sheet,
    probe=lambda w: SheetReturn.objects.filter(sheet__assignment=w.ASSIGN1).count(),
)
page("GET", "call_evaluation", "C_CLOSED: closed call of A", _r("call_evaluation", lambda w: w.C_CLOSED.pk))


def finalise(w):
    return {"finalise": "1", "application": w.APP1.pk}


def assign(w):
    return {"assign": "1"}


page(
    "POST",
    "call_evaluation",
    "C_CLOSED, APP1 (every member submitted)",
    _r("call_evaluation", lambda w: w.C_CLOSED.pk),
    data=finalise,
    probe=lambda w: sorted(
        ScoreSheet.objects.filter(assignment__application=w.APP1).values_list("pk", "status")
    ),
)
page(
    "POST",
    "call_evaluation",
    "C_CLOSED, a committee member added after the assignment",
    _r("call_evaluation", lambda w: w.C_CLOSED.pk),
    data=assign,
    probe=lambda w: Assignment.objects.filter(application__call=w.C_CLOSED).count(),
)

# operations: claims, checks, payment, withdrawal, completion
page("GET", "project_claims", P_OBJ, _r("project_claims", "matrika-s", "M-1"))


def claim(w):
    return {"claim": "1", "label": "Stranski zahtevek", "fund": str(w.F.pk), "phase": "", "amount": "100,00"}


def withdraw(w):
    return {"withdraw": "1", "reason": "Odstop."}


def complete(w):
    return {"complete": "1"}


page("POST", "project_claims", P_OBJ, _r("project_claims", "matrika-s", "M-1"), data=claim, probe=_payments)
page(
    "POST",
    "project_claims",
    "P_DONE: operation of S held by B, finally paid",
    _r("project_claims", "matrika-s", "M-3"),
    data=withdraw,
    probe=lambda w: Project.objects.get(pk=w.P_DONE.pk).status,
)
page(
    "POST",
    "project_claims",
    "P_DONE: operation of S held by B, finally paid",
    _r("project_claims", "matrika-s", "M-3"),
    data=complete,
    probe=lambda w: Project.objects.get(pk=w.P_DONE.pk).status,
)


def check(w):
    return {"action": "check"}


def pay(w):
    return {"action": "pay", "date_day": "1", "date_month": "6", "date_year": "2025"}


def reject_claim(w):
    return {"action": "reject", "reason": "Nepopolno."}


for form, key in ((check, "CLAIM"), (pay, "CLAIM_CHECKED"), (reject_claim, "CLAIM")):
    page(
        "POST",
        "claim_action",
        f"{'open' if key == 'CLAIM' else 'checked'} claim of P",
        (lambda k: lambda w: reverse("claim_action", args=["matrika-s", "M-1", getattr(w, k).pk]))(key),
        data=form,
        probe=(
            lambda k: (
                lambda w: Payment.objects.filter(pk=getattr(w, k).pk).values_list("state", "checked_at").get()
            )
        )(key),
    )


# --------------------------------------------------------------------------------------------- back office


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


_FORMS: dict[str, dict] = {}


def _superuser_form(w, url):
    """The change form as the page gives it, read as a superuser (who may always open it); read once per
    page, as every cell starts from the same world."""
    from django.test import Client

    if url not in _FORMS:
        su = Client()
        su.force_login(w.users["superuser"])
        # a stored file is kept by not sending one (a file object would be read empty the second time)
        _FORMS[url] = {k: v for k, v in change_form_data(su, url).items() if not isinstance(v, File)}
    return dict(_FORMS[url])


@dataclasses.dataclass(frozen=True)
class AdminObject:
    label: str  # the object in words
    get: Callable[[Any], Any]  # world → the object
    field: str | None = None  # a field the change test sets …
    value: Any = None  # … to this value
    delete: bool = False  # also try deleting it
    inline: tuple[str, str, Callable[[Any], Any], str] | None = None  # (prefix part, field, row id, value)


# The objects each registered model is tried on (a model not named here is walked with "-": its list and
# add page only). Owners: A the programme, B the applicant and holder, C unrelated, N a natural person.
ADMIN_OBJECTS: dict[str, list[AdminObject]] = {
    "auth.User": [AdminObject("the holder's user account", lambda w: w.users["holder"], delete=True)],
    "core.Organisation": [
        AdminObject("B: an association", lambda w: w.B, "name", "Matrika B preimenovana"),
        AdminObject("C: an unrelated association", lambda w: w.C, delete=True),
        AdminObject("N: a natural person holding P_N", lambda w: w.N),
    ],
    "core.Membership": [
        AdminObject(
            "the holder's membership of B",
            lambda w: Membership.objects.get(user=w.users["holder"]),
            "role",
            "admin",
            delete=True,
        ),
        AdminObject(
            "the viewer's membership of A",
            lambda w: Membership.objects.get(user=w.users["viewer"], organisation=w.A),
            "role",
            "admin",
        ),
    ],
    "core.AuditEntry": [
        AdminObject(
            "audit entry of APP_DRAFT",
            lambda w: AuditEntry.objects.filter(
                object_id=str(w.APP_DRAFT.pk), content_type__model="application"
            ).earliest("pk"),
        )
    ],
    "core.ApiToken": [
        AdminObject(
            "the holder's API token", lambda w: ApiToken.objects.get(user=w.users["holder"]), delete=True
        )
    ],
    "strategies.Strategy": [
        AdminObject(S_OBJ, lambda w: w.S, "title", "Matrika S preimenovana"),
        AdminObject(D_OBJ, lambda w: w.D, "title", "Matrika D preimenovana", delete=True),
    ],
    "strategies.Node": [
        AdminObject("node of S", lambda w: w.S_NODE, "title", "Matrika cilj preimenovan"),
        AdminObject("node of D", lambda w: w.D_NODE),
    ],
    "strategies.Indicator": [
        AdminObject("indicator of S", lambda w: w.K, "name", "Matrika kazalnik preimenovan")
    ],
    "projects.Fund": [AdminObject("fund F", lambda w: w.F, "name", "Matrika sklad preimenovan")],
    "projects.Project": [
        AdminObject(P_OBJ, lambda w: w.P, "title", "Matrika operacija preimenovana", delete=True),
        AdminObject(
            P_OBJ + " (budget line amount 15 000 → 1 000 000 €)",
            lambda w: w.P,
            inline=("budget", "amount", lambda w: w.LINE.pk, "1000000.00"),
        ),
        AdminObject("P_N: project of S held by N", lambda w: w.P_N),
    ],
    "calls.Call": [
        AdminObject(DRAFT_CALL, lambda w: w.C_DRAFT, "title", "Matrika osnutek preimenovan", delete=True),
        AdminObject(OPEN_OBJ, lambda w: w.C_OPEN),
    ],
    "calls.Application": [
        AdminObject(APPD, lambda w: w.APP_DRAFT),
        AdminObject(APP1, lambda w: w.APP1, "instrument_number", "99/2025"),
    ],
    "calls.ScoreSheet": [AdminObject("the evaluator's score sheet of APP1 (submitted)", lambda w: w.SHEET1)],
    "calls.ApplicantRegistration": [AdminObject(REG_OBJ, lambda w: w.REG)],
}


def _admin_changelist(model, ao):
    def do(client, w, role):
        # the list filtered to the object (a lookup on a field of the model itself is always allowed)
        query = f"?id={ao.get(w).pk}" if ao is not None else ""
        return client.get(_admin_url(model, "changelist") + query)

    marker = None if ao is None else (lambda w: 'href="' + _admin_url(model, "change", ao.get(w).pk))
    return do, marker


def _admin_change_get(model, ao):
    return lambda client, w, role: client.get(_admin_url(model, "change", ao.get(w).pk))


def _admin_change_post(model, ao):
    def do(client, w, role):
        url = _admin_url(model, "change", ao.get(w).pk)
        data = _superuser_form(w, url)
        if ao.inline:
            part, field, row_id, value = ao.inline
            rid = str(row_id(w))
            key = next(k for k, v in data.items() if k.endswith("-id") and part in k and str(v) == rid)
            data[key[: -len("id")] + field] = value
        else:
            data[ao.field] = value if (value := ao.value) is not None else ""
        return client.post(url, data)

    def probe(w):
        obj = ao.get(w)
        if ao.inline:
            return str(BudgetLine.objects.get(pk=ao.inline[2](w)).amount)
        return str(getattr(type(obj).objects.get(pk=obj.pk), ao.field))

    return do, probe


def _admin_delete(model, ao):
    def do(client, w, role):
        return client.post(_admin_url(model, "delete", ao.get(w).pk), {"post": "yes"})

    def probe(w):
        try:
            obj = ao.get(w)
        except ObjectDoesNotExist:
            return False
        return type(obj).objects.filter(pk=obj.pk).exists()

    return do, probe


def admin_actions():
    from django.contrib import admin as django_admin

    for model in django_admin.site._registry:
        label = model._meta.label
        objects = ADMIN_OBJECTS.get(label) or [None]
        for ao in objects:
            if ao is not None and ao.inline:
                continue
            do, marker = _admin_changelist(model, ao)
            action(
                f"admin {label} changelist",
                ao.label if ao else "-",
                do,
                marker=marker,
                surface="admin",
                key=label,
            )
        action(
            f"admin {label} add",
            "-",
            (lambda m: lambda client, w, role: client.get(_admin_url(m, "add")))(model),
            surface="admin",
            key=label,
        )
        for ao in objects:
            if ao is None:
                continue
            if not ao.inline:
                action(
                    f"admin {label} change (GET)",
                    ao.label,
                    _admin_change_get(model, ao),
                    surface="admin",
                    key=label,
                )
            if ao.field or ao.inline:
                do, probe = _admin_change_post(model, ao)
                what = ao.inline[1] if ao.inline else ao.field
                action(
                    f"admin {label} change (POST {what})",
                    ao.label,
                    do,
                    probe=probe,
                    surface="admin",
                    key=label,
                )
            if ao.delete:
                do, probe = _admin_delete(model, ao)
                action(f"admin {label} delete (POST)", ao.label, do, probe=probe, surface="admin", key=label)


def _add_post(model, data, exists):
    def do(client, w, role):
        return client.post(_admin_url(model, "add"), data(w))

    return do, exists


def extra_admin_actions():
    """Creating for an organisation, and the organisation picker (autocomplete) of the add forms."""

    def membership(w):
        return {"user": w.users["other_editor"].pk, "organisation": w.A.pk, "role": "admin"}

    do, probe = _add_post(
        Membership,
        membership,
        lambda w: Membership.objects.filter(user=w.users["other_editor"], organisation=w.A).exists(),
    )
    action(
        "admin core.Membership add (POST)",
        "C's editor made admin of A",
        do,
        probe=probe,
        surface="admin",
        key="core.Membership",
    )

    def autocomplete(client, w, role):
        return client.get(
            reverse("admin:autocomplete"),
            {"app_label": "calls", "model_name": "call", "field_name": "organisation", "term": "Matrika"},
        )

    action(
        "admin autocomplete (calls.Call organisation)",
        "A",
        autocomplete,
        marker=lambda w: f'"id": "{w.A.pk}"',
        surface="admin",
        key="autocomplete",
    )
    action(
        "admin autocomplete (calls.Call organisation)",
        "C",
        autocomplete,
        marker=lambda w: f'"id": "{w.C.pk}"',
        surface="admin",
        key="autocomplete",
    )


def picker_actions():
    """User accounts are found, not listed (core.selectors.find_users): by the full e-mail address, only
    by those who may set the field – an administrator adding a member, a call's editor its committee."""

    def membership_user(client, w, role):
        term = w.users["holder"].email
        return client.get(
            reverse("admin:autocomplete"),
            {"app_label": "core", "model_name": "membership", "field_name": "user", "term": term},
        )

    def seat_user(client, w, role):
        return client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "calls",
                "model_name": "committeeseat",
                "field_name": "user",
                "term": w.users["holder"].email,
                "page_model": "calls.call",
                "page_object": w.C_DRAFT.pk,
            },
        )

    marker = lambda w: f'"id": "{w.users["holder"].pk}"'  # noqa: E731
    for route, do in (
        ("admin autocomplete (core.Membership user)", membership_user),
        ("admin autocomplete (calls.CommitteeSeat user on C_DRAFT)", seat_user),
    ):
        action(
            route,
            "the holder's account by its e-mail address",
            do,
            marker=marker,
            surface="admin",
            key="autocomplete",
        )


admin_actions()
extra_admin_actions()
picker_actions()


# ---------------------------------------------------------------------------------------- open data

DS_OBJ, DS_DRAFT_OBJ = "DS: published dataset of A", "DS_DRAFT: draft dataset of A"


def _dataset_status(w):
    from regija.lake.models import Dataset

    return Dataset.objects.get(pk=w.DS.pk).status


page("GET", "catalogue", DS_OBJ, "/podatki/", marker=lambda w: "Matrika podatki")
page("GET", "catalogue", DS_DRAFT_OBJ, "/podatki/", marker=lambda w: "Matrika osnutek podatkov")
page("GET", "dataset", DS_OBJ, "/podatki/matrika-podatki/")
page("GET", "dataset", DS_DRAFT_OBJ, "/podatki/matrika-osnutek-podatkov/")
page("GET", "download", DS_OBJ, "/podatki/matrika-podatki/razlicica/1/prenos/csv")
page("GET", "download", DS_DRAFT_OBJ, "/podatki/matrika-osnutek-podatkov/prenos/csv")
page("GET", "create", "-", "/podatki/nov/")
page("GET", "mine", "-", "/moji-podatki/")
page("GET", "jobs", "-", "/opravila/")
page("GET", "edit", DS_OBJ, "/podatki/matrika-podatki/uredi/")
page("GET", "edit", DS_DRAFT_OBJ, "/podatki/matrika-osnutek-podatkov/uredi/")
page("GET", "upload", DS_OBJ, "/podatki/matrika-podatki/nalozi/")
page("GET", "columns", DS_OBJ, "/podatki/matrika-podatki/stolpci/")
page(
    "POST",
    "action",
    DS_OBJ + " (withdraw)",
    "/podatki/matrika-podatki/dejanje/",
    data={"action": "withdraw"},
    probe=_dataset_status,
)
api("GET", "/datasets", DS_OBJ, "/datasets?page_size=100", marker=lambda w: '"matrika-podatki"')
api(
    "GET", "/datasets", DS_DRAFT_OBJ, "/datasets?page_size=100", marker=lambda w: '"matrika-osnutek-podatkov"'
)
api("GET", "/datasets/{slug}", DS_OBJ, "/datasets/matrika-podatki")
api("GET", "/datasets/{slug}", DS_DRAFT_OBJ, "/datasets/matrika-osnutek-podatkov")
api("GET", "/datasets/{slug}/versions", DS_OBJ, "/datasets/matrika-podatki/versions")
api("GET", "/datasets/{slug}/versions", DS_DRAFT_OBJ, "/datasets/matrika-osnutek-podatkov/versions")
api("GET", "/datasets/{slug}/rows", DS_OBJ, "/datasets/matrika-podatki/rows")
api("GET", "/datasets/{slug}/rows", DS_DRAFT_OBJ, "/datasets/matrika-osnutek-podatkov/rows")
page("GET", "lake_dcat_catalogue", DS_OBJ, "/katalog.ttl", marker=lambda w: "matrika-podatki")
page("GET", "lake_dcat_catalogue", DS_DRAFT_OBJ, "/katalog.ttl", marker=lambda w: "matrika-osnutek-podatkov")
page("GET", "lake_dcat_dataset", DS_OBJ, "/podatki/matrika-podatki.ttl")
page("GET", "lake_dcat_dataset", DS_DRAFT_OBJ, "/podatki/matrika-osnutek-podatkov.ttl")


# ---------------------------------------------------------------------------------------------- events


def _ev_state(w):
    from regija.events.models import Event

    return Event.objects.get(pk=w.EV.pk).status


def _ev_title(w):
    from regija.events.models import Event

    return Event.objects.get(pk=w.EV.pk).title


def _ev_toggle(w):
    return {"action": "restore" if _ev_state(w) == "cancelled" else "cancel"}


def _ev_form(w):
    import time

    start = w.EV.starts_at.astimezone(w.EV.starts_at.tzinfo)
    return {
        "organisation": w.A.pk,
        "title": f"Matrika dogodek {time.time_ns()}",
        "category": "meeting",
        "start_date_day": start.day, "start_date_month": start.month, "start_date_year": start.year,
        "start_time": "18:00", "end_time": "20:00",
        "end_date_day": "", "end_date_month": "", "end_date_year": "",
        "public": "on", "registration": "on",
    }  # fmt: skip


def _ev_count(w):
    from regija.events.models import Event

    return Event.objects.filter(organisation=w.A, title__startswith="Matrika dogodek ").count()


EV, EV_PRIV, EV_AUTO = (
    "EV: public event of A",
    "EV_PRIV: non-public event of A",
    "EV_AUTO: deadline of A's open call",
)
api(
    "GET", "/events", EV, "/events?organisation=matrika-a&page_size=100", marker=lambda w: '"Matrika dogodek"'
)
api(
    "GET",
    "/events",
    EV_PRIV,
    "/events?organisation=matrika-a&page_size=100",
    marker=lambda w: "Matrika interni",
)
api("GET", "/events/{event_id}", EV, lambda w: f"/events/{w.EV.pk}")
api("GET", "/events/{event_id}", EV_PRIV, lambda w: f"/events/{w.EV_PRIV.pk}")
api("PUT", "/events/{event_id}/registration", EV, lambda w: f"/events/{w.EV.pk}/registration")
api("DELETE", "/events/{event_id}/registration", EV, lambda w: f"/events/{w.EV.pk}/registration")
page("GET", "events:list", EV, "/dogodki/?organizacija=matrika-a", marker=lambda w: "Matrika dogodek")
page("GET", "events:list", EV_PRIV, "/dogodki/?organizacija=matrika-a", marker=lambda w: "Matrika interni")
page("GET", "events:month", "-", "/dogodki/koledar/")
page("GET", "events:event", EV, lambda w: f"/dogodki/{w.EV.pk}/")
page("GET", "events:event", EV_PRIV, lambda w: f"/dogodki/{w.EV_PRIV.pk}/")
page("GET", "events:event_ics", EV, lambda w: f"/dogodki/{w.EV.pk}.ics")
page("GET", "events:event_ics", EV_PRIV, lambda w: f"/dogodki/{w.EV_PRIV.pk}.ics")
page("GET", "events:feed", EV, "/dogodki.ics", marker=lambda w: "Matrika dogodek")
page("GET", "events:feed", EV_PRIV, "/dogodki.ics", marker=lambda w: "Matrika interni")
page("GET", "events:feed_organisation", "A", "/dogodki/organizacija/matrika-a.ics")
page("GET", "events:feed_category", "meeting", "/dogodki/kategorija/meeting.ics")
page("GET", "events:feed_personal", "a wrong token", "/dogodki/moj/ni-pravi-zeton.ics")
page("GET", "events:mine", "own calendar", "/dogodki/moji/")
page("POST", "events:feed_renew", "own feed address", "/dogodki/moj/nov-naslov/")
page(
    "POST",
    "events:follow",
    "A's calendar",
    "/dogodki/organizacija/matrika-a/spremljaj/",
    data={"reminders": "1"},
)
page("POST", "events:register", EV, lambda w: f"/dogodki/{w.EV.pk}/prijava/", data={"action": "register"})
page("GET", "events:staff", "-", "/dogodki/urejanje/")
page("GET", "events:create", "-", "/dogodki/urejanje/nov/")
page("POST", "events:create", "a new event of A", "/dogodki/urejanje/nov/", data=_ev_form, probe=_ev_count)
page("GET", "events:edit", EV, lambda w: f"/dogodki/{w.EV.pk}/uredi/")
page("POST", "events:edit", EV, lambda w: f"/dogodki/{w.EV.pk}/uredi/", data=_ev_form, probe=_ev_title)


def _ev_auto_title(w):
    from regija.events.models import Event

    return Event.objects.get(pk=w.EV_AUTO.pk).title


page(
    "POST",
    "events:edit",
    EV_AUTO,
    lambda w: f"/dogodki/{w.EV_AUTO.pk}/uredi/",
    data=_ev_form,
    probe=_ev_auto_title,
)
page("POST", "events:cancel", EV, lambda w: f"/dogodki/{w.EV.pk}/preklic/", data=_ev_toggle, probe=_ev_state)

# --- residents' accounts (regija.accounts, docs/accounts.md) -------------------------------------------
for _name in (
    "account_login",
    "account_signup",
    "account_email_verification_sent",
    "account_email",
    "account_change_password",
    "account_set_password",
    "account_reauthenticate",
    "account_inactive",
    "account_reset_password",
    "account_terms",
    "account_my_data",
    "account_delete",
    "account_residents",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "socialaccount_connections",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
):
    page("GET", _name, "own account", _r(_name))
page(
    "GET",
    "account_confirm_email",
    "a confirmation link that does not exist",
    _r("account_confirm_email", "ni-ga"),
)
page("GET", "openid_connect_login", "a provider not configured", _r("openid_connect_login", "ni-ga"))
page("GET", "openid_connect_callback", "a provider not configured", _r("openid_connect_callback", "ni-ga"))
page("POST", "account_logout", "-", "/odjava/")


def _consents(w):
    from regija.accounts.models import Consent

    return Consent.objects.count()


def _languages(w):
    from regija.accounts.models import Profile

    return sorted(Profile.objects.values_list("user_id", "language"))


def _requests(w):
    from regija.accounts.models import ResidencyRequest

    return ResidencyRequest.objects.count()


page(
    "POST",
    "account_consent",
    "own account (consent to the privacy notice)",
    _r("account_consent"),
    data={"kind": "privacy", "action": "give"},
    probe=_consents,
)
page(
    "POST",
    "account_language",
    "own account (language)",
    _r("account_language"),
    data={"language": "en"},
    probe=_languages,
)
page(
    "POST",
    "account_residency_request",
    "own account (a letter to an address that is not in a municipality)",
    _r("account_residency_request"),
    data=lambda w: {"municipality": w.A.pk, "name": "X", "address": "Y", "postcode": "Z"},
    probe=_requests,
)
page(
    "POST",
    "account_residency_code",
    "own account (a code without a letter)",
    _r("account_residency_code"),
    data={"code": "AAAA-AAAA-AAAA"},
)
page("POST", "account_letters", "requests for letters of municipalities", _r("account_letters"))


# --- the signed-in person's own account through the API (regija.accounts.api) -------------------------
ME_OBJ = "own account"
api("GET", "/me", ME_OBJ, "/me")
api("GET", "/me/data", ME_OBJ, "/me/data")
api("PATCH", "/me", ME_OBJ + " (language)", "/me", body={"language": "en"}, probe=_languages)
api(
    "POST",
    "/me/consents",
    ME_OBJ + " (consent to the privacy notice)",
    "/me/consents",
    body={"kind": "privacy", "action": "give"},
    probe=_consents,
)
api(
    "POST",
    "/me/residency-requests",
    ME_OBJ + " (a letter to an address that is not in a municipality)",
    "/me/residency-requests",
    body={"municipality": "matrika-a", "name": "X", "address": "Y", "postcode": "Z"},
    probe=_requests,
)
api(
    "POST",
    "/me/residency-code",
    ME_OBJ + " (a code without a letter)",
    "/me/residency-code",
    body={"code": "AAAA-AAAA-AAAA"},
)
api("POST", "/me/delete", ME_OBJ + " (not confirmed)", "/me/delete", body={"confirm": False})

# participatory budgeting's rows live beside its world (world_budgeting.py); participation's are walked
# with the participation roles (matrix_participation.csv); the NGSI-LD broker's beside its world too;
# issue reports' with their roles (matrix_fixes.csv)
from . import (  # noqa: E402, F401
    actions_budgeting,
    actions_context,
    actions_fixes,
    actions_places,
    participation_actions,
)

# ------------------------------------------------------------------------------- notifications (notify)


def _notify_models():
    from regija.notify.models import Alert, PushSubscription, Subscription

    return Alert, PushSubscription, Subscription


def _municipality(w):
    from regija.core.models import Organisation

    return Organisation.objects.get_or_create(
        slug="matrika-obcina", defaults={"name": "Matrika občina", "kind": "municipality"}
    )[0]


def _unsubscribe_url(w):
    from regija.notify.services import unsubscribe_token

    return reverse("notify:unsubscribe", args=[unsubscribe_token(w.users["signed_in"].pk, "digest")])


page("GET", "notifications", "own notifications", "/obvestila/")
page("POST", "read", "own notifications (all read)", "/obvestila/prebrano/")
page("GET", "preferences", "own subscriptions", "/obvestila/nastavitve/")
page(
    "POST",
    "follow",
    "C: unrelated organisation (follow)",
    "/obvestila/spremljaj/",
    data=lambda w: {"type": "core.organisation", "id": w.C.pk},
    probe=lambda w: _notify_models()[2].objects.count(),
)
page("GET", "unsubscribe", "the signed-in person's e-mail (a signed link)", _unsubscribe_url)
page("GET", "alerts", "alerts of a municipality", "/obvestila/opozorila/")
page("GET", "deliveries", "failed deliveries", "/obvestila/dostava/")
page("GET", "service_worker", "-", "/sw.js")
api("GET", "/notifications", "own notifications", "/notifications")
api("POST", "/notifications/read", "own notifications (all read)", "/notifications/read", body={"ids": None})
api("GET", "/subscriptions", "own subscriptions", "/subscriptions")
api(
    "POST",
    "/subscriptions",
    "C: unrelated organisation (follow)",
    "/subscriptions",
    body={"topic_type": "core.organisation", "topic_id": "matrika-c"},
    probe=lambda w: _notify_models()[2].objects.count(),
)
api(
    "DELETE",
    "/subscriptions/{sub_id}",
    "the holder's subscription to B",
    lambda w: f"/subscriptions/{w.SUB.pk}",
    probe=lambda w: _notify_models()[2].objects.filter(pk=w.SUB.pk).exists(),
)
api("GET", "/alerts", "active alerts", "/alerts")
api(
    "POST",
    "/alerts",
    "a municipality without members (an alert)",
    "/alerts",
    body=lambda w: {"area": _municipality(w).slug, "title_sl": "Matrika ni vode"},
    probe=lambda w: _notify_models()[0].objects.count(),
)
api(
    "POST",
    "/push-subscriptions",
    "own browser",
    "/push-subscriptions",
    body={"endpoint": "https://push.example.org/matrika", "p256dh": "BKey", "auth": "secret"},
    probe=lambda w: _notify_models()[1].objects.count(),
)
