"""Every field of ours has a label in both languages: a verbose_name marked for translation, never the
one Django makes from the field's name ("order", "content type", "object id" showed in English in the
Slovenian back office and history), and every label is in the Slovenian catalogue."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import CompositePrimaryKey
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real


def _our_models():
    for config in apps.get_app_configs():
        if config.name.startswith("regija."):
            yield from config.get_models()


def _labelled_fields(model):
    """The model's own fields and many-to-many fields (reverse relations are labelled by the other side;
    the automatic primary key is Django's "ID"; a composite primary key is no field of its own – its
    parts are, and no form or page shows it)."""
    for field in model._meta.get_fields():
        if field.auto_created or isinstance(field, CompositePrimaryKey):
            continue
        yield field


def _labels():
    for model in _our_models():
        yield model._meta.label, "verbose_name", model._meta.verbose_name
        yield model._meta.label, "verbose_name_plural", model._meta.verbose_name_plural
        for field in _labelled_fields(model):
            yield model._meta.label, field.name, field.verbose_name


def test_no_field_has_the_label_django_makes_from_its_name():
    made_up = []
    for model in _our_models():
        for field in _labelled_fields(model):
            automatic = field.name.replace("_", " ")
            # explicitly translated (gettext_lazy) is fine even when it reads like the name ("title")
            if not isinstance(field.verbose_name, Promise) and field.verbose_name == automatic:
                made_up.append(f"{model._meta.label}.{field.name}")
    assert made_up == []


def test_every_label_is_marked_for_translation():
    plain = [f"{label}.{name}: {text!r}" for label, name, text in _labels() if not isinstance(text, Promise)]
    assert plain == []


def test_every_label_has_its_slovenian():
    """In the Slovenian catalogue (the merged one: ours, then Django's and its apps'): a label whose
    Slovenian reads as its English ("status") must be there too, with or without a context."""
    catalogue = trans_real.translation("sl")._catalog
    keys = {key.split("\x04")[-1] for key in catalogue.keys() if isinstance(key, str)}
    missing = []
    for label, name, text in _labels():
        if not isinstance(text, Promise):
            continue
        with translation.override("en"):
            english = str(text)
        with translation.override("sl"):
            slovenian = str(text)
        if slovenian == english and english not in keys:
            missing.append(f"{label}.{name}: {english!r}")
    assert missing == []


@pytest.mark.parametrize("language, label", [("sl", "Vrstni red"), ("en", "Order")])
def test_the_order_of_an_indicator_is_labelled_in_the_page_language(language, label):
    from django.utils.text import capfirst

    from regija.strategies.models import Indicator

    with translation.override(language):
        assert capfirst(Indicator._meta.get_field("order").verbose_name) == label
