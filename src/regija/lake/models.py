"""The data lake's catalogue: datasets (DCAT-AP 3.0 metadata), their versions in the lake, columns,
distributions, and indicators fed by a dataset.

A **dataset** is either a *copy* – its data lives in the lake, one Parquet file per **version**, each
refresh (an upload, a scheduled fetch of a URL, Regija's own data changing) adding a version and never
replacing one – or a *link*: catalogued with the address of its source API, not copied. The rows of the
database say what exists; the Parquet files are written before the row that names them, so a crash in
between leaves at most a file no row names (``regija lake_clean`` removes such files).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regija.core.validators import WebAddressField

from .vocabularies import AccessRights, FileType, Frequency, Licence

# A linked source's address counts as reachable (or not) for this long after the link checker's visit.
LINK_CHECK_VALID_DAYS = 7
COLUMN_TYPES = ("integer", "number", "text", "date", "datetime", "boolean", "geometry")


class Kind(models.TextChoices):
    COPY = "copy", _("copy in the lake")
    LINK = "link", _("link to the source")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class Refresh(models.TextChoices):
    """How often a copy is fetched again from its source address."""

    NEVER = "never", _("never (uploads only)")
    HOURLY = "hourly", _("every hour")
    DAILY = "daily", _("every day")
    WEEKLY = "weekly", _("every week")
    MONTHLY = "monthly", _("every month")


class Health(models.TextChoices):
    OK = "ok", _("up to date")
    FAILED = "failed", _("last refresh failed")


class ColumnType(models.TextChoices):
    INTEGER = "integer", _("whole number")
    NUMBER = "number", _("number")
    TEXT = "text", _("text")
    DATE = "date", _("date")
    DATETIME = "datetime", _("date and time")
    BOOLEAN = "boolean", _("yes/no")
    GEOMETRY = "geometry", _("geometry (GeoJSON)")


class Dataset(models.Model):
    # The identifier other catalogues keep (CKAN's id, DCAT's dct:identifier); the slug is CKAN's name.
    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    publisher = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="datasets", verbose_name=_("publisher")
    )
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title in English"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    keywords_en = models.JSONField(_("keywords in English"), default=list, blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)  # vocabularies.Theme codes
    frequency = models.CharField(_("update frequency"), max_length=12, choices=Frequency.choices, blank=True)
    licence = models.CharField(
        _("licence"), max_length=12, choices=Licence.choices, default=Licence.CC_BY_4_0
    )
    access_rights = models.CharField(
        _("access rights"), max_length=12, choices=AccessRights.choices, default=AccessRights.PUBLIC
    )
    contact_name = models.CharField(_("contact point"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    spatial = models.ManyToManyField(
        "core.Organisation",
        blank=True,
        related_name="datasets_covering",
        verbose_name=_("spatial coverage"),
        help_text=_("The municipalities or regions the data covers."),
    )
    temporal_start = models.DateField(_("covers from"), null=True, blank=True)
    temporal_end = models.DateField(_("covers until"), null=True, blank=True)
    conformance = models.JSONField(_("conforms to"), default=list, blank=True)  # standards' URLs
    landing_page = WebAddressField(_("landing page"), max_length=500, blank=True)
    provenance = models.TextField(_("provenance"), blank=True)

    kind = models.CharField(_("way in"), max_length=4, choices=Kind.choices, default=Kind.COPY)
    source_url = WebAddressField(
        _("source address"),
        max_length=1000,
        blank=True,
        help_text=_("A copy: the file fetched on schedule. A link: the source API."),
    )
    source_format = models.CharField(_("source format"), max_length=20, blank=True)
    documentation_url = WebAddressField(_("API documentation"), max_length=1000, blank=True)
    refresh = models.CharField(_("refresh"), max_length=8, choices=Refresh.choices, default=Refresh.NEVER)
    next_refresh_at = models.DateTimeField(_("next refresh"), null=True, blank=True, db_index=True)
    # Columns whose type the owner fixed: name → ColumnType (each new version is read with them).
    column_types = models.JSONField(_("fixed column types"), default=dict, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    private = models.BooleanField(
        _("private"), default=False, help_text=_("Visible only to the publishing organisation.")
    )
    health = models.CharField(_("state"), max_length=8, choices=Health.choices, default=Health.OK)
    problem = models.TextField(_("why the last refresh failed"), blank=True)
    problem_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    # Datasets Regija publishes itself ("regija:projects") or bundles ("bundle:<slug>"): the key says
    # which, so they are found again and refreshed instead of duplicated.
    auto = models.CharField(_("published automatically as"), max_length=100, blank=True)

    current = models.ForeignKey(
        "Version",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    issued = models.DateTimeField(_("first published"), null=True, blank=True)
    modified = models.DateTimeField(_("last modified"), db_index=True)

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["auto"], condition=~models.Q(auto=""), name="lake_dataset_auto"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("lake:dataset", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED and not self.private


class Version(models.Model):
    """One state of a copied dataset's data, kept for ever: the Parquet file in the lake (``key``) and,
    for uploads and fetches, the original file as it came (``source_key``)."""

    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="versions", verbose_name=_("dataset")
    )
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    origin = models.CharField(_("origin"), max_length=10)  # upload | fetch | regija | bundle | retype
    source_name = models.CharField(_("source file"), max_length=1000, blank=True)
    source_format = models.CharField(_("source format"), max_length=10, blank=True)
    source_sha256 = models.CharField(_("source checksum (SHA-256)"), max_length=64, blank=True)
    source_bytes = models.BigIntegerField(_("source size"), default=0)
    source_key = models.CharField(_("original in the lake"), max_length=500, blank=True)
    key = models.CharField(_("Parquet file in the lake"), max_length=500)
    parquet_bytes = models.BigIntegerField(_("Parquet size"), default=0)
    rows = models.BigIntegerField(_("rows"), default=0)
    columns = models.JSONField(_("columns"), default=list)  # [{"name": …, "type": …}]
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("dataset version")
        verbose_name_plural = _("dataset versions")
        ordering = ["dataset", "-number"]
        constraints = [models.UniqueConstraint(fields=["dataset", "number"], name="lake_version_unique")]

    def __str__(self) -> str:
        return f"{self.dataset} v{self.number}"


class Column(models.Model):
    """The data dictionary: a column of the current version, its type and what it means."""

    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="columns", verbose_name=_("dataset")
    )
    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=10, choices=ColumnType.choices)
    title = models.CharField(_("label"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    unit = models.CharField(_("unit"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("column")
        verbose_name_plural = _("columns")
        ordering = ["dataset", "position"]
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="lake_column_unique")]

    def __str__(self) -> str:
        return self.name


class Distribution(models.Model):
    """A way to get the data (DCAT's distribution, CKAN's resource): a download of the current version
    in a format, or the source API of a linked dataset."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="distributions", verbose_name=_("dataset")
    )
    format = models.CharField(_("format"), max_length=10, choices=FileType.choices)
    # empty for the lake's own downloads (their address is ours); the source's address for a link
    access_url = WebAddressField(_("address"), max_length=1000, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # A linked source's address as the link checker last found it (``lake.tasks.check_links``): the
    # HTTP status it answered, or why it could not be reached; empty for the lake's own downloads.
    checked_at = models.DateTimeField(_("address checked at"), null=True, blank=True)
    check_status = models.PositiveSmallIntegerField(_("answer of the address"), null=True, blank=True)
    check_error = models.CharField(_("why the address could not be reached"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["dataset", "position"]

    def __str__(self) -> str:
        return f"{self.dataset} ({self.format})"

    @property
    def in_lake(self) -> bool:
        """A download of the lake's data (queryable through the DataStore API), not a link elsewhere."""
        return not self.access_url

    @property
    def reachable(self) -> bool | None:
        """Whether the link checker reached a linked source's address lately (within
        ``LINK_CHECK_VALID_DAYS``): True, False, or None when it has not been checked (or long ago)."""
        if self.in_lake or self.checked_at is None:
            return None
        if timezone.now() - self.checked_at > dt.timedelta(days=LINK_CHECK_VALID_DAYS):
            return None
        return self.check_status is not None and 200 <= self.check_status < 400


class Aggregation(models.TextChoices):
    SUM = "sum", _("sum")
    AVG = "avg", _("average")
    MIN = "min", _("minimum")
    MAX = "max", _("maximum")
    LAST = "last", _("last value")
    COUNT = "count", _("number of rows")


class IndicatorSource(models.Model):
    """An indicator fed by a dataset: its observations are recomputed from each new version."""

    indicator = models.ForeignKey(
        "strategies.Indicator",
        on_delete=models.CASCADE,
        related_name="dataset_sources",
        verbose_name=_("indicator"),
    )
    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="indicator_sources", verbose_name=_("dataset")
    )
    value_column = models.CharField(_("value column"), max_length=200)
    date_column = models.CharField(_("date column"), max_length=200)
    filters = models.JSONField(_("filter"), default=dict, blank=True)  # column → value or list of values
    aggregation = models.CharField(
        _("aggregation"), max_length=5, choices=Aggregation.choices, default=Aggregation.SUM
    )
    sets_baseline = models.BooleanField(_("sets the baseline"), default=False)
    why = models.TextField(_("why this dataset measures the indicator"), blank=True)
    computed_from = models.ForeignKey(
        Version,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("computed from version"),
    )

    class Meta:
        verbose_name = _("indicator fed by a dataset")
        verbose_name_plural = _("indicators fed by datasets")
        # an indicator is fed by one dataset at most
        constraints = [models.UniqueConstraint(fields=["indicator"], name="lake_indicator_source_unique")]

    def __str__(self) -> str:
        return f"{self.indicator} ← {self.dataset}"


class ClaimKind(models.TextChoices):
    VALUE = "value", _("a value")
    TREND = "trend", _("a trend")
    TOTAL = "total", _("a total")
    COUNT = "count", _("a number of rows")


class DatasetClaim(models.Model):
    """What a source document's *text* says about its own table, recorded as the document words it and
    never corrected: ``regija check`` compares it with the dataset's current version.

    - ``value``: the row matching ``filter`` has ``stated`` in ``column``;
    - ``trend``: ``column``, ordered by ``order_by`` from ``from_value`` to ``to_value``, rises
      (``direction`` increasing) or falls at every step;
    - ``total``: ``column`` summed over the rows matching ``filter`` is ``stated``;
    - ``count``: the number of rows matching ``filter`` is ``stated``.
    """

    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="claims", verbose_name=_("dataset")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=5, choices=ClaimKind.choices)
    column = models.CharField(_("column"), max_length=200, blank=True)
    filters = models.JSONField(_("filter"), default=dict, blank=True)  # column → value
    stated = models.JSONField(_("stated value"), null=True, blank=True)
    order_by = models.CharField(_("ordered by"), max_length=200, blank=True)
    from_value = models.JSONField(_("from"), null=True, blank=True)
    to_value = models.JSONField(_("to"), null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=10, blank=True)  # increasing | decreasing
    quote = models.TextField(_("the document's words"))
    where = models.CharField(_("where in the document"), max_length=300)
    table = models.CharField(_("table"), max_length=100, blank=True)  # "Tabela 3", as messages name it
    note = models.TextField(_("how the words were read"), blank=True)
    note_en = models.TextField(_("how the words were read, in English"), blank=True)

    class Meta:
        verbose_name = _("claim of the document about its table")
        verbose_name_plural = _("claims of the documents about their tables")
        ordering = ["dataset", "order"]

    def __str__(self) -> str:
        return self.quote[:80]
