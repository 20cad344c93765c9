"""Three journeys through the portal in headless Chromium, as the people who make them (issue 13, point 8):

1. a citizen finds a project on the home page's map and by the header's search (an inflected word);
2. an organisation new to Regija registers for an open call, confirms its e-mail address by the link it
   receives, is approved by the call's staff, signs in, applies with an amount typed the Slovenian way
   (``12.345,67``), checks its answers and submits;
3. the call's staff record an application's eligibility, decide it (an amount and a date typed day,
   month, year) and pay the holder's claim.

At each step the test asserts what the person sees (headings, amounts in the Slovenian format, status
tags), axe-core finds no WCAG 2.1 A/AA violation and the browser reports no violation of the
Content-Security-Policy; a screenshot of each step goes to ``REGIJA_ARTEFACTS``/journeys/
(``citizen-01-home.png`` …), for CI to keep. One window of 1280×900, in Slovenian.

The calls are built through their workflow (tests.factories) with the server clock held; what the
committee does between eligibility and the decision is done through the services (its pages have their
own tests). Playwright runs in a thread of its own (as in test_pages.py), so the test's own ORM calls
between the steps use the connection the server thread shares (SQLite only; see conftest.py). The
e-mails the server sends land in ``django.core.mail.outbox`` (the test's locmem backend, same process).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from .conftest import _AXE_RUN, ARTEFACTS, AXE_TAGS, _REPORT_VIOLATIONS, launch, require_browser, serving

pytestmark = [pytest.mark.browser, pytest.mark.external, pytest.mark.django_db]

SHOTS = ARTEFACTS / "journeys"
NBSP = "\u00a0"


def _sl(msgid: str) -> str:
    from django.utils import translation

    with translation.override("sl"):
        return translation.gettext(msgid)


class Journey:
    """One person's browser (a context of 1280×900 px, Slovenian) driven from a thread of its own.

    ``do(fn, *args)`` runs ``fn(page, *args)`` there and gives back its result (an assertion that fails
    there fails here). ``seen(page, name)`` – called in a step – runs axe-core, requires 0 violations and
    no CSP violation so far, and saves the screenshot ``<journey>-<nn>-<name>.png``."""

    def __init__(self, name: str, base_url: str, axe_source: str):
        self.name = name
        self.base_url = base_url
        self.axe_source = axe_source
        self.steps = 0
        self.csp: list[str] = []
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"journey-{name}")
        self.page = self._thread.submit(self._start, base_url).result()

    def _start(self, base_url: str):
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = launch(self._playwright)
        context = self._browser.new_context(
            base_url=base_url, locale="sl-SI", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        context.expose_function("reportCspViolation", lambda text: self.csp.append(text))
        context.add_init_script(_REPORT_VIOLATIONS)
        # the map's tiles come from a tile server outside: refused, as on a machine without internet
        context.route(
            "**/*",
            lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort(),
        )
        page = context.new_page()
        page.on(
            "console",
            lambda msg: self.csp.append(f"console: {msg.text}")
            if "Content Security Policy" in msg.text
            else None,
        )
        return page

    def do(self, fn, *args):
        return self._thread.submit(fn, self.page, *args).result()

    def seen(self, step: str) -> None:
        page = self.page
        self.steps += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{self.name}-{self.steps:02d}-{step}.png"), full_page=True)
        page.evaluate(self.axe_source)
        violations = page.evaluate(_AXE_RUN, AXE_TAGS)
        assert not violations, f"{step} ({page.url}): axe-core found\n" + "\n".join(
            f"  {v['id']} ({v['impact']}) ×{v['count']}: {' | '.join(v['targets'])} – {v['help']}\n"
            f"    {v['why']}"
            for v in violations
        )
        assert self.csp == [], f"{step} ({page.url}): Content-Security-Policy violated: {self.csp}"

    def be(self, session: str | None) -> None:
        """From the next step on, the browser is the person of this session (None: nobody signed in)."""
        from django.conf import settings

        def switch(page):
            page.context.clear_cookies()
            if session:
                page.context.add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": self.base_url}]
                )

        self.do(switch)

    def close(self) -> None:
        def stop(page):
            self._browser.close()
            self._playwright.stop()

        try:
            self.do(stop)
        finally:
            self._thread.shutdown()


@pytest.fixture
def journey(axe_source):
    """journey(name) → a Journey against a live server started for it; the browser is closed, then the
    server stopped, after the test (so that no request is left half-served). Skips (fails in CI) without
    Chromium, and on PostgreSQL (the server thread must share the test's connection)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("needs the server thread to share the test's connection (SQLite)")
    require_browser()
    with contextlib.ExitStack() as stack:

        def start(name: str) -> Journey:
            base_url = stack.enter_context(serving())
            made = Journey(name, base_url, axe_source)
            stack.callback(made.close)
            return made

        yield start


def _session(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# ------------------------------------------------------------------------------------------- 1. a citizen

# "Industrijska dediščina, naš ponos" (Gorenjska's regional programme): the citizen types the genitive
# "dediščine"; the search lemmatises it and finds the project.
SEARCH_WORD = "dediščine"
SEARCH_TITLE = "Industrijska dediščina, naš ponos"


def test_a_citizen_finds_a_project_by_the_map_and_by_search(db, journey):
    from playwright.sync_api import expect

    def home_map(page):
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "sl")
        expect(page.locator("#map.leaflet-container")).to_be_visible()
        markers = page.locator("#map .leaflet-marker-icon")
        expect(markers.first).to_be_visible()
        box = page.locator("#map").bounding_box()
        pins = markers.count()
        for i in range(pins):  # a pin points with its tip, which stands inside the map's box
            pin = markers.nth(i).bounding_box()
            tip_x, tip_y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"]
            assert box["x"] <= tip_x <= box["x"] + box["width"], f"pin {i} beside the map"
            assert box["y"] <= tip_y <= box["y"] + box["height"], f"pin {i} above or below the map"
        assert page.locator(".regija-places li a").count() == pins, "each pin is a place in the list too"
        expect(page.locator("#map-note")).to_be_visible()  # no tiles here: the page says so
        j.seen("home")

        # a pin (the last one drawn: on top of any it overlaps) opens a popup with a link to its project
        pin = markers.last
        name = pin.get_attribute("alt")
        pin.click()
        link = page.locator(".leaflet-popup-content a")
        expect(link).to_have_text(name)
        j.seen("pin-popup")
        link.click()
        page.wait_for_url("**/projekti/**")
        expect(page.locator("h1")).to_contain_text(name.split(" ", 1)[1])
        j.seen("project-from-the-map")

    def search(page):
        form = page.get_by_role("search")
        form.locator("input[name=q]").fill(SEARCH_WORD)
        form.locator("button[type=submit]").click()
        page.wait_for_url("**/iskanje/?q=*")
        expect(page.locator("#site-q")).to_have_value(SEARCH_WORD)
        hit = page.locator("main").get_by_role("link", name=SEARCH_TITLE)
        expect(hit.first).to_be_visible()
        j.seen("search-results")
        hit.first.click()
        page.wait_for_url("**/projekti/**")
        expect(page.locator("h1")).to_contain_text(SEARCH_TITLE)
        j.seen("project-from-the-search")

    j = journey("citizen")
    j.do(home_map)
    j.do(search)
