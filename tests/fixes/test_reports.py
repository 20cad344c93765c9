"""Issue reports: what a reporter, staff and an Open311 client notice (docs/fixes.md)."""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree as ET

import pytest
from django.core import mail
from PIL import Image

from regija.context.models import ContextEntity
from regija.core.services import Forbidden, Refused
from regija.core.tokens import create as create_token
from regija.fixes import services
from regija.fixes.models import Report, Status
from tests.factories import confirmed_user

pytestmark = pytest.mark.django_db

LJ = (46.0511, 14.5051)  # Ljubljana, Prešernov trg


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (46.0, 3.0, 4.0)}  # GPS IFD: latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def data(world, **kw):
    base = dict(
        service=world["light"], description="Luč ne sveti.", lat=LJ[0], lon=LJ[1], attributes={"kind": "dark"}
    )
    base.update(kw)
    return services.ReportData(**base)


def test_a_photo_is_stored_without_exif_and_gps(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get(0x010F) == "PhoneMaker"
    report = services.report_create(confirmed_user(), data(world, photos=[raw]))
    stored = report.photos.get()
    with stored.image.open("rb") as f:
        kept = Image.open(io.BytesIO(f.read()))
        assert dict(kept.getexif()) == {}
        assert kept.size == (64, 48)


def test_a_fake_or_oversized_image_is_refused_and_nothing_written(world, settings):
    with pytest.raises(Refused) as fake:
        services.report_create(confirmed_user(), data(world, photos=[b"\xff\xd8\xff not really a jpeg"]))
    assert fake.value.field == "photos"
    settings.REGIJA_FIXES_PHOTO_MAX_BYTES = 100
    with pytest.raises(Refused):
        services.report_create(confirmed_user(), data(world, photos=[jpeg_with_gps()]))
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 48.2, "lon": 16.37}, "lat"),  # Vienna: outside Slovenia
        ({"lat": "abc", "lon": 14.5}, "lat"),
        ({"lat": None, "lon": None}, "lat"),  # no place at all
        ({"attributes": {}}, "attribute[kind]"),
        ({"attributes": {"kind": "purple"}}, "attribute[kind]"),
        ({"service": "ni-take"}, "service_code"),
    ],
)
def test_bad_input_is_refused_with_its_field(world, change, field):
    with pytest.raises(Refused) as refused:
        services.report_create(confirmed_user(), data(world, **change))
    assert refused.value.field == field
    assert not Report.objects.exists()


def test_a_residents_report_is_public_and_an_open311_entity_of_its_municipality(world):
    report = services.report_create(confirmed_user(), data(world))
    assert report.confirmed_at is not None
    entity = ContextEntity.objects.get(organisation=world["town"])
    assert entity.entity_id == f"urn:ngsi-ld:service_requests:obcina-test:{report.pk}"
    assert entity.type.endswith("service_requests")
    assert entity.model_errors == []
    assert not any("email" in k for k in entity.doc)


def test_an_anonymous_report_waits_for_its_email_confirmation(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/prijave-tezav/nova/",
            {
                "service": "javna-razsvetljava",
                "lat": LJ[0],
                "lon": LJ[1],
                "description": "Temno.",
                "attribute[kind]": "dark",
                "email": "ana@example.si",
            },
        )
    assert r.status_code == 200
    report = Report.objects.get()
    assert report.confirmed_at is None
    assert client.get(f"/prijave-tezav/{report.pk}/").status_code == 404
    link = re.search(r"http\S+/potrdi/\S+/", mail.outbox[0].body).group(0)
    client.get(link.split("8000", 1)[-1] if "8000" in link else link)
    report.refresh_from_db()
    assert report.confirmed_at is not None
    page = client.get(f"/prijave-tezav/{report.pk}/").content.decode()
    assert "Temno." in page and "ana@example.si" not in page


