"""The link checker: a linked dataset's source address is visited (daily, and at once when it is added or
changed) and what it answered is shown on the dataset's page and counts in the MQA score's
accessibility – data.europa.eu's MQA gives its 50 points for "access URL status" only to an address
that answers (2xx/3xx)."""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import threading

import pytest
import time_machine
from django.utils import timezone, translation

from regija.core.models import Organisation
from regija.lake import quality, services, tasks
from regija.lake.models import Dataset, Distribution
from regija.lake.selectors import with_details

from .dcat_data import link_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def mov():
    return Organisation.objects.get(slug="mov")


@pytest.fixture
def editor(member, mov):
    return member("editor", mov)


@pytest.fixture
def source(settings):
    """A source system: /api answers, /gone is missing, /get-only refuses HEAD but answers GET."""
    settings.REGIJA_LAKE_FETCH_PRIVATE = True
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self, with_body):
            seen.append((self.command, self.path))
            if self.path == "/gone":
                self.send_error(404, "Not Found")
                return
            if self.path == "/get-only" and self.command == "HEAD":
                self.send_error(405, "Method Not Allowed")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            if with_body:
                self.wfile.write(b"[]")

        def do_HEAD(self):  # noqa: N802 - the name http.server calls
            self._answer(False)

        def do_GET(self):  # noqa: N802
            self._answer(True)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()
    httpd.server_close()


def _access_points(dataset):
    score = quality.score(
        with_details(Dataset.objects.select_related("publisher", "current")).get(pk=dataset.pk)
    )
    return next(i for i in score.indicators if i.key == "access_url_status").points


def _checked(dataset) -> Distribution:
    return dataset.distributions.exclude(access_url="").get()


def test_an_answering_address_gets_the_mqa_points_and_the_page_says_so(client, editor, mov, source):
    url, seen = source
    dataset = link_dataset(editor, mov, "stevci", source_url=f"{url}/api")
    assert _access_points(dataset) == 0  # not checked yet: not verified

    assert tasks.check_links.call_local() == 1

    dist = _checked(dataset)
    assert (dist.check_status, dist.check_error) == (200, "")
    assert seen == [("HEAD", "/api")]  # a HEAD: the data itself is not downloaded
    assert _access_points(dataset) == 50
    with translation.override("en"):
        page = client.get(dataset.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "The address answered when checked on" in page.content.decode()


def test_a_missing_address_gets_no_points_and_the_page_shows_the_error(client, editor, mov, source):
    url, _seen = source
    dataset = link_dataset(editor, mov, "stevci", source_url=f"{url}/gone")
    tasks.check_links.call_local()
    assert _checked(dataset).check_status == 404
    assert _access_points(dataset) == 0
    page = client.get(dataset.get_absolute_url()).content.decode()
    assert "404" in page


def test_a_server_refusing_head_is_asked_with_get(editor, mov, source):
    url, seen = source
    dataset = link_dataset(editor, mov, "stevci", source_url=f"{url}/get-only")
    tasks.check_links.call_local()
    assert _checked(dataset).check_status == 200
    assert seen == [("HEAD", "/get-only"), ("GET", "/get-only")]


def test_a_check_counts_for_a_week(editor, mov, source):
    url, _seen = source
    dataset = link_dataset(editor, mov, "stevci", source_url=f"{url}/api")
    tasks.check_links.call_local()
    with time_machine.travel(timezone.now() + dt.timedelta(days=6, hours=23)):
        assert _access_points(dataset) == 50
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert _access_points(dataset) == 0


def test_an_unreachable_host_is_recorded_with_why(editor, mov, settings):
    settings.REGIJA_LAKE_FETCH_PRIVATE = True
    settings.REGIJA_LAKE_LINK_TIMEOUT = 2
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a port nothing listens on
    port = sock.getsockname()[1]
    sock.close()
    dataset = link_dataset(editor, mov, "stevci", source_url=f"http://127.0.0.1:{port}/api")
    tasks.check_links.call_local()
    dist = _checked(dataset)
    assert dist.check_status is None
    assert "cannot be fetched" in dist.check_error or "ni mogoče" in dist.check_error


def test_a_private_address_is_not_visited(editor, mov, source, settings):
    url, seen = source
    dataset = link_dataset(editor, mov, "stevci", source_url=f"{url}/api")
    settings.REGIJA_LAKE_FETCH_PRIVATE = False
    tasks.check_links.call_local()
    assert seen == []
    dist = _checked(dataset)
    assert dist.check_status is None and dist.check_error


def test_drafts_are_not_visited_by_the_daily_check(editor, mov, source):
    url, seen = source
    link_dataset(editor, mov, "osnutek", source_url=f"{url}/api", publish=False)
    assert tasks.check_links.call_local() == 0
    assert seen == []


def test_a_new_address_is_visited_at_once_and_the_old_answer_forgotten(
    editor, mov, source, django_capture_on_commit_callbacks
):
    url, seen = source
    dataset = link_dataset(editor, mov, "stevci", source_url=f"{url}/gone")
    tasks.check_links.call_local()
    assert _checked(dataset).check_status == 404

    with django_capture_on_commit_callbacks(execute=True):
        services.dataset_update(editor, dataset, {"source_url": f"{url}/api"}, via="web")

    dist = _checked(dataset)
    assert (dist.access_url, dist.check_status) == (f"{url}/api", 200)
    assert seen[-1] == ("HEAD", "/api")
