"""Issue reports: a municipality's services (categories with their questions), the reports residents
make, their photos, the public updates of their handling and the supports of others who see the same."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regija.core.models import Organisation

DESCRIPTION_MAX = 4000
ANSWER_MAX = 4000
REASON_MAX = 1000
ADDRESS_MAX = 300
MAX_PHOTOS = 3


class Status(models.TextChoices):
    RECEIVED = "received", _("received")
    CONFIRMED = "confirmed", _("confirmed")
    IN_PROGRESS = "in_progress", _("in progress")
    FIXED = "fixed", _("fixed")
    NOT_OURS = "not_ours", _("closed – not ours")
    DUPLICATE = "duplicate", _("closed – duplicate")


OPEN = (Status.RECEIVED, Status.CONFIRMED, Status.IN_PROGRESS)
CLOSED = (Status.FIXED, Status.NOT_OURS, Status.DUPLICATE)
# a status that closes a report otherwise than by fixing it needs a reason
NEEDS_REASON = (Status.NOT_OURS, Status.DUPLICATE)
# what the organisation a report is assigned to may set (the owning municipality sets every status)
ASSIGNEE_STATES = (Status.IN_PROGRESS, Status.FIXED)


class Datatype(models.TextChoices):
    """Open311 GeoReport v2 attribute datatypes."""

    STRING = "string", _("text")
    NUMBER = "number", _("number")
    DATETIME = "datetime", _("date and time")
    TEXT = "text", _("longer text")
    SINGLE = "singlevaluelist", _("one of a list")
    MULTI = "multivaluelist", _("several of a list")


class Service(models.Model):
    """A category of problem a municipality takes reports of (an Open311 service). ``attributes``: its
    questions, each ``{"code", "description", "datatype", "required", "order", "values": [{"key",
    "name"}]}`` (Open311's service definition)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services", verbose_name=_("municipality")
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("group"), max_length=100, blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    attributes = models.JSONField(_("questions"), default=list, blank=True)
    active = models.BooleanField(_("takes reports"), default=True)

    class Meta:
        ordering = ["group", "name"]
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")

    def __str__(self) -> str:
        return self.name


class Report(models.Model):
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="reports", verbose_name=_("report category")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="fix_reports", verbose_name=_("municipality")
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=ADDRESS_MAX, blank=True)
    description = models.TextField(_("description"))
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    reason = models.TextField(_("reason"), blank=True)
    answer = models.TextField(_("public answer"), blank=True)
    assignee = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_fix_reports",
        verbose_name=_("assigned to"),
    )
    department = models.CharField(_("department"), max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("repeats the report")
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fix_reports",
        verbose_name=_("project that fixes it"),
    )
    proposal = models.ForeignKey(
        "participation.Proposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fix_reports",
        verbose_name=_("proposal that fixes it"),
    )
    # who reported it: never published
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fix_reports",
        verbose_name=_("reporter"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    via = models.CharField(_("sent through"), max_length=10, default="web")
    # an anonymous report is public only once its e-mail address is confirmed
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, db_index=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("why hidden"), max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(_("reported at"), db_index=True)
    updated_at = models.DateTimeField(_("changed at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    supports = models.PositiveIntegerField(_("others with the same problem"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("issue report")
        verbose_name_plural = _("issue reports")
        indexes = [
            models.Index(fields=["lat", "lon"], name="fixes_report_position"),
            models.Index(fields=["service", "status"], name="fixes_report_service_status"),
            models.Index(fields=["updated_at"], name="fixes_report_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="fixes_report_rating_1_5",
            )
        ]
        permissions = [("moderate_report", "Can hide issue reports of any organisation")]

    def __str__(self) -> str:
        return f"{self.pk}: {self.service.name}"

    def get_absolute_url(self) -> str:
        return reverse("fixes:report", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class Photo(models.Model):
    """A photo of a report, stored decoded and encoded again by Pillow: no EXIF, no GPS, no comments."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="photos", verbose_name=_("issue report")
    )
    image = models.FileField(_("image"), upload_to="fixes/%Y/%m/")
    content_type = models.CharField(_("media type"), max_length=40)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return f"{self.report_id}/{self.pk}"


class Update(models.Model):
    """A public step of a report's handling: a change of status, an answer (FixMyStreet's
    service request update)."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="updates", verbose_name=_("issue report")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("update of a report")
        verbose_name_plural = _("updates of reports")

    def __str__(self) -> str:
        return f"{self.report_id}: {self.status}"


class Support(models.Model):
    """A person who has the same problem ("is it one of these?"): one per person and report."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="support_rows", verbose_name=_("issue report")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="fix_supports",
        verbose_name=_("person"),
    )
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("support of a report")
        verbose_name_plural = _("supports of reports")
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="fixes_support_once")]

    def __str__(self) -> str:
        return f"{self.report_id} ← {self.user_id}"
