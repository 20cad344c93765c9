"""Open311 GeoReport v2 driven from outside: the ``georeport`` client from PyPI (an Open311 wrapper
written against Boston's and Chicago's endpoints, not ours) reads our services, definitions and requests
in JSON and XML from a real HTTP server; the POST – which that client does not have – is sent with
``requests`` exactly as the specification's example (form-encoded, ``api_key``, ``attribute[code]``)."""

from __future__ import annotations

import pytest
import requests

from regija.core.tokens import create as create_token
from regija.fixes import services
from tests.browser.conftest import serving
from tests.factories import confirmed_user

from .test_reports import LJ, data

pytestmark = [pytest.mark.external, pytest.mark.django_db]


def test_an_independent_open311_client_reads_and_posts(world):
    georeport = pytest.importorskip("georeport")
    resident = confirmed_user()
    _, key = create_token(resident, "open311")
    known = services.report_create(resident, data(world, description="Svetilka ne sveti."))
    with serving() as base:
        root = f"{base}/open311/v2"
        for fmt in ("json", "xml"):
            client = georeport.GeoReport(root, output_format=fmt)
            listed = client.get_service_list()
            listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one item is a dict
            assert [s["service_code"] for s in listed] == ["javna-razsvetljava"]
            definition = client.get_service_definition("javna-razsvetljava")
            attribute = (
                definition["attributes"][0] if fmt == "json" else definition["attributes"]["attribute"]
            )
            assert attribute["code"] == "kind" and str(attribute["required"]).lower() == "true"
            one = client.get_service_request(str(known.pk))
            assert one["service_request_id"] == str(known.pk) and one["status"] == "open"
            assert "email" not in one and one["description"] == "Svetilka ne sveti."
        posted = requests.post(
            f"{root}/requests.json",
            data={
                "api_key": key,
                "service_code": "javna-razsvetljava",
                "lat": LJ[0],
                "long": LJ[1],
                "address_string": "Prešernov trg 1, Ljubljana",
                "description": "Luč utripa.",
                "attribute[kind]": "blink",
                "email": "ana@example.si",
                "first_name": "Ana",
            },
            timeout=30,
        )
        assert posted.status_code == 201
        new_id = posted.json()[0]["service_request_id"]
        found = georeport.GeoReport(root).get_service_requests(service_request_id=new_id)
        assert [r["service_request_id"] for r in found] == [new_id]
        assert "Ana" not in str(found) and "ana@example.si" not in str(found)
        refused = requests.post(
            f"{root}/requests.xml", data={"api_key": key, "service_code": "ni-take"}, timeout=30
        )
        assert refused.status_code == 404 and b"<errors><error><code>404</code>" in refused.content
