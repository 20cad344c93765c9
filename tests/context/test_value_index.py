"""The value index (``ContextValue``, docs/context.md "The value index"): ``q`` prefilters on it, so it
must follow every kind of write – a query finds an entity by the value it has now and no longer by the
one it had – and it only narrows: what a query answers is what the query language says (clause 4.9)."""

from __future__ import annotations

import importlib
import json
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.context import services
from regija.context.models import ContextEntity, ContextValue

from .conftest import BASE

URL = "/entities/urn:ngsi-ld:WasteBin:1"


def bin_(n=1, status="full", level=90, **extra):
    entity = {
        "id": f"urn:ngsi-ld:WasteBin:{n}",
        "type": "WasteBin",
        "status": {"type": "Property", "value": status},
        "fillingLevel": {"type": "Property", "value": level},
    }
    entity.update(extra)
    return entity


@pytest.fixture
def one(post):
    assert post("post", "/entities", bin_()).status_code == 201


def found(get, q, kind="WasteBin"):
    response = get(f"/entities?type={kind}&q={quote(q)}&count=true")
    assert response.status_code == 200, response.content
    ids = [e["id"].rsplit(":", 1)[-1] for e in response.json()]
    assert int(response["NGSILD-Results-Count"]) == len(ids)
    return ids


def test_a_new_entity_is_found_by_its_values(one, get):
    assert found(get, 'status=="full"') == ["1"]
    assert found(get, "fillingLevel>80") == ["1"]
    assert found(get, "fillingLevel==90") == ["1"]
    assert found(get, "fillingLevel==85..95") == ["1"]
    assert found(get, 'status=="empty"') == []
    assert found(get, "fillingLevel<80") == []


def test_append_moves_the_entity_to_its_new_value(one, post, get):
    body = {
        "status": {"type": "Property", "value": "empty"},
        "colour": {"type": "Property", "value": "green"},
    }
    assert post("post", URL + "/attrs", body).status_code == 204
    assert found(get, 'status=="empty"') == ["1"]
    assert found(get, 'colour=="green"') == ["1"]
    assert found(get, 'status=="full"') == []


def test_update_attributes_moves_the_entity(one, post, get):
    assert (
        post("patch", URL + "/attrs", {"fillingLevel": {"type": "Property", "value": 10}}).status_code == 204
    )
    assert found(get, "fillingLevel<20") == ["1"]
    assert found(get, "fillingLevel>80") == []
    assert found(get, 'status=="full"') == ["1"]  # the attribute not written keeps its value


def test_partial_update_moves_the_entity(one, post, get):
    assert post("patch", URL + "/attrs/fillingLevel", {"value": 42}).status_code == 204
    assert found(get, "fillingLevel==42") == ["1"]
    assert found(get, "fillingLevel==90") == []


def test_a_deleted_attribute_is_no_longer_found(one, client, editor, get):
    assert client.delete(BASE + URL + "/attrs/status", **editor).status_code == 204
    assert found(get, 'status=="full"') == []
    assert found(get, "fillingLevel==90") == ["1"]


def test_replace_moves_the_entity_and_its_type(one, post, get):
    body = {"type": "Container", "status": {"type": "Property", "value": "half"}}
    assert post("put", URL, body).status_code == 204
    assert found(get, 'status=="half"', kind="Container") == ["1"]
    assert found(get, 'status=="half"') == []  # no longer a WasteBin
    assert found(get, "fillingLevel==90", kind="Container") == []  # replaced: no fillingLevel


def test_batch_upsert_creates_and_replaces(one, post, get):
    body = [bin_(1, status="empty", level=5), bin_(2, status="full", level=99)]
    assert post("post", "/entityOperations/upsert", body).status_code == 201
    assert found(get, 'status=="full"') == ["2"]
    assert found(get, 'status=="empty"') == ["1"]
    assert found(get, "fillingLevel>50") == ["2"]


def test_batch_update_and_delete(one, post, get):
    body = [
        {"id": "urn:ngsi-ld:WasteBin:1", "type": "WasteBin", "status": {"type": "Property", "value": "x"}}
    ]
    assert post("post", "/entityOperations/update", body).status_code == 204
    assert found(get, 'status=="x"') == ["1"]
    assert post("post", "/entityOperations/delete", ["urn:ngsi-ld:WasteBin:1"]).status_code == 204
    assert found(get, 'status=="x"') == []
    assert ContextValue.objects.count() == 0  # the entity's rows go with it


def test_a_deleted_entity_is_no_longer_found(one, client, editor, get):
    assert client.delete(BASE + URL, **editor).status_code == 204
    assert found(get, 'status=="full"') == []
    assert found(get, "fillingLevel>0") == []


def test_upsert_and_discard_by_an_app_move_the_entity(tenant, get):
    """What apps above the broker call (places: ``upsert``/``discard``; ``mirror`` is ``_put`` too)."""
    kind = "https://uri.etsi.org/ngsi-ld/default-context/WasteBin"
    status = "https://uri.etsi.org/ngsi-ld/status"
    services.upsert(
        None, tenant, "urn:ngsi-ld:WasteBin:9", kind, {status: {"type": "Property", "value": "full"}}
    )
    assert found(get, 'status=="full"') == ["9"]
    services.upsert(
        None, tenant, "urn:ngsi-ld:WasteBin:9", kind, {status: {"type": "Property", "value": "ok"}}
    )
    assert found(get, 'status=="ok"') == ["9"]
    assert found(get, 'status=="full"') == []
    assert services.discard(None, tenant, "urn:ngsi-ld:WasteBin:9")
    assert found(get, 'status=="ok"') == []


