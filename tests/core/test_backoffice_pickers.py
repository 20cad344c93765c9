"""Related rows in the back office are picked by name, not by number (docs/portal.md, "Picking rows in the
back office").

Every field that used to be a raw-id box (type an id, or look it up in a pop-up list) is an autocomplete:
select2 asks /admin/autocomplete/ and shows what the related admin's search finds, each row by a name that
tells it apart (a node with its strategy, a body member with the term). The answer holds only rows the
user may read and the field accepts – for the object being edited (a project's nodes are its strategy's).
User accounts are found by a full e-mail address or the beginning of a name, a few at a time, and only by
those who may set such a field; the accounts recorded by a payment's claim are shown, not picked.

The world: the source documents (five strategies, LAS Zasavje's bodies, terms, sessions and decisions)
and the 6th call of LAS Zasavje as a draft (``tests.factories.call_world``).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from regija.core.models import Membership
from regija.governance.models import Member, Term
from regija.projects.models import Fund, Project
from regija.strategies.models import Node, Strategy
from tests.admin_forms import change_form_data
from tests.factories import (
    AlignmentFactory,
    ApplicationFactory,
    IndicatorFactory,
    OrganisationFactory,
    PaymentFactory,
    ProjectFactory,
    StatedFigureFactory,
    UserFactory,
    call_world,
    member,
)

pytestmark = pytest.mark.django_db

LAS_STRATEGY = "Partnerstvo LAS Zasavje – poročilo o delu za leto 2023"
GORENJSKA = "Strategija razvoja nove industrijske kulture na Gorenjskem"
VELENJE = "Strategija digitalnega razvoja pametnega mesta in skupnosti Mestne občine Velenje"


@pytest.fixture
def w():
    return call_world()


@pytest.fixture
def superuser():
    return member(username="skrbnik", superuser=True)


def _autocomplete(client, source: str, field: str, term: str = "", page: str | None = None, obj=None):
    """What the select2 widget of ``source``'s ``field`` (as "app.model") asks for, from ``page``."""
    app_label, model_name = source.split(".")
    params = {"app_label": app_label, "model_name": model_name, "field_name": field, "term": term}
    if page:
        params["page_model"] = page
    if obj is not None:
        params["page_object"] = obj.pk
    return client.get(reverse("admin:autocomplete"), params)


def _texts(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [r["text"] for r in response.json()["results"]]


def _selects(html: str) -> dict[str, str]:
    """Each <select> of the page by name → its tag."""
    return {m.group(1): m.group(0) for m in re.finditer(r'<select name="([^"]+)"[^>]*>', html)}


# --- every former raw-id field is an autocomplete --------------------------------------------------------


def _pages(w):
    """(change page, the names of its picker fields), one per form that had raw-id fields."""
    las_strategy = Strategy.objects.get(slug="las-zasavje-2023")
    node = Node.objects.filter(strategy=las_strategy).exclude(parent=None).first()
    project = Project.objects.filter(strategy=las_strategy).first()
    term = Term.objects.get(label="3. javni poziv")
    application = ApplicationFactory(call=w.call, applicant=w.applicant)
    alignment = AlignmentFactory(source_node=node, target_node=node.parent, declared_in=las_strategy)
    indicator = IndicatorFactory(node=node)
    figure = StatedFigureFactory(strategy=las_strategy, scope_node=node)
    membership = Membership.objects.get(user=w.users["staff"])

    def change(obj):
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])

    return [
        (
            change(Fund.objects.get(code="CLLD")),
            ["allocations-__prefix__-owner", "allocations-__prefix__-declared_in"],
        ),
        (change(project), ["nodes"]),
        (change(figure), ["scope_node"]),
        (change(term), ["appointed_by", "elected_at"]),
        (change(w.call), ["strategy", "nodes", "committee_term", "seats-0-member", "seats-0-user"]),
        (change(application), ["project"]),
        (
            change(node),
            ["parent", "links_out-__prefix__-target_node", "links_out-__prefix__-declared_in"],
        ),
        (change(alignment), ["source_node", "target_node"]),
        (change(indicator), ["node"]),
        (change(membership), ["user"]),
    ]


