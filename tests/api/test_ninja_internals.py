"""regija.api.ninja relies on django-ninja internals; these tests fail loudly when an upgrade changes them.

A client of the API notices the difference as error locations: ``["query", "page"]`` and
``["body", "amount"]`` (the field it sent), not ninja's internal parameter names.
"""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory
from ninja import Query, Router, Schema
from ninja.testing import TestClient

from regija.api.errors import install_error_handlers
from regija.api.ninja import DecimalJSONParser, RegijaAPI


class Filters(Schema):
    page: int = 1
    size: int = 10


class Body(Schema):
    amount: int
    note: str = ""


def _api():
    router = Router()

    @router.get("/items")
    def items(request, filters: Query[Filters]):
        return {"page": filters.page}

    @router.post("/items")
    def create(request, payload: Body):
        return {"amount": payload.amount}

    @router.get("/items/{number}")
    def item(request, number: int):
        return {"number": number}

    api = RegijaAPI(urls_namespace=f"ninja-internals-{id(router)}", parser=DecimalJSONParser())
    install_error_handlers(api)
    api.add_router("/", router)
    return api, router


@pytest.fixture(scope="module")
def client():
    return TestClient(_api()[0])


def test_ninja_still_sets_the_attributes_we_read(client):
    # The models ninja builds for an operation's parameters carry these names (regija/api/ninja.py).
    _api_object, router = _api()
    operations = [op for view in router.path_operations.values() for op in view.operations]
    models = [model for op in operations for model in op.signature.models]
    assert models, "ninja no longer exposes an operation's parameter models as op.signature.models"
    for model in models:
        assert hasattr(model, "__ninja_param_source__"), model
        assert hasattr(model, "__ninja_flatten_map_reverse__"), model
    assert any(hasattr(m, "__ninja_flatten_map__") for m in models)
    assert any(getattr(m, "__read_from_single_attr__", None) for m in models)
    assert callable(getattr(RegijaAPI, "validation_error_from_error_contexts", None))


def test_query_error_names_the_query_parameter(client):
    response = client.get("/items?page=x")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", "page"]]


def test_body_error_names_the_body_field(client):
    response = client.post("/items", data=json.dumps({"amount": "many"}), content_type="application/json")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "amount"]]


def test_path_error_names_the_path_parameter(client):
    response = client.get("/items/x")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["path", "number"]]


def test_numbers_arrive_as_exact_decimals_and_nan_is_refused():
    request = RequestFactory().post("/", data=b'{"a": 0.1}', content_type="application/json")
    assert str(DecimalJSONParser().parse_body(request)["a"]) == "0.1"
    bad = RequestFactory().post("/", data=b'{"a": NaN}', content_type="application/json")
    with pytest.raises(ValueError, match="NaN is not JSON"):
        DecimalJSONParser().parse_body(bad)
