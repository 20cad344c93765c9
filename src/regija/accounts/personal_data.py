"""What Regija holds about a person, gathered for "download my data" and erased by "delete my account".

Accounts itself exports the profile, e-mail addresses, residencies and requests, consents and sign-in
providers. Every app that keeps personal data registers two functions here, in its ``ready()``:

    from regija.accounts import personal_data
    personal_data.register("comments", export_comments, erase_comments)

``export(user) -> JSON-able`` returns that app's data of this person only; ``erase(user) -> None`` runs
inside the deletion's transaction and anonymises what must stay (a comment's text stays, shown as by a
deleted account – ``accounts.selectors.display_name``), or deletes what is of no use without the
person (a subscription). Either may be None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Export = Callable[["User"], Any]
Erase = Callable[["User"], None]


@dataclass(frozen=True)
class Source:
    name: str
    export: Export | None
    erase: Erase | None


_sources: dict[str, Source] = {}


def register(name: str, export: Export | None, erase: Erase | None) -> None:
    """An app's personal data under ``name`` in the export (registering again replaces it)."""
    _sources[name] = Source(name, export, erase)


def sources() -> list[Source]:
    return [_sources[name] for name in sorted(_sources)]
