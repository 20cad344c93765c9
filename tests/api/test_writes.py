"""Writes through the API: who may (401/403 matrix), what is audited, and 404/409/422 with field paths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from regija.core import tokens
from regija.core.models import AuditEntry
from regija.projects.models import BudgetLine, Payment, Project
from regija.strategies.models import Observation, Strategy

from .conftest import loc_of

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
VELENJE = "velenje-pametno-mesto-2022-2030"
PROJECT = f"/projects/{LAS}/JP1-01"  # listed by LAS Zasavje, held by KRC Hrastnik


def _last_entry(obj) -> AuditEntry:
    ct = ContentType.objects.get_for_model(type(obj))
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).order_by("-id").first()


# ---------------------------------------------------------------------------------------------
# Who may write


def test_no_token_is_401_with_www_authenticate(api):
    r = api.patch(PROJECT, {"title": "x"})
    assert r.status_code == 401
    assert r["WWW-Authenticate"].startswith("Bearer")
    assert "token" in r.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer rgj_not-a-real-token", "Bearer not-even-rgj", "Bearer "])
def test_unknown_token_is_401(api, client, header):
    r = client.patch(
        "/api/v1" + PROJECT, data='{"title": "x"}', content_type="application/json", HTTP_AUTHORIZATION=header
    )
    assert r.status_code == 401
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_other_scheme_is_401(api, client, token_for):
    _user, raw = token_for("editor", "las-zasavje")
    r = client.patch(
        "/api/v1" + PROJECT,
        data='{"title": "x"}',
        content_type="application/json",
        HTTP_AUTHORIZATION="Token " + raw,
    )
    assert r.status_code == 401


def test_revoked_token_is_401(api, token_for):
    user, raw = token_for("editor", "las-zasavje")
    token = user.api_tokens.get()
    assert tokens.revoke(user, token.pk)
    r = api.patch(PROJECT, {"title": "x"}, token=raw)
    assert r.status_code == 401
    assert 'error="invalid_token"' in r["WWW-Authenticate"]


def test_inactive_user_is_401(api, token_for):
    user, raw = token_for("editor", "las-zasavje")
    user.is_active = False
    user.save()
    assert api.patch(PROJECT, {"title": "x"}, token=raw).status_code == 401


def test_a_session_is_not_enough_for_writes(api, client, member):
    client.force_login(member("editor", "las-zasavje"))
    assert api.patch(PROJECT, {"title": "x"}).status_code == 401


@pytest.mark.parametrize(
    "who, status",
    [
        (dict(role="viewer", org="las-zasavje"), 403),  # viewer of an owning organisation
        (dict(role="editor", org="mov"), 403),  # editor of another organisation
        (dict(role=None, org=None), 403),  # a user without any organisation
        (dict(role="editor", org="las-zasavje"), 200),  # editor of the strategy's owner
        (dict(role="editor", org="krc-hrastnik"), 200),  # editor of the project's holder
        (dict(role="admin", org="las-zasavje"), 200),
        (dict(superuser=True), 200),
    ],
)
def test_permission_matrix_for_a_project(api, token_for, who, status):
    user, raw = token_for(**who)
    project = Project.objects.get(strategy__slug=LAS, code="JP1-01")
    old = project.title
    r = api.patch(PROJECT, {"title": "TIC Hrastnik (API)"}, token=raw)
    assert r.status_code == status, r.content
    project.refresh_from_db()
    if status == 403:
        assert project.title == old
        assert "may not change" in r.json()["detail"]
        return
    assert r.json()["title"] == project.title == "TIC Hrastnik (API)"
    entry = _last_entry(project)
    assert entry.action == "update" and entry.via == "api"
    assert entry.user == user and entry.actor == user.username
    assert entry.changes == {"title": [old, "TIC Hrastnik (API)"]}


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("patch", f"/strategies/{LAS}", {"status": "closed"}),
        ("post", f"/indicators/{LAS}/K1/observations", {"date": "2024-06-30", "value": "12"}),
        ("put", f"/indicators/{LAS}/K1/observations/2023-12-31", {"value": "11"}),
        ("delete", f"/indicators/{LAS}/K1/observations/2023-12-31", None),
        (
            "post",
            f"{PROJECT}/payments",
            {"fund": "CLLD", "label": "3. faza", "amount": "10.00", "state": "paid"},
        ),
        ("patch", f"{PROJECT}/budget-lines/{{line}}", {"amount": "57800.00"}),
    ],
)
def test_every_write_checks_the_token_and_the_organisation(api, token_for, method, path, body):
    line = BudgetLine.objects.get(project__strategy__slug=LAS, project__code="JP1-01")
    path = path.replace("{line}", str(line.pk))
    call = getattr(api, method)
    kwargs = {} if body is None else {"body": body}
    assert call(path, **kwargs).status_code == 401
    _u, other = token_for("editor", "mov")
    assert call(path, **kwargs, token=other).status_code == 403
    _u, viewer = token_for("viewer", "las-zasavje")
    assert call(path, **kwargs, token=viewer).status_code == 403
    _u, editor = token_for("editor", "las-zasavje")
    assert call(path, **kwargs, token=editor).status_code in (200, 201, 204)


# ---------------------------------------------------------------------------------------------
# Observations


@pytest.fixture
def las_editor(token_for):
    return token_for("editor", "las-zasavje")


def test_observation_create_update_delete(api, las_editor):
    user, raw = las_editor
    base = f"/indicators/{LAS}/K1/observations"
    r = api.post(base, {"date": "2024-06-30", "value": 12.5, "source": "Poročilo 2024"}, token=raw)
    assert r.status_code == 201, r.content
    assert r.json() == {"date": "2024-06-30", "value": "12.5", "source": "Poročilo 2024", "note": ""}
    obs = Observation.objects.get(
        indicator__strategy__slug=LAS, indicator__code="K1", date=dt.date(2024, 6, 30)
    )
    assert obs.value == Decimal("12.5")
    entry = _last_entry(obs)
    assert entry.action == "create" and entry.via == "api" and entry.user == user

    again = api.post(base, {"date": "2024-06-30", "value": "13"}, token=raw)
    assert again.status_code == 409
    assert "2024-06-30" in again.json()["detail"]

    put = api.put(f"{base}/2024-06-30", {"value": "13.25", "note": "popravek"}, token=raw)
    assert put.status_code == 200
    assert put.json() == {"date": "2024-06-30", "value": "13.25", "source": "", "note": "popravek"}
    entry = _last_entry(obs)
    assert entry.action == "update" and entry.user == user
    assert [Decimal(v) for v in entry.changes["value"]] == [Decimal("12.5"), Decimal("13.25")]
    # the same values again change nothing, so nothing is logged
    entries = AuditEntry.objects.count()
    assert (
        api.put(f"{base}/2024-06-30", {"value": "13.250", "note": "popravek"}, token=raw).status_code == 200
    )
    assert AuditEntry.objects.count() == entries

    detail = api.get(f"/indicators/{LAS}/K1").json()
    assert detail["progress"]["latest_value"] == "13.25"

    assert api.delete(f"{base}/2024-06-30", token=raw).status_code == 204
    assert not Observation.objects.filter(pk=obs.pk).exists()
    assert _last_entry(obs).action == "delete"
    assert api.put(f"{base}/2024-06-30", {"value": "1"}, token=raw).status_code == 404
    assert api.delete(f"{base}/2024-06-30", token=raw).status_code == 404


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"date": "2024-02-30", "value": "1"}, ["body", "date"]),
        ({"date": "30. 6. 2024", "value": "1"}, ["body", "date"]),
        ({"date": 1719705600, "value": "1"}, ["body", "date"]),
        ({"date": "2024-06-30", "value": "abc"}, ["body", "value"]),
        ({"date": "2024-06-30", "value": "1.1234567"}, ["body", "value"]),
        ({"date": "2024-06-30"}, ["body", "value"]),
        ({"value": "1"}, ["body", "date"]),
        ({"date": "2024-06-30", "value": "1", "colour": "red"}, ["body", "colour"]),
    ],
)
def test_observation_422(api, las_editor, body, loc):
    _user, raw = las_editor
    assert loc in loc_of(api.post(f"/indicators/{LAS}/K1/observations", body, token=raw))


def test_observation_bad_date_in_path_is_422(api, las_editor):
    _user, raw = las_editor
    assert loc_of(api.put(f"/indicators/{LAS}/K1/observations/2023-13-01", {"value": "1"}, token=raw)) == [
        ["path", "date"]
    ]


def test_observation_404s(api, las_editor):
    _user, raw = las_editor
    assert (
        api.post(
            f"/indicators/{LAS}/NOPE/observations", {"date": "2024-01-01", "value": "1"}, token=raw
        ).status_code
        == 404
    )
    assert (
        api.post(
            "/indicators/nope/K1/observations", {"date": "2024-01-01", "value": "1"}, token=raw
        ).status_code
        == 404
    )


def test_bad_json_is_400(api, las_editor):
    _user, raw = las_editor
    r = api.post(f"/indicators/{LAS}/K1/observations", raw_body="{not json", token=raw)
    assert r.status_code == 400


# ---------------------------------------------------------------------------------------------
# Strategies


def test_strategy_patch(api, token_for):
    user, raw = token_for("admin", "mov")
    r = api.patch(
        f"/strategies/{VELENJE}", {"status": "in_implementation", "description": "Nov opis."}, token=raw
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "in_implementation" and body["description"] == "Nov opis."
    assert body["nodes"]  # the whole updated strategy comes back
    strategy = Strategy.objects.get(slug=VELENJE)
    entry = _last_entry(strategy)
    assert entry.via == "api" and entry.user == user
    assert entry.changes["status"] == ["adopted", "in_implementation"]


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"status": "abandoned"}, ["body", "status"]),
        ({"title": ""}, ["body", "title"]),
        ({"title": None}, ["body", "title"]),
        ({"slug": "new-slug"}, ["body", "slug"]),
    ],
)
def test_strategy_patch_422(api, token_for, body, loc):
    _user, raw = token_for("editor", "mov")
    assert loc in loc_of(api.patch(f"/strategies/{VELENJE}", body, token=raw))


def test_strategy_patch_404(api, token_for):
    _user, raw = token_for(superuser=True)
    assert api.patch("/strategies/nope", {"status": "closed"}, token=raw).status_code == 404


# ---------------------------------------------------------------------------------------------
# Projects


def test_project_patch_partial_update(api, las_editor):
    _user, raw = las_editor
    r = api.patch(
        PROJECT,
        {
            "status": "in_progress",
            "start": "2017-03",
            "end": "2018",
            "lat": 46.1417,
            "lon": 15.0987,
            "location_name": "TIC",
        },
        token=raw,
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "in_progress" and body["start"] == "2017-03" and body["end"] == "2018"
    assert body["location"] == {"name": "TIC", "municipality": "Hrastnik", "lat": 46.1417, "lon": 15.0987}
    assert body["title"] == "TIC HRASTNIK"  # not sent, not changed
    geo = api.get("/projects/geo", {"strategy": LAS}).json()["features"]
    point = next(f for f in geo if f["properties"]["code"] == "JP1-01")
    assert (
        point["geometry"]["coordinates"] == [15.0987, 46.1417] and point["properties"]["approximate"] is False
    )
    # null removes the location again
    assert api.patch(PROJECT, {"lat": None, "lon": None}, token=raw).json()["location"]["lat"] is None


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"status": "finished"}, ["body", "status"]),
        ({"start": "2024-13"}, ["body", "start"]),
        ({"start": "2024-02-30"}, ["body", "start"]),
        ({"end": "next year"}, ["body", "end"]),
        ({"start": "2022", "end": "2021-12"}, ["body", "end"]),
        ({"lat": 46.1}, ["body", "lon"]),
        ({"lat": 120, "lon": 15}, ["body", "lat"]),
        ({"lat": "north", "lon": 15}, ["body", "lat"]),
        ({"title": "   "}, ["body", "title"]),
        ({"holder": "mov"}, ["body", "holder"]),
    ],
)
def test_project_patch_422(api, las_editor, body, loc):
    _user, raw = las_editor
    project = Project.objects.get(strategy__slug=LAS, code="JP1-01")
    assert loc in loc_of(api.patch(PROJECT, body, token=raw))
    after = Project.objects.get(pk=project.pk)
    assert (after.status, after.start, after.end, after.lat) == (
        project.status,
        project.start,
        project.end,
        project.lat,
    )


def test_project_patch_404(api, las_editor):
    _user, raw = las_editor
    assert api.patch(f"/projects/{LAS}/NOPE", {"title": "x"}, token=raw).status_code == 404


def test_payment_create(api, las_editor):
    user, raw = las_editor
    before = api.get(PROJECT).json()["money"]["paid"]
    r = api.post(
        f"{PROJECT}/payments",
        {"fund": "CLLD", "label": "3. faza", "amount": 0.1, "date": "2024-05-02", "state": "paid"},
        token=raw,
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["amount"] == "0.10" and body["fund"] == "CLLD" and body["date"] == "2024-05-02"
    payment = Payment.objects.get(pk=body["id"])
    assert payment.amount == Decimal("0.10") and payment.order == 2
    assert _last_entry(payment).user == user
    assert Decimal(api.get(PROJECT).json()["money"]["paid"]) == Decimal(before) + Decimal("0.10")


@pytest.mark.parametrize(
    "change, loc, type_",
    [
        ({"amount": "abc"}, ["body", "amount"], "money_invalid"),
        ({"amount": "12.345"}, ["body", "amount"], "money_invalid"),
        ({"amount": 12.345}, ["body", "amount"], "money_invalid"),
        ({"amount": -5}, ["body", "amount"], "money_negative"),
        ({"amount": True}, ["body", "amount"], "money_type"),
        ({"amount": None}, ["body", "amount"], "money_type"),
        ({"amount": "1e30"}, ["body", "amount"], "money_too_large"),
        ({"amount": "NaN"}, ["body", "amount"], "money_invalid"),
        ({"fund": "NO-SUCH-FUND"}, ["body", "fund"], "unknown_fund"),
        ({"state": "sent"}, ["body", "state"], "enum"),
        ({"date": "2024-02-30"}, ["body", "date"], "date_invalid"),
        ({"label": ""}, ["body", "label"], "string_too_short"),
    ],
)
def test_payment_422(api, las_editor, change, loc, type_):
    _user, raw = las_editor
    body = {"fund": "CLLD", "label": "3. faza", "amount": "10.00", "state": "paid", **change}
    count = Payment.objects.count()
    r = api.post(f"{PROJECT}/payments", body, token=raw)
    assert loc in loc_of(r)
    assert type_ in [e["type"] for e in r.json()["detail"]]
    assert Payment.objects.count() == count


def test_budget_line_patch(api, las_editor):
    user, raw = las_editor
    line = BudgetLine.objects.get(project__strategy__slug=LAS, project__code="JP1-01")
    url = f"{PROJECT}/budget-lines/{line.pk}"
    r = api.patch(url, {"amount": "60000.00", "secured": "partly", "secured_amount": "57799.62"}, token=raw)
    assert r.status_code == 200, r.content
    assert r.json() == {
        "id": line.pk,
        "fund": "CLLD",
        "amount": "60000.00",
        "secured": "partly",
        "secured_amount": "57799.62",
        "note": line.note,
    }
    entry = _last_entry(line)
    assert entry.via == "api" and entry.user == user
    assert entry.changes["secured"] == ["yes", "partly"]
    money = api.get(PROJECT).json()["money"]
    assert money["total"] == "60000.00" and money["secured"] == "57799.62"
    # wholly secured again: the separate secured part goes away
    back = api.patch(url, {"secured": "yes"}, token=raw).json()
    assert back["secured"] == "yes" and back["secured_amount"] is None


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"amount": "12.345"}, ["body", "amount"]),
        ({"amount": "abc"}, ["body", "amount"]),
        ({"secured": "maybe"}, ["body", "secured"]),
        ({"secured": "partly", "secured_amount": "99999999.00"}, ["body", "secured_amount"]),
        ({"secured_amount": "10.00"}, ["body", "secured_amount"]),  # the line is wholly secured
        ({"secured": "partly", "secured_amount": "-1"}, ["body", "secured_amount"]),
    ],
)
def test_budget_line_422(api, las_editor, body, loc):
    _user, raw = las_editor
    line = BudgetLine.objects.get(project__strategy__slug=LAS, project__code="JP1-01")
    assert loc in loc_of(api.patch(f"{PROJECT}/budget-lines/{line.pk}", body, token=raw))
    line.refresh_from_db()
    assert (line.amount, line.secured, line.secured_amount) == (Decimal("57799.62"), "yes", None)


def test_budget_line_of_another_project_is_404(api, las_editor):
    _user, raw = las_editor
    other = BudgetLine.objects.exclude(project__code="JP1-01").filter(project__strategy__slug=LAS).first()
    assert api.patch(f"{PROJECT}/budget-lines/{other.pk}", {"amount": "1.00"}, token=raw).status_code == 404
    assert api.patch(f"{PROJECT}/budget-lines/999999", {"amount": "1.00"}, token=raw).status_code == 404
    assert loc_of(api.patch(f"{PROJECT}/budget-lines/abc", {"amount": "1.00"}, token=raw)) == [["path", "id"]]
