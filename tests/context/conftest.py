"""Fixtures of the broker's tests: a tenant (an organisation) with an editor's, a viewer's and another
organisation's editor's API tokens, and a local HTTP server that serves JSON-LD @contexts (the tests
never need the internet)."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from regija.core import tokens
from tests.factories import OrganisationFactory, member

BASE = "/ngsi-ld/v1"


@pytest.fixture(autouse=True)
def _ingest_forgets_devices():
    """Tests roll back their transactions – the device registry's token too – while the ingest keeps the
    devices it met in memory: each test starts with none kept, as a worker that has just started."""
    from regija.context import services

    services._REGISTRY.clear()
    yield
    services._REGISTRY.clear()


@pytest.fixture
def tenant(db):
    return OrganisationFactory(slug="velenje-iot", name="Velenje IoT")


@pytest.fixture
def tokens_of(tenant):
    other = OrganisationFactory(slug="drugi", name="Drugi")
    return {
        "editor": tokens.create(member("editor", tenant), "ngsi")[1],
        "viewer": tokens.create(member("viewer", tenant), "ngsi")[1],
        "other_editor": tokens.create(member("editor", other, username="editor-drugi"), "ngsi")[1],
    }


@pytest.fixture
def editor(tokens_of):
    """Headers of a write as the tenant's editor, as a client sends them (NGSILD-Tenant, a bearer token)."""
    return {"HTTP_NGSILD_TENANT": "velenje-iot", "HTTP_AUTHORIZATION": f"Bearer {tokens_of['editor']}"}


@pytest.fixture
def post(client, editor):
    """POST/PATCH/PUT a JSON body as the editor (application/json unless told)."""

    def send(method, path, body, *, content_type="application/json", **headers):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(client, method)(
            BASE + path, data=data, content_type=content_type, **{**editor, **headers}
        )

    return send


@pytest.fixture
def get(client):
    def read(path, **headers):
        return client.get(BASE + path, **{"HTTP_NGSILD_TENANT": "velenje-iot", **headers})

    return read


class _Contexts(http.server.BaseHTTPRequestHandler):
    documents: dict = {}
    hits: dict = {}
    delay: float = 0

    def do_GET(self):
        type(self).hits[self.path] = type(self).hits.get(self.path, 0) + 1
        if self.path == "/slow.jsonld":
            time.sleep(2)
        document = type(self).documents.get(self.path)
        if document is None:
            self.send_response(404)
            self.end_headers()
            return
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def context_server():
    """A local HTTP server; put documents in ``server.documents[path]``; ``server.url(path)``."""
    _Contexts.documents, _Contexts.hits = {}, {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Contexts)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.documents = _Contexts.documents
    server.hits = _Contexts.hits
    server.url = lambda path: f"http://127.0.0.1:{server.server_address[1]}{path}"
    yield server
    server.shutdown()
    server.server_close()


def link(url: str) -> str:
    return f'<{url}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'


def problem_type(response) -> str:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == response.status_code
    return body["type"].rsplit("/", 1)[-1]
