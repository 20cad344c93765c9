"""Fixtures for the browser tests: a live server that leaves the seed data alone, and headless Chromium.

Why not pytest-django's ``live_server``: it forces ``transactional_db``, and a transactional test
ends by flushing every table – the five seed strategies that ``tests/conftest.py`` loads once per
session (and the search index built from them) would be gone for every test that runs after it.
The seeds are committed before any test starts, so a server thread can read them from a
non-transactional ``db`` test as well:

* PostgreSQL: the server's request threads open their own connections to the test database and see
  the committed seeds; the test's own transaction (rolled back at the end) is never needed by them.
* SQLite: the test database lives in memory, so – as Django's LiveServerTestCase does – the server
  thread is handed the test's own connection and sees exactly what the test sees.

The browser journeys only read, so nothing has to be committed and nothing is flushed.
"""

from __future__ import annotations

import contextlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("REGIJA_CHROMIUM", "/usr/bin/chromium"))
# Chromium as root on a machine without a screen and with a closed network (see the machine notes):
# without the background-networking flags it keeps trying to reach Google's hosts.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless Chromium against a live server")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str):
    """In CI a missing browser is a broken setup (fail); on a developer's machine it is a skip."""
    if _in_ci():
        pytest.fail(
            f"{reason} (CI is set, so the browser tests must run: .ci/run installs what they need)",
            pytrace=False,
        )
    pytest.skip(reason)


def _as_is(application):
    return application


@contextlib.contextmanager
def serving():
    """Serve the app on a free port of 127.0.0.1 while the block runs; gives the base URL. On SQLite the
    server thread uses this thread's connection (see above), so it sees what this thread has written."""
    from django.db import connections
    from django.test.testcases import LiveServerThread

    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    # static files through the app's own WhiteNoise middleware, as `regija up` serves them
    thread = LiveServerThread("127.0.0.1", _as_is, connections_override=shared, port=0)
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    try:
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


@pytest.fixture
def live_url(db):
    """Serve the app on a free port of 127.0.0.1 for one test; yields the base URL."""
    with serving() as url:
        yield url


def launch(pw):
    """Headless Chromium (Debian's) from a started Playwright; fails in CI and skips elsewhere when absent."""
    return pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)


def require_browser() -> None:
    """Chromium and Playwright are there, or the test fails (CI) or is skipped (elsewhere)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable('Playwright is not installed: pip install -e ".[test]"')


@pytest.fixture
def browser_page(live_url, monkeypatch, tmp_path):
    """A fresh Chromium page (Slovenian visitor) whose relative URLs resolve against the live server."""
    require_browser()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django would then refuse ORM calls
    # made by the test (SynchronousOnlyOperation). Only for this test, not the whole session.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            context = browser.new_context(base_url=live_url, locale="sl-SI", accept_downloads=True)
            context.set_default_timeout(15_000)
            page = context.new_page()
            yield page
            context.close()
        finally:
            browser.close()


# Every violation of the Content-Security-Policy the browser sees: the page's own
# `securitypolicyviolation` events (reported to the test through a binding, on every page the context
# opens, before any of the page's scripts run) and Chromium's console messages about the policy.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = document.location.pathname;
  window.reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${where}`);
});
"""


@pytest.fixture
def csp_violations(browser_page):
    """A list that fills with each CSP violation the browser reports while the test runs."""
    seen: list[str] = []
    context = browser_page.context
    context.expose_function("reportCspViolation", lambda text: seen.append(text))
    context.add_init_script(_REPORT_VIOLATIONS)
    browser_page.on(
        "console",
        lambda msg: seen.append(f"console: {msg.text}") if "Content Security Policy" in msg.text else None,
    )
    return seen


