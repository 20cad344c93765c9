"""The part of the permission matrix's world participation needs (``world.build`` calls ``add``).

A stands in for the municipality: the verified resident's residency is in A, A's editor is its staff
(answers comments, reviews proposals, runs consultations, moderates A's comments).

People (``PARTICIPATION_ROLES``, the columns of ``matrix_participation.csv``): anonymous; unconfirmed (an
account whose e-mail address is not confirmed); resident (confirmed, not verified anywhere);
verified_resident (confirmed, a verified resident of A); moderator (confirmed, with the permission to
moderate every organisation's comments); editor (A's staff), other_editor (C's staff), superuser – the
last three the main world's users, whose e-mail addresses are not confirmed (so they post nothing).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Permission
from django.utils import timezone

from regija.participation import services
from regija.participation.models import Consultation
from tests.factories import (
    AgendaItemFactory,
    NodeFactory,
    SessionFactory,
    StrategyFactory,
    confirmed_user,
    member,
    resident,
)

PARTICIPATION_ROLES = (
    "anonymous",
    "unconfirmed",
    "resident",
    "verified_resident",
    "moderator",
    "editor",
    "other_editor",
    "superuser",
)


def add(w: dict) -> None:
    users = w["users"]
    A, staff = w["A"], users["editor"]
    users["unconfirmed"] = member(username="m-unconfirmed")
    users["resident"] = confirmed_user(username="m-resident")
    users["verified_resident"] = verified = resident(A, username="m-verified")
    users["moderator"] = moderator = confirmed_user(username="m-moderator")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
    now = timezone.now()
    day = dt.timedelta(days=1)
    # a draft of its own: a strategy in consultation cannot be deleted, and the main table deletes D
    draft = w["D_CONS"] = StrategyFactory(
        slug="matrika-obravnavani-osnutek", title="Matrika obravnavani osnutek", status="draft", owners=[A]
    )
    NodeFactory(strategy=draft, code="MO1", title="Matrika obravnavani cilj")
    w["CONS"] = services.consultation_create(
        staff,
        services.ConsultationData(
            organisation=A,
            title="Matrika obravnava",
            slug="matrika-obravnava",
            opens_at=now - day,
            closes_at=now + 30 * day,
            strategy=draft,
        ),
    )
    w["UNIT"] = w["CONS"].units.get()
    for key, slug in (("CONS_CLOSED", "matrika-zaprta"), ("CONS_REPORT", "matrika-porocilo")):
        w[key] = services.consultation_create(
            staff,
            services.ConsultationData(
                organisation=A,
                title=f"Matrika {slug}",
                slug=slug,
                opens_at=now - 30 * day,
                closes_at=now - day,
                act_name="Matrika odlok",
                act_paragraphs=["1. člen", "2. člen"],
            ),
        )
    w["CONS_REPORT"] = services.consultation_publish_report(staff, w["CONS_REPORT"])
    w["COM"] = services.comment_add(users["resident"], w["UNIT"], "Matrika komentar")
    w["REPORT"] = services.comment_report(verified, w["COM"], "Matrika prijava")
    w["COM_HIDDEN"] = services.comment_add(users["resident"], w["UNIT"], "Matrika skrit komentar")
    services.comment_hide(staff, w["COM_HIDDEN"], "Matrika razlog")
    data = services.ProposalData(organisation=A, title="Matrika pobuda", text="Matrika besedilo.")
    w["PROP"] = services.proposal_create(verified, data)
    data = services.ProposalData(organisation=A, title="Matrika podprta pobuda", text="Matrika besedilo.")
    w["PROP_SUP"] = services.proposal_support(verified, services.proposal_create(verified, data))
    w["ITEM"] = AgendaItemFactory(session=SessionFactory(body=w["BODY"], date=None), title="Matrika točka")
    assert Consultation.objects.filter(slug__startswith="matrika-").count() == 3
