"""A visitor's journey in headless Chromium: home page → strategy 004 → measure 5.1 → project list with
its map (drawn when asked for) → CSV → the API documentation, with no violation of the
Content-Security-Policy on the way.

Needs Debian's Chromium (/usr/bin/chromium) and Playwright (the ``test`` extra). Without Chromium the
test is skipped, or fails when CI is set. See conftest.py for why it does not use ``live_server``.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.external, pytest.mark.django_db]

VELENJE_SLUG = "velenje-pametno-mesto-2022-2030"
VELENJE_TITLE = "Strategija digitalnega razvoja pametnega mesta in skupnosti Mestne občine Velenje"
# "1234 projektov" / "1 project" / "1.234 projects": the leading number of the list's status line
COUNT = re.compile(r"^\s*(\d[\d.,\u00a0\u202f ]*)\s*(?:projekt|project)", re.IGNORECASE)


def _count_on_page(text: str) -> int:
    match = COUNT.match(text)
    assert match, f"no project count at the start of the status line: {text!r}"
    return int(re.sub(r"\D", "", match.group(1)))


def test_home_to_measure_to_project_list_csv(browser_page, csp_violations):
    from django.utils import translation
    from playwright.sync_api import expect

    from regija.projects.views import EXPORT_COLUMNS

    page = browser_page

    # Home page, in Slovenian for a Slovenian browser
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "sl")
    strategy_link = page.get_by_role("link", name=re.compile("^" + re.escape(VELENJE_TITLE)))
    expect(strategy_link).to_have_count(1)
    strategy_link.click()

    # Strategy page: the goals lead; in the tree below, the goals are open <details> and each part is a
    # link beside them (never inside a <summary>)
    page.wait_for_url(f"**/strategije/{VELENJE_SLUG}/")
    expect(page.locator("h1")).to_have_text(re.compile("^" + re.escape(VELENJE_TITLE)))
    expect(page.locator("#goals ~ .regija-goals .regija-goal")).to_have_count(7)
    assert page.locator("ul.tree summary a").count() == 0
    measure = page.locator("ul.tree .regija-tree__row").get_by_role(
        "link", name=re.compile(r"^\s*5\.1(?!\d)")
    )
    expect(measure).to_have_count(1)
    expect(measure).to_be_visible()  # its goal (5) is open by default
    measure.click()

    # Measure page
    page.wait_for_url(f"**/strategije/{VELENJE_SLUG}/5.1/")
    expect(page.locator("h1")).to_have_text(re.compile(r"^5\.1\s"))

    # Project list through the header's main navigation
    menu = page.get_by_role("navigation", name="Glavna navigacija")
    menu.get_by_role("link", name="Projekti", exact=True).click()
    page.wait_for_url("**/projekti/")
    status = page.get_by_role("status").filter(has=page.get_by_role("link", name="CSV", exact=True))
    expect(status).to_have_count(1)
    shown = _count_on_page(status.inner_text())
    assert shown > 0, "the five seed strategies have projects; the list shows none"

    # The map (Leaflet, from static files under the CSP) is drawn when asked for, with a marker per
    # located project
    page.locator("button.regija-map__show").click()
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    assert page.locator("#map .leaflet-marker-icon").count() > 0, "the map shows no project"

    # Download exactly this list as CSV
    with page.expect_download() as download_info:
        status.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename == "projekti.csv"
    # a Slovenian page gives the CSV in Slovenian Excel's dialect: BOM, semicolons, headers in Slovenian
    with open(download.path(), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(io.StringIO(fh.read()), delimiter=";"))

    header, data = rows[0], rows[1:]
    with translation.override("sl"):
        assert header == [str(label) for _key, label in EXPORT_COLUMNS]
    assert header[:3] == ["Strategija", "Šifra", "Naziv"] and "Skupaj (EUR)" in header
    assert all(len(row) == len(header) for row in data), "a row with a different number of fields"
    assert len(data) == shown, f"the page says {shown} projects, the CSV has {len(data)} rows"
    keys = [(row[0], row[1]) for row in data]
    assert len(set(keys)) == len(keys), "a project appears twice in the CSV"
    assert all(row[-1].startswith(page.url.split("/projekti/")[0] + "/projekti/") for row in data)

    # The API documentation: Swagger UI from static files, no inline script
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Regija")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()

    # The back office's sign-in page (Django's admin scripts under the same policy)
    page.goto("/admin/login/")
    expect(page.locator("#login-form")).to_be_visible()

    assert csp_violations == [], "the browser reported violations of the Content-Security-Policy"


@pytest.fixture
def superuser(member):
    """Made before the live server starts (a SQLite write while it runs finds the table locked)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("needs the server thread to share the test's connection (SQLite)")
    return member(None, username="root", superuser=True)


def test_back_office_scripts_keep_to_the_policy(superuser, browser_page, csp_violations):
    """Django's admin scripts – the slug filled in from the name, the organisation and node autocompletes
    (select2), the calendar – under the policy: no violation when a superuser adds an organisation and a
    call.

    SQLite only: there the server thread shares the test's connection and sees the user it made; on
    PostgreSQL it has its own connection, and this test's user is never committed (see conftest.py)."""
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    page = browser_page
    page.goto("/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url("**/admin/")

    page.goto("/admin/core/organisation/add/")
    page.locator("#id_name").press_sequentially("Zavod za preskus")  # keyup events, as typed
    expect(page.locator("#id_slug")).to_have_value("zavod-za-preskus")  # prepopulate.js ran
    page.locator(".field-parent .select2-selection").click()  # the autocomplete opens and asks the server
    page.locator(".select2-search__field").fill("Velenje")
    expect(page.locator(".select2-results__option").first).to_contain_text("Velenje")

    page.goto("/admin/calls/call/add/")
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()  # DateTimeShortcuts.js ran
    # a node is picked by its code and named with its strategy (the page's own autocomplete)
    page.locator(".field-nodes .select2-selection").click()
    page.locator(".select2-search__field").last.fill("JP1")
    expect(page.locator(".select2-results__option").first).to_contain_text(
        "JP1 1. javni poziv Partnerstva LAS Zasavje"
    )
    expect(page.locator(".select2-results__option").first).to_contain_text(
        "(Partnerstvo LAS Zasavje – poročilo"
    )
    page.locator(".select2-results__option").first.click()
    expect(page.locator(".field-nodes .select2-selection__choice")).to_contain_text("JP1")
    assert csp_violations == [], "the back office broke the Content-Security-Policy"
