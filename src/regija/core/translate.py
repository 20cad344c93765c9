"""Translation for code that also runs without a configured Django project (the file formats).

``gettext`` and ``ngettext`` are Django's when its apps are ready, and give the English text as written
otherwise, so that a file format's validators and problems can be used – and their messages read –
anywhere, and are said in the active language (Slovenian by default) wherever Django is set up: the
importer, ``regija import`` and ``python -m regija.interchange.validate``. The names are those that
``makemessages`` collects.
"""

from __future__ import annotations


def _ready() -> bool:
    from django.apps import apps

    return apps.ready


def gettext(message: str) -> str:
    """``message`` in the active language (as written when Django is not set up)."""
    if not _ready():
        return message
    from django.utils import translation

    return translation.gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    """The singular or plural form for ``number``, in the active language."""
    if not _ready():
        return singular if number == 1 else plural
    from django.utils import translation

    return translation.ngettext(singular, plural, number)


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translation (``makemessages`` collects it) and returns it as written; unlike
    Django's, it needs no settings, so it can be used at import time of a module that works without them."""
    return message