def test_a_relationship_is_found_by_its_object(post, get):
    bin_one = bin_(refRoute={"type": "Relationship", "object": "urn:ngsi-ld:Route:A"})
    assert post("post", "/entities", bin_one).status_code == 201
    assert found(get, "refRoute==urn:ngsi-ld:Route:A") == ["1"]
    assert post("patch", URL + "/attrs/refRoute", {"object": "urn:ngsi-ld:Route:B"}).status_code == 204
    assert found(get, "refRoute==urn:ngsi-ld:Route:B") == ["1"]
    assert found(get, 'refRoute=="urn:ngsi-ld:Route:A"') == []


# ------------------------------------------------------------------------- it only narrows (clause 4.9)


@pytest.fixture
def odd(post):
    """Values of other JSON types than a query's – a number stored as a string, a boolean – and a string
    longer than the index holds."""
    long = "x" * 300
    bins = [
        bin_(1, level="90"),  # a number as a string
        bin_(2, level=90),
        bin_(3, level=True, note={"type": "Property", "value": long}),
        bin_(4, level=1),
    ]
    for entity in bins:
        assert post("post", "/entities", entity).status_code == 201
    return long


def test_a_number_stored_as_a_string_is_no_number(odd, get):
    assert found(get, "fillingLevel>50") == ["2"]
    assert found(get, "fillingLevel==80..100") == ["2"]
    assert found(get, "fillingLevel==90") == ["2"]
    assert found(get, 'fillingLevel=="90"') == ["1"]
    assert found(get, 'fillingLevel=="90","91"') == ["1"]
    assert found(get, 'fillingLevel==90,"90"') == ["1", "2"]


def test_a_boolean_is_compared_as_before(odd, get):
    assert found(get, "fillingLevel==true") == ["3"]
    assert found(get, "fillingLevel<2") == ["4"]  # a comparison holds between numbers only


def test_a_string_longer_than_the_index_holds_is_still_found(odd, get):
    assert found(get, f'note=="{odd}"') == ["3"]
    assert found(get, f'note=="{odd[:-1]}"') == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('status=="full"|fillingLevel=="90"', ["1", "2", "3", "4"]),  # every branch indexed
        ('status=="none"|fillingLevel=="90"', ["1"]),
        ("fillingLevel>50|note", ["2", "3"]),  # a branch the index cannot narrow
        ('fillingLevel>50;status=="full"', ["2"]),
        ('fillingLevel>50;status!="full"', []),  # != is left to the exact filter
        ('(fillingLevel==1|fillingLevel==90);status=="full"', ["2", "4"]),
    ],
)
def test_and_or_with_and_without_the_index(odd, get, q, expected):
    assert found(get, q) == expected


def test_tenants_do_not_see_each_other_s_values(one, get, client, tokens_of):
    other = {"HTTP_NGSILD_TENANT": "drugi", "HTTP_AUTHORIZATION": f"Bearer {tokens_of['other_editor']}"}
    body = json.dumps(bin_(1, status="other"))
    response = client.post(BASE + "/entities", data=body, content_type="application/json", **other)
    assert response.status_code == 201, response.content
    assert found(get, 'status=="other"') == []
    assert found(get, 'status=="full"') == ["1"]


def test_the_queries_do_not_grow_with_the_data(post, get):
    def queries(q):
        with CaptureQueriesContext(connection) as captured:
            response = get(f"/entities?type=WasteBin&q={quote(q)}&count=true&limit=100")
        assert response.status_code == 200
        return len(captured)

    asked = [
        'status=="full";fillingLevel>10',
        'status=="full"|status=="empty"',
        "fillingLevel==10..95",
    ]  # each finds the first entity
    post("post", "/entities", bin_(1))
    few = [queries(q) for q in asked]
    for n in range(2, 40):
        post("post", "/entities", bin_(n, status=["full", "empty"][n % 2], level=n))
    assert [queries(q) for q in asked] == few
    expected = {"1"} | {str(n) for n in range(12, 40, 2)}
    assert set(found(get, asked[0])) == expected


def test_the_migration_indexes_the_entities_written_before_it(one, post, get):
    from django.apps import apps

    assert post("post", "/entities", bin_(2, status="empty", level=3)).status_code == 201
    ContextValue.objects.all().delete()  # as before migration 0008
    assert found(get, 'status=="full"') == []  # the prefilter reads the index
    importlib.import_module("regija.context.migrations.0008_value_index").fill(apps, None)
    assert found(get, 'status=="full"') == ["1"]
    assert found(get, "fillingLevel<5") == ["2"]
    assert ContextValue.objects.count() == 4
    assert ContextEntity.objects.count() == 2


@pytest.mark.parametrize("cap", [0, 2, 1000])
def test_the_answer_does_not_depend_on_how_many_candidates_the_index_gives(post, get, monkeypatch, cap):
    """Few candidates are read by id, many by a subquery (count=true) or not narrowed (a page only):
    the same entities whichever way (a cap of 0 takes every query the other ways)."""
    from regija.context import selectors

    monkeypatch.setattr(selectors, "FEW_CANDIDATES", cap)
    monkeypatch.setattr(selectors, "MAX_CANDIDATES", cap)
    for n in range(1, 8):
        assert (
            post("post", "/entities", bin_(n, status=["full", "empty"][n % 2], level=n * 10)).status_code
            == 201
        )
    assert found(get, 'status=="full"') == ["2", "4", "6"]
    assert found(get, 'status=="full";fillingLevel>=40') == ["4", "6"]
    assert found(get, 'status=="empty"|fillingLevel==20') == ["1", "2", "3", "5", "7"]
    page = get("/entities?type=WasteBin&q=" + quote('status=="empty"') + "&limit=2&offset=1")
    assert [e["id"].rsplit(":", 1)[-1] for e in page.json()] == ["3", "5"]
