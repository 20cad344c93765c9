"""Funds and their allocations; projects with partners, budget lines by fund and payments; stated figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regija.core.models import Organisation, OrganisationKind
from regija.core.money import MoneyField
from regija.core.templatetags.regija import eur
from regija.strategies.models import Node, Strategy

from .choices import InstrumentKind, PaymentState, ProjectStatus, Secured, StatedWhat

if TYPE_CHECKING:
    from .selectors import Rollup


class Fund(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("name in English"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class FundStatement(models.Model):
    """What one strategy document says about a fund (name, English name, source), as it wrote it.

    Funds are shared between documents like organisations: see OrganisationStatement."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="fund_statements"
    )
    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.CASCADE, related_name="statements"
    )
    facts = models.JSONField(_("as the document states it"), default=dict)

    class Meta:
        verbose_name = _("fund as a document states it")
        verbose_name_plural = _("funds as documents state them")
        ordering = ["fund", "strategy"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "fund"], name="one_fund_statement_per_document"),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} ({self.strategy.slug})"


class Allocation(models.Model):
    """Money a fund sets aside for an owner (region, LAS, municipality) in a programme period."""

    declared_in = models.ForeignKey(
        Strategy, verbose_name=_("declared in"), on_delete=models.CASCADE, related_name="declared_allocations"
    )
    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.CASCADE, related_name="allocations"
    )
    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="allocations"
    )
    period = models.CharField(_("programme period"), max_length=9, blank=True)
    amount = MoneyField(_("amount"))
    used_share = models.DecimalField(
        _("stated share used"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    used_by = models.DateField(_("used by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("fund allocation")
        verbose_name_plural = _("fund allocations")
        ordering = ["fund", "owner", "period"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "owner", "period"], name="allocation_unique"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="allocation_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {self.owner} {self.period}"


def place_name(location_name: str, municipality: str) -> str:
    """A place as a person writes it: the place and the municipality, the municipality left out when
    the place names it already ("Hrastnik", not "Hrastnik, Hrastnik"; "Šuštarska nedelja, Tržič", not
    "…, Tržič, Tržič")."""
    name = (location_name or "").strip()
    municipality = (municipality or "").strip()
    named = {part.strip().casefold() for part in name.split(",")}
    if not municipality or municipality.casefold() in named:
        return name
    return f"{name}, {municipality}" if name else municipality


class Project(models.Model):
    strategy = models.ForeignKey(
        Strategy, verbose_name=_("listed in"), on_delete=models.CASCADE, related_name="projects"
    )
    code = models.CharField(_("code"), max_length=64)
    title = models.TextField(_("title"))
    title_en = models.TextField(_("title in English"), blank=True)
    description = models.TextField(_("description"), blank=True)
    holder = models.ForeignKey(
        Organisation,
        verbose_name=_("holder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_projects",
    )
    status = models.CharField(_("status"), max_length=20, choices=ProjectStatus.choices)
    start = models.CharField(_("start"), max_length=10, blank=True)
    end = models.CharField(_("end"), max_length=10, blank=True)
    location_name = models.CharField(_("place"), max_length=300, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    nodes = models.ManyToManyField(
        Node, verbose_name=_("strategy nodes"), blank=True, related_name="projects"
    )
    instrument_kind = models.CharField(
        _("instrument"), max_length=20, choices=InstrumentKind.choices, blank=True
    )
    instrument_number = models.CharField(_("instrument number"), max_length=100, blank=True)
    instrument_date = models.DateField(_("instrument date"), null=True, blank=True)
    instrument_issuer = models.CharField(_("issued by"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    # db_default: the importer writes big tables with plain INSERTs that name only the columns it knows
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True, default="", db_default="")
    # Only what the source or the call gives: a project of a municipal budget or a national fund may have
    # no such duty at all, so an unknown period is left empty rather than assumed.
    sustainability_years = models.PositiveSmallIntegerField(
        _("sustainability period (years)"),
        null=True,
        blank=True,
        help_text=_(
            "Counted from the final payment (Regulation (EU) 2021/1060, Article 65); empty when the "
            "source states none."
        ),
    )

    # Not stored: set by selectors.with_money() (money) and selectors.export_batch() (the codes) on
    # the projects a page, an answer or a download shows.
    money: Rollup
    fund_codes: list[str]
    node_codes: list[str]

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["strategy", "order"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "code"], name="project_code_unique_in_strategy"),
        ]
        indexes = [
            models.Index(fields=["status"]),
            # the default order of every project list and of the API: a walk, not a sort of all projects
            models.Index(fields=["strategy", "order", "id"], name="project_strategy_order"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("project", args=[self.strategy.slug, self.code])

    @property
    def place(self) -> str:
        """Where the project is: its place and municipality (``place_name``)."""
        return place_name(self.location_name, self.municipality)

    @property
    def held_by_person(self) -> bool:
        """Held by a natural person: public pages, downloads and the API then give neither the holder's
        name nor the project's exact place (its location name and coordinates), only the municipality."""
        return self.holder_id is not None and self.holder.kind == OrganisationKind.PERSON


PARTNER_ROLES = {
    "partner": _("partner"),
    "lead_partner": _("lead partner"),
    "lead": _("lead partner"),
    "associated_partner": _("associated partner"),
}


class Partner(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="partners"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="partnerships"
    )
    role = models.CharField(_("role"), max_length=40, default="partner")
    budget_share = MoneyField(_("budget share"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["project", "order"]
        constraints = [
            models.UniqueConstraint(fields=["project", "organisation"], name="partner_once_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.role_label})"

    @property
    def role_label(self) -> str:
        """The role in the reader's language: the strategy file gives it as a code ("partner",
        "lead_partner"); a code this list does not know is shown as words."""
        return str(PARTNER_ROLES.get(self.role, self.role.replace("_", " ")))


class BudgetLine(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="budget_lines"
    )
    amount = MoneyField(_("amount"))
    secured = models.CharField(_("secured"), max_length=10, choices=Secured.choices)
    secured_amount = MoneyField(_("secured part"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["project", "order"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budget_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(secured_amount__isnull=True)
                | models.Q(secured="partly", secured_amount__gte=0, secured_amount__lte=models.F("amount")),
                name="budget_secured_part_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["fund", "project"])]

    def __str__(self) -> str:
        return f"{self.project.code} {self.fund.code} {eur(self.amount)}"


class Phase(models.Model):
    """A planned stage of work with its dates and amount: the one definition of the phases an
    application plans (``calls.ApplicationPhase``) and of an operation's phases (``ProjectPhase``),
    which are copied from the application's when it is approved (``ProjectPhase.copy_from``)."""

    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("phase"), max_length=300)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("until"), null=True, blank=True)
    amount = MoneyField(_("amount"), null=True, blank=True)

    # what a copy carries over (the parent and the order are the copy's own)
    PLAN_FIELDS = ("title", "start", "end", "amount")

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__isnull=True)
                | models.Q(end__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("A phase ends after it starts.")})


class ProjectPhase(Phase):
    """A planned stage of an operation; payment claims are usually made per phase."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="phases"
    )

    class Meta(Phase.Meta):
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["project", "order", "pk"]

    @classmethod
    def copy_from(cls, project: Project, phases) -> list[ProjectPhase]:
        """The operation's phases as copies of planned ones (an approved application's), numbered in
        their order. Saved one by one, so that each is in the audit log."""
        return [
            cls.objects.create(project=project, order=i, **{f: getattr(p, f) for f in Phase.PLAN_FIELDS})
            for i, p in enumerate(phases)
        ]


class Payment(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="payments"
    )
    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="payments")
    label = models.CharField(_("phase or claim"), max_length=200)
    amount = MoneyField(_("amount"))
    date = models.DateField(_("date"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=PaymentState.choices)
    note = models.TextField(_("note"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    phase = models.ForeignKey(
        ProjectPhase,
        verbose_name=_("phase"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        "auth.User",
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        "auth.User",
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paid_by = models.ForeignKey(
        "auth.User",
        verbose_name=_("marked paid by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["project", "order"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="payment_not_negative")]
        indexes = [models.Index(fields=["fund", "state"])]

    def __str__(self) -> str:
        return f"{self.project.code} {self.label} {eur(self.amount)}"


# stated figures whose value is a whole number (a count or a year), kept in StatedFigure.count
WHOLE_NUMBER_FIGURES = frozenset(
    {
        StatedWhat.PROJECTS,
        StatedWhat.NODES,
        StatedWhat.COUNTRIES,
        StatedWhat.PAID_IN_FULL,
        StatedWhat.TERRITORY,
        StatedWhat.YEAR,
    }
)


class StatedFigure(models.Model):
    """A total or count a document states, kept so that it can be checked against its parts."""

    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="stated_figures"
    )
    label = models.CharField(_("label"), max_length=300)
    what = models.CharField(_("what"), max_length=20, choices=StatedWhat.choices)
    scope_node = models.ForeignKey(
        Node,
        verbose_name=_("scope: part of the strategy"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    scope_fund = models.ForeignKey(
        Fund, verbose_name=_("scope: fund"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_level = models.CharField(_("scope: level"), max_length=40, blank=True)
    scope_status = models.JSONField(_("scope: project statuses"), default=list, blank=True)
    # codes of the strategy's projects the figure is about; resolved when the figure is checked
    scope_projects = models.JSONField(_("scope: projects"), default=list, blank=True)
    # another strategy whose territory a `territory` figure counts; a slug, resolved when checked, so
    # that the two documents may be loaded in either order
    scope_strategy = models.CharField(_("scope: strategy"), max_length=100, blank=True)
    amount = MoneyField(_("amount"), null=True, blank=True)
    count = models.PositiveIntegerField(_("count"), null=True, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("stated figure")
        verbose_name_plural = _("stated figures")
        ordering = ["strategy", "order"]

    def __str__(self) -> str:
        return self.label

    @property
    def value(self):
        if self.what in WHOLE_NUMBER_FIGURES:
            return self.count
        if self.what in (StatedWhat.TARGET_DATE, StatedWhat.OBSERVATION_DATE):
            return self.date
        return self.amount
