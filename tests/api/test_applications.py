"""Applying through the API (docs/api.md#applying-through-the-api): the applicant's side of a public call –
start a draft, save it, attach, submit, withdraw, claim the operation's money – through the services the
pages use, with their rules and messages; bad input is a clear 4xx and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from regija.calls import services
from regija.calls.models import Application, Attachment
from regija.core import audit, tokens
from tests.factories import AFTER, DECLARED, DURING, call_world, decide, evaluate, publish_call

from .conftest import BASE, loc_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CALL = "/calls/las-zasavje/6-javni-poziv"


@pytest.fixture
def w(db, clock, settings, tmp_path):
    """The 6th call of LAS Zasavje, open (the clock during the call); files under a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    world = publish_call(call_world(), clock)
    clock(DURING)
    world.tokens = {key: tokens.create(user, "api")[1] for key, user in world.users.items()}
    return world


def _draft(api, w, **changes) -> dict:
    body = {
        "version": 1,
        "title": "Zelene poti",
        "summary": "Ureditev učnih poti ob Savi.",
        "funds": [{"fund": w.fund.code, "requested": "45000.00"}],
        "partners": [{"name": "Zavod Luna", "role": "delavnice"}],
        "phases": [{"title": "1. faza", "start": "2027-06-01", "end": "2027-12-31", "amount": "45000.00"}],
    }
    body.update(changes)
    return body


def _start(api, w, who="applicant") -> dict:
    r = api.post(
        f"{CALL}/applications", {"applicant": w.applicant.slug, "title": "Zelene poti"}, token=w.tokens[who]
    )
    assert r.status_code == 201, r.content
    return r.json()


def _upload(client, w, app_id, name="predracun.pdf", content=PDF, kind="budget", who="applicant"):
    return client.post(
        f"{BASE}/applications/{app_id}/attachments",
        {"kind": kind, "file": SimpleUploadedFile(name, content, "application/pdf")},
        HTTP_AUTHORIZATION="Bearer " + w.tokens[who],
    )


def test_the_whole_way_from_a_draft_to_a_submitted_application(api, client, w):
    started = _start(api, w)
    assert started["status"] == "draft" and started["reference"] == "" and started["editable"]
    assert "a summary" in started["missing"]
    app_id = started["id"]

    r = api.put(
        f"/applications/{app_id}", _draft(api, w, version=started["version"]), token=w.tokens["applicant"]
    )
    assert r.status_code == 200, r.content
    saved = r.json()
    assert saved["funds"] == [{"fund": "CLLD", "requested": "45000.00", "approved": None}]
    assert saved["partners"] == [{"name": "Zavod Luna", "role": "delavnice"}]
    assert saved["phases"][0]["end"] == "2027-12-31" and saved["missing"] == []
    assert saved["version"] == started["version"] + 1

    r = _upload(client, w, app_id)
    assert r.status_code == 201, r.content
    attachment = r.json()
    assert attachment["name"] == "predracun.pdf" and attachment["content_type"] == "application/pdf"
    r = api.get(f"/applications/{app_id}/attachments", token=w.tokens["applicant"])
    assert [a["id"] for a in r.json()] == [attachment["id"]]
    r = client.get(attachment["url"], HTTP_AUTHORIZATION="Bearer " + w.tokens["applicant"])
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert "no-store" in r["Cache-Control"]

    r = api.get(f"/applications/{app_id}", token=w.tokens["applicant"])
    # private: no shared tag, no browser or proxy keeps it
    assert "ETag" not in r and "no-store" in r["Cache-Control"]
    detail = r.json()
    r = api.post(
        f"/applications/{app_id}/submit",
        {"version": detail["version"], "declarations": list(DECLARED)},
        token=w.tokens["applicant"],
    )
    assert r.status_code == 200, r.content
    done = r.json()
    assert done["status"] == "submitted" and done["reference"] == "JP6/1" and not done["editable"]
    app = Application.objects.get(pk=app_id)
    entries = [e for e in audit.history(app) if e.content_type.model == "application"]
    assert entries and all(e.via == "api" for e in entries)
    assert entries[-1].user == w.users["applicant"]


