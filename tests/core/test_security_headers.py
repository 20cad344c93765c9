"""Headers a browser enforces: the Content-Security-Policy on every page (with nothing inline that it would
block), HSTS and the redirect to HTTPS with HTTPS=true, and a clean `regija django-check --deploy`.

The policy's rules are the standard's (CSP Level 3): without 'unsafe-inline' a browser runs no inline
<script> and no on…= handler, and applies no style="…" attribute nor <style> element; a
<script type="application/json"> block is data and never runs. The browser journey
(tests/browser/test_journey.py) checks that Chromium reports no violation on the way.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src"
VELENJE = "velenje-pametno-mesto-2022-2030"


def directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


# --------------------------------------------------------------------------------------------- the header


@pytest.mark.parametrize(
    "path",
    ["/", f"/strategije/{VELENJE}/", "/projekti/", "/prijava/", "/admin/login/", "/api/v1/docs"],
)
def test_pages_send_a_policy_without_inline_script(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_the_back_office_sends_the_policy(client, member):
    client.force_login(member(None, username="root", superuser=True))
    response = client.get("/admin/core/organisation/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_map_tiles_are_allowed_images(client, settings):
    """The map's tiles come from MAP_TILE_URL's server; nothing else from outside is allowed."""
    policy = directives(client.get("/projekti/")["Content-Security-Policy"])
    assert "https://tile.openstreetmap.org" in policy["img-src"]
    assert policy["default-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]


# --------------------------------------------------------------------------------------------- the pages


class Inline(HTMLParser):
    """What a policy without 'unsafe-inline' would block in a page, and the page's links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.links: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self.found.append(f"inline <script {attrs}>")
        if tag == "a" and attrs.get("href"):
            href = attrs["href"]
            if href.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                self.found.append(f"link to {href!r}")
            self.links.append(href)


SKIP = ("/odjava/", "/jezik/", "/i18n/", "/admin/logout/", "/static/", "/media/")
DOWNLOADS = (".csv", ".xlsx", ".docx", ".json", ".yaml", ".pdf")


def _route(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def crawl(client, seeds: list[str], limit: int = 220, least: int = 40) -> dict[str, list[str]]:
    """Every page reachable from ``seeds`` by links of this site, one page per URL pattern (a project
    page stands for all project pages): what each has inline. Asserts the policy header on each."""
    queue, routes, problems = deque(seeds), set(), {}
    while queue and len(routes) < limit:
        path = queue.popleft()
        route = _route(urlsplit(path).path)
        if route is None or route in routes:
            continue
        if path.startswith(SKIP) or path.endswith(DOWNLOADS) or "/api/" in path and "/docs" not in path:
            continue
        routes.add(route)
        response = client.get(path)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue  # a redirect, a download
        assert "Content-Security-Policy" in response, path
        page = Inline()
        page.feed(response.content.decode())
        if page.found:
            problems[path] = page.found
        for href in page.links if response.status_code == 200 else ():
            parts = urlsplit(href)
            if not parts.scheme and not parts.netloc and parts.path.startswith("/"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert len(routes) >= least, f"the crawl reached only {len(routes)} kinds of page"
    return problems


def test_no_page_has_anything_inline_the_policy_blocks(client, member, clock):
    """The public pages, the staff and evaluation pages of a scored call and the back office: no inline
    script or handler, no style attribute or element, no javascript: link."""
    from tests.factories import scored_call

    w = scored_call(clock)
    client.force_login(member(None, username="root", superuser=True))
    seeds = [
        "/projekti/?amount_min=nope",  # the list with its filter errors
        reverse("login"),
        "/",
        "/admin/",
        reverse("annual_report", args=["las-zasavje", 2023]),
        reverse("account"),
        reverse("call_manage", args=[w.call.organisation.slug, w.call.slug]),
        reverse("call_evaluation", args=[w.call.pk]),
        *[reverse("application", args=[a.pk]) for a in w.apps],
    ]
    assert crawl(client, seeds) == {}


def test_applicant_and_evaluator_pages_have_nothing_inline(client, clock):
    """A draft application with its forms (as the applicant), an assignment before scoring (as an
    evaluator)."""
    from regija.calls import services
    from tests.factories import DURING, call_world, publish_call, submit_applications

    w = submit_applications(publish_call(call_world(), clock), clock, ("50000.00",))
    staff = w.users["staff"]
    services.record_eligibility(w.apps[0], staff, {c.pk: (True, "") for c in w.call.conditions.all()})
    services.assign_committee(w.call, staff)
    client.force_login(w.users["eval2"])
    assert crawl(client, [reverse("evaluation")], limit=20, least=2) == {}

    clock(DURING)  # while the call is open, another organisation starts a draft
    draft = services.start_application(w.call, w.other, w.users["other"])
    client.force_login(w.users["other"])
    assert crawl(client, [reverse("application", args=[draft.pk])], limit=20, least=2) == {}


# --------------------------------------------------------------------------------------------- HTTPS


def _run(code: str, **env) -> subprocess.CompletedProcess:
    """Python with a fresh Django under these environment variables (settings read them at start)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("HTTPS", "SECRET_KEY", "DEBUG")}
    environ.update(PYTHONPATH=str(SRC), DJANGO_SETTINGS_MODULE="regija.settings", **env)
    return subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def production(tmp_path):
    return {"HTTPS": "true", "SECRET_KEY": secrets.token_urlsafe(50), "REGIJA_DATA_DIR": str(tmp_path)}


def test_deploy_check_is_clean_with_https_and_a_secret_key(production):
    """`regija django-check --deploy` (Django's `check --deploy`) reports no warning at all."""
    command = ["regija", "django-check", "--deploy", "--fail-level", "WARNING"]
    done = _run(f"from regija.cli import main; main({command!r})", **production)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stderr + done.stdout


def test_deploy_check_warns_without_https(tmp_path):
    """The check is not silenced wholesale: without HTTPS it still names the missing HSTS and redirect."""
    done = _run(
        "from regija.cli import main; main(['regija', 'django-check', '--deploy'])",
        SECRET_KEY=secrets.token_urlsafe(50),
        REGIJA_DATA_DIR=str(tmp_path),
    )
    assert "security.W004" in done.stderr and "security.W008" in done.stderr, done.stderr


_REQUEST = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
secure = client.get("/api/v1/openapi.json", headers={"X-Forwarded-Proto": "https"})
plain = client.get("/api/v1/openapi.json")
print(secure.status_code, secure.get("Strict-Transport-Security"))
print(plain.status_code, plain.get("Location"))
"""


def test_https_sends_hsts_and_redirects_plain_http(production):
    done = _run(_REQUEST, ALLOWED_HOSTS="testserver", **production)
    assert done.returncode == 0, done.stderr
    secure, plain = done.stdout.splitlines()[-2:]
    # a year, and neither includeSubDomains nor preload unless asked for (RFC 6797 §6.1)
    assert secure == "200 max-age=31536000"
    assert plain == "301 https://testserver/api/v1/openapi.json"


def test_hsts_and_redirect_are_configurable(production):
    done = _run(
        _REQUEST,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        **production,
    )
    assert done.returncode == 0, done.stderr
    secure, plain = done.stdout.splitlines()[-2:]
    assert secure == "200 max-age=3600; includeSubDomains"
    assert plain == "200 None"  # the proxy redirects
