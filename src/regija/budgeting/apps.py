"""App configuration for participatory budgeting."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetingConfig(AppConfig):
    name = "regija.budgeting"
    label = "budgeting"
    verbose_name = _("Participatory budgeting")

    def ready(self):
        from django.db.models import Q

        from regija.accounts import personal_data as accounts_personal_data
        from regija.core import registry
        from regija.events import sources
        from regija.notify import topics

        from . import personal_data
        from .event_sources import process_events
        from .models import Area, PaperBatch, Process, Proposal

        # a person may follow a participatory budget (notify's subscriptions)
        topics.register("budgeting.Process")

        # A process, its areas and its proposals are public; the municipality's staff (editors and admins
        # of the process's organisation) manage them. Ballots are deliberately not registered: they are
        # never audited (the audit log would link a voter to their choices) and no page lists them.
        registry.register(
            Process, owners=["organisation"], audit=True, history="budgeting_process", public=Q()
        )
        registry.register(
            Area, owners=["process__organisation"], audit=True, audit_parent="process", public=Q()
        )
        registry.register(
            Proposal, owners=["process__organisation"], audit=True, audit_parent="process", public=Q()
        )
        registry.register(PaperBatch, owners=["process__organisation"], audit=True, audit_parent="process")
        registry.register_public_app(self, private=["Ballot", "BallotChoice", "PaperBatch", "PaperCount"])
        accounts_personal_data.register("budgeting", personal_data.export, personal_data.erase)
        sources.register(Process, process_events)
        # proposals are found by the one search box (indexed.py)
        from regija.search import indexing
        from regija.search import signals as search_signals
        from regija.search.models import Kind as SearchKind

        from . import indexed

        indexing.register_source(
            SearchKind.BUDGET_PROPOSAL, Proposal.objects.all(), indexed.FIELDS, indexed.build
        )
        search_signals.follow(Proposal, SearchKind.BUDGET_PROPOSAL)
