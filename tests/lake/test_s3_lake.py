"""The lake in an S3-compatible object store (production), tested against moto's S3 server on this
machine: versions are written there, read back through the local cache, and never half-written."""

from __future__ import annotations

import json

import duckdb
import pytest

from regija.core.models import Organisation
from regija.lake import services
from regija.lake.selectors import version_file
from regija.lake.storage import lake

pytestmark = [pytest.mark.django_db, pytest.mark.external]


@pytest.fixture(scope="module")
def s3_endpoint():
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_lake(settings, s3_endpoint, tmp_path):
    import s3fs

    options = {"endpoint_url": s3_endpoint, "key": "test", "secret": "test", "skip_instance_cache": True}
    fs = s3fs.S3FileSystem(**options)
    if not fs.exists("regija-lake"):
        fs.mkdir("regija-lake")
    settings.REGIJA_LAKE_URL = "s3://regija-lake/prod"
    settings.REGIJA_LAKE_OPTIONS = json.dumps(options)
    settings.REGIJA_LAKE_CACHE = tmp_path / "cache"
    return fs


def test_versions_are_stored_in_the_bucket_and_queried_from_the_cache(s3_lake, member, tmp_path):
    mov = Organisation.objects.get(slug="mov")
    editor = member("editor", mov)
    dataset = services.dataset_create(
        editor, publisher=mov, data={"slug": "polnilnice", "title": "Polnilnice"}, via="web"
    )
    source = tmp_path / "polnilnice.csv"
    source.write_text("lokacija,moc_kw\nTitov trg,22\nRdeča dvorana,50\n", encoding="utf-8")
    version = services.upload(editor, dataset, source, name="polnilnice.csv", via="web")

    assert not lake().is_local
    # the Hive-style keys exist in the bucket: the Parquet file and the original
    listed = s3_lake.ls("regija-lake/prod/datasets/dataset=polnilnice/version=1")
    assert sorted(p.rsplit("/", 1)[1] for p in listed) == ["data.parquet", "source.csv"]
    # a query reads a local copy, fetched once
    local = version_file(version)
    assert str(local).startswith(str(tmp_path / "cache"))
    total = duckdb.connect().execute("SELECT sum(moc_kw) FROM read_parquet(?)", [str(local)]).fetchone()[0]
    assert total == 72
