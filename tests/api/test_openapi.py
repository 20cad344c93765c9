"""The OpenAPI document is valid and documents the error answers of every operation."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture
def spec(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json()


def test_document_is_valid_openapi(spec):
    validate(spec)


def test_every_endpoint_is_documented(spec):
    paths = spec["paths"]
    for path, methods in {
        "/api/v1/strategies": {"get"},
        "/api/v1/strategies/{slug}": {"get", "patch"},
        "/api/v1/strategies/{slug}/nodes/{code}": {"get"},
        "/api/v1/indicators": {"get"},
        "/api/v1/indicators/{slug}/{code}": {"get"},
        "/api/v1/indicators/{slug}/{code}/observations": {"post"},
        "/api/v1/indicators/{slug}/{code}/observations/{date}": {"put", "delete"},
        "/api/v1/projects": {"get"},
        "/api/v1/projects/geo": {"get"},
        "/api/v1/projects/{slug}/{code}": {"get", "patch"},
        "/api/v1/projects/{slug}/{code}/payments": {"post"},
        "/api/v1/projects/{slug}/{code}/budget-lines/{id}": {"patch"},
        "/api/v1/organisations": {"get"},
        "/api/v1/organisations/{slug}": {"get"},
        "/api/v1/funds": {"get"},
    }.items():
        assert methods <= set(paths[path]), path


# A person's own notifications, subscriptions and browsers (docs/notifications.md): read and written
# with a token or the signed-in session (the settings page registers a browser for push with it).
PERSONAL = ("/api/v1/notifications", "/api/v1/subscriptions", "/api/v1/push-subscriptions")


def test_writes_document_400_401_403_404_422_and_need_the_token(spec):
    writes = [(p, m, op) for p, ops in spec["paths"].items() for m, op in ops.items() if m in WRITES]
    # 7 of strategies and projects, 7 of applying (calls/api_applicant.py), registering for an event (2),
    # the person's own account (/me: 5), 7 of participatory budgeting, 11 of participation, 5 of notify
    assert len(writes) == 44
    for path, method, op in writes:
        # 400: a body that is not JSON (docs/api.md, Errors); 503: a lock waited for in vain (an import)
        assert {"400", "401", "403", "404", "422", "503"} <= set(op["responses"]), (method, path)
        if path.startswith(PERSONAL):
            assert op["security"] == [{"TokenAuth": []}, {"SessionAuth": []}], (method, path)
        else:
            assert op["security"] == [{"TokenAuth": []}], (method, path)
        ref = op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ValidationErrorSchema")
    assert spec["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}


# Reads of a person's own data: they need the person's token (and document 401); every other read is public.
OWN_DATA_READS = {"/api/v1/budgeting/processes/{slug}/my-ballot"}


def test_reads_document_304_404_422(spec):
    reads = [(p, op) for p, ops in spec["paths"].items() for m, op in ops.items() if m == "get"]
    for path, op in reads:
        if path.startswith("/api/v1/me"):  # the person's own account: with their token, never cached
            assert {"200", "401", "404", "422"} <= set(op["responses"]), path
            assert op["security"] == [{"TokenAuth": []}], path
            continue
        if path.startswith("/api/v1/applications"):
            continue  # one's own applications: below
        assert {"200", "304", "404", "422"} <= set(op["responses"]), path
        if path.startswith(PERSONAL):  # a person's own: never public
            assert op["security"] == [{"TokenAuth": []}, {"SessionAuth": []}], path
        elif path in OWN_DATA_READS:
            assert op["security"] == [{"TokenAuth": []}] and "401" in op["responses"], path
        else:
            assert "security" not in op, path


def test_reads_of_ones_applications_need_the_token_and_have_no_shared_etag(spec):
    """Applying through the API (docs/api.md): even reading needs the token, and the answers are private
    – computed for each request, never a 304 from a tag shared with others."""
    reads = [(p, op) for p, ops in spec["paths"].items() for m, op in ops.items() if m == "get"]
    mine = [(p, op) for p, op in reads if p.startswith("/api/v1/applications")]
    assert len(mine) == 5
    for path, op in mine:
        assert {"200", "401", "404", "422"} <= set(op["responses"]), path
        assert "304" not in op["responses"], path
        assert op["security"] == [{"TokenAuth": []}], path


def test_project_list_takes_every_project_filter(spec):
    from regija.projects.filters import ProjectFilters

    params = {p["name"]: p for p in spec["paths"]["/api/v1/projects"]["get"]["parameters"]}
    assert set(ProjectFilters.model_fields) | {"page", "page_size"} == set(params)
    assert params["status"]["schema"]["type"] == "array"


def test_money_is_documented_as_a_two_decimal_string(spec):
    money = spec["components"]["schemas"]["ProjectMoney"]["properties"]["total"]
    assert money["type"] == "string" and money["pattern"] == r"^-?\d+\.\d{2}$"


def _api_classes() -> dict[str, set[type]]:
    """Every request and answer model of the API's apps and every enum their fields use, by the name
    its schema gets in the OpenAPI document's components."""
    import enum
    import typing

    from ninja import Schema

    import regija.portal.api  # noqa: F401 – mounts every router, so every schema module is imported

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    def enums(annotation):
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            yield annotation
        for arg in typing.get_args(annotation):
            yield from enums(arg)

    by_name: dict[str, set[type]] = {}
    for model in subclasses(Schema):
        if not model.__module__.startswith("regija."):
            continue
        by_name.setdefault(model.__name__, set()).add(model)
        for field in model.model_fields.values():
            for e in enums(field.annotation):
                by_name.setdefault(e.__name__, set()).add(e)
    return by_name


def test_no_two_schemas_share_a_name(spec):
    """django-ninja keys the document's schemas by class name, so two classes of one name would leave one
    of them described by the other's schema (as project partners were by the calls API's PartnerOut)."""
    classes = _api_classes()
    shared = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes.get(name, ()))
        for name in spec["components"]["schemas"]
        if len(classes.get(name, ())) > 1
    }
    assert shared == {}


def test_project_partners_have_their_own_schema(spec):
    detail = spec["components"]["schemas"]["ProjectDetail"]["properties"]
    ref = detail["partners"]["items"]["$ref"].rsplit("/", 1)[1]
    assert set(spec["components"]["schemas"][ref]["properties"]) == {"organisation", "role", "budget_share"}
