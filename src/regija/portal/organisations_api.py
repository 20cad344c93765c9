"""API of organisations: the list (by kind or name) and one organisation with its strategies,
the projects it holds or partners in, and their money."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from ninja import Query, Router

from regija.api.errors import READ_RESPONSES, not_found
from regija.api.pagination import PageParams, paginate
from regija.core.collation import slovenian
from regija.core.models import Organisation, OrganisationKind
from regija.core.validators import link_target
from regija.projects import selectors as project_selectors
from regija.projects.models import Partner, Project
from regija.projects.schemas import money_summary

from .schemas import (
    OrganisationDetail,
    OrganisationFilters,
    OrganisationPage,
)

router = Router(tags=["organisations"])


def _count(model, field: str, **extra):
    """Rows of ``model`` pointing at the organisation, as a subquery (no join that multiplies rows)."""
    rows = model.objects.filter(**{field: OuterRef("pk")}, **extra).order_by().values(field)
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n")[:1], output_field=IntegerField()), 0)


def _partnered_count():
    # partnerships in projects the organisation does not hold itself
    rows = (
        Partner.objects.filter(organisation=OuterRef("pk"))
        .exclude(project__holder=OuterRef("pk"))
        .order_by()
        .values("organisation")
    )
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n")[:1], output_field=IntegerField()), 0)


def _organisations():
    # a natural person is never listed or shown (personal data), as on the pages: its slug is a 404
    return (
        Organisation.objects.exclude(kind=OrganisationKind.PERSON)
        .annotate(
            n_strategies=_count(Organisation.strategies.through, "organisation"),
            n_held=_count(Project, "holder"),
            n_partnered=_partnered_count(),
        )
        .select_related("parent")
    )


def _item(request, o: Organisation) -> dict:
    return {
        "slug": o.slug,
        "name": o.name,
        "short_name": o.short_name,
        "kind": o.kind,
        "country": o.country,
        "parent": {"slug": o.parent.slug, "name": o.parent.name} if o.parent_id else None,
        "strategies": o.n_strategies,
        "held_projects": o.n_held,
        "partnered_projects": o.n_partnered,
        "url": request.build_absolute_uri(reverse("api:organisation", args=[o.slug])),
        "web_url": request.build_absolute_uri(o.get_absolute_url()),
    }


@router.get("/organisations", response={200: OrganisationPage, **READ_RESPONSES}, url_name="organisations")
def list_organisations(request, filters: Query[OrganisationFilters], pages: Query[PageParams]):
    """Organisations by name, with how many strategies they own and projects they hold or partner in.
    Natural persons are not listed."""
    qs = _organisations().order_by(slovenian("name"), "id")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    q = (filters.q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    return paginate(request, qs, pages, lambda page: [_item(request, o) for o in page])


@router.get(
    "/organisations/{slug}", response={200: OrganisationDetail, **READ_RESPONSES}, url_name="organisation"
)
def get_organisation(request, slug: str):
    """One organisation with the strategies it owns and the money of the projects it holds."""
    org = _organisations().filter(slug=slug).first()
    if org is None:
        raise not_found("organisation", slug)
    money = project_selectors.organisation_money(org.pk)
    out = _item(request, org)
    out.update(
        registration_number=org.registration_number,
        website=link_target(org.website),
        address=org.address,
        lat=org.lat,
        lon=org.lon,
        owned_strategies=list(
            org.strategies.order_by(slovenian("title"), "pk").values("slug", "title", "status")
        ),
        money={"held": money_summary(money["held"]), "partner_share_total": money["partner_share_total"]},
    )
    return out
