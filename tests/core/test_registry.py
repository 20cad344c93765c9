"""The base learns about an app's models only from what the app registers (core.registry)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from regija.core import permissions, registry
from regija.core.models import Organisation
from regija.projects.models import BudgetLine, Payment, Project
from regija.strategies.models import Node, Observation, Strategy
from tests.factories import (
    IndicatorFactory,
    NodeFactory,
    OrganisationFactory,
    ProjectFactory,
    StrategyFactory,
    member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    las = OrganisationFactory(slug="las-a")
    town = OrganisationFactory(slug="obcina-b")
    holder = OrganisationFactory(slug="drustvo-c")
    strategy = StrategyFactory(slug="strategija-a")
    strategy.owners.set([las, town])
    project = ProjectFactory(strategy=strategy, holder=holder)
    return {"las": las, "town": town, "holder": holder, "strategy": strategy, "project": project}


def test_an_object_belongs_to_the_organisations_its_app_registered(world):
    ids = {world["las"].pk, world["town"].pk}
    assert permissions.owner_ids(world["strategy"]) == ids
    indicator = IndicatorFactory(strategy=world["strategy"], node=NodeFactory(strategy=world["strategy"]))
    assert permissions.owner_ids(Observation(indicator=indicator)) == ids  # not saved yet
    # a project: its holder and the programme's owners; its payments and lines the same
    project_owners = ids | {world["holder"].pk}
    assert permissions.owner_ids(world["project"]) == project_owners
    assert permissions.owner_ids(BudgetLine(project=world["project"])) == project_owners
    assert permissions.owner_ids(world["las"]) == {world["las"].pk}


def test_the_same_rule_as_one_queryset_filter(world):
    editor = member("editor", "drustvo-c")  # the holder's editor, no right on the strategy itself
    assert list(permissions.editable(editor, Project.objects.all())) == [world["project"]]
    assert not permissions.editable(editor, Strategy.objects.all()).exists()
    assert not permissions.editable(editor, Node.objects.all()).exists()


def test_money_and_outcomes_are_managed_by_the_programme_the_app_registered(world):
    """Separation of duties: the holder owns its project (changes it) but only the strategy's owners
    manage its money and outcome (``programme=``), object by object and as one filter alike."""
    holder = member("editor", "drustvo-c")
    staff = member("editor", "las-a", username="editor-las-a")
    viewer = member("viewer", "las-a", username="viewer-las-a")
    root = User.objects.create_superuser("root", password="x")
    project = world["project"]
    line = BudgetLine(project=project)
    for obj in (project, line, Payment(project=project)):
        assert permissions.can(holder, "change", obj) and not permissions.can(holder, "manage", obj)
        assert permissions.can(staff, "manage", obj)
        assert not permissions.can(viewer, "manage", obj)
        assert permissions.can(root, "manage", obj)
    assert not permissions.manageable(holder, Project.objects.all()).exists()
    assert list(permissions.manageable(staff, Project.objects.all())) == [project]
    assert permissions.manageable(root, Project.objects.all()).filter(pk=project.pk).exists()
    # a model registered without programme= is managed by all its owners
    assert permissions.can(staff, "manage", world["strategy"])
    assert not permissions.can(holder, "manage", world["strategy"])


def test_deleting_needs_the_role_the_app_registered(world):
    editor = member("editor", "las-a")
    admin = member("admin", "las-a", username="admin-las-a")
    assert permissions.can(editor, "change", world["strategy"])
    assert not permissions.can(editor, "delete", world["strategy"])  # strategies: admins only
    assert permissions.can(admin, "delete", world["strategy"])
    node = NodeFactory(strategy=world["strategy"])
    assert permissions.can(editor, "delete", node)  # nodes: editors


def test_a_model_nobody_registered_has_no_owners():
    with pytest.raises(TypeError, match="no ownership rule for User"):
        permissions.owner_ids(User(username="x"))


def test_history_and_audit_parent_come_from_the_registration(world):
    assert registry.history_model("payment") is Payment
    assert registry.history_model("nothing") is None
    payment = Payment(project=world["project"])
    assert registry.audit_parent_key(payment) == f"projects.project:{world['project'].pk}"
    assert registry.audit_parent_key(world["las"]) == ""


def test_a_wrong_registration_fails_at_start_up():
    as_core_registers_it = registry.get(Organisation)
    with pytest.raises(Exception, match="title"):
        registry.register(Organisation, owners=["title"])
    with pytest.raises(ValueError, match="path of foreign keys"):
        registry.register(Organisation, owners=["pk"], audit_parent="name")
    with pytest.raises(ValueError, match="organisation or a user"):
        registry.register(Organisation, owners=["pk"], readers=["parent__kind"])
    assert registry.get(Organisation) is as_core_registers_it


def test_core_knows_the_apps_only_through_the_registry():
    """Public data: every app that holds it registered itself; core's bookkeeping is private."""
    from regija.core.models import AuditEntry, DataVersion

    assert {"core", "strategies", "projects", "calls", "governance"} <= registry.public_app_labels()
    assert registry.is_public(Project) and not registry.is_public(AuditEntry)
    assert not registry.is_public(DataVersion)
