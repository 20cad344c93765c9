"""App configuration for projects: funds, allocations, projects, budget lines and payments."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "regija.projects"
    label = "projects"
    verbose_name = _("Projects and funds")

    def ready(self):
        from django.db.models import Q

        from regija.core import registry
        from regija.core.models import Organisation, Role

        from .models import (
            Allocation,
            BudgetLine,
            Fund,
            Partner,
            Payment,
            Project,
            ProjectPhase,
            StatedFigure,
        )

        # What a strategy lists is public as the strategy is, in every status (strategies/apps.py).
        registry.register(Fund, public=Q())  # funds are public; only superusers change them
        registry.register(StatedFigure, owners=["strategy__owners"], public=Q())
        registry.register(
            Allocation,
            owners=["declared_in__owners"],
            audit=True,
            history="allocation",
            public=Q(),
        )
        # A project belongs to its holder *and* to the owners of the strategy that lists it (a LAS keeps
        # the operations of its calls current even though another organisation holds them). Its money
        # and outcomes are managed by the programme only – the strategy's owners, not the holder
        # (separation of duties: projects.services).
        registry.register(
            Project,
            owners=["holder", "strategy__owners"],
            programme=["strategy__owners"],
            delete_role=Role.ADMIN,
            programme_deletes=True,
            audit=True,
            history="project",
            public=Q(),
        )
        project_owners = ["project__holder", "project__strategy__owners"]
        programme = ["project__strategy__owners"]
        # Its parts follow it; their history is the project's.
        for model, history in (
            (Partner, "partner"),
            (BudgetLine, "budgetline"),
            (Payment, "payment"),
            (ProjectPhase, None),
        ):
            registry.register(
                model,
                owners=project_owners,
                programme=programme,
                audit=True,
                audit_parent="project",
                history=history,
                public=Q(),
            )
        # A natural person that holds a project, or is a partner in one, is read by the owners of the
        # strategy that lists it (their staff see the name on the project's page).
        registry.add_readers(
            Organisation, ["held_projects__strategy__owners", "partnerships__project__strategy__owners"]
        )
        registry.register_public_app(self)
