"""App configuration for participation: consultations, proposals and comments."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "regija.participation"
    label = "participation"
    verbose_name = _("Participation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models import Q

        from regija.accounts import personal_data as accounts_personal_data
        from regija.core import registry
        from regija.core.registry import Reader
        from regija.events import sources
        from regija.notify import topics

        from . import comment_targets, personal_data
        from .event_sources import consultation_events, proposal_events
        from .models import Comment, CommentReport, Consultation, Proposal, ProposalEvent, Support, Unit

        # a person may follow a consultation or a proposal (notify's subscriptions)
        topics.register("participation.Consultation")
        topics.register("participation.Proposal")

        registry.register(
            Consultation, owners=["organisation"], audit=True, public=Q(), history="consultation"
        )
        registry.register(Unit, owners=["consultation__organisation"], public=Q())
        registry.register(Proposal, owners=["organisation"], audit=True, public=Q(), history="proposal")
        registry.register(
            ProposalEvent, owners=["proposal__organisation"], audit=True, audit_parent="proposal", public=Q()
        )
        # who supports what is not public (the count is); the person and the municipality's staff read it
        registry.register(
            Support,
            owners=["proposal__organisation"],
            audit=True,
            audit_parent="proposal",
            public=None,
            readers=["proposal__organisation", Reader("user")],
        )
        # a hidden comment is read only by the organisation's staff and its author; the public sees that
        # it was hidden and why (the pages), never its text
        registry.register(
            Comment,
            owners=["organisation"],
            audit=True,
            public=Q(hidden_at__isnull=True),
            readers=["organisation", Reader("author")],
            history="comment",
        )
        registry.register(
            CommentReport,
            owners=["comment__organisation"],
            audit=True,
            audit_parent="comment",
            public=None,
            readers=["comment__organisation", Reader("user")],
        )
        registry.register_public_app(self, private=["CommentReport"])
        comment_targets.register_all()
        accounts_personal_data.register("participation", personal_data.export, personal_data.erase)
        sources.register(Consultation, consultation_events)
        sources.register(Proposal, proposal_events)
        # proposals are found by the one search box (indexed.py)
        from regija.search import indexing
        from regija.search import signals as search_signals
        from regija.search.models import Kind as SearchKind

        from . import indexed

        indexing.register_source(SearchKind.PROPOSAL, Proposal.objects.all(), indexed.FIELDS, indexed.build)
        search_signals.follow(Proposal, SearchKind.PROPOSAL)