def test_my_applications_lists_only_my_organisations(api, w):
    mine = _start(api, w)
    theirs = services.start_application(w.call, w.other, w.users["other"], "Tuja vloga")
    r = api.get("/applications", token=w.tokens["applicant"])
    assert r.status_code == 200
    assert [a["id"] for a in r.json()["items"]] == [mine["id"]]
    # a viewer of the applicant reads it too, but does not change it
    viewer = w.tokens["applicant_viewer"]
    assert api.get(f"/applications/{mine['id']}", token=viewer).json()["editable"] is False
    assert api.put(f"/applications/{mine['id']}", _draft(api, w), token=viewer).status_code == 403
    # another organisation's draft is not there at all, for the other applicant and the call's staff alike
    for who in ("applicant", "staff", "outsider"):
        assert api.get(f"/applications/{theirs.pk}", token=w.tokens[who]).status_code == 404
    assert api.get(f"/applications/{theirs.pk}").status_code == 401


def test_staff_see_a_submitted_application_but_do_not_change_it(api, w):
    app_id = _start(api, w)["id"]
    assert api.get(f"/applications/{app_id}", token=w.tokens["staff"]).status_code == 404  # a draft
    api.put(f"/applications/{app_id}", _draft(api, w), token=w.tokens["applicant"])
    api.post(
        f"/applications/{app_id}/submit",
        {"version": 2, "declarations": list(DECLARED)},
        token=w.tokens["applicant"],
    )
    r = api.get(f"/applications/{app_id}", token=w.tokens["staff"])
    assert r.status_code == 200 and r.json()["seen_as"] == ["staff"]
    r = api.post(f"/applications/{app_id}/withdraw", {}, token=w.tokens["staff"])
    assert r.status_code == 403
    assert Application.objects.get(pk=app_id).status == "submitted"


def test_starting_needs_an_open_call_and_an_organisation_of_ones_own(api, w, clock):
    r = api.post(f"{CALL}/applications", {"applicant": w.applicant.slug}, token=w.tokens["other"])
    assert r.status_code == 403 and "Društvo Sonce" in r.json()["detail"]
    r = api.post(f"{CALL}/applications", {"applicant": "ni-take"}, token=w.tokens["applicant"])
    assert loc_of(r) == [["body", "applicant"]]
    assert (
        api.post(
            "/calls/las-zasavje/ni-poziva/applications",
            {"applicant": w.applicant.slug},
            token=w.tokens["applicant"],
        ).status_code
        == 404
    )
    clock(AFTER)
    r = api.post(f"{CALL}/applications", {"applicant": w.applicant.slug}, token=w.tokens["applicant"])
    assert r.status_code == 409 and "closed" in r.json()["detail"]
    assert not w.call.applications.exists()


@pytest.mark.parametrize(
    "changes, where",
    [
        ({"title": "x" * 401}, ["body", "title"]),
        ({"title": ""}, ["body", "title"]),
        ({"summary": "x" * 20001}, ["body", "summary"]),
        ({"funds": "CLLD"}, ["body", "funds"]),
        ({"funds": [{"fund": "CLLD", "requested": "12.345,67"}]}, ["body", "funds", 0, "requested"]),
        ({"funds": [{"fund": "CLLD", "requested": "-5"}]}, ["body", "funds", 0, "requested"]),
        ({"funds": [{"fund": "CLLD", "requested": "0"}]}, ["body", "funds"]),
        ({"funds": [{"fund": "NI-SKLADA", "requested": "5"}]}, ["body", "funds", 0, "fund"]),
        ({"funds": [{"fund": "CLLD", "requested": "250000"}]}, None),  # a warning, not a refusal
        ({"partners": [{"name": "y" * 301}]}, ["body", "partners", 0, "name"]),
        (
            {"phases": [{"title": "1. faza", "start": "2027-06-01", "end": "2027-05-01"}]},
            ["body", "phases", 0, "end"],
        ),
        ({"phases": [{"title": "1. faza", "start": "1. 6. 2027"}]}, ["body", "phases", 0, "start"]),
        ({"version": "ena"}, ["body", "version"]),
        ({"colour": "green"}, ["body", "colour"]),
    ],
)
def test_a_bad_draft_is_a_422_at_its_field_and_changes_nothing(api, w, changes, where):
    app_id = _start(api, w)["id"]
    before = Application.objects.get(pk=app_id)
    r = api.put(f"/applications/{app_id}", _draft(api, w, **changes), token=w.tokens["applicant"])
    if where is None:
        assert r.status_code == 200, r.content
        assert "more than the call" in r.json()["warnings"][0]
        return
    assert where in loc_of(r), r.content
    assert all(e["msg"] for e in r.json()["detail"])
    after = Application.objects.get(pk=app_id)
    assert (after.version, after.title, after.funds.count(), after.phases.count()) == (
        before.version,
        before.title,
        0,
        0,
    )


