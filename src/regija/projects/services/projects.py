"""A project's facts and its partners: the writes of the API and the back office.

Separation of duties: the holder (the beneficiary) and programme staff both edit a project's
description (title, summary, dates, place, partners, …); only programme staff – editors of the
organisations owning the strategy that lists it (``core.permissions.can(user, "manage", project)``) –
change its outcome: the status to or from completed or withdrawn, and its place in the programme
(strategy, holder, code, instrument, withdrawal, sustainability period: ``PROGRAMME_FIELDS``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from regija.core import audit
from regija.core.models import Organisation
from regija.core.money import to_money
from regija.core.permissions import can
from regija.core.services import Conflict, Forbidden, Refused, require_permission, validate

from ..models import BudgetLine, Partner, Payment, Project, ProjectStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# What staff change on a project through the API (its place in a strategy and its holder are the import's).
PROJECT_FIELDS = (
    "status",
    "title",
    "description",
    "start",
    "end",
    "municipality",
    "location_name",
    "lat",
    "lon",
)


# A project's place in the programme and its outcome: only programme staff change these.
PROGRAMME_FIELDS = (
    "strategy",
    "holder",
    "code",
    "instrument_kind",
    "instrument_number",
    "instrument_date",
    "instrument_issuer",
    "withdrawn_on",
    "withdrawal_reason",
    "sustainability_years",
)
# The statuses that are outcomes: only programme staff set them, or change them back.
OUTCOME_STATUSES = (ProjectStatus.COMPLETED, ProjectStatus.WITHDRAWN)


def check_programme_changes(user: User, before: Project, changes: Mapping[str, Any]) -> None:
    """Forbidden unless the user may make these changes to the stored project ``before``: programme
    staff make any; others (the holder) none of ``PROGRAMME_FIELDS`` and no status change to or from
    completed or withdrawn. A field sent with its stored value is no change."""
    if can(user, "manage", before):
        return
    for field in PROGRAMME_FIELDS:
        if field in changes and changes[field] != getattr(before, field):
            raise Forbidden(
                _(
                    "Only programme staff – editors of the organisations that own the strategy listing "
                    "the project – change its %(field)s."
                )
                % {"field": getattr(Project._meta.get_field(field), "verbose_name", field)}
            )
    if "status" in changes and changes["status"] != before.status:
        if changes["status"] in OUTCOME_STATUSES or before.status in OUTCOME_STATUSES:
            raise Forbidden(
                _("Only programme staff set a project's status to completed or withdrawn, or change it back.")
            )


def next_order(model: type[Partner | BudgetLine | Payment], project: Project) -> int:
    """The place after the last of the project's partners, budget lines or payments."""
    last = model.objects.filter(project=project).aggregate(m=Max("order"))["m"]
    return 0 if last is None else last + 1


def dates_in_order(start: str, end: str) -> bool:
    """Partial dates ('2023', '2023-06', '2023-06-15') compare on their common precision: a start in
    '2023-06' may end in '2023'. An unknown (empty) date is in order with anything."""
    if not start or not end:
        return True
    n = min(len(start), len(end))
    return start[:n] <= end[:n]


def check_project(project: Project, changed: Collection[str]) -> None:
    """The rules across a project's fields, on the values it will have; ``changed`` names the fields
    being changed, so that a refusal points at one of them."""
    if (project.lat is None) != (project.lon is None):
        raise Refused(
            _("lat and lon go together: give both, or null both to remove the location"),
            field="lon" if project.lon is None else "lat",
        )
    if not dates_in_order(project.start, project.end):
        raise Refused(
            _("the end (%(end)s) is before the start (%(start)s)")
            % {"end": project.end, "start": project.start},
            field="end" if "end" in changed else "start",
        )


