"""Issue 12, point 1: one rule of who may read what, in the back office and the staff pages alike.

The world: the 6th call of LAS Zasavje, published, with an application of Društvo Sonce submitted and
scored (not finalised), a draft application of the competing applicant Zavod Luna, a draft call of LAS
Zasavje, and a natural person holding an operation of LAS Zasavje's strategy. The people: staff and a
viewer of LAS Zasavje, the applicant's editor and viewer, an editor and a viewer of Zavod Luna, the
committee (chair and two members, one of them also a viewer of Zavod Luna).

What they may read is docs/calls.md ("Who sees an application", "Evaluation", "Publication and personal
data") and the rule of issue 12: a viewer never sees another organisation's non-public objects.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from regija.calls import services
from regija.calls.models import Application, Call, ScoreSheet
from regija.core import permissions
from regija.core.models import ApiToken, AuditEntry, Membership, Organisation
from regija.projects.models import Project
from regija.strategies.models import Strategy
from tests.factories import (
    DURING,
    CallFactory,
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    call_world,
    evaluate,
    member,
    publish_call,
    submit_applications,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(clock):
    w = publish_call(call_world(), clock)
    clock(DURING)
    luna_draft = services.start_application(w.call, w.other, w.users["other"], "Lunina skrivna vloga")
    submit_applications(w, clock, amounts=("50000.00",))
    evaluate(w, finalise=False)  # after the deadline: every member has scored and submitted
    users = w.users
    users["luna_viewer"] = member("viewer", w.other, username="luna-viewer")
    MembershipFactory(user=users["eval3"], organisation=w.other, role="viewer")  # eval3 also works at Luna
    draft_call = CallFactory(
        organisation=w.las, status="draft", slug="osnutek-7", number="JP7", title="Osnutek sedmega poziva"
    )
    person = OrganisationFactory(slug="janez-zasebnik", name="Janez Zasebnik", kind="person")
    stranger = OrganisationFactory(slug="mojca-neznana", name="Mojca Neznana", kind="person")
    ProjectFactory(strategy=Strategy.objects.get(slug="las-zasavje-2023"), code="OS-1", holder=person)
    return {
        "w": w,
        "users": users,
        "app": w.apps[0],
        "luna_draft": luna_draft,
        "draft_call": draft_call,
        "person": person,
        "stranger": stranger,
    }


def _login(client, user):
    client.force_login(user)
    return client


def _rows(client, model: str) -> list:
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200, model
    return list(response.context["cl"].result_list)


def _sheets(world, username) -> set[int]:
    return set(
        ScoreSheet.objects.filter(assignment__seat__user=world["users"][username]).values_list(
            "pk", flat=True
        )
    )


# --- finding: any member opens every application, score sheet, draft call, natural person -------------


def test_a_viewer_of_a_competing_applicant_sees_only_its_own_application(client, world):
    _login(client, world["users"]["luna_viewer"])
    assert _rows(client, "calls_application") == [world["luna_draft"]]
    page = client.get(reverse("admin:calls_application_changelist"))
    assert "Zeleni Zasavje" not in page.content.decode()  # the other applicant's title, nor in a filter
    assert client.get(reverse("admin:calls_application_change", args=[world["app"].pk])).status_code == 403
    assert client.get(reverse("admin:calls_application_history", args=[world["app"].pk])).status_code == 403
    own = client.get(reverse("admin:calls_application_change", args=[world["luna_draft"].pk]))
    assert own.status_code == 200


def test_a_viewer_of_a_competing_applicant_sees_no_score_sheet(client, world):
    _login(client, world["users"]["luna_viewer"])
    assert _rows(client, "calls_scoresheet") == []
    sheet = ScoreSheet.objects.first()
    assert client.get(reverse("admin:calls_scoresheet_change", args=[sheet.pk])).status_code == 403


def test_another_organisations_draft_call_is_neither_listed_nor_opened(client, world):
    _login(client, world["users"]["other"])
    rows = _rows(client, "calls_call")
    assert world["draft_call"] not in rows and world["w"].call in rows
    page = client.get(reverse("admin:calls_call_changelist")).content.decode()
    assert "Osnutek sedmega poziva" not in page
    draft = reverse("admin:calls_call_change", args=[world["draft_call"].pk])
    assert client.get(draft).status_code == 403
    # its own organisation's viewer reads it
    _login(client, world["users"]["viewer"])
    assert client.get(draft).status_code == 200


def test_a_draft_application_is_not_the_calling_organisations_yet(client, world):
    """docs/calls.md: staff of the call's organisation see an application once it is submitted."""
    _login(client, world["users"]["staff"])
    rows = _rows(client, "calls_application")
    assert world["app"] in rows and world["luna_draft"] not in rows
    url = reverse("admin:calls_application_change", args=[world["luna_draft"].pk])
    assert client.get(url).status_code == 403


