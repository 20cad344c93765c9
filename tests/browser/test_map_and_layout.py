"""The map and the layout in headless Chromium: where the pins land, what the visitor reads when the base
map cannot be loaded, what a first visit to the project list costs, and that no page scrolls sideways on
a phone (390 px) or a laptop (1280 px).

Needs Debian's Chromium (/usr/bin/chromium) and Playwright (the ``test`` extra); see conftest.py.
Tiles come from the tile server of settings.MAP_TILE_URL; these tests refuse every request that leaves
the test server, so the base map always fails to load here – as it does on a machine without internet.
"""

from __future__ import annotations

import gzip
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.external, pytest.mark.django_db]

VELENJE = "velenje-pametno-mesto-2022-2030"
ZASAVJE = "zasavje-po-2027"
LAS = "las-zasavje-2023"
# What a first visit to the project list may transfer once the server compresses its answers (the HTML,
# the style sheet and the scripts; Leaflet only when the visitor asks for the map).
FIRST_VISIT_BUDGET = 100_000


def _stay_local(page, live_url: str) -> None:
    """Refuse every request that leaves the test server (the map's tiles among them)."""
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(live_url) else route.abort(),
    )


def _sl(msgid: str) -> str:
    from django.utils import translation

    with translation.override("sl"):
        return translation.gettext(msgid)


def _pins_inside_the_map(page) -> int:
    """Assert that every marker stands inside the map's visible box; return how many there are."""
    box = page.locator("#map").bounding_box()
    markers = page.locator("#map .leaflet-marker-icon")
    n = markers.count()
    assert n > 0, "the map shows no project"
    for i in range(n):
        pin = markers.nth(i).bounding_box()
        tip_x, tip_y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"]  # a pin points with its tip
        assert box["x"] <= tip_x <= box["x"] + box["width"], f"pin {i} left or right of the map: {pin} {box}"
        assert box["y"] <= pin["y"] and tip_y <= box["y"] + box["height"], (
            f"pin {i} above or below: {pin} {box}"
        )
    return n


