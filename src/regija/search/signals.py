"""Keep the index current when one object is saved or deleted (back office, staff forms, API).

The importer writes in bulk without save signals; its caller runs ``indexing.reindex_strategy``.
Deletes made by the importer do send post_delete, and are handled here like any other.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from regija.core.models import Organisation
from regija.projects.models import Project
from regija.strategies.models import Indicator, Node, Strategy

from . import indexing
from .models import Kind


def _models():

    return {
        Strategy: Kind.STRATEGY,
        Node: Kind.NODE,
        Indicator: Kind.INDICATOR,
        Project: Kind.PROJECT,
        Organisation: Kind.ORGANISATION,
    }


KINDS: dict = {}


def _saved(sender, instance, raw=False, **kwargs):
    if raw or indexing.is_suspended():  # fixtures (loaddata) and suspended blocks: rebuild afterwards
        return
    kind = KINDS[sender]
    if kind == Kind.STRATEGY:
        indexing.strategy_saved(instance.pk)
    elif kind == Kind.ORGANISATION:
        indexing.organisation_saved(instance.pk)
    else:
        indexing.reindex(kind, [instance.pk])


def _deleted(sender, instance, **kwargs):
    if indexing.is_suspended():
        return
    kind = KINDS[sender]
    indexing.remove(kind, [instance.pk])
    if kind == Kind.STRATEGY:  # anything of the strategy that is still indexed
        indexing.remove_strategy(instance.pk)


def follow(model, kind: str) -> None:
    """Keep the documents of ``kind`` current when a ``model`` row is saved or deleted (another app's
    model, registered with ``indexing.register_source``)."""
    KINDS[model] = kind
    uid = f"regija-search-{model._meta.label}"
    post_save.connect(_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


def connect() -> None:
    KINDS.update(_models())
    for model in KINDS:
        uid = f"regija-search-{model._meta.label}"
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