def test_natural_persons_are_read_only_by_those_the_rule_names(client, world):
    person, stranger = world["person"], world["stranger"]
    _login(client, world["users"]["luna_viewer"])
    rows = _rows(client, "core_organisation")
    assert person not in rows and stranger not in rows
    assert Organisation.objects.get(slug="las-zasavje") in rows  # organisations are public
    assert client.get(reverse("admin:core_organisation_change", args=[person.pk])).status_code == 403
    # the owners of the strategy that lists the project the person holds see the name
    _login(client, world["users"]["viewer"])
    rows = _rows(client, "core_organisation")
    assert person in rows and stranger not in rows
    # and so does the person's own member
    mojca = member("admin", stranger, username="mojca")
    _login(client, mojca)
    assert stranger in _rows(client, "core_organisation")


def test_a_project_page_offers_no_natural_person_it_may_not_name(client, world):
    """The holder field of a project offers only organisations the user may read."""
    _login(client, world["users"]["staff"])
    project = Project.objects.get(code="OS-1")
    page = client.get(reverse("admin:projects_project_change", args=[project.pk]))
    assert page.status_code == 200
    holder = page.context["adminform"].form.fields["holder"].queryset
    assert world["person"] in holder and world["stranger"] not in holder


# --- evaluators: docs/calls.md "Evaluation" ----------------------------------------------------------


def test_a_committee_member_reads_only_their_own_score_sheets(world):
    users = world["users"]
    sheets = ScoreSheet.objects.all()
    assert set(permissions.visible(users["eval2"], sheets).values_list("pk", flat=True)) == _sheets(
        world, "eval2"
    )
    everyone = set(sheets.values_list("pk", flat=True))
    assert len(everyone) == 3
    assert set(permissions.visible(users["chair"], sheets).values_list("pk", flat=True)) == everyone
    assert set(permissions.visible(users["viewer"], sheets).values_list("pk", flat=True)) == everyone
    for name in ("applicant", "applicant_viewer", "other", "luna_viewer", "outsider"):
        assert not permissions.visible(users[name], sheets).exists(), name
    eval3_sheet = ScoreSheet.objects.get(assignment__seat__user=users["eval3"])
    assert not permissions.can(users["eval2"], "view", eval3_sheet)
    assert permissions.can(users["eval3"], "view", eval3_sheet)


def test_an_evaluator_who_is_also_a_member_sees_their_sheet_in_the_back_office(client, world):
    """eval3 is a viewer of Zavod Luna: the back office is open to them, with their own sheet and the
    application assigned to them (the call has closed), and nothing of eval2's."""
    _login(client, world["users"]["eval3"])
    assert {s.pk for s in _rows(client, "calls_scoresheet")} == _sheets(world, "eval3")
    eval2_sheet = ScoreSheet.objects.get(assignment__seat__user=world["users"]["eval2"])
    assert client.get(reverse("admin:calls_scoresheet_change", args=[eval2_sheet.pk])).status_code == 403
    assert world["app"] in _rows(client, "calls_application")


# --- memberships, tokens, audit log -------------------------------------------------------------------


def test_memberships_are_read_by_the_organisations_members(client, world):
    _login(client, world["users"]["luna_viewer"])
    rows = _rows(client, "core_membership")
    assert rows and {m.organisation_id for m in rows} == {world["w"].other.pk}
    las_membership = Membership.objects.filter(organisation=world["w"].las).first()
    assert client.get(reverse("admin:core_membership_change", args=[las_membership.pk])).status_code == 403
    assert client.get(reverse("admin:core_membership_add")).status_code == 403  # a viewer adds no members


def test_api_tokens_are_their_users_alone(client, world):
    users = world["users"]
    mine = ApiToken.objects.create(user=users["luna_viewer"], name="moj", prefix="aaa", key_hash="a" * 64)
    theirs = ApiToken.objects.create(user=users["staff"], name="njihov", prefix="bbb", key_hash="b" * 64)
    _login(client, users["luna_viewer"])
    assert _rows(client, "core_apitoken") == [mine]
    assert client.get(reverse("admin:core_apitoken_change", args=[theirs.pk])).status_code == 403


def _entries_about(entries, obj) -> list:
    return [e for e in entries if e.content_type.model_class() is type(obj) and e.object_id == str(obj.pk)]


