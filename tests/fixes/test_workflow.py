"""Issue reports' pages and steps beyond the first report: the two-step form with its "is it one of
these?" list and map picker, supporting, the staff's list and form (assignment, duplicates), hiding,
the average time to fix, and the category questions the back office accepts (docs/fixes.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from regija.core.services import Conflict, Forbidden, Refused
from regija.fixes import selectors, services
from regija.fixes.models import Report, Status
from tests.factories import OrganisationFactory, confirmed_user, member

from .test_reports import LJ, data

pytestmark = pytest.mark.django_db

NEW = "/prijave-tezav/nova/"


def test_step_one_asks_category_and_place_with_a_map_picker(world, client):
    page = client.get(NEW).content.decode()
    assert 'id="map"' in page and "fixes/picker" in page
    assert 'name="lat"' in page and 'name="address"' in page
    assert 'name="description"' not in page  # the description and photos come after the nearby list


def test_the_nearby_step_comes_before_the_photos_and_nothing_is_written(world, client):
    resident = confirmed_user()
    known = services.report_create(resident, data(world, description="Svetilka pred pošto ne sveti."))
    client.force_login(confirmed_user())
    near = client.get(NEW, {"service": "javna-razsvetljava", "lat": LJ[0] + 0.0005, "lon": LJ[1]})
    page = near.content.decode()
    assert "Is it one of these?" in page and f"/prijave-tezav/{known.pk}/" in page
    assert 'name="photos"' in page and 'name="attribute[kind]"' in page
    far = client.get(NEW, {"service": "javna-razsvetljava", "lat": LJ[0] + 0.01, "lon": LJ[1]})
    assert "Is it one of these?" not in far.content.decode()
    # a client that posts without going through step 1 sees the list too, and nothing is written
    form = {
        "service": "javna-razsvetljava",
        "lat": LJ[0],
        "lon": LJ[1],
        "address": "",
        "description": "Ne sveti.",
        "attribute[kind]": "dark",
    }
    assert "Is it one of these?" in client.post(NEW, form).content.decode()
    assert Report.objects.count() == 1
    made = client.post(NEW, form | {"new": "1"})
    assert made.status_code == 302 and Report.objects.count() == 2


def test_a_typed_place_outside_the_territory_is_a_field_message(world, client):
    r = client.get(NEW, {"service": "javna-razsvetljava", "lat": "48.2", "lon": "16.37"})
    page = r.content.decode()
    assert "outside the area we take reports for" in page and 'name="description"' not in page


def test_a_missing_answer_is_the_questions_message_and_nothing_is_written(world, client):
    client.force_login(confirmed_user())
    r = client.post(
        NEW,
        {"service": "javna-razsvetljava", "lat": LJ[0], "lon": LJ[1], "description": "x", "new": "1"},
    )
    assert r.status_code == 422
    assert (
        'id="id_attribute[kind]-error"' in r.content.decode() or "govuk-error-message" in r.content.decode()
    )
    assert not Report.objects.exists()


def test_supporting_counts_each_other_person_once(world, client):
    reporter, other = confirmed_user(), confirmed_user()
    report = services.report_create(reporter, data(world))
    client.force_login(other)
    client.post(f"/prijave-tezav/{report.pk}/podpora/")
    report.refresh_from_db()
    assert report.supports == 1
    with pytest.raises(Conflict):
        services.report_support(other, report)
    with pytest.raises(Conflict):
        services.report_support(reporter, report)
    services.report_handle(world["staff"], report, services.Handling(status=Status.FIXED))
    with pytest.raises(Conflict):
        services.report_support(confirmed_user(), report)
    report.refresh_from_db()
    assert report.supports == 1
    assert ">1<" in client.get(f"/prijave-tezav/{report.pk}/").content.decode()


def test_staff_list_shows_the_organisations_reports_and_those_assigned_to_it(world, client):
    utility = OrganisationFactory(slug="komunala-test", name="Komunala Test")
    crew = member("editor", utility, username="crew-test")
    public = services.report_create(confirmed_user(), data(world))
    anon = services.report_create(
        type("Anon", (), {"is_authenticated": False})(), data(world, email="ana@example.si")
    )
    services.report_handle(world["staff"], public, services.Handling(assignee=utility))
    client.force_login(world["staff"])
    page = client.get("/prijave-tezav/obdelava/").content.decode()
    assert f"/prijave-tezav/{public.pk}/" in page and f"/prijave-tezav/{anon.pk}/" in page
    assert "not confirmed" in page
    client.force_login(crew)
    page = client.get("/prijave-tezav/obdelava/").content.decode()
    assert f"/prijave-tezav/{public.pk}/" in page and f"/prijave-tezav/{anon.pk}/" not in page
    client.force_login(confirmed_user())
    page = client.get("/prijave-tezav/obdelava/").content.decode()
    assert f"/prijave-tezav/{public.pk}/" not in page


def test_the_staff_form_assigns_marks_duplicates_and_the_assignee_answers(world, client):
    utility = OrganisationFactory(slug="komunala-test", name="Komunala Test")
    crew = member("editor", utility, username="crew-test")
    first = services.report_create(confirmed_user(), data(world))
    again = services.report_create(confirmed_user(), data(world, description="Še vedno temno."))
    client.force_login(world["staff"])
    client.post(
        f"/prijave-tezav/{first.pk}/obdelava/", {"assignee": utility.pk, "department": "Razsvetljava"}
    )
    first.refresh_from_db()
    assert first.assignee == utility and first.department == "Razsvetljava"
    # a duplicate needs the number of the report it repeats
    client.post(f"/prijave-tezav/{again.pk}/obdelava/", {"status": "duplicate", "reason": "Isto."})
    again.refresh_from_db()
    assert again.status == Status.RECEIVED
    client.post(
        f"/prijave-tezav/{again.pk}/obdelava/",
        {"status": "duplicate", "reason": "Isto.", "duplicate_of": first.pk},
    )
    again.refresh_from_db()
    assert again.status == Status.DUPLICATE and again.duplicate_of == first and again.closed_at is not None
    page = client.get(f"/prijave-tezav/{again.pk}/").content.decode()
    assert f'href="/prijave-tezav/{first.pk}/"' in page
    # the utility marks it fixed and answers, but does not reassign it
    services.report_handle(crew, first, services.Handling(status=Status.FIXED, answer="Popravljeno."))
    with pytest.raises(Forbidden):
        services.report_handle(crew, first, services.Handling(assignee=None))
    first.refresh_from_db()
    assert first.status == Status.FIXED and first.answer == "Popravljeno." and first.assignee == utility


def test_a_hidden_report_leaves_the_public_pages_but_its_reporter_still_reads_it(world, client):
    reporter = confirmed_user()
    report = services.report_create(reporter, data(world, description="Žaljivo besedilo."))
    moderator = confirmed_user()
    with pytest.raises(Forbidden):
        services.report_hide(moderator, report, "Žali.")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_report"))
    moderator = type(moderator).objects.get(pk=moderator.pk)
    with pytest.raises(Refused):
        services.report_hide(moderator, report, "")  # a reason is required
    services.report_hide(moderator, report, "Žali.")
    assert client.get(f"/prijave-tezav/{report.pk}/").status_code == 404
    assert f"/prijave-tezav/{report.pk}/" not in client.get("/prijave-tezav/").content.decode()
    assert client.get(f"/open311/v2/requests/{report.pk}.json").status_code == 404
    client.force_login(reporter)
    assert client.get(f"/prijave-tezav/{report.pk}/").status_code == 200


def test_average_time_to_fix_per_category_in_days(world):
    staff = world["staff"]
    base = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    for days in (2, 4):
        report = services.report_create(confirmed_user(), data(world))
        services.report_handle(staff, report, services.Handling(status=Status.FIXED))
        Report.objects.filter(pk=report.pk).update(created_at=base, closed_at=base + dt.timedelta(days=days))
    open_one = services.report_create(confirmed_user(), data(world))
    assert open_one.status == Status.RECEIVED
    (row,) = selectors.time_to_fix()
    assert row["service"] == "Javna razsvetljava" and row["count"] == 2
    assert row["days"] == pytest.approx(3.0)
    assert selectors.time_to_fix("ni-take") == []


@pytest.mark.parametrize(
    ("questions", "fine"),
    [
        (
            [
                {
                    "code": "kind",
                    "description": "Kaj?",
                    "datatype": "singlevaluelist",
                    "values": [{"key": "a", "name": "A"}],
                }
            ],
            True,
        ),
        ([{"code": "kind", "description": "Kaj?", "datatype": "singlevaluelist", "values": []}], False),
        ([{"code": "kind", "description": "Kaj?", "datatype": "colour"}], False),
        ([{"code": "a b", "description": "Kaj?"}], False),
        ([{"code": "x", "description": "A"}, {"code": "x", "description": "B"}], False),
        ({"code": "x"}, False),
    ],
)
def test_the_back_office_accepts_only_open311_questions(questions, fine):
    if fine:
        assert services.check_questions(questions)[0]["required"] is False
    else:
        with pytest.raises(ValueError):
            services.check_questions(questions)


def test_staff_link_the_project_that_fixes_it_and_refuse_unknown_ones(world, client):
    from tests.factories import ProjectFactory

    project = ProjectFactory()
    report = services.report_create(confirmed_user(), data(world))
    client.force_login(world["staff"])
    ref = f"{project.strategy.slug}:{project.code}"
    client.post(f"/prijave-tezav/{report.pk}/obdelava/", {"project": ref})
    report.refresh_from_db()
    assert report.project == project
    page = client.get(f"/prijave-tezav/{report.pk}/").content.decode()
    assert project.get_absolute_url() in page
    r = client.post(f"/prijave-tezav/{report.pk}/obdelava/", {"project": "ni:take"}, follow=True)
    assert "There is no such project" in r.content.decode()
    report.refresh_from_db()
    assert report.project == project
    # a natural person is never offered, nor accepted, as the organisation a report is assigned to
    person = OrganisationFactory(kind="person", name="Janez Oseba")
    assert "Janez Oseba" not in page
    client.post(f"/prijave-tezav/{report.pk}/obdelava/", {"assignee": person.pk})
    report.refresh_from_db()
    assert report.assignee is None


def test_panned_viewports_share_their_clusters_and_see_a_new_report(
    world, client, settings, django_capture_on_commit_callbacks
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    services.report_create(confirmed_user(), data(world))
    one = client.get("/prijave-tezav/zemljevid.json?bbox=46.00,14.40,46.10,14.60").json()
    panned = client.get("/prijave-tezav/zemljevid.json?bbox=46.01,14.41,46.11,14.61").json()
    assert one["bbox"] == panned["bbox"]
    south, west, north, east = one["bbox"]
    assert south <= 46.00 and west <= 14.40 and north >= 46.11 and east >= 14.61
    assert sum(c["count"] for c in one["clusters"]) == 1
    with django_capture_on_commit_callbacks(execute=True):  # the data version rises on commit
        services.report_create(confirmed_user(), data(world, lat=LJ[0] + 0.01))
    again = client.get("/prijave-tezav/zemljevid.json?bbox=46.00,14.40,46.10,14.60").json()
    assert sum(c["count"] for c in again["clusters"]) == 2
    assert client.get("/prijave-tezav/zemljevid.json?bbox=nan,1,2,3").status_code == 400


@pytest.mark.parametrize("many", [2, 12])
def test_pages_and_open311_take_the_same_queries_for_more_reports(
    world, client, django_assert_max_num_queries, many
):
    staff = world["staff"]
    made = []
    for i in range(many):
        r = services.report_create(confirmed_user(), data(world, lat=LJ[0] + i * 0.002))
        services.report_handle(staff, r, services.Handling(status=Status.CONFIRMED, answer=f"Odgovor {i}"))
        made.append(r)
    urls = [
        "/open311/v2/servicerequestupdates.xml?start_date=2000-01-01T00:00:00Z",
        "/open311/v2/services.json",
        "/prijave-tezav/zemljevid.json?bbox=45.9,14.3,46.2,14.7",
    ]
    for url in urls:
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200
    client.force_login(staff)
    with django_assert_max_num_queries(30):
        assert client.get("/prijave-tezav/obdelava/").status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(f"/prijave-tezav/{made[-1].pk}/").status_code == 200
