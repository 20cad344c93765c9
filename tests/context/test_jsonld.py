"""JSON-LD: the core @context held in the project, user @contexts by Link header (application/json) or
in the body (application/ld+json), term expansion and compaction (checked with pyld, an independent
JSON-LD processor), and a context URL that cannot be read (LdContextNotAvailable, 503). Contexts are
served by a local HTTP server."""

from __future__ import annotations

import json
import time

import pytest
from pyld import jsonld as pyld

from regija.context import jsonld
from regija.context.models import ContextEntity

from .conftest import BASE, link, problem_type

VOCAB = {
    "@context": {"speed": "http://example.org/vehicle/speed", "Vehicle": "http://example.org/vehicle/Vehicle"}
}
ENTITY = {"id": "urn:ngsi-ld:Vehicle:L1", "type": "Vehicle", "speed": {"type": "Property", "value": 80}}


def _loader(url, options=None):
    """pyld's loader for the checks: the core @context from the project's file (the tests do not fetch it)."""
    assert url in jsonld.CORE_CONTEXT_URLS, url
    return {"contextUrl": None, "documentUrl": url, "document": jsonld.core_context()}


def expanded(document):
    return pyld.expand(document, {"documentLoader": _loader})


def test_the_core_context_is_never_fetched(post, get, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("fetched")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    monkeypatch.setattr("urllib.request.build_opener", no_network)
    assert post("post", "/entities", ENTITY).status_code == 201
    response = get("/entities/urn:ngsi-ld:Vehicle:L1", HTTP_ACCEPT="application/ld+json")
    assert response["Content-Type"] == "application/ld+json"
    body = response.json()
    assert body["@context"] == jsonld.CORE_CONTEXT_URL
    # without a user context, a term is in the core context's default vocabulary
    [node] = expanded(body)
    assert node["@type"] == ["https://uri.etsi.org/ngsi-ld/default-context/Vehicle"]
    assert node["https://uri.etsi.org/ngsi-ld/default-context/speed"][0][
        "https://uri.etsi.org/ngsi-ld/hasValue"
    ] == [{"@value": 80}]


def test_a_link_context_expands_and_compacts(post, get, context_server):
    context_server.documents["/vehicle.jsonld"] = VOCAB
    url = context_server.url("/vehicle.jsonld")
    assert post("post", "/entities", ENTITY, HTTP_LINK=link(url)).status_code == 201
    stored = ContextEntity.objects.get()
    assert stored.type == "http://example.org/vehicle/Vehicle"
    assert list(stored.doc) == ["http://example.org/vehicle/speed"]
    # with the same context the client reads its own terms, and the answer links that context
    response = get("/entities/urn:ngsi-ld:Vehicle:L1", HTTP_LINK=link(url))
    assert response.json()["speed"] == {"type": "Property", "value": 80}
    assert url in response["Link"]
    # without it, the names come back as full IRIs
    plain = get("/entities/urn:ngsi-ld:Vehicle:L1").json()
    assert plain["type"] == "http://example.org/vehicle/Vehicle"
    assert "http://example.org/vehicle/speed" in plain
    # a query in the client's terms finds it; in the default vocabulary it does not
    assert len(get("/entities?type=Vehicle&q=speed==80", HTTP_LINK=link(url)).json()) == 1
    assert get("/entities?type=Vehicle&q=speed==80").json() == []
    # and what pyld makes of the JSON-LD answer is the same graph
    ld = get(
        "/entities/urn:ngsi-ld:Vehicle:L1", HTTP_LINK=link(url), HTTP_ACCEPT="application/ld+json"
    ).json()
    ld["@context"] = [VOCAB["@context"], jsonld.CORE_CONTEXT_URL]
    [node] = expanded(ld)
    assert node["@type"] == ["http://example.org/vehicle/Vehicle"]
    assert "http://example.org/vehicle/speed" in node
    assert context_server.hits["/vehicle.jsonld"] == 1  # fetched once: pyld keeps the processed context


def test_the_context_in_an_ld_json_body(post, get):
    body = {**ENTITY, "@context": [VOCAB["@context"], jsonld.CORE_CONTEXT_URL]}
    response = post("post", "/entities", body, content_type="application/ld+json")
    assert response.status_code == 201, response.content
    assert ContextEntity.objects.get().type == "http://example.org/vehicle/Vehicle"
    # ld+json needs its @context in the body
    response = post("post", "/entities", {**ENTITY, "id": "urn:x:2"}, content_type="application/ld+json")
    assert response.status_code == 400 and problem_type(response) == "BadRequestData"


def test_an_unreachable_context_is_ld_context_not_available(post, context_server):
    started = time.monotonic()
    response = post("post", "/entities", ENTITY, HTTP_LINK=link(context_server.url("/missing.jsonld")))
    assert response.status_code == 503
    assert problem_type(response) == "LdContextNotAvailable"
    response = post("post", "/entities", ENTITY, HTTP_LINK=link("http://127.0.0.1:9/nothing-listens.jsonld"))
    assert response.status_code == 503
    assert time.monotonic() - started < 10
    assert not ContextEntity.objects.exists()


def test_a_slow_context_is_cut_by_the_time_limit(post, context_server, settings):
    settings.REGIJA_NGSI_CONTEXT_TIMEOUT = 0.5
    context_server.documents["/slow.jsonld"] = VOCAB
    started = time.monotonic()
    response = post("post", "/entities", ENTITY, HTTP_LINK=link(context_server.url("/slow.jsonld")))
    assert response.status_code == 503 and problem_type(response) == "LdContextNotAvailable"
    assert time.monotonic() - started < 1.9


def test_a_large_or_bad_context_is_refused(post, context_server, settings):
    settings.REGIJA_NGSI_CONTEXT_MAX_BYTES = 1000
    context_server.documents["/large.jsonld"] = {
        "@context": {f"t{i}": f"http://example.org/{i}" for i in range(200)}
    }
    context_server.documents["/text.jsonld"] = b"not json"
    for path in ("/large.jsonld", "/text.jsonld"):
        response = post("post", "/entities", ENTITY, HTTP_LINK=link(context_server.url(path)))
        assert response.status_code == 503 and problem_type(response) == "LdContextNotAvailable", path
    assert not ContextEntity.objects.exists()


def test_the_allow_list(post, context_server, settings):
    context_server.documents["/allowed.jsonld"] = VOCAB
    settings.REGIJA_NGSI_CONTEXT_ALLOW = ("https://contexts.example.org/",)
    response = post("post", "/entities", ENTITY, HTTP_LINK=link(context_server.url("/allowed.jsonld")))
    assert response.status_code == 503
    assert "not allowed" in response.json()["detail"]
    assert "/allowed.jsonld" not in context_server.hits
    settings.REGIJA_NGSI_CONTEXT_ALLOW = (context_server.url("/"),)
    response = post("post", "/entities", ENTITY, HTTP_LINK=link(context_server.url("/allowed.jsonld")))
    assert response.status_code == 201


@pytest.mark.real_cache
def test_a_fetched_context_is_cached(context_server):
    context_server.documents["/cached.jsonld"] = VOCAB
    url = context_server.url("/cached.jsonld")
    jsonld.document_loader(url)
    jsonld.document_loader(url)
    assert context_server.hits["/cached.jsonld"] == 1


def test_an_invalid_inline_context_is_bad_request_data(post):
    body = {**ENTITY, "@context": {"speed": {"@id": 5}}}
    response = post("post", "/entities", json.dumps(body), content_type="application/ld+json")
    assert response.status_code == 400 and problem_type(response) == "BadRequestData"
    assert not ContextEntity.objects.exists()


def test_the_answer_is_json_ld_when_asked_and_406_otherwise(post, get):
    post("post", "/entities", ENTITY)
    assert get("/entities/urn:ngsi-ld:Vehicle:L1", HTTP_ACCEPT="text/html").status_code == 406
    response = get("/entities/urn:ngsi-ld:Vehicle:L1", HTTP_ACCEPT="application/ld+json")
    assert response.json()["@context"] == jsonld.CORE_CONTEXT_URL
    assert BASE  # the API's base stays /ngsi-ld/v1


def test_terms_of_the_core_context_alone_are_worked_out_once_and_others_every_time(monkeypatch):
    """The core @context never changes: what it gives a term is remembered; a user context is not."""
    calls: list[str] = []
    expand = pyld.expand

    def counting(*args, **kwargs):
        calls.append("expand")
        return expand(*args, **kwargs)

    monkeypatch.setattr(jsonld.jsonld, "expand", counting)
    monkeypatch.setattr(jsonld, "_core_terms", {})
    core = jsonld.effective(None)
    first = jsonld.expand_terms(core, ["speedOfTheBench", "location"])
    assert first["location"] == "https://uri.etsi.org/ngsi-ld/location"
    assert first["speedOfTheBench"] == "https://uri.etsi.org/ngsi-ld/default-context/speedOfTheBench"
    assert jsonld.expand_terms(core, ["location", "speedOfTheBench"]) == first
    assert len(calls) == 1
    own = jsonld.effective({"speedOfTheBench": "https://example.org/speed"})
    assert jsonld.expand_terms(own, ["speedOfTheBench"]) == {"speedOfTheBench": "https://example.org/speed"}
    assert jsonld.expand_terms(own, ["speedOfTheBench"]) == {"speedOfTheBench": "https://example.org/speed"}
    assert len(calls) == 3