def test_the_audit_log_shows_only_entries_of_objects_the_user_reads(client, world):
    users, app = world["users"], world["app"]
    sheet = ScoreSheet.objects.get(assignment__seat__user=users["eval2"])
    assert AuditEntry.objects.filter(object_id=str(world["luna_draft"].pk), content_type__model="application")
    _login(client, users["luna_viewer"])
    rows = _rows(client, "core_auditentry")
    assert _entries_about(rows, world["luna_draft"])  # its own application's history
    assert not _entries_about(rows, app) and not _entries_about(rows, sheet)
    assert not _entries_about(rows, world["w"].call)  # another organisation's call: not their staff
    own_entry = _entries_about(rows, world["luna_draft"])[0]
    assert client.get(reverse("admin:core_auditentry_change", args=[own_entry.pk])).status_code == 200
    app_entry = AuditEntry.objects.filter(content_type__model="application", object_id=str(app.pk)).first()
    assert client.get(reverse("admin:core_auditentry_change", args=[app_entry.pk])).status_code == 403
    # the call's staff see the submitted application and its scores, not the competitor's draft
    _login(client, users["viewer"])
    rows = _rows(client, "core_auditentry")
    assert _entries_about(rows, app) and _entries_about(rows, sheet) and _entries_about(rows, world["w"].call)
    assert not _entries_about(rows, world["luna_draft"])


def test_entries_of_a_deleted_part_follow_the_object_it_was_part_of(world):
    """A deleted payment's entries are read by those who read its project as staff."""
    from decimal import Decimal

    from regija.projects.models import Fund, Payment

    project = Project.objects.get(code="OS-1")
    payment = Payment.objects.create(
        project=project, fund=Fund.objects.get(code="CLLD"), label="1. zahtevek", amount=Decimal("10.00")
    )
    pk = payment.pk
    payment.delete()
    entries = AuditEntry.objects.filter(content_type__model="payment", object_id=str(pk))
    assert entries.count() == 2
    assert permissions.visible(world["users"]["viewer"], entries).count() == 2  # LAS owns the strategy
    assert not permissions.visible(world["users"]["luna_viewer"], entries).exists()


# --- adding, autocomplete -----------------------------------------------------------------------------


def test_adding_is_offered_only_where_the_user_may_edit_such_a_row(client, world):
    _login(client, world["users"]["applicant"])  # an editor of an NGO that owns no strategy
    assert client.get(reverse("admin:projects_project_add")).status_code == 403
    assert client.get(reverse("admin:strategies_node_add")).status_code == 403
    assert client.get(reverse("admin:projects_fund_add")).status_code == 403
    _login(client, world["users"]["staff"])
    assert client.get(reverse("admin:projects_project_add")).status_code == 200


def _autocomplete(client, app_label, model_name, field_name, term=""):
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )


def test_an_editor_picks_the_organisation_of_a_new_call(client, world):
    _login(client, world["users"]["staff"])
    response = _autocomplete(client, "calls", "call", "organisation")
    assert response.status_code == 200
    offered = {r["text"] for r in response.json()["results"]}
    assert offered == {str(world["w"].las)}  # the organisations the editor may make a call for


def test_the_holder_autocomplete_offers_readable_organisations_only(client, world):
    _login(client, world["users"]["staff"])
    response = _autocomplete(client, "projects", "project", "holder", "zasebnik")
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Janez Zasebnik"]
    assert _autocomplete(client, "projects", "project", "holder", "neznana").json()["results"] == []
    _login(client, world["users"]["other"])
    assert _autocomplete(client, "projects", "project", "holder", "zasebnik").json()["results"] == []


def test_an_administrator_picks_the_organisation_of_a_membership(client, world):
    admin_user = member("admin", world["w"].other, username="luna-admin")
    _login(client, admin_user)
    response = _autocomplete(client, "core", "membership", "organisation")
    assert response.status_code == 200
    assert {r["text"] for r in response.json()["results"]} == {str(world["w"].other)}


def test_a_partner_organisation_is_picked_in_a_projects_inline(client, world):
    _login(client, world["users"]["staff"])
    response = _autocomplete(client, "projects", "partner", "organisation", "Luna")
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Zavod Luna"]


# --- staff pages ----------------------------------------------------------------------------------------


def test_a_draft_strategy_is_read_by_everyone_as_the_portal_publishes_it(client, world):
    """The portal publishes a draft strategy (000, marked as a draft) for comment, so the back office
    and the staff pages show it to every member as well: one rule, not two."""
    from django.contrib.auth.models import AnonymousUser

    draft = Strategy.objects.filter(status="draft").exclude(owners__memberships__user=world["users"]["other"])
    assert draft.exists()
    assert set(permissions.visible(AnonymousUser(), draft)) == set(draft)
    assert client.get(draft.first().get_absolute_url()).status_code == 200
    _login(client, world["users"]["other"])
    page = client.get(reverse("consistency"), {"strategy": draft.first().slug})
    assert page.status_code == 200
    assert client.get(reverse("admin:strategies_strategy_change", args=[draft.first().pk])).status_code == 200