def test_a_stale_save_is_a_409_and_an_edit_after_submission_too(api, w):
    app_id = _start(api, w)["id"]
    assert api.put(f"/applications/{app_id}", _draft(api, w), token=w.tokens["applicant"]).status_code == 200
    r = api.put(f"/applications/{app_id}", _draft(api, w, title="Starejša"), token=w.tokens["applicant"])
    assert r.status_code == 409 and "Reload" in r.json()["detail"]
    r = api.post(
        f"/applications/{app_id}/submit",
        {"version": 2, "declarations": list(DECLARED)},
        token=w.tokens["applicant"],
    )
    assert r.status_code == 200
    r = api.put(
        f"/applications/{app_id}", _draft(api, w, version=3, title="Po oddaji"), token=w.tokens["applicant"]
    )
    assert r.status_code == 409 and "submitted" in r.json()["detail"]
    assert Application.objects.get(pk=app_id).title == "Zelene poti"


def test_a_submission_missing_parts_or_declarations_is_refused_and_says_what(api, w):
    app_id = _start(api, w)["id"]
    r = api.post(
        f"/applications/{app_id}/submit",
        {"version": 1, "declarations": list(DECLARED)},
        token=w.tokens["applicant"],
    )
    assert loc_of(r) == [["body"]]
    message = r.json()["detail"][0]["msg"]
    assert "a summary" in message and "at least one planned phase" in message
    api.put(f"/applications/{app_id}", _draft(api, w), token=w.tokens["applicant"])
    r = api.post(
        f"/applications/{app_id}/submit",
        {"version": 2, "declarations": ["true"]},
        token=w.tokens["applicant"],
    )
    assert loc_of(r) == [["body", "declarations"]]
    r = api.post(
        f"/applications/{app_id}/submit",
        {"version": 2, "declarations": ["maybe"]},
        token=w.tokens["applicant"],
    )
    assert loc_of(r) == [["body", "declarations", 0]]
    r = api.post(
        f"/applications/{app_id}/submit",
        {"version": 1, "declarations": list(DECLARED)},
        token=w.tokens["applicant"],
    )
    assert r.status_code == 409  # it changed after the version checked
    app = Application.objects.get(pk=app_id)
    assert app.status == "draft" and app.number is None


def test_uploads_are_checked_as_on_the_page(api, client, w, settings):
    app_id = _start(api, w)["id"]
    r = _upload(client, w, app_id, name="plan.pdf", content=b"MZ\x90\x00" + b"\x00" * 100)
    assert loc_of(r) == [["body", "file"]]
    assert "not a file type we accept" in r.json()["detail"][0]["msg"]
    r = _upload(client, w, app_id, name="plan.docx")
    assert loc_of(r) == [["body", "file"]] and "does not end in" in r.json()["detail"][0]["msg"]
    r = _upload(client, w, app_id, kind="selfie")
    assert loc_of(r) == [["form", "kind"]]
    settings.REGIJA_MAX_UPLOAD_BYTES = 1024
    r = _upload(client, w, app_id, name="velik.pdf", content=PDF + b"0" * 200_000)
    assert r.status_code == 413 and "velik.pdf" in r.json()["detail"]
    r = _upload(client, w, app_id, who="other")
    assert r.status_code == 404
    r = client.generic(
        "POST",
        f"{BASE}/applications/{app_id}/attachments",
        b"--x\r\nnot a part",
        content_type="multipart/form-data; boundary=",
        HTTP_AUTHORIZATION="Bearer " + w.tokens["applicant"],
    )
    assert r.status_code == 400 and r.json() == {"detail": "Cannot parse request body"}
    assert not Attachment.objects.filter(application_id=app_id).exists()
    assert Application.objects.get(pk=app_id).version == 1