def project_update(user: User, project: Project, changes: Mapping[str, Any], *, via: str) -> Project:
    """Change a project's facts: the keys of ``changes``, among ``PROJECT_FIELDS``."""
    require_permission(user, "change", project)
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise Refused(_("This field cannot be changed here."), field=sorted(unknown)[0])
    with audit.acting(user, via=via), transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        check_programme_changes(user, project, changes)
        for field, value in changes.items():
            setattr(project, field, value)
        validate(project, changes)
        check_project(project, changes)
        if changes:
            project.save(update_fields=list(changes))
    return project


def project_record_save(user: User, project: Project, changed: Collection[str], *, via: str) -> Project:
    """Save a project as a back-office form set it (``changed`` names the fields the form changed): the
    owner rule on the new values (``core.services.record_save``), and the programme's fields and
    outcome statuses for programme staff only – a new project too, since it places it in a strategy."""
    require_permission(user, "change", project)
    before = Project.objects.filter(pk=project.pk).first() if project.pk is not None else None
    if before is None:
        if not can(user, "manage", project):
            raise Forbidden(
                _(
                    "Only programme staff – editors of the organisations that own the strategy – "
                    "add its projects."
                )
            )
    else:
        values = {f: getattr(project, f) for f in changed if f in PROGRAMME_FIELDS or f == "status"}
        check_programme_changes(user, before, values)
    with audit.acting(user, via=via), transaction.atomic():
        project.save()
    return project


# --------------------------------------------------------------------------------------------- partners


def _duplicate_partner(partner: Partner) -> str:
    return _("%(organisation)s is already a partner in this project.") % {
        "organisation": partner.organisation
    }


def check_partner(partner: Partner) -> None:
    """A partner as it would be stored: its budget share is money (cents, not negative), and an
    organisation is a partner of a project once (Conflict)."""
    if partner.budget_share is not None:
        try:
            share = to_money(partner.budget_share)
        except ValidationError as exc:
            raise Refused(exc.messages[0], field="budget_share") from None
        partner.budget_share = share
        if share is not None and share < 0:
            raise Refused(_("an amount of money here must not be negative"), field="budget_share")
    validate(partner, ("organisation", "role", "budget_share"))
    if partner.project_id is not None and partner.organisation_id is not None:
        others = Partner.objects.filter(
            project_id=partner.project_id, organisation_id=partner.organisation_id
        )
        if partner.pk is not None:
            others = others.exclude(pk=partner.pk)
        if others.exists():
            raise Conflict(_duplicate_partner(partner), field="organisation")


def partner_create(
    user: User,
    project: Project,
    *,
    organisation: Organisation,
    role: str = "partner",
    budget_share: Decimal | None = None,
    order: int | None = None,
    via: str,
) -> Partner:
    """Add an organisation as a partner of the project (last in the list unless ``order`` is given)."""
    require_permission(user, "change", project)
    partner = Partner(project=project, organisation=organisation, role=role, budget_share=budget_share)
    try:
        with audit.acting(user, via=via), transaction.atomic():
            check_partner(partner)
            partner.order = next_order(Partner, project) if order is None else order
            partner.save()
    except IntegrityError:
        raise Conflict(_duplicate_partner(partner), field="organisation") from None
    return partner


PARTNER_FIELDS = ("organisation", "role", "budget_share", "order")


def partner_update(user: User, partner: Partner, changes: Mapping[str, Any], *, via: str) -> Partner:
    """Change a partner: the keys of ``changes`` among organisation, role, budget_share and order."""
    require_permission(user, "change", partner)
    unknown = set(changes) - set(PARTNER_FIELDS)
    if unknown:
        raise Refused(_("This field cannot be changed here."), field=sorted(unknown)[0])
    try:
        with audit.acting(user, via=via), transaction.atomic():
            partner = Partner.objects.select_for_update().get(pk=partner.pk)
            for field, value in changes.items():
                setattr(partner, field, value)
            check_partner(partner)
            partner.save()
    except IntegrityError:
        raise Conflict(_duplicate_partner(partner), field="organisation") from None
    return partner


def partner_delete(user: User, partner: Partner, *, via: str) -> None:
    require_permission(user, "delete", partner)
    with audit.acting(user, via=via), transaction.atomic():
        partner.delete()