# --- bounded queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", ["calls_application", "calls_scoresheet", "core_auditentry", "core_organisation"]
)
def test_a_changelist_runs_a_bounded_number_of_queries(client, world, model, django_assert_max_num_queries):
    _login(client, world["users"]["viewer"])
    client.get(reverse(f"admin:{model}_changelist"))  # content types and sessions warmed
    with django_assert_max_num_queries(14):
        assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200


def test_a_user_without_membership_has_no_back_office(client, world):
    _login(client, world["users"]["outsider"])
    response = client.get(reverse("admin:calls_application_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Application.objects.exists() and Call.objects.exists()


def test_deleting_a_call_names_only_the_applications_its_staff_may_read(client, world):
    """Django lists the rows that keep a call from being deleted; a competitor's draft is counted only."""
    _login(client, world["users"]["staff"])
    page = client.get(
        reverse("admin:calls_call_delete", args=[world["w"].call.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    protected = [str(p) for p in page.context["protected"]]
    assert any("Zeleni Zasavje" in p for p in protected)
    assert not any("Lunina skrivna vloga" in p for p in protected)
    assert "Applications you may not see: 1" in protected
    assert "Lunina skrivna vloga" not in page.content.decode()


def test_the_application_pages_and_the_rule_agree_on_who_sees_an_application(world):
    """The applicant's pages decide with calls.views_applicant.access, the back office with the registry's
    rule: for every person and application the answer is the same (docs/calls.md "Who sees")."""
    from regija.calls.views_applicant import access

    for app in Application.objects.filter(call=world["w"].call).select_related("call"):
        for name, user in world["users"].items():
            assert bool(access(user, app)) == permissions.can(user, "view", app), (name, app.title)


def test_anonymous_visitors_read_what_the_public_pages_and_api_show(world):
    from django.contrib.auth.models import AnonymousUser

    from regija.calls.selectors import public_calls

    anonymous = AnonymousUser()
    assert set(permissions.visible(anonymous, Call.objects.all())) == set(public_calls())
    assert not permissions.visible(anonymous, Application.objects.all()).exists()
    assert not permissions.visible(anonymous, Organisation.objects.filter(kind="person")).exists()
    assert not permissions.visible(anonymous, AuditEntry.objects.all()).exists()
    assert permissions.can(anonymous, "view", world["w"].call)
    assert not permissions.can(anonymous, "view", world["draft_call"])


# --- fields that name a user account: offered to those who may write the row -------------------------
# Users are in the registry only to audit them (core/apps.py); they are not the back office's rows, so a
# form's user field must accept every account, not only those a member may "read" (none).


def test_an_administrator_adds_a_member_to_their_organisation(client, world):
    admin_user = member("admin", world["w"].other, username="luna-admin")
    newcomer = member(username="novinka")
    _login(client, admin_user)
    response = client.post(
        reverse("admin:core_membership_add"),
        {"user": newcomer.pk, "organisation": world["w"].other.pk, "role": "viewer"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.filter(user=newcomer, organisation=world["w"].other, role="viewer").exists()


def test_the_calls_editor_saves_a_call_with_its_committee(client, world):
    from tests.admin_forms import change_form_data
    from tests.factories import CommitteeSeatFactory

    _login(client, world["users"]["staff"])
    call = world["draft_call"]
    seat_user = member(username="clanica-komisije")
    CommitteeSeatFactory(call=call, name="Članica", role="member", user=seat_user, order=1)
    url = reverse("admin:calls_call_change", args=[call.pk])
    data = change_form_data(client, url)
    data["title"] = "Preimenovan osnutek"
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Call.objects.get(pk=call.pk).title == "Preimenovan osnutek"


def test_view_on_site_names_a_draft_calls_address_only_to_those_who_read_it(client, world):
    """Django's /admin/r/TYPE/ID/ redirects to the object's page: for another organisation's draft call
    it would give away its address (slug)."""
    from django.contrib.contenttypes.models import ContentType

    draft = world["draft_call"]
    url = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Call).pk, draft.pk])
    _login(client, world["users"]["other"])
    answer = client.get(url)
    assert answer.status_code == 404
    assert draft.slug not in answer.get("Location", "")
    assert client.get(reverse("admin:view_on_site", args=["x", draft.pk])).status_code == 404
    _login(client, world["users"]["staff"])  # an editor of the call's organisation
    answer = client.get(url)
    assert answer.status_code == 302 and draft.slug in answer["Location"]
