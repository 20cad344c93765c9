"""What a person may follow: a model instance of a kind registered here, which they may read.

Strategies, calls and organisations (an area is an organisation of kind municipality or local community)
are followable from the start; an app above notify adds its own kinds in its ``AppConfig.ready()``:
``topics.register("participation.Proposal")``."""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

_labels: set[str] = {"core.organisation", "strategies.strategy", "calls.call"}


def register(label: str) -> None:
    """Let people follow instances of the model ``app_label.ModelName``."""
    _labels.add(label.lower())


def followable(obj: Model) -> bool:
    return obj._meta.label_lower in _labels


def key(obj: Model) -> tuple[int, int]:
    """The topic's content type id and object id."""
    return ContentType.objects.get_for_model(obj).pk, int(obj.pk)


def resolve(content_type_id: int, object_id: int) -> Model | None:
    """The topic behind a content type and id, when it is followable and exists."""
    try:
        ct = ContentType.objects.get_for_id(content_type_id)
    except ContentType.DoesNotExist:
        return None
    if f"{ct.app_label}.{ct.model}" not in _labels:
        return None
    model = apps.get_model(ct.app_label, ct.model)
    return model._default_manager.filter(pk=object_id).first()


def by_label(label: str, ident: str) -> Model | None:
    """The topic named as the API names it: ``core.organisation`` and its id (or slug)."""
    label = label.lower()
    if label not in _labels:
        return None
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    manager = model._default_manager
    if ident.isdigit():
        return manager.filter(pk=int(ident)).first()
    if any(f.name == "slug" for f in model._meta.fields):
        return manager.filter(slug=ident).first()
    return None


def label_of(obj: Model) -> str:
    return obj._meta.label_lower


def url_of(obj: Model | None) -> str:
    getter = getattr(obj, "get_absolute_url", None)
    try:
        return str(getter()) if getter else ""
    except Exception:  # a URL that needs more than the object (a node's strategy) is left out
        return ""
