"""Reads of accounts for the back office: how a user account is named in a picker, and the search by
which a person is found to be added – as a member of an organisation, or to a call's committee.

**Finding a person, not listing the platform's accounts** (docs/portal.md, "Picking rows in the back
office"). A superuser searches every account by user name, name or e-mail, as Django's admin does.
Anyone else (the back office lets only those search who may set such a field: an organisation's
administrators, for its memberships, and editors, for a call's committee) finds only active accounts,
and only by

- the full e-mail address (``ana.novak@example.org``, any case) – then the account is shown with it;
- or at least ``MIN_NAME`` letters of the beginning of a name: every word typed begins the first name,
  the last name or the user name (``nov`` finds Ana Novak, ``ana nov`` too; ``ova`` does not) –
  then the account is shown with its e-mail address masked (``Ana Novak <a…@example.org>``), enough to
  tell two people of one name apart, not to collect addresses;

and at most ``LIMIT`` of them, never another page. Less than that (one or two letters, a part of an
address, nothing at all) finds nobody.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser

MIN_NAME = 3  # letters of a name before a search answers
LIMIT = 10  # accounts a search answers with, at most


def user_label(user: AbstractUser) -> str:
    """An account as a picker shows it: "Ana Novak <ana.novak@example.org>", the user name when it has
    no name, without the address when it has none."""
    name = user.get_full_name() or user.get_username()
    return f"{name} <{user.email}>" if user.email else name


def masked_email(address: str) -> str:
    """``ana.novak@example.org`` → ``a…@example.org``."""
    local, at, domain = address.partition("@")
    if not at:
        return "…"
    return f"{local[:1]}…@{domain}"


def masked_user_label(user: AbstractUser) -> str:
    """An account as a name search shows it: the name with the e-mail address masked."""
    name = user.get_full_name() or user.get_username()
    return f"{name} <{masked_email(user.email)}>" if user.email else name


def is_email(term: str) -> bool:
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", term.strip()) is not None


def find_users(
    actor: AbstractUser | AnonymousUser, term: str, among: QuerySet[AbstractUser] | None = None
) -> tuple[QuerySet[AbstractUser], bool]:
    """The accounts ``actor`` finds by ``term`` (the rule of this module's docstring) among ``among``
    (every account if None), ordered by name, and whether they are to be shown masked. A superuser's
    search is not limited here (the caller pages it); anyone else's is at most ``LIMIT`` accounts."""
    if among is None:
        among = get_user_model()._default_manager.all()
    term = " ".join(term.split())
    accounts = among.order_by("last_name", "first_name", "username")
    if actor.is_authenticated and actor.is_superuser:
        q = Q()
        for word in term.split():
            q &= (
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return accounts.filter(q), False
    accounts = accounts.filter(is_active=True)
    if is_email(term):
        return accounts.filter(email__iexact=term)[:LIMIT], False
    if "@" in term or len(term.replace(" ", "")) < MIN_NAME:
        return accounts.none(), True
    q = Q()
    for word in term.split():
        q &= Q(first_name__istartswith=word) | Q(last_name__istartswith=word) | Q(username__istartswith=word)
    return accounts.filter(q)[:LIMIT], True