def test_anonymous_reports_are_throttled(world, client, settings):
    settings.REGIJA_FIXES_HOURLY = 2
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    form = {
        "service": "javna-razsvetljava",
        "lat": LJ[0],
        "lon": LJ[1],
        "description": "x",
        "attribute[kind]": "dark",
        "email": "ana@example.si",
        "new": "1",
    }
    codes = [client.post("/prijave-tezav/nova/", form, REMOTE_ADDR="10.9.8.7").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert Report.objects.count() == 2


def test_staff_answer_reaches_the_anonymous_reporter_who_rates_it(
    world, client, django_capture_on_commit_callbacks
):
    report = services.report_create(confirmed_user(), data(world))
    anon = services.report_create(
        type("Anon", (), {"is_authenticated": False})(), data(world, email="ana@example.si")
    )
    services.report_confirm(services.confirm_token(anon))
    with pytest.raises(Refused):
        services.report_handle(world["staff"], anon, services.Handling(status=Status.NOT_OURS))  # no reason
    with django_capture_on_commit_callbacks(execute=True):
        services.report_handle(
            world["staff"], anon, services.Handling(status=Status.FIXED, answer="Zamenjali smo žarnico.")
        )
    told = [m for m in mail.outbox if "ana@example.si" in m.to]
    assert "Zamenjali smo žarnico." in told[-1].body
    rate = re.search(r"/prijave-tezav/\d+/ocena/\S+/", told[-1].body).group(0)
    assert client.post(rate, {"rating": "5"}).status_code == 302
    anon.refresh_from_db()
    assert anon.rating == 5
    with pytest.raises(Forbidden):
        services.report_handle(confirmed_user(), report, services.Handling(status=Status.FIXED))


def test_open311_services_requests_and_errors(world, client):
    user = confirmed_user()
    _, key = create_token(user, "open311")
    services_json = client.get("/open311/v2/services.json").json()
    assert services_json[0]["service_code"] == "javna-razsvetljava" and services_json[0]["metadata"] is True
    definition = ET.fromstring(client.get("/open311/v2/services/javna-razsvetljava.xml").content)  # noqa: S314 - our own test server's answer
    assert definition.tag == "service_definition"
    assert definition.find("attributes/attribute/code").text == "kind"
    posted = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "javna-razsvetljava",
            "lat": LJ[0],
            "long": LJ[1],
            "description": "Ne sveti",
            "attribute[kind]": "dark",
        },
    )
    assert posted.status_code == 201
    rid = posted.json()[0]["service_request_id"]
    one = client.get(f"/open311/v2/requests/{rid}.xml")
    root = ET.fromstring(one.content)  # noqa: S314 - our own test server's answer
    assert root.tag == "service_requests" and root.find("request/status").text == "open"
    assert root.find("request/long").text == str(LJ[1])
    bad = client.post(
        "/open311/v2/requests.xml",
        {
            "api_key": key,
            "service_code": "javna-razsvetljava",
            "lat": 48.2,
            "long": 16.37,
            "description": "Dunaj",
            "attribute[kind]": "dark",
        },
    )
    assert bad.status_code == 400
    err = ET.fromstring(bad.content)  # noqa: S314 - our own test server's answer
    assert err.tag == "errors" and err.find("error/code").text == "400"
    assert client.post("/open311/v2/requests.json", {"service_code": "x"}).status_code == 403
    missing = client.get("/open311/v2/requests/999999.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    assert client.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400
    updates = client.get("/open311/v2/servicerequestupdates.json?start_date=2000-01-01T00:00:00Z").json()
    assert updates[0]["service_request_id"] == rid and updates[0]["status"] == "open"
    discovery = client.get("/open311/v2/discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


def test_map_clusters_and_list_take_bounded_queries(world, client, django_assert_max_num_queries):
    user = confirmed_user()
    for i in range(12):
        services.report_create(user, data(world, lat=LJ[0] + i * 0.01, lon=LJ[1] + i * 0.01))
    r = client.get("/prijave-tezav/zemljevid.json?bbox=45.4,13.3,46.9,16.7")
    assert sum(c["count"] for c in r.json()["clusters"]) == 12
    assert client.get("/prijave-tezav/zemljevid.json?bbox=a,b").status_code == 400
    with django_assert_max_num_queries(12):
        assert client.get("/prijave-tezav/").status_code == 200
    with django_assert_max_num_queries(6):
        assert len(client.get("/open311/v2/requests.json").json()) == 12