def test_home_map_pins_are_in_view_and_a_note_says_the_base_map_is_missing(
    browser_page, live_url, csp_violations
):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _stay_local(page, live_url)
    page.goto("/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    expect(page.locator("#map .leaflet-marker-icon").first).to_be_visible()
    pins = _pins_inside_the_map(page)
    # every pin is also in the list of places beside the map, as a link to its project
    places = page.locator(".regija-places li a")
    assert places.count() == pins
    # the tiles cannot be loaded here: the page says so in words, not just a grey box
    note = page.locator("#map-note")
    expect(note).to_be_visible()
    expect(note).to_have_text(_sl("The base map cannot be loaded; the project points are shown without it."))
    # the attribution's links are underlined (told apart from its text by more than colour)
    link = page.locator("#map .leaflet-control-attribution a").first
    assert "underline" in link.evaluate("a => getComputedStyle(a).textDecorationLine")
    assert csp_violations == []


def test_project_list_first_visit_is_light_and_leaflet_comes_when_asked(
    browser_page, live_url, csp_violations
):
    from playwright.sync_api import expect

    page = browser_page
    _stay_local(page, live_url)
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto("/projekti/", wait_until="networkidle")

    loaded = [r for r in responses if r.url.startswith(live_url)]
    assert not [r.url for r in loaded if "leaflet" in r.url], "Leaflet was loaded before anyone asked"
    bodies = {r.url.removeprefix(live_url): r.body() for r in loaded}
    plain = sum(len(b) for b in bodies.values())
    compressed = sum(len(gzip.compress(b)) for b in bodies.values())
    sizes = ", ".join(f"{url} {len(b):,} B" for url, b in bodies.items())
    print(f"\nfirst visit to /projekti/: {plain:,} bytes uncompressed, {compressed:,} gzipped ({sizes})")
    assert compressed < FIRST_VISIT_BUDGET, f"{compressed:,} bytes gzipped ({plain:,} uncompressed): {sizes}"

    # the places are listed without the map; the map comes on request, with a pin for each place
    places = page.locator(".regija-places li a").count()
    assert places > 0
    expect(page.locator("#map")).to_be_hidden()
    page.locator("button.regija-map__show").click()
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    expect(page.locator("#map .leaflet-marker-icon").first).to_be_visible()
    assert any(r.url.endswith("/leaflet.js") for r in responses)
    assert _pins_inside_the_map(page) == places
    expect(page.locator("#map-note")).to_be_visible()
    assert csp_violations == []


def test_project_list_map_view_draws_the_map_at_once(browser_page, live_url):
    from playwright.sync_api import expect

    page = browser_page
    _stay_local(page, live_url)
    page.goto(f"/projekti/?strategy={LAS}&pogled=zemljevid")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    expect(page.locator("#map .leaflet-marker-icon").first).to_be_visible()
    assert page.locator("button.regija-map__show").count() == 0
    _pins_inside_the_map(page)


def _pages() -> list[str]:
    from regija.projects.models import Project
    from regija.strategies.models import Indicator

    indicator = Indicator.objects.filter(observations__isnull=False).select_related("strategy").first()
    project = Project.objects.select_related("strategy").get(strategy__slug=LAS, code="JP1-01")
    return [
        "/",
        "/?pogled=tabela",
        f"/strategije/{VELENJE}/",
        f"/strategije/{ZASAVJE}/?open=all",
        f"/strategije/{LAS}/JP1/",
        indicator.get_absolute_url(),
        "/projekti/",
        "/projekti/?amount_min=veliko",
        project.get_absolute_url(),
        "/skladi/",
        "/iskanje/?q=projekt",
        "/organizacije/",
        "/organizacije/las-zasavje/",
        "/organizacije/las-zasavje/organi/",
        "/razpisi/",
    ]


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_scrolls_sideways(browser_page, live_url, width):
    """Wide tables and matrices scroll inside their own box; the page itself never does."""
    page = browser_page
    page.set_viewport_size({"width": width, "height": 800})
    _stay_local(page, live_url)
    wider = []
    for url in _pages():
        page.goto(url)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if scroll > inner:
            wider.append(f"{url}: {scroll} px")
    assert wider == [], f"pages wider than {width} px"


def test_project_filters_fold_behind_a_button_on_a_phone(browser_page, live_url):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/projekti/")
    form = page.locator("form#project-filters")
    toggle = page.locator("button.regija-filters-toggle[aria-controls='project-filters']")
    expect(toggle).to_be_visible()
    expect(form).to_be_hidden()
    toggle.click()
    expect(form).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # on a wide screen the form is simply there
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/projekti/")
    expect(page.locator("form#project-filters")).to_be_visible()
    expect(page.locator("button.regija-filters-toggle")).to_be_hidden()


def test_strategy_tree_has_no_link_inside_a_summary(browser_page):
    """axe's nested-interactive: a <summary> is a button; a link inside it cannot be reached rightly."""
    page = browser_page
    for slug in (VELENJE, ZASAVJE):
        page.goto(f"/strategije/{slug}/?open=all")
        assert page.locator("summary a, summary button, summary input").count() == 0, slug
        assert page.locator("ul.tree .regija-tree__row a").count() > 0


@pytest.fixture
def collected(settings, tmp_path):
    """Static files collected as `regija up` and deployments do: hashed names (before the server starts)."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)


def test_marker_images_load_when_static_files_have_hashed_names(collected, browser_page, live_url):
    """Leaflet guesses its marker images' folder from its stylesheet, which fails on hashed names: the
    pins were broken images on an instance started with `regija up`."""
    from playwright.sync_api import expect

    page = browser_page
    _stay_local(page, live_url)
    page.goto("/")
    expect(page.locator("#map .leaflet-marker-icon").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    icons = page.locator("#map img.leaflet-marker-icon").evaluate_all(
        "imgs => imgs.map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0}))"
    )
    assert icons and all(i["ok"] for i in icons), icons[:3]
    assert re.search(r"/marker-icon\.[0-9a-f]{12}\.png$", icons[0]["src"]), icons[0]["src"]
