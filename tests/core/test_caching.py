"""Cached pages are never stale after a committed change, and unchanged pages answer 304."""

from __future__ import annotations

import pytest

from regija.strategies.models import Strategy

pytestmark = pytest.mark.django_db

URL = "/strategije/las-zasavje-2023/"


@pytest.fixture
def real_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_etag_and_not_modified(client, real_cache):
    first = client.get(URL)
    tag = first["ETag"]
    again = client.get(URL, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304 and again.content == b""
    # another language is another representation
    assert client.get(URL, HTTP_IF_NONE_MATCH=tag, HTTP_ACCEPT_LANGUAGE="en").status_code == 200


def test_a_committed_change_shows_at_once(
    client, real_cache, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    first = client.get(URL)
    with django_assert_max_num_queries(1):  # a cache hit reads only the data version
        assert client.get(URL).content == first.content
    with django_capture_on_commit_callbacks(execute=True):
        strategy = Strategy.objects.get(slug="las-zasavje-2023")
        strategy.title = "Novi naslov poročila"
        strategy.save()
    response = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert "Novi naslov poročila" in response.content.decode()
    assert response["ETag"] != first["ETag"]


def test_signed_in_staff_never_get_a_cached_page(client, real_cache, member):
    client.get(URL)
    client.force_login(member("editor", "las-zasavje"))
    html = client.get(URL).content.decode()
    assert "Change history" in html or "Zgodovina sprememb" in html


def test_search_page_is_cached_until_the_index_is_rebuilt(
    client, real_cache, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from regija.search import indexing

    with django_capture_on_commit_callbacks(execute=True):
        indexing.rebuild()
    first = client.get("/iskanje/", {"q": "zasavje"})
    assert first.status_code == 200
    with django_assert_max_num_queries(1):  # a cache hit reads only the data version
        assert client.get("/iskanje/", {"q": "zasavje"}).content == first.content
    # the index changes without a signal (as after an import); the rebuild makes the cached page stale
    Strategy.objects.filter(slug="las-zasavje-2023").update(title="Zasavski kovaški načrt")
    with django_capture_on_commit_callbacks(execute=True):
        indexing.rebuild()
    response = client.get("/iskanje/", {"q": "kovaški"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert "Zasavski kovaški načrt" in response.content.decode()
    again = client.get("/iskanje/", {"q": "zasavje"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again["ETag"] != first["ETag"]


def test_pages_missing_the_page_cache_reuse_summaries_until_a_change(
    client, real_cache, member, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """Home and strategy page keep their costly parts per data version: another query string, a
    signed-in editor, the next language reuse them – and a committed change shows at once everywhere."""
    from decimal import Decimal

    from django.utils import translation

    from regija.core.templatetags.regija import eur
    from regija.projects.models import BudgetLine
    from regija.projects.selectors import strategy_rollup

    first_home = client.get("/")
    first_strategy = client.get(URL)
    # a page-cache miss (another query string) reads the data version, the page's own rows and the
    # stored summaries
    with django_assert_max_num_queries(8):
        assert client.get("/", {"utm": "x"}).status_code == 200
    editor = member("editor", "las-zasavje")
    client.force_login(editor)
    assert "Change history" in client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.logout()
    line = BudgetLine.objects.filter(project__strategy__slug="las-zasavje-2023").order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        line.amount += Decimal("1000000.00")
        line.save()
    with translation.override("sl"):
        total = eur(strategy_rollup(Strategy.objects.get(slug="las-zasavje-2023")).total)
    for url, first in (("/", first_home), (URL, first_strategy)):
        html = client.get(url, {"utm": "x"}).content.decode()
        assert total in html and total not in first.content.decode()


def test_project_list_missing_the_page_cache_reads_only_the_data_version(
    client, real_cache, member, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """The count, rows, map and filter options of a project list are kept per filters and page: a
    query string the page cache has not seen, or a signed-in editor, reads nothing else – and a
    committed change shows at once."""
    from regija.projects.models import Project

    url = "/projekti/?strategy=las-zasavje-2023&status=completed"
    first = client.get(url).content.decode()
    table = first[first.index("<table") : first.index("</table>")]
    with django_assert_max_num_queries(1):
        again = client.get(url + "&utm=x").content.decode()
    assert again[again.index("<table") : again.index("</table>")] == table
    client.force_login(member("editor", "las-zasavje"))
    with django_assert_max_num_queries(6):  # the session and the user's memberships, then the same
        assert client.get(url).status_code == 200
    client.logout()
    shown = [
        p
        for p in Project.objects.filter(strategy__slug="las-zasavje-2023", status="completed")
        if p.get_absolute_url() in table
    ]
    assert shown
    with django_capture_on_commit_callbacks(execute=True):
        shown[0].status = "in_progress"
        shown[0].save()
    after = client.get(url + "&utm=y").content.decode()
    assert shown[0].get_absolute_url() not in after and shown[1].get_absolute_url() in after


def _deploy(settings, release: str):
    """What an upgrade does: a new release names the cache's key prefix and the ETags (settings.py)."""
    settings.REGIJA_RELEASE = release
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "t",
            "KEY_PREFIX": release,
        }
    }


@pytest.mark.parametrize("url", [URL, "/", "/projekti/?strategy=las-zasavje-2023", "/api/v1/strategies"])
def test_a_deploy_never_serves_the_old_release(client, settings, url):
    """After an upgrade that changes a template or a schema, nothing rendered by the old code is served
    and no browser is told its old copy is still good – though the data did not change."""
    from django.core.cache import cache

    _deploy(settings, "1.0-old")
    cache.clear()
    old = client.get(url)
    assert old.status_code == 200
    # the old release's copy is in the cache; mark it so that serving it would show
    assert client.get(url, HTTP_IF_NONE_MATCH=old["ETag"]).status_code == 304
    _deploy(settings, "1.1-new")
    fresh = client.get(url, HTTP_IF_NONE_MATCH=old["ETag"])
    assert fresh.status_code == 200, "an old ETag must not be answered 304 by a new release"
    assert fresh["ETag"] != old["ETag"]


def test_a_deploy_does_not_read_the_old_releases_entries(client, settings):
    from django.core.cache import cache

    _deploy(settings, "1.0-old")
    cache.clear()
    client.get(URL)
    keys_before = set(cache._cache)  # LocMemCache: every key carries the release as its prefix
    assert keys_before and all(k.startswith("1.0-old:") for k in keys_before)
    _deploy(settings, "1.1-new")
    client.get(URL)
    assert any(k.startswith("1.1-new:") for k in cache._cache)


def test_the_release_changes_with_a_template(tmp_path):
    from regija.core.release import code_hash

    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>{{ a }}</p>")
    before = code_hash(tmp_path)
    page.write_text("<p>{{ a }} {{ b }}</p>")
    assert code_hash(tmp_path) != before


@pytest.mark.parametrize("url", [URL, "/", "/projekti/", "/organizacije/las-zasavje/", "/api/v1/strategies"])
def test_a_signed_in_page_never_reaches_an_anonymous_visitor(client, real_cache, member, url):
    """A signed-in editor's page (with staff links, their name) is never stored for anonymous visitors,
    and their ETag is not an anonymous visitor's."""
    editor = member("editor", "las-zasavje", username="urednica-zasavje")
    client.force_login(editor)
    signed_in = client.get(url)
    assert signed_in.status_code == 200
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 200
    assert b"urednica-zasavje" not in anonymous.content
    assert b"/zgodovina/" not in anonymous.content  # staff links (change history) are not shown
    assert client.get(url, HTTP_IF_NONE_MATCH=signed_in["ETag"]).status_code == 200


def test_the_next_moment_is_read_from_a_kept_list_that_never_answers_for_the_past(
    real_cache, clock, django_capture_on_commit_callbacks
):
    """``next_moment`` keeps the upcoming moments per data version: later requests read them instead of
    asking the tables, a moment that has passed is skipped, a clock set back asks again, and a change
    to the data asks again."""
    import datetime as dt

    from regija.core import caching

    start = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    moments = [start + dt.timedelta(hours=h) for h in (1, 2, 3)]  # within the entries' day
    asked: list[dt.datetime] = []

    def upcoming(at, n):
        asked.append(at)
        return [m for m in moments if m > at][:n]

    clock(start)
    assert caching.next_moment("test", upcoming) == moments[0]
    assert caching.next_moment("test", upcoming) == moments[0] and len(asked) == 1
    clock(moments[0])  # the first has come: the next is the second, from the kept list
    assert caching.next_moment("test", upcoming) == moments[1] and len(asked) == 1
    clock(moments[2] + dt.timedelta(seconds=1))  # all have passed and the list was whole: none
    assert caching.next_moment("test", upcoming) is None and len(asked) == 1
    clock(start - dt.timedelta(hours=1))  # a clock set back: the kept list cannot say
    assert caching.next_moment("test", upcoming) == moments[0] and len(asked) == 2
    moments.insert(0, start - dt.timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        caching.bump()  # a change to the data
    assert caching.next_moment("test", upcoming) == moments[0] and len(asked) == 3


def test_a_long_kept_list_is_made_again_once_its_moments_have_passed(real_cache, clock, monkeypatch):
    import datetime as dt

    from regija.core import caching

    monkeypatch.setattr(caching, "MOMENTS_KEPT", 2)
    start = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    moments = [start + dt.timedelta(hours=h) for h in (1, 2, 3, 4)]
    clock(start)
    assert caching.next_moment("test", lambda at, n: [m for m in moments if m > at][:n]) == moments[0]
    clock(moments[1] + dt.timedelta(seconds=1))  # past the two kept: the third is read from the table
    assert caching.next_moment("test", lambda at, n: [m for m in moments if m > at][:n]) == moments[2]