def test_every_former_raw_id_field_is_an_autocomplete_naming_its_page(client, w, superuser):
    client.force_login(superuser)
    for url, fields in _pages(w):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200, url
        html = page.content.decode()
        selects = _selects(html)
        for name in fields:
            tag = selects.get(name) or next((t for n, t in selects.items() if n.endswith(name)), None)
            assert tag is not None, (url, name, sorted(selects))
            assert (
                "admin-autocomplete" in tag and 'data-ajax--url="/admin/autocomplete/?page_model=' in tag
            ), tag
        # no box to type a number into, no pop-up list to look one up in
        assert "RawIdAdminField" not in html and "related-lookup" not in html, url


def test_a_change_form_names_its_object_to_the_autocomplete(client, w, superuser):
    client.force_login(superuser)
    html = client.get(reverse("admin:calls_call_change", args=[w.call.pk])).content.decode()
    tag = _selects(html)["nodes"]
    assert f"page_model=calls.call&amp;page_object={w.call.pk}" in tag
    add = client.get(reverse("admin:calls_call_add")).content.decode()
    assert 'data-ajax--url="/admin/autocomplete/?page_model=calls.call"' in _selects(add)["nodes"]


def test_the_chosen_rows_are_named_so_that_they_can_be_told_apart(client, w, superuser):
    """A project's nodes by code, title and strategy; a committee seat's member by name and term; its
    account by name and e-mail address."""
    client.force_login(superuser)
    project = Project.objects.filter(strategy__slug="las-zasavje-2023").exclude(nodes=None).first()
    node = project.nodes.first()
    html = client.get(reverse("admin:projects_project_change", args=[project.pk])).content.decode()
    assert f"{node.code} " in html and f"({LAS_STRATEGY})" in html
    seat = w.seats[0]
    seat.member = Member.objects.filter(name="Greta Černilogar", term__label="3. javni poziv").get()
    seat.save()
    user = seat.user
    user.first_name, user.last_name = "Greta", "Černilogar"
    user.save()
    html = client.get(reverse("admin:calls_call_change", args=[w.call.pk])).content.decode()
    assert "Greta Černilogar (Odbor za ocenjevanje operacij 3. javni poziv)" in html
    assert f"Greta Černilogar &lt;{user.email}&gt;" in html


