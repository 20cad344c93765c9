"""App configuration for the data lake and open-data catalogue."""

import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LakeConfig(AppConfig):
    name = "regija.lake"
    label = "lake"
    verbose_name = _("Open data")

    def ready(self):
        from django.db.models import Q

        from regija.core import registry

        from .models import Column, Dataset, DatasetClaim, Distribution, IndicatorSource, Version

        # A dataset belongs to its publisher; everyone reads it once it is published and not private,
        # its publisher's members always (drafts, private datasets).
        public = Q(status="published", private=False)
        registry.register(Dataset, owners=["publisher"], audit=True, public=public, history="dataset")
        for model in (Version, Column, Distribution):
            registry.register(
                model,
                owners=["dataset__publisher"],
                audit=True,
                audit_parent="dataset",
                public=Q(dataset__status="published", dataset__private=False),
            )
        # Who feeds an indicator from a dataset is the strategy's owners' business.
        registry.register(
            IndicatorSource,
            owners=["indicator__strategy__owners"],
            audit=True,
            audit_parent="indicator",
            public=Q(),
        )
        registry.register(
            DatasetClaim,
            owners=["dataset__publisher"],
            audit=True,
            audit_parent="dataset",
            public=Q(dataset__status="published", dataset__private=False),
        )
        registry.register_public_app(self)
        # Published datasets are found by the one search box (lake/indexed.py).
        from regija.search import indexing
        from regija.search import signals as search_signals
        from regija.search.models import Kind as SearchKind

        from . import indexed

        indexing.register_source(
            SearchKind.DATASET, Dataset.objects.filter(public), indexed.FIELDS, indexed.build
        )
        search_signals.follow(Dataset, SearchKind.DATASET)
        # The jobs (a dataset's refresh, the periodic check of what is due) are known in every process:
        # the worker runs them, the jobs page lists them with their next run.
        importlib.import_module(f"{self.name}.tasks")

        from regija.core import caching
        from regija.interchange.importer import strategy_written

        from . import claims, tasks

        # regija check: what the documents' text claims about their own tables
        registry.register_consistency_check("lake.claims", claims.check_all)
        # Regija's own data follows every committed change to public data (debounced, in the worker)
        caching.on_data_change(tasks.schedule_publish)
        # a strategy file imported again: the indicators fed by datasets get their values back
        strategy_written.connect(_strategy_written, dispatch_uid="lake-indicator-sources")


def _strategy_written(sender, strategy, **kwargs):
    from .models import IndicatorSource
    from .services import recompute_indicator

    for source in IndicatorSource.objects.filter(indicator__strategy=strategy).select_related(
        "dataset__current", "indicator"
    ):
        recompute_indicator(source)
