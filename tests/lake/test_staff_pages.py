"""The publisher's pages: create, upload, describe the columns, publish; and the jobs page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from regija.core.models import JobRun, JobState, Organisation
from regija.lake.models import Dataset, Status

from .conftest import AIR

pytestmark = pytest.mark.django_db


def _upload(client, slug, text, name="zrak.csv", **extra):
    data = {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv"), **extra}
    return client.post(f"/podatki/{slug}/nalozi/", data)


def test_an_editor_creates_uploads_describes_and_publishes(client, editor, mov):
    client.force_login(editor)
    page = client.get("/podatki/nov/")
    assert page.status_code == 200
    assert [o.slug for o in page.context["form"].fields["publisher"].queryset] == ["mov"]
    response = client.post(
        "/podatki/nov/",
        {
            "publisher": mov.pk,
            "slug": "kakovost-zraka",
            "title": "Kakovost zraka",
            "keywords": "zrak, okolje",
            "themes": ["ENVI"],
            "licence": "CC_BY_4_0",
            "access_rights": "PUBLIC",
            "kind": "copy",
            "refresh": "never",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == "/podatki/kakovost-zraka/nalozi/"
    dataset = Dataset.objects.get(slug="kakovost-zraka")
    assert dataset.keywords == ["zrak", "okolje"] and dataset.themes == ["ENVI"]
    assert dataset.status == Status.DRAFT

    response = _upload(client, "kakovost-zraka", AIR)
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.current.number == 1 and dataset.current.rows == 4

    form = {"form-TOTAL_FORMS": "5", "form-INITIAL_FORMS": "5"}
    for i, column in enumerate(dataset.columns.order_by("position")):
        form |= {f"form-{i}-name": column.name, f"form-{i}-type": column.type}
    form |= {"form-2-title": "Delci PM10", "form-2-unit": "µg/m³", "form-2-description": "Dnevno povprečje"}
    response = client.post("/podatki/kakovost-zraka/stolpci/", form)
    assert response.status_code == 302
    pm10 = dataset.columns.get(name="pm10")
    assert (pm10.title, pm10.unit, pm10.description) == ("Delci PM10", "µg/m³", "Dnevno povprečje")

    response = client.post("/podatki/kakovost-zraka/dejanje/", {"action": "publish"})
    assert response.status_code == 302
    dataset.refresh_from_db()
    assert dataset.status == Status.PUBLISHED
    assert client.get("/moji-podatki/").status_code == 200


def test_a_form_error_is_shown_on_the_form(client, editor, mov):
    client.force_login(editor)
    response = client.post(
        "/podatki/nov/",
        {
            "publisher": mov.pk,
            "slug": "povezava",
            "title": "Povezava",
            "licence": "CC_BY_4_0",
            "access_rights": "PUBLIC",
            "kind": "link",
            "refresh": "never",
        },
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["source_url"] == [
        "A linked dataset needs the address of its source."
    ]
    assert not Dataset.objects.filter(slug="povezava").exists()


def test_the_slug_of_the_new_dataset_page_is_refused(client, editor, mov):
    client.force_login(editor)
    form = {"publisher": mov.pk, "slug": "nov", "title": "Nov", "licence": "CC_BY_4_0"}
    form |= {"access_rights": "PUBLIC", "kind": "copy", "refresh": "never"}
    response = client.post("/podatki/nov/", form, headers={"accept-language": "en"})
    assert response.context["form"].errors["slug"] == [
        "This slug is the address of a page of the site; choose another."
    ]


def test_publishing_without_data_is_refused_with_a_message(client, editor, make_dataset):
    make_dataset("prazen", publish=False)
    client.force_login(editor)
    response = client.post(
        "/podatki/prazen/dejanje/", {"action": "publish"}, follow=True, headers={"accept-language": "en"}
    )
    assert "Add the data (upload a file or fetch it) before publishing the dataset." in [
        str(m) for m in response.context["messages"]
    ]
    assert Dataset.objects.get(slug="prazen").status == Status.DRAFT


def test_changed_columns_are_refused_unless_replaced(client, editor, make_dataset):
    make_dataset("kakovost-zraka", AIR)
    client.force_login(editor)
    response = _upload(client, "kakovost-zraka", "postaja\nVelenje\n")
    assert response.status_code == 200
    assert "pm10" in " ".join(response.context["form"].errors["file"])
    assert Dataset.objects.get(slug="kakovost-zraka").versions.count() == 1  # nothing written
    response = _upload(client, "kakovost-zraka", "postaja\nVelenje\n", replace_columns="on")
    assert response.status_code == 302
    assert Dataset.objects.get(slug="kakovost-zraka").current.number == 2


def test_a_broken_file_is_refused_with_its_line(client, editor, make_dataset):
    make_dataset("prazen", publish=False)
    client.force_login(editor)
    response = _upload(client, "prazen", "a,b\n1,2\n3,4,5,6\n", name="meritve 2024.csv")
    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert error.startswith("meritve_2024.csv:3:")  # the file and its third line
    assert Dataset.objects.get(slug="prazen").versions.count() == 0
    response = _upload(client, "prazen", "PK\x03\x04 not a workbook", name="podatki.xlsx")
    assert response.status_code == 200
    assert response.context["form"].errors["file"][0].startswith("podatki.xlsx:")
    assert Dataset.objects.get(slug="prazen").versions.count() == 0


def test_the_upload_takes_the_lakes_larger_limit_while_streaming(client, editor, make_dataset, settings):
    settings.REGIJA_MAX_UPLOAD_BYTES = 200
    settings.REGIJA_MAX_REQUEST_BYTES = 600
    settings.REGIJA_LAKE_MAX_BYTES = 5000
    make_dataset("prebivalstvo", publish=False)
    client.force_login(editor)
    rows = "leto,prebivalci\n" + "".join(f"{2000 + i},{i}\n" for i in range(100))  # ~1.1 KB
    assert 200 < len(rows) < 5000
    response = _upload(client, "prebivalstvo", rows, name="p.csv")
    assert response.status_code == 302
    assert Dataset.objects.get(slug="prebivalstvo").current.rows == 100
    big = "leto,prebivalci\n" + "".join(f"{2000 + i},{i}\n" for i in range(800))  # ~9 KB
    response = client.post(
        "/podatki/prebivalstvo/nalozi/",
        {"file": SimpleUploadedFile("velik.csv", big.encode(), content_type="text/csv")},
        headers={"referer": "http://testserver/podatki/prebivalstvo/nalozi/"},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("velik.csv" in m and "4,9" in m or "4.9" in m for m in messages), messages
    assert Dataset.objects.get(slug="prebivalstvo").versions.count() == 1


def test_others_may_not_change_a_dataset(client, make_dataset, member):
    make_dataset("kakovost-zraka", AIR)
    viewer = member("viewer", "mov", username="gledalec")
    other = member("editor", "las-zasavje", username="drugi")
    for url in (
        "/podatki/kakovost-zraka/uredi/",
        "/podatki/kakovost-zraka/nalozi/",
        "/podatki/kakovost-zraka/stolpci/",
    ):
        assert client.get(url).status_code == 302  # anonymous: sign in first
        client.force_login(viewer)
        assert client.get(url).status_code == 403
        client.force_login(other)
        assert client.get(url).status_code == 403
        client.logout()
    client.force_login(other)
    assert client.post("/podatki/kakovost-zraka/dejanje/", {"action": "withdraw"}).status_code == 403
    assert Dataset.objects.get(slug="kakovost-zraka").status == Status.PUBLISHED
    # a publisher is an organisation where one is an editor
    page = client.get("/podatki/nov/")
    assert [o.slug for o in page.context["form"].fields["publisher"].queryset] == ["las-zasavje"]
    client.force_login(member(None, None, username="nihce"))
    assert client.get("/podatki/nov/").status_code == 403


def test_the_jobs_page_shows_schedules_due_datasets_and_failures(client, member, make_dataset):
    make_dataset(
        "vir", None, publish=False, kind="copy", source_url="https://example.org/zrak.csv", refresh="daily"
    )
    JobRun.objects.create(
        task="lake.tasks.refresh_dataset",
        label="Osvežitev vir",
        state=JobState.FAILED,
        message="ConnectionError: nobody home",
    )
    assert client.get("/opravila/").status_code == 302
    client.force_login(member(None, None, username="nihce"))
    assert client.get("/opravila/").status_code == 403
    client.force_login(member("viewer", "mov", username="gledalec"))
    page = client.get("/opravila/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "ConnectionError: nobody home" in text and "govuk-tag--red" in text
    names = [p.name for p, _next in page.context["periodic"]]
    assert "refresh_due" in names
    assert all(nxt is not None for _p, nxt in page.context["periodic"])
    assert [d.slug for d in page.context["due"]] == ["vir"]
    assert isinstance(page.context["pending"], int)


def test_the_staff_list_shows_only_editable_datasets(client, editor, make_dataset, member):
    make_dataset("kakovost-zraka", AIR)
    # another organisation's dataset (made by its own editor) is not on the list
    other = Organisation.objects.get(slug="las-zasavje")
    from regija.lake import services

    services.dataset_create(
        member("editor", other, username="zasavje"),
        publisher=other,
        data={"slug": "drugi", "title": "Drugi"},
        via="web",
    )
    client.force_login(editor)
    page = client.get("/moji-podatki/")
    assert [d.slug for d, _q in page.context["rows"]] == ["kakovost-zraka"]


def test_editors_see_the_metadata_quality_with_what_to_improve(
    client, editor, make_dataset, member, django_assert_max_num_queries
):
    make_dataset("kakovost-zraka", AIR)
    for i in range(5):
        make_dataset(f"nabor-{i}", "a,b\n1,2\n")
    client.force_login(editor)
    page = client.get("/podatki/kakovost-zraka/uredi/")
    score = page.context["quality"]
    assert score.improvements  # no keywords, themes, contact …: points an editor can add
    text = page.content.decode()
    assert score.improvements[0].message in text
    # the list scores every dataset in a fixed number of queries
    with django_assert_max_num_queries(12):
        rows = client.get("/moji-podatki/").context["rows"]
    assert len(rows) == 6 and all(q is not None for _d, q in rows)
    # visitors do not see the score
    client.force_login(member("viewer", "las-zasavje", username="bralec"))
    assert client.get("/podatki/kakovost-zraka/").context["quality"] is None
