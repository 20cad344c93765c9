"""Strategy documents, their tree of nodes, alignments between nodes, indicators and observations."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regija.core.collation import slovenian
from regija.core.dates import day
from regija.core.models import Organisation
from regija.core.money import MoneyField
from regija.core.templatetags.regija import num
from regija.core.validators import WebAddressField

from .choices import AlignmentType, Direction, StrategyStatus

# Width of one step of a node's materialised path; 4 digits allow 10 000 siblings.
PATH_STEP = 4


class Strategy(models.Model):
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("title in English"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    owners = models.ManyToManyField(Organisation, verbose_name=_("owners"), related_name="strategies")
    territory = models.JSONField(
        _("territory"), default=list, blank=True, help_text=_("Municipalities covered")
    )
    # Partial ISO dates (2022, 2022-03, 2022-03-15) sort correctly as text.
    period_start = models.CharField(_("period from"), max_length=10, blank=True)
    period_end = models.CharField(_("period to"), max_length=10, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    adopted_by = models.CharField(_("adopted by"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=StrategyStatus.choices)
    source_title = models.CharField(_("source document"), max_length=500)
    source_reference = models.CharField(_("source reference"), max_length=300, blank=True)
    source_url = WebAddressField(_("source URL"), max_length=500, blank=True)
    source_published = models.CharField(_("source published"), max_length=10, blank=True)
    levels = models.JSONField(_("level labels"), default=dict, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = [slovenian("title").asc()]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("strategy", args=[self.slug])

    def level_label(self, level: str, language: str = "sl") -> str:
        label = self.levels.get(level) or {}
        if language.startswith("en") and label.get("en"):
            return label["en"]
        return label.get("sl") or level.replace("_", " ")


class Node(models.Model):
    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="nodes"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=64)
    level = models.CharField(_("level"), max_length=40)
    title = models.TextField(_("title"))
    title_en = models.TextField(_("title in English"), blank=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    # Materialised path ("0001" + "0003" …): a subtree is one prefix match, whatever its depth.
    path = models.CharField(_("path in the tree"), max_length=255, db_index=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    responsible = models.ManyToManyField(
        Organisation, verbose_name=_("responsible"), blank=True, related_name="responsible_for"
    )
    planned_amount = MoneyField(_("planned amount"), null=True, blank=True)
    planned_projects = models.PositiveIntegerField(_("planned projects"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("strategy node")
        verbose_name_plural = _("strategy nodes")
        ordering = ["strategy", "path"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "code"], name="node_code_unique_in_strategy"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("node", args=[self.strategy.slug, self.code])


class Alignment(models.Model):
    # The strategy whose file declared the link; its import owns (creates, updates, removes) it.
    declared_in = models.ForeignKey(
        Strategy, verbose_name=_("declared in"), on_delete=models.CASCADE, related_name="declared_alignments"
    )
    source_node = models.ForeignKey(
        Node, verbose_name=_("from"), on_delete=models.CASCADE, related_name="links_out"
    )
    target_node = models.ForeignKey(
        Node, verbose_name=_("to"), on_delete=models.CASCADE, related_name="links_in"
    )
    type = models.CharField(_("type"), max_length=20, choices=AlignmentType.choices)
    note = models.TextField(_("note"), blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)

    class Meta:
        verbose_name = _("alignment")
        verbose_name_plural = _("alignments")
        constraints = [
            models.UniqueConstraint(fields=["source_node", "target_node", "type"], name="alignment_unique"),
            models.CheckConstraint(
                condition=~models.Q(source_node=models.F("target_node")), name="alignment_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_node.code} → {self.target_node.code} ({self.get_type_display()})"


class Indicator(models.Model):
    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.CASCADE, related_name="indicators"
    )
    node = models.ForeignKey(
        Node, verbose_name=_("node"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=64)
    name = models.TextField(_("name"))
    effect = models.TextField(_("effect"), blank=True)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    data_source = models.CharField(_("data source"), max_length=300, blank=True)
    baseline_value = models.DecimalField(
        _("baseline"), max_digits=24, decimal_places=6, null=True, blank=True
    )
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target_value = models.DecimalField(_("target"), max_digits=24, decimal_places=6, null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    # which of effect, unit and direction the data's author inferred (IndicatorInferred values)
    inferred = models.JSONField(_("inferred values"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["strategy", "order"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "code"], name="indicator_code_unique_in_strategy"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("indicator", args=[self.strategy.slug, self.code])


# ``Observation.source`` of a value computed from a dataset of the lake: "dataset:<slug> v<N>". Such
# observations belong to the dataset, not to the strategy file: importing the file leaves them alone.
FROM_DATASET = "dataset:"


class Observation(models.Model):
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="observations"
    )
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6)
    source = models.CharField(_("source"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["indicator", "date"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "date"], name="one_observation_per_day"),
        ]

    def __str__(self) -> str:
        # as the pages write a date and a value ("31. 12. 2023: 10"): the back office names it so
        return f"{day(self.date)}: {num(self.value)}"


class OrganisationStatement(models.Model):
    """What one strategy document says about an organisation, as the document wrote it.

    Organisations are shared between documents, so one row cannot hold every document's source:
    each document keeps its own entry here (its source, name, address …, the parent as a slug),
    its export writes that entry back, and importing one document never changes another's. The
    organisation row shows, fact by fact, what the earliest loaded document that gives the fact says
    (see docs/strategy-file.md, "Shared organisations and funds")."""

    strategy = models.ForeignKey(
        Strategy,
        verbose_name=_("strategy"),
        on_delete=models.CASCADE,
        related_name="organisation_statements",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="statements"
    )
    facts = models.JSONField(_("as the document states it"), default=dict)

    class Meta:
        verbose_name = _("organisation as a document states it")
        verbose_name_plural = _("organisations as documents state them")
        ordering = ["organisation", "strategy"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "organisation"], name="one_organisation_statement_per_document"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.strategy.slug})"
