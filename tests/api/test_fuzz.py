"""schemathesis generates requests from the OpenAPI document – valid ones and invalid ones – and checks
every answer against it: never a server error, only documented status codes, content types, headers and
bodies, invalid data refused and valid data accepted (all of schemathesis' checks for an operation).
In process, through the WSGI application, anonymous and with an editor's token; the examples per
operation are bounded so the whole run stays within a few minutes on two cores.

Marked ``external``: CI runs it once, on SQLite (.ci/run)."""

from __future__ import annotations

import os
import zlib

import pydantic
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.transport.serialization import serialize_binary

from regija.api.errors import REFUSED
from regija.projects.filters import ProjectFilters
from regija.wsgi import application

pytestmark = [pytest.mark.external, pytest.mark.django_db]

# Examples per operation and phase. CI runs the same examples every time (derandomize), so a failure is
# reproducible; REGIJA_FUZZ_EXAMPLES=200 REGIJA_FUZZ_RANDOM=1 explores further on a developer's machine.
EXAMPLES = int(os.environ.get("REGIJA_FUZZ_EXAMPLES", "25"))
RANDOM = os.environ.get("REGIJA_FUZZ_RANDOM", "") not in ("", "0")

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.hook
def map_case(context, case):
    """A request meant to be valid follows the rules across query parameters that OpenAPI cannot state
    (docs/api.md): ``node`` needs ``strategy``, and a range starts before it ends. A request meant to be
    invalid is left as generated."""
    meta = case.meta
    if meta is None or meta.generation.mode != "positive":
        return case
    _no_empty_file(case)
    if not case.query:
        return case
    query = dict(case.query)
    if "node" in query and not query.get("strategy"):
        query.pop("node")
    if query.get("near"):  # places: a position inside the territory, a setting (docs/places.md)
        query["near"] = "46.3592,15.1103"
    for low, high in (("year_from", "year_to"), ("amount_min", "amount_max")):
        if query.get(low) not in (None, "") and query.get(high) not in (None, ""):
            try:  # read as the API reads them ("1.200,50" is 1200.50)
                ProjectFilters(**{low: query[low], high: query[high]})
            except pydantic.ValidationError as exc:
                if any(not e["loc"] for e in exc.errors()):  # the range is the wrong way round
                    query[low], query[high] = query[high], query[low]
    case.query = query
    return case


def _no_empty_file(case) -> None:
    """An empty file part is written by Werkzeug (the WSGI transport) without the line break before the
    next boundary, so Django reads no file at all – a body no HTTP client sends. A valid request's empty
    file (an application's attachment) gets one byte: the service then refuses it by its content."""
    body = case.body
    if isinstance(body, dict) and "file" in body:
        try:
            empty = not serialize_binary(body["file"])
        except (TypeError, ValueError):
            return
        if empty:
            case.body = {**body, "file": b"x"}


def _known_objects() -> dict[str, dict[str, object]]:
    """Path parameters of objects that exist, by the operation's path template (the seed data)."""
    from regija.calls.models import Call
    from regija.projects.models import BudgetLine
    from regija.strategies.models import Node, Observation

    las = "las-zasavje-2023"
    node = Node.objects.filter(strategy__slug=las).order_by("pk").first()
    observation = Observation.objects.filter(indicator__strategy__slug=las, indicator__code="K1").first()
    line = BudgetLine.objects.filter(project__strategy__slug=las, project__code="JP1-01").first()
    call = Call.objects.exclude(status="draft").select_related("organisation").first()
    known: dict[str, dict[str, object]] = {
        "/api/v1/strategies/{slug}": {"slug": las},
        "/api/v1/indicators/{slug}/{code}": {"slug": las, "code": "K1"},
        "/api/v1/indicators/{slug}/{code}/observations": {"slug": las, "code": "K1"},
        "/api/v1/projects/{slug}/{code}": {"slug": las, "code": "JP1-01"},
        "/api/v1/projects/{slug}/{code}/payments": {"slug": las, "code": "JP1-01"},
        "/api/v1/organisations/{slug}": {"slug": "las-zasavje"},
        "/api/v1/organisations/{slug}/bodies": {"slug": "las-zasavje"},
        "/api/v1/organisations/{slug}/sessions": {"slug": "las-zasavje"},
    }
    if node:
        known["/api/v1/strategies/{slug}/nodes/{code}"] = {"slug": las, "code": node.code}
    if observation:
        known["/api/v1/indicators/{slug}/{code}/observations/{date}"] = {
            "slug": las,
            "code": "K1",
            "date": observation.date.isoformat(),
        }
    if line:
        known["/api/v1/projects/{slug}/{code}/budget-lines/{id}"] = {
            "slug": las,
            "code": "JP1-01",
            "id": line.pk,
        }
    if call:
        for tail in ("", "/results"):
            known["/api/v1/calls/{org}/{slug}" + tail] = {"org": call.organisation.slug, "slug": call.slug}
    return known


def _to_known_object(case) -> None:
    """Random slugs and codes find nothing (404): every other valid request is sent to an object that
    exists, so valid requests also reach the services and their answers are checked. (In the test, not in
    a hook: hooks also run while pytest collects, without the database.)"""
    if case.meta is None or case.meta.generation.mode != "positive":
        return
    known = _known_objects().get(case.operation.path)
    if known is None or zlib.crc32(repr(sorted(case.path_parameters.items())).encode()) % 2:
        return
    case.path_parameters = {**case.path_parameters, **known}


def _refused_by_stored_data(response) -> bool:
    """A 422 whose every error is a rule against what is stored (type ``refused``, or a fund code that
    does not exist): the request had the documented shape; no OpenAPI document can say which end date
    a project's stored start allows, or which fund codes exist."""
    if response.status_code != 422:
        return False
    try:
        errors = response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(errors) and all(
        e["loc"][:1] == ["body"] and e["type"] in (REFUSED, "unknown_fund") for e in errors
    )


def _call_and_validate(case, headers: dict[str, str]) -> None:
    """Every check of schemathesis on every answer – except that a valid request refused by a rule
    against the stored data is not held against "valid data is accepted" (positive_data_acceptance);
    any other refusal of a valid request still is."""
    _to_known_object(case)
    # a generated Host header is refused by Django before any API code runs (ALLOWED_HOSTS: a 400 page of
    # the deployment, not of the API), so it says nothing about the API
    if case.headers:
        case.headers = {k: v for k, v in case.headers.items() if k.lower() != "host"}
    # schemathesis's WSGI transport sends requests' "Accept-Encoding: gzip" but, unlike an HTTP client,
    # does not undo the compression (GZipMiddleware's, tested in tests/core/test_static.py)
    headers = {"Accept-Encoding": "identity", **headers}
    response = case.call(headers=headers)
    excluded = [positive_data_acceptance] if _refused_by_stored_data(response) else []
    case.validate_response(response, headers=headers, excluded_checks=excluded)


@pytest.fixture
def editor_token(member):
    """An editor of LAS Zasavje (owner of the seed strategy las-zasavje-2023) with a personal token."""
    from regija.core import tokens

    _token, raw = tokens.create(member("editor", "las-zasavje"), "schemathesis")
    return raw


@schema.parametrize()
@FUZZ
def test_anonymous(case):
    _call_and_validate(case, {})


@schema.parametrize()
@FUZZ
def test_with_a_token(case, editor_token):
    _call_and_validate(case, {"Authorization": f"Bearer {editor_token}"})