# axe-core in the page: the npm package of frontend/package.json (``npm ci --prefix frontend``), read from
# REGIJA_AXE. The pages' screenshots and findings go to REGIJA_ARTEFACTS, for CI to keep.
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("REGIJA_AXE", ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"))
ARTEFACTS = Path(os.environ.get("REGIJA_ARTEFACTS", ROOT / "var" / "artefacts" / "browser"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_AXE_RUN = r"""
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    count: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    why: (v.nodes[0].failureSummary || "").replace(/\s+/g, " ").slice(0, 240),
  }));
}
"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's source, to evaluate in a page (through the DevTools protocol: the page's CSP forbids an
    inline <script>, and does not govern what the protocol evaluates)."""
    if not AXE.exists():
        _unavailable(
            f"axe-core not found at {AXE}: run `npm ci --prefix frontend`, or point REGIJA_AXE at axe.min.js"
        )
    return AXE.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------- journeys (test_*journeys.py)

SHOTS = ARTEFACTS / "journeys"


def _sl(text, context: str | None = None) -> str:
    """A msgid (with its ``context`` when the template gives one), or a lazy label (a choice's), as a
    Slovenian visitor reads it."""
    from django.utils import translation

    with translation.override("sl"):
        if not isinstance(text, str):
            return str(text)
        return translation.pgettext(context, text) if context else translation.gettext(text)


class Journey:
    """One person's browser (a context of 1280×900 px, Slovenian) driven from a thread of its own.

    ``do(fn, *args)`` runs ``fn(page, *args)`` there and gives back its result (an assertion that fails
    there fails here); with a ``limit`` (seconds), a step that ends later than that after the journey
    started fails it – a journey takes seconds, and one that slows to minutes should be noticed.
    ``seen(name)`` – called in a step – runs axe-core, requires 0 violations and no CSP violation
    so far, and saves the screenshot ``<journey>-<nn>-<name>.png``."""

    def __init__(
        self,
        name: str,
        base_url: str,
        axe_source: str,
        limit: float | None = None,
        beside: Journey | None = None,
    ):
        self.name = name
        self.limit = limit
        self.started = time.monotonic()
        self.base_url = base_url
        self.axe_source = axe_source
        self.steps = 0
        self.csp: list[str] = []
        # beside another journey: a second person at the same time, in a context of its own (own cookies)
        # of the other's Chromium, driven from the other's thread (Playwright's sync API keeps to one)
        self._beside = beside
        if beside is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"journey-{name}")
        else:
            self._thread = beside._thread
            self._playwright, self._browser = beside._playwright, beside._browser
        self.page = self._thread.submit(self._start, base_url).result()

    def _start(self, base_url: str):
        from playwright.sync_api import sync_playwright

        if self._beside is None:
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
            lambda msg: (
                self.csp.append(f"console: {msg.text}") if "Content Security Policy" in msg.text else None
            ),
        )
        return page

    def do(self, fn, *args):
        result = self._thread.submit(fn, self.page, *args).result()
        took = time.monotonic() - self.started
        assert self.limit is None or took <= self.limit, (
            f"the {self.name} journey took {took:.0f} s up to the end of {fn.__name__}, "
            f"more than its bound of {self.limit:.0f} s"
        )
        return result

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
        if self._beside is not None:  # only its context: the browser and the thread are the other's
            self.do(lambda page: page.context.close())
            return

        def stop(page):
            self._browser.close()
            self._playwright.stop()

        try:
            self.do(stop)
        finally:
            self._thread.shutdown()


@pytest.fixture
def journey(axe_source):
    """journey(name, limit=None) → a Journey against a live server started for it (``limit``: the most
    seconds it may take, see Journey); journey(name, beside=other) → a second person's browser context
    against ``other``'s server, in ``other``'s Chromium. The browser is closed, then the
    server stopped, after the test (so that no request is left half-served). Skips (fails in CI) without
    Chromium, and on PostgreSQL (the server thread must share the test's connection)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("needs the server thread to share the test's connection (SQLite)")
    require_browser()
    with contextlib.ExitStack() as stack:

        def start(name: str, limit: float | None = None, beside: Journey | None = None) -> Journey:
            base_url = beside.base_url if beside is not None else stack.enter_context(serving())
            made = Journey(name, base_url, axe_source, limit, beside)
            stack.callback(made.close)
            return made

        yield start


def _session(user) -> str:
    """A session of ``user`` (signed in), as the value of the session cookie for ``Journey.be``."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value