def test_an_attachment_is_removed_from_a_draft_only(api, client, w):
    app_id = _start(api, w)["id"]
    att = _upload(client, w, app_id).json()
    path = f"/applications/{app_id}/attachments/{att['id']}"
    assert api.delete(path, token=w.tokens["other"]).status_code == 404
    assert api.delete(path, token=w.tokens["applicant_viewer"]).status_code == 403
    r = api.delete(path, token=w.tokens["applicant"])
    assert r.status_code == 204
    assert not Attachment.objects.filter(application_id=app_id).exists()
    assert api.delete(path, token=w.tokens["applicant"]).status_code == 404


def test_withdrawing_keeps_the_reason(api, w):
    app_id = _start(api, w)["id"]
    r = api.post(
        f"/applications/{app_id}/withdraw", {"reason": "Premislili smo."}, token=w.tokens["applicant"]
    )
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert r.json()["decision_reason"] == "Premislili smo."
    r = api.post(f"/applications/{app_id}/withdraw", {}, token=w.tokens["applicant"])
    assert r.status_code == 409


def test_claims_of_the_operation_an_approval_created(api, w, clock):
    app_id = _start(api, w)["id"]
    api.put(f"/applications/{app_id}", _draft(api, w), token=w.tokens["applicant"])
    api.post(
        f"/applications/{app_id}/submit",
        {"version": 2, "declarations": list(DECLARED)},
        token=w.tokens["applicant"],
    )
    path = f"/applications/{app_id}/claims"
    r = api.post(path, {"fund": "CLLD", "amount": "100.00"}, token=w.tokens["applicant"])
    assert r.status_code == 409 and "approved" in r.json()["detail"]
    clock(AFTER)
    w.apps = [Application.objects.get(pk=app_id)]
    evaluate(w)
    decide(
        w, approve={0: (Decimal("40000.00"), services.Instrument("decision", "1/2027", dt.date(2027, 5, 1)))}
    )
    r = api.get(f"/applications/{app_id}", token=w.tokens["applicant"])
    # private: no shared tag, no browser or proxy keeps it
    assert "ETag" not in r and "no-store" in r["Cache-Control"]
    detail = r.json()
    assert detail["status"] == "approved" and detail["operation"]["claims_url"].endswith(path)
    assert detail["funds"][0]["approved"] == "40000.00"

    r = api.post(path, {"fund": "CLLD", "amount": "40000.01"}, token=w.tokens["applicant"])
    assert loc_of(r) == [["body", "amount"]]
    r = api.post(path, {"fund": "NI-SKLADA", "amount": "10"}, token=w.tokens["applicant"])
    assert loc_of(r) == [["body", "fund"]]
    r = api.post(path, {"fund": "CLLD", "amount": "100.00"}, token=w.tokens["staff"])
    assert r.status_code == 403  # staff record payments on their pages; claims are the holder's
    r = api.post(
        path, {"fund": "CLLD", "amount": "12500.00", "label": "1. zahtevek"}, token=w.tokens["applicant"]
    )
    assert r.status_code == 201, r.content
    assert r.json() | {"id": 0} == {
        "id": 0,
        "fund": "CLLD",
        "label": "1. zahtevek",
        "amount": "12500.00",
        "state": "claimed",
        "checked": False,
        "date": r.json()["date"],
        "phase": None,
        "note": "",
    }
    claims = api.get(path, token=w.tokens["applicant"]).json()
    assert [c["amount"] for c in claims] == ["12500.00"]
    assert api.get(path, token=w.tokens["other"]).status_code == 404


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_list_and_the_detail_take_a_fixed_number_of_queries(
    api, w, page_size, django_assert_max_num_queries
):
    app_id = None
    for i in range(page_size):
        app = services.start_application(w.call, w.applicant, w.users["applicant"], f"Vloga {i}")
        services.save_draft(
            app,
            w.users["applicant"],
            services.DraftData(
                title=f"Vloga {i}",
                summary="Povzetek.",
                funds=[(w.fund.pk, Decimal("1000.00"))],
                partners=[{"name": "Zavod Luna", "role": ""}],
                phases=[{"title": "1. faza", "start": None, "end": None, "amount": None}],
            ),
            version=1,
        )
        app_id = app.pk
    with django_assert_max_num_queries(12):
        r = api.get("/applications", {"page_size": 100}, token=w.tokens["applicant"])
    assert r.status_code == 200 and r.json()["count"] == page_size
    with django_assert_max_num_queries(20):
        r = api.get(f"/applications/{app_id}", token=w.tokens["applicant"])
    assert r.status_code == 200
