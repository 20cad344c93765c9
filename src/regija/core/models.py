"""Organisations: municipalities, agencies, LAS, companies, NGOs and other bodies that hold or fund work."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import OrganisationKind
from .validators import WebAddressField


class Organisation(models.Model):
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=40, choices=OrganisationKind.choices)
    country = models.CharField(_("country"), max_length=2, default="SI")
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    website = WebAddressField(_("website"), max_length=300, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True, lon__isnull=True)
                | models.Q(lat__isnull=False, lon__isnull=False),
                name="organisation_lat_lon_together",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("organisation", args=[self.slug])


class Role(models.TextChoices):
    """What a member may do for their organisation: see staff pages, change its data, manage its members."""

    VIEWER = "viewer", _("viewer")
    EDITOR = "editor", _("editor")
    ADMIN = "admin", _("administrator")


class Membership(models.Model):
    user = models.ForeignKey(
        "auth.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash is kept; the token itself is shown once, when created."""

    user = models.ForeignKey(
        "auth.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    IMPORT = "import", _("imported")


class AuditEntry(models.Model):
    """One change to a tracked object: who, when, through what, and each changed field before and after.

    Entries form one hash chain in the order they were written (by id): ``hash`` is the SHA-256 of the
    entry's facts and of ``prev_hash``, the hash of the entry before it (``core.audit.digest``), so an
    entry edited or deleted in the database breaks the chain (``regija audit verify``)."""

    # Set by core.audit before the hash is computed, so the hash covers the stored moment.
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        "auth.User", verbose_name=_("who"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(
        _("who"), max_length=150, blank=True, help_text=_("Kept when the user is deleted")
    )
    via = models.CharField(_("through"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # The object this one is part of ("projects.project:12" for a payment), so a project's history
    # shows its budget lines and payments and an indicator's shows its observations.
    parent = models.CharField(max_length=80, blank=True, db_index=True)
    prev_hash = models.CharField(_("hash of the previous entry"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.object_repr}"


class AuditHead(models.Model):
    """The end of the audit log's chain: the last entry written and its hash, in one row (pk 1).

    Appending an entry locks this row first (``select_for_update`` on PostgreSQL; SQLite lets one
    writer at a time anyway), so two transactions never chain to the same predecessor."""

    entry_id = models.BigIntegerField(null=True, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("end of the audit log")

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.hash}"


class DataVersion(models.Model):
    """A counter raised after every committed change to public data: the key of cached pages and ETags."""

    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("data version")

    def __str__(self) -> str:
        return str(self.number)