def test_who_claimed_checked_and_paid_a_claim_is_shown_not_picked(client, w, superuser):
    """The claim's steps record the accounts (projects.services.payments); the form does not offer them."""
    client.force_login(superuser)
    project = ProjectFactory(strategy=Strategy.objects.get(slug="las-zasavje-2023"), holder=w.applicant)
    PaymentFactory(
        project=project,
        fund=w.fund,
        state="claimed",
        claimed_by=w.users["applicant"],
        checked_by=w.users["staff"],
    )
    url = reverse("admin:projects_project_change", args=[project.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    for field in ("claimed_by", "checked_by", "paid_by", "claimed_at", "checked_at"):
        assert f'name="payments-0-{field}"' not in html
    cells = re.findall(r'<td class="field-(?:claimed_by|checked_by)">(.*?)</td>', html, re.S)
    assert any("applicant" in c for c in cells) and any("staff" in c for c in cells)
    # and the staff still save the payment's own fields
    data = change_form_data(client, url)
    data["payments-0-label"] = "Prvi zahtevek"
    assert client.post(url, data, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    assert project.payments.get().label == "Prvi zahtevek"
    assert project.payments.get().claimed_by == w.users["applicant"]


# --- searching by name -----------------------------------------------------------------------------------


def test_a_strategy_is_found_by_words_of_its_title(client, w, superuser):
    client.force_login(superuser)
    texts = _texts(_autocomplete(client, "calls.call", "strategy", "zasavje", page="calls.call"))
    assert LAS_STRATEGY in texts and "Zasavje po 2027" in texts
    assert GORENJSKA not in texts


def test_a_node_is_found_by_its_code_and_named_with_its_strategy(client, w, superuser):
    client.force_login(superuser)
    texts = _texts(_autocomplete(client, "projects.project", "nodes", "2.1", page="projects.project"))
    assert all(t.startswith("2.1") for t in texts)
    # the same code in two strategies: the strategy tells them apart
    assert any(t.startswith("2.1 ") and t.endswith(f"({GORENJSKA})") for t in texts)
    assert any(t.startswith("2.1 ") and t.endswith(f"({VELENJE})") for t in texts)
    # words of a node's title and of its strategy's title find it too
    node = Node.objects.get(code="2.1", strategy__title=VELENJE)
    word = max(node.title.split(), key=len)
    texts = _texts(
        _autocomplete(client, "projects.project", "nodes", f"{word} Velenje", page="projects.project")
    )
    assert str(node.code) in [t.split()[0] for t in texts]


def test_a_projects_nodes_are_offered_from_its_strategy(client, w, superuser):
    client.force_login(superuser)
    velenje = Node.objects.get(code="2.1", strategy__title=VELENJE)
    project = ProjectFactory(strategy=velenje.strategy)
    texts = _texts(
        _autocomplete(client, "projects.project", "nodes", "2.1", page="projects.project", obj=project)
    )
    assert texts and all(t.endswith(f"({VELENJE})") for t in texts)
    # the form accepts only those: a node of another strategy is refused, nothing changes
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = change_form_data(client, url)
    gorenjska = Node.objects.get(code="2.1", strategy__title=GORENJSKA)
    data["nodes"] = [velenje.pk, gorenjska.pk]
    answer = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200 and "Select a valid choice" in answer.content.decode()
    assert not project.nodes.exists()
    data["nodes"] = [velenje.pk]
    assert client.post(url, data, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    assert list(project.nodes.all()) == [velenje]


def test_a_calls_nodes_are_its_strategys_and_a_nodes_parent_is_of_its_own(client, w, superuser):
    client.force_login(superuser)
    texts = _texts(_autocomplete(client, "calls.call", "nodes", "", page="calls.call", obj=w.call))
    assert texts and all(t.endswith(f"({LAS_STRATEGY})") for t in texts)
    node = Node.objects.filter(strategy__title=VELENJE, depth=1).first()
    texts = _texts(_autocomplete(client, "strategies.node", "parent", "", page="strategies.node", obj=node))
    assert texts and all(t.endswith(f"({VELENJE})") for t in texts)
    assert str(node.code) + " " not in [t[: len(node.code) + 1] for t in texts]  # not the node itself


def test_a_committee_seats_member_comes_from_the_calls_committee(client, w, superuser):
    """A member of several terms is told apart by the term; once the call names its committee, only that
    term's members are offered."""
    client.force_login(superuser)
    texts = _texts(
        _autocomplete(client, "calls.committeeseat", "member", "greta", page="calls.call", obj=w.call)
    )
    assert "Greta Černilogar (Odbor za ocenjevanje operacij 3. javni poziv)" in texts
    assert "Greta Černilogar (Odbor za ocenjevanje operacij 1. in 2. javni poziv)" in texts
    w.call.committee_term = Term.objects.get(label="3. javni poziv")
    w.call.save()
    texts = _texts(_autocomplete(client, "calls.committeeseat", "member", "", page="calls.call", obj=w.call))
    assert "Greta Černilogar (Odbor za ocenjevanje operacij 3. javni poziv)" in texts
    assert all(t.endswith("3. javni poziv)") for t in texts)


def test_a_terms_decision_and_session_are_found_by_body_and_number(client, w, superuser):
    client.force_login(superuser)
    term = Term.objects.get(label="3. javni poziv")
    decisions = _texts(
        _autocomplete(client, "governance.term", "appointed_by", "upravni", page="governance.term", obj=term)
    )
    assert any("Upravni odbor" in t and "28. 05. 2018" in t for t in decisions)
    sessions = _texts(
        _autocomplete(client, "governance.term", "elected_at", "skupščina", page="governance.term", obj=term)
    )
    assert sessions and all("Skupščina" in t for t in sessions)


def test_an_applications_operation_is_a_project_of_the_calls_strategy(client, w, superuser):
    client.force_login(superuser)
    application = ApplicationFactory(call=w.call, applicant=w.applicant)
    own = ProjectFactory(strategy=w.call.strategy, code="ZZ-9", title="Zeleni vrt")
    ProjectFactory(strategy=Strategy.objects.get(title=VELENJE), code="ZZ-8", title="Zeleni trg")
    texts = _texts(
        _autocomplete(
            client, "calls.application", "project", "zelen", page="calls.application", obj=application
        )
    )
    assert texts == [f"ZZ-9 Zeleni vrt ({LAS_STRATEGY})"]
    ApplicationFactory(call=w.call, applicant=w.applicant, project=own)  # another application became it
    assert (
        _texts(
            _autocomplete(
                client, "calls.application", "project", "zelen", page="calls.application", obj=application
            )
        )
        == []
    )


# --- the reading rule ------------------------------------------------------------------------------------


def test_an_editor_is_offered_no_row_the_reading_rule_hides(client, w):
    """A natural person is named only to those who read it; strategies and committees to choose for a
    call only the editor's own."""
    person = OrganisationFactory(slug="janez-zasebnik", name="Janez Zasebnik", kind="person")
    ProjectFactory(strategy=Strategy.objects.get(slug="las-zasavje-2023"), code="OS-1", holder=person)
    client.force_login(w.users["staff"])  # an editor of LAS Zasavje, whose strategy lists the project
    assert _texts(
        _autocomplete(client, "projects.allocation", "owner", "zasebnik", page="projects.fund")
    ) == ["Janez Zasebnik"]
    assert _texts(_autocomplete(client, "calls.call", "strategy", "", page="calls.call")) == [LAS_STRATEGY]
    assert _texts(_autocomplete(client, "calls.call", "committee_term", "odbor", page="calls.call"))
    client.force_login(w.users["other"])  # an editor of Zavod Luna
    assert (
        _texts(_autocomplete(client, "projects.allocation", "owner", "zasebnik", page="projects.fund")) == []
    )
    assert _texts(_autocomplete(client, "calls.call", "strategy", "zasavje", page="calls.call")) == []
    assert _texts(_autocomplete(client, "calls.call", "committee_term", "odbor", page="calls.call")) == []


def test_the_page_named_must_be_one_the_user_reads(client, w):
    """Naming another organisation's draft call as the page answers 403, not its strategy's nodes."""
    client.force_login(w.users["other"])
    assert _autocomplete(client, "calls.call", "nodes", "", page="calls.call", obj=w.call).status_code == 403
    assert _autocomplete(client, "calls.call", "nodes", "", page="nosuch.model").status_code == 403
    client.force_login(w.users["viewer"])
    assert _autocomplete(client, "calls.call", "nodes", "", page="calls.call", obj=w.call).status_code == 200


# --- user accounts: found, not listed ---------------------------------------------------------------------


@pytest.fixture
def people():
    ana = UserFactory(username="anovak", first_name="Ana", last_name="Novak", email="ana.novak@example.org")
    many = [
        UserFactory(
            username=f"ana{i}", first_name="Ana", last_name=f"Zupan{i:02d}", email=f"ana{i}@example.org"
        )
        for i in range(14)
    ]
    gone = UserFactory(
        username="anagone", first_name="Ana", last_name="Odšla", email="gone@example.org", is_active=False
    )
    return {"ana": ana, "many": many, "gone": gone}


def _users(client, term, source="core.membership", page="core.membership", obj=None):
    return _autocomplete(client, source, "user", term, page=page, obj=obj)


def test_an_organisations_administrator_finds_a_person_by_email_or_name_only(client, w, people):
    las_admin = member("admin", w.las, username="las-admin")
    client.force_login(las_admin)
    # nothing by nothing, by one or two letters, or by a part of an address
    for term in ("", "a", "an", "@example.org", "example.org", "novak@"):
        assert _texts(_users(client, term)) == [], term
    # the full address, in any case: that account, with its address
    assert _texts(_users(client, "ANA.Novak@Example.org")) == ["Ana Novak <ana.novak@example.org>"]
    # the beginning of a name: addresses masked, at most ten, never a next page
    answer = _users(client, "ana")
    texts = _texts(answer)
    assert len(texts) == 10 and answer.json()["pagination"]["more"] is False
    assert all(re.fullmatch(r"Ana \S+ <a…@example\.org>", t) for t in texts), texts
    assert _texts(_users(client, "nov")) == ["Ana Novak <a…@example.org>"]
    assert _texts(_users(client, "ana nov")) == ["Ana Novak <a…@example.org>"]
    assert _texts(_users(client, "ovak")) == []  # the beginning of a name, not any part of it
    # an account that can no longer sign in is not offered
    assert _texts(_users(client, "odšla")) == [] and _texts(_users(client, "gone@example.org")) == []


def test_only_those_who_may_set_the_field_search_accounts(client, w, people):
    # an editor is no organisation's administrator: no member to add, so no search
    client.force_login(w.users["staff"])
    assert _users(client, "ana.novak@example.org").status_code == 403
    # but the call's editor picks an evaluator's account for its committee
    seat = {"source": "calls.committeeseat", "page": "calls.call", "obj": w.call}
    assert _texts(_users(client, "ana.novak@example.org", **seat)) == ["Ana Novak <ana.novak@example.org>"]
    # viewers set nothing
    client.force_login(w.users["viewer"])
    assert _users(client, "ana.novak@example.org").status_code == 403
    assert _users(client, "ana.novak@example.org", **seat).status_code == 403
    # an editor of another organisation may not change this call's committee
    client.force_login(w.users["other"])
    assert _users(client, "ana.novak@example.org", **{**seat, "obj": None}).status_code == 200
    client.force_login(w.users["applicant_viewer"])
    assert _users(client, "ana.novak@example.org", **{**seat, "obj": None}).status_code == 403


def test_a_superuser_searches_every_account(client, w, people, superuser):
    client.force_login(superuser)
    answer = _users(client, "example.org")
    assert answer.json()["pagination"]["more"] is True  # more than a page: every account, paged
    assert "Ana Odšla <gone@example.org>" in _texts(_users(client, "odšla"))
    assert _texts(_users(client, "ovak")) == ["Ana Novak <ana.novak@example.org>"]


def test_the_membership_form_says_how_to_find_a_person(client, w):
    client.force_login(member("admin", w.las, username="las-admin"))
    page = client.get(reverse("admin:core_membership_add"), HTTP_ACCEPT_LANGUAGE="en")
    assert "full e-mail address, or at least the first three letters of their name" in page.content.decode()


def test_an_administrator_adds_the_person_found(client, w, people):
    client.force_login(member("admin", w.las, username="las-admin"))
    [found] = _users(client, "ana.novak@example.org").json()["results"]
    answer = client.post(
        reverse("admin:core_membership_add"),
        {"user": found["id"], "organisation": w.las.pk, "role": "viewer"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 302
    assert Membership.objects.filter(user=people["ana"], organisation=w.las, role="viewer").exists()


# --- bounded -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "field", "term", "page"),
    [
        ("projects.project", "nodes", "", "projects.project"),
        ("calls.committeeseat", "member", "", "calls.call"),
        ("governance.term", "appointed_by", "", "governance.term"),
        ("core.membership", "user", "ana", "core.membership"),
    ],
)
def test_an_autocomplete_runs_a_bounded_number_of_queries(
    client, w, people, superuser, source, field, term, page, django_assert_max_num_queries
):
    las_admin = member("admin", w.las, username="las-admin")
    client.force_login(las_admin if field == "user" else superuser)
    _autocomplete(client, source, field, term, page=page)  # sessions and content types warmed
    with django_assert_max_num_queries(10):
        assert len(_texts(_autocomplete(client, source, field, term, page=page))) >= 3


def test_members_are_listed_to_be_picked_without_their_accounts_or_a_persons_name(client, w):
    """Body members and decisions are listed read-only (changed on their term's and session's pages); a
    member's page names whom they represent by the public pages' rule and not their user account."""
    person = OrganisationFactory(slug="janez-zasebnik", name="Janez Zasebnik", kind="person")
    greta = Member.objects.filter(name="Greta Černilogar").first()
    greta.organisation, greta.user = person, member(username="greta-racun")
    greta.save()
    client.force_login(w.users["viewer"])
    page = client.get(reverse("admin:governance_member_change", args=[greta.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and "Greta Černilogar" in html
    assert "greta-racun" not in html and "Janez Zasebnik" not in html
    assert 'name="name"' not in html  # read-only
    listing = client.get(reverse("admin:governance_member_changelist"), {"q": "greta"}).content.decode()
    assert "Greta Černilogar" in listing and "Janez Zasebnik" not in listing
    assert client.get(reverse("admin:governance_member_add")).status_code == 403
    assert client.get(reverse("admin:governance_decision_changelist")).status_code == 200
