"""A visitor's journey in headless Chromium: home page → strategy 004 → measure 5.1 → project list → CSV.

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


def test_home_to_measure_to_project_list_csv(browser_page):
    from playwright.sync_api import expect

    from regija.projects.views import EXPORT_COLUMNS

    page = browser_page

    # Home page, in Slovenian for a Slovenian browser
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "sl")
    strategy_link = page.get_by_role("link", name=re.compile("^" + re.escape(VELENJE_TITLE)))
    expect(strategy_link).to_have_count(1)
    strategy_link.click()

    # Strategy page: the goals are open <details>, measures are links in their <summary>
    page.wait_for_url(f"**/strategije/{VELENJE_SLUG}/")
    expect(page.locator("h1")).to_have_text(re.compile("^" + re.escape(VELENJE_TITLE)))
    measure = page.locator("ul.tree summary").get_by_role("link", name=re.compile(r"^\s*5\.1(?!\d)"))
    expect(measure).to_have_count(1)
    expect(measure).to_be_visible()  # its goal (5) is open by default
    measure.click()

    # Measure page
    page.wait_for_url(f"**/strategije/{VELENJE_SLUG}/5.1/")
    expect(page.locator("h1")).to_have_text(re.compile(r"^5\.1\s"))

    # Project list through the header's main navigation
    page.locator("header.site nav").get_by_role("link", name="Projekti", exact=True).click()
    page.wait_for_url("**/projekti/")
    status = page.get_by_role("status").filter(has=page.get_by_role("link", name="CSV", exact=True))
    expect(status).to_have_count(1)
    shown = _count_on_page(status.inner_text())
    assert shown > 0, "the five seed strategies have projects; the list shows none"

    # Download exactly this list as CSV
    with page.expect_download() as download_info:
        status.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename == "projekti.csv"
    with open(
        download.path(), encoding="utf-8-sig", newline=""
    ) as fh:  # the file starts with a BOM for Excel
        rows = list(csv.reader(io.StringIO(fh.read())))

    header, data = rows[0], rows[1:]
    assert header == [label for _key, label in EXPORT_COLUMNS]
    assert header[:3] == ["strategy", "code", "title"] and "total (EUR)" in header and header[-1] == "url"
    assert all(len(row) == len(header) for row in data), "a row with a different number of fields"
    assert len(data) == shown, f"the page says {shown} projects, the CSV has {len(data)} rows"
    keys = [(row[0], row[1]) for row in data]
    assert len(set(keys)) == len(keys), "a project appears twice in the CSV"
    assert all(row[-1].startswith(page.url.split("/projekti/")[0] + "/projekti/") for row in data)
