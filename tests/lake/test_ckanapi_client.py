"""The CKAN API driven by CKAN's own client, ``ckanapi`` (the package and its command line), and as
ckanext-harvest's CKAN harvester pages through a catalogue – against a running Regija.

Why not pytest-django's ``live_server``: it forces a transactional database, which is flushed after the
test – and with it the seed data every later test needs (see tests/browser/conftest.py). The server
here shares the test's own SQLite connection, so it sees the datasets the test made; on PostgreSQL its
threads would have their own connections and not see them, so these tests run on SQLite (as CI runs
the external tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from regija.core import tokens

from ..browser.conftest import serving
from .ckan_catalogue import make_catalogue

ckanapi = pytest.importorskip("ckanapi")

pytestmark = [pytest.mark.django_db, pytest.mark.external]

PUBLIC = ["kakovost-zraka", "nocitve-turistov", "proracun-mov", "vozni-redi"]


@pytest.fixture
def cat(member, tmp_path, clock):
    return make_catalogue(member, tmp_path, clock)


@pytest.fixture
def site(cat):
    if connection.vendor != "sqlite":
        pytest.skip("the live server sees the test's datasets only on SQLite (see the module docstring)")
    with serving() as url:
        yield url
        while _sessions:
            _sessions.pop().close()
        _requests_done()


def _requests_done(seconds: float = 10) -> None:
    """Wait for the server's request threads to end: each closes the (shared) connection when it does,
    which must happen before the server stops sharing it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not [t for t in threading.enumerate() if "process_request_thread" in t.name and t.is_alive()]:
            return
        time.sleep(0.02)


_sessions: list[requests.Session] = []


def remote(url: str, **options) -> ckanapi.RemoteCKAN:
    """ckanapi's client, its connection closed when the test ends (before the server stops)."""
    session = requests.Session()
    _sessions.append(session)
    return ckanapi.RemoteCKAN(url, session=session, **options)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The ``ckanapi`` command of the Python running the tests (its console script next to it)."""
    bin_dir = Path(sys.executable).parent
    script = bin_dir / "ckanapi"
    command = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from ckanapi.cli.main import main; main()"]
    )
    # `dump` starts its workers as plain `ckanapi`, found on PATH
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(  # noqa: S603 - our own command line, with the test's arguments
        [*command, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


def test_remote_ckan_package_search_and_show(site, cat):
    ckan = remote(site)
    result = ckan.action.package_search(fq="organization:mov", sort="name asc", **{"facet.field": ["tags"]})
    assert result["count"] == 2
    assert [p["name"] for p in result["results"]] == ["kakovost-zraka", "proracun-mov"]
    assert result["search_facets"]["tags"]["items"]
    pkg = ckan.action.package_show(id="kakovost-zraka")
    assert pkg["organization"]["name"] == "mov"
    # CKAN's errors come back as ckanapi's exceptions
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="ni-je")
    with pytest.raises(ckanapi.NotAuthorized):
        ckan.action.package_show(id="zasebni-stevci")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_search(rows="deset")
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(fq="colour:red")
    assert ckan.action.status_show()["extensions"] == ["datastore", "dcat"]


def test_remote_ckan_with_a_token_sees_its_organisations_private_datasets(site, cat):
    _token, raw = tokens.create(cat.editor, "ckanapi")
    mine = remote(site, apikey=raw).action.package_search(include_private=True, rows=100)
    assert {"zasebni-stevci", "osnutek-hrupa"} <= {p["name"] for p in mine["results"]}
    anonymous = remote(site).action.package_search(include_private=True, rows=100)
    assert sorted(p["name"] for p in anonymous["results"]) == PUBLIC


def test_remote_ckan_get_only_datastore_search(site, cat):
    resource = str(cat.air.distributions.get(format="CSV").uuid)
    ckan = remote(site, get_only=True)
    found = ckan.action.datastore_search(resource_id=resource, filters=json.dumps({"postaja": "Velenje"}))
    assert found["total"] == 2
    sql = ckan.action.datastore_search_sql(sql=f'SELECT count(*) AS n FROM "{resource}"')  # noqa: S608 - a resource id
    assert sql["records"] == [{"n": 4}]


def test_cli_action_package_search(site, cat):
    done = cli("action", "package_search", "-r", site, "fq=organization:rasr", "sort=name asc")
    result = json.loads(done.stdout)
    assert [p["name"] for p in result["results"]] == ["nocitve-turistov", "vozni-redi"]


def test_cli_search_datasets_pages_until_empty(site, cat):
    # `ckanapi search datasets` asks for rows=1000 from start=0, 1000 … until a page comes back empty
    done = cli("search", "datasets", "-r", site)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert sorted(p["name"] for p in lines) == PUBLIC


def test_cli_dump_datasets_all(site, cat, tmp_path):
    # package_list, then package_show for each name in worker processes
    out = tmp_path / "dump.jsonl"
    cli("dump", "datasets", "--all", "-r", site, "-O", str(out), "-p", "1", "-q")
    dumped = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert sorted(p["name"] for p in dumped) == PUBLIC
    air = next(p for p in dumped if p["name"] == "kakovost-zraka")
    assert [r["format"] for r in air["resources"]] == ["CSV", "Parquet"]


def test_cli_action_datastore_search(site, cat):
    resource = str(cat.air.distributions.get(format="CSV").uuid)
    done = cli(
        "action", "datastore_search", "-r", site, f"resource_id={resource}", 'filters:{"postaja": "Šoštanj"}'
    )
    result = json.loads(done.stdout)
    assert result["records"] == [{"_id": 2, "postaja": "Šoštanj", "datum": "2024-01-01", "pm10": 30}]


def test_harvester_paging_sees_every_dataset_exactly_once(site, cat):
    """As ckanext-harvest's CKAN harvester does: a page of ``rows`` at a time, sorted by ``id asc``,
    filtered to one organisation and to what changed since the last run, until an empty page."""
    ckan = remote(site, get_only=True)

    def harvest(fq: str) -> list[str]:
        seen: list[str] = []
        start = 0
        while True:
            page = ckan.action.package_search(fq=fq, sort="id asc", rows=1, start=start)["results"]
            if not page:
                return seen
            seen.extend(p["id"] for p in page)
            start += len(page)

    everything = harvest("*:*")
    assert len(everything) == len(set(everything)) == 4
    assert everything == sorted(everything)
    mov = harvest("organization:mov")
    assert sorted(mov) == sorted([str(cat.air.uuid), str(cat.budget.uuid)])
    # the next run only asks for what changed since (the budget was last modified on 1 May 2024)
    since = harvest("organization:mov +metadata_modified:[2024-04-01T00:00:00Z TO *]")
    assert since == [str(cat.budget.uuid)]
