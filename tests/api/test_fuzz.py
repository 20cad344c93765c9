"""schemathesis generates requests from the OpenAPI document – valid ones and invalid ones – and checks
every answer against it: never a server error, only documented status codes, content types, headers and
bodies, invalid data refused and valid data accepted (all of schemathesis' checks for an operation).
In process, through the WSGI application, anonymous and with an editor's token; the examples per
operation are bounded so the whole run stays within a few minutes on two cores.

Marked ``external``: CI runs it once, on SQLite (.ci/run)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from regija.wsgi import application

pytestmark = [pytest.mark.external, pytest.mark.django_db]

EXAMPLES = 25

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@schema.hook
def map_case(context, case):
    """Rules across query parameters that OpenAPI cannot state (docs/api.md): ``node`` needs ``strategy``,
    and a range starts before it ends. A request meant to be valid is made to follow them; a request
    meant to be invalid is left as generated."""
    meta = case.meta
    if meta is None or meta.generation.mode != "positive" or not case.query:
        return case
    query = dict(case.query)
    if "node" in query and not query.get("strategy"):
        query.pop("node")
    for low, high in (("year_from", "year_to"), ("amount_min", "amount_max")):
        if query.get(low) is not None and query.get(high) is not None:
            try:
                if float(query[low]) > float(query[high]):
                    query[low], query[high] = query[high], query[low]
            except (TypeError, ValueError):
                pass
    case.query = query
    return case


@pytest.fixture
def editor_token(member):
    """An editor of LAS Zasavje (owner of the seed strategy las-zasavje-2023) with a personal token."""
    from regija.core import tokens

    _token, raw = tokens.create(member("editor", "las-zasavje"), "schemathesis")
    return raw


@schema.parametrize()
@FUZZ
def test_anonymous(case):
    case.call_and_validate()


@schema.parametrize()
@FUZZ
def test_with_a_token(case, editor_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {editor_token}"})
