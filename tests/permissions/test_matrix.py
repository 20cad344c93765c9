"""The permission matrix (issue 12): every role × every action × owner, against the expected table
``matrix.csv`` beside this file – the table is the documentation of who may do what.

Rows are actions (``actions.py``): each API operation of the OpenAPI document, each back-office model
registered in the admin site (its list, add, change and delete), each page and workflow POST of the URL
conf, attachment downloads – on objects of the owners of ``world.py``. Columns are the roles. A cell is:

- ``allow``: answered 2xx or a redirect that is not to the sign-in page, and a write changed what it
  writes (read back from the database);
- ``listed`` / ``unlisted``: the list answered 200 and shows / does not show the object;
- ``login``: redirected to the sign-in page (the site's or the back office's), nothing changed;
- ``401``, ``403``, ``404``: exactly that status, nothing changed;
- ``denied``: 403, 404 or the back office's "does not exist" redirect to its index, nothing changed;
- ``refused``: the page answered (a redirect with a message, or a 200/403/409/422 page) and nothing changed.

A new API operation, registered model or URL without rows, or a row naming an action that no longer
exists, fails ``test_the_table_*``. There is no list of tolerated failures: a failing cell is a
regression in the code, or a table that was wrong – then the table changes, saying why in its note.
"""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import get_resolver, reverse

from .actions import ACTIONS, ADMIN_OBJECTS
from .participation_world import PARTICIPATION_ROLES
from .world import ROLES
from .world_fixes import FIXES_ROLES

HERE = Path(__file__).parent
MATRIX = HERE / "matrix.csv"
# further tables with roles of their own: participation's (resident, verified resident, moderator, staff)
TABLES = {
    "matrix": (MATRIX, ROLES),
    "participation": (HERE / "matrix_participation.csv", PARTICIPATION_ROLES),
    # issue reports' (resident, anonymous reporter, staff, assignee organisation, moderator)
    "fixes": (HERE / "matrix_fixes.csv", FIXES_ROLES),
}
OUTCOMES = {"allow", "listed", "unlisted", "login", "401", "403", "404", "denied", "refused"}


def _table() -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for path, roles in TABLES.values():
        with path.open(encoding="utf-8", newline="") as f:
            rows.update(
                {f"{row['route']} | {row['object']}": {r: row[r] for r in roles} for row in csv.DictReader(f)}
            )
    return rows


TABLE = _table()
BY_ID = {a.id: a for a in ACTIONS}


def _cells():
    for a in ACTIONS:
        if a.id not in TABLE:
            continue
        for role in TABLE[a.id]:
            yield pytest.param(a.id, role, id=f"{a.id} | {role}")


# ------------------------------------------------------------------------------------ the table is complete


def test_the_table_has_a_row_for_every_action_and_no_other():
    missing = sorted(set(BY_ID) - set(TABLE))
    stale = sorted(set(TABLE) - set(BY_ID))
    assert not missing, f"actions without a row in {MATRIX.name}: {missing}"
    assert not stale, f"rows of {MATRIX.name} naming no action: {stale}"


def test_the_table_says_an_outcome_in_every_cell():
    bad = {(k, r, v) for k, row in TABLE.items() for r, v in row.items() if v not in OUTCOMES}
    assert not bad


def test_the_table_walks_every_api_operation():
    from regija.portal.api import api

    operations = {
        f"{method.upper()} {path}"
        for path, ops in api.get_openapi_schema()["paths"].items()
        for method in ops
    }
    walked = {a.key for a in ACTIONS if a.surface == "api"}
    assert operations - walked == set(), "API operations without rows"
    assert walked - operations == set(), "rows for API operations that no longer exist"


def _url_names(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if hasattr(p, "url_patterns"):
            if route.startswith(("admin/", "api/")):
                continue  # walked through the admin registry and the OpenAPI document
            yield from _url_names(p.url_patterns, route)
        elif not route.startswith(("admin/", "api/")):
            yield p.name


def test_the_table_walks_every_page_and_workflow_post():
    names = set(_url_names(get_resolver().url_patterns))
    walked = {a.key for a in ACTIONS if a.surface == "page"}
    assert names - walked == set(), "pages without rows"
    assert walked - names == set(), "rows for pages that no longer exist"


def test_the_table_walks_every_back_office_model():
    from django.contrib import admin

    registered = {m._meta.label for m in admin.site._registry}
    walked = {a.key for a in ACTIONS if a.surface == "admin"} - {"autocomplete"}
    assert registered == walked
    assert set(ADMIN_OBJECTS) <= registered, "objects named for models no longer in the back office"


# ------------------------------------------------------------------------------------------------ the cells


def _outcome(response):
    code = response.status_code
    if code in (301, 302, 303):
        location = urlsplit(response["Location"]).path
        if location in (reverse("login"), reverse("admin:login")):
            return "login"
        if location == reverse("admin:index"):
            return "missing"  # the back office's "… does not exist" for an object one may not see
        return "redirect"
    return code


def _content(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize(("action_id", "role"), list(_cells()))
def test_cell(world, db, matrix_client, action_id, role):
    action, expected = BY_ID[action_id], TABLE[action_id][role]
    client = matrix_client
    client.cookies.clear()
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    before = action.probe(world) if action.probe else None
    response = action.do(client, world, role)
    got = _outcome(response)
    changed = action.probe is not None and action.probe(world) != before
    # read to the end: the test client then closes a file download itself (closing it here would send
    # request_finished again, which closes the database connection the world's transaction is on)
    body = _content(response)
    seen = f"answered {got}" + (", and it changed" if changed else "")

    if expected == "allow":
        assert got in (200, 201, 204, "redirect"), seen
        if action.probe:
            assert changed, f"{seen}, but nothing changed"
    elif expected in ("listed", "unlisted"):
        assert got == 200, seen
        shown = action.marker(world) in body
        assert shown == (expected == "listed"), (
            f"{action.marker(world)!r} is {'' if shown else 'not '}in the answer, the table says {expected}"
        )
    else:
        assert not changed, f"{seen}: the change was made"
        if expected == "login":
            assert got == "login", seen
        elif expected in ("401", "403", "404"):
            assert got == int(expected), seen
        elif expected == "denied":
            assert got in (403, 404, "missing"), seen
        elif expected == "refused":
            assert got in ("redirect", 200, 403, 409, 422), seen
