"""App configuration for projects: funds, allocations, projects, budget lines and payments."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "regija.projects"
    label = "projects"
    verbose_name = _("Projects and funds")

    def ready(self):
        from regija.core import registry
        from regija.core.models import Role

        from .models import Allocation, BudgetLine, Partner, Payment, Project, ProjectPhase, StatedFigure

        registry.register(StatedFigure, owners=["strategy__owners"])
        registry.register(Allocation, owners=["declared_in__owners"], audit=True, history="allocation")
        # A project belongs to its holder *and* to the owners of the strategy that lists it (a LAS keeps
        # the operations of its calls current even though another organisation holds them). Its money
        # and outcomes are managed by the programme only – the strategy's owners, not the holder
        # (separation of duties: projects.services).
        registry.register(
            Project,
            owners=["holder", "strategy__owners"],
            programme=["strategy__owners"],
            delete_role=Role.ADMIN,
            audit=True,
            history="project",
        )
        project_owners = ["project__holder", "project__strategy__owners"]
        programme = ["project__strategy__owners"]
        registry.register(
            Partner,
            owners=project_owners,
            programme=programme,
            audit=True,
            audit_parent="project",
            history="partner",
        )
        registry.register(
            BudgetLine,
            owners=project_owners,
            programme=programme,
            audit=True,
            audit_parent="project",
            history="budgetline",
        )
        registry.register(
            Payment,
            owners=project_owners,
            programme=programme,
            audit=True,
            audit_parent="project",
            history="payment",
        )
        registry.register(
            ProjectPhase, owners=project_owners, programme=programme, audit=True, audit_parent="project"
        )
        registry.register_public_app(self)
