"""Organisations: municipalities, agencies, LAS, companies, NGOs and other bodies that hold or fund work."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .choices import OrganisationKind
from .collation import slovenian
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
        ordering = [slovenian("name").asc()]
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
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
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


class AuditVia(models.TextChoices):
    """Through which door a change came."""

    WEB = "web", _("the site's pages")
    ADMIN = "admin", _("back office")
    API = "api", _("API")
    IMPORT = "import", _("import")
    WORKER = "worker", _("background job")


# What the importers count in an import entry's changes ("created projects": 12), by the name they use.
IMPORTED_KINDS = {
    "agenda items": _("agenda items"),
    "alignments": _("alignments"),
    "allocations": _("fund allocations"),
    "application amounts": _("amounts by fund"),
    "applications": _("applications"),
    "bodies": _("bodies"),
    "budget lines": _("budget lines"),
    "call nodes": _("links of calls to strategy parts"),
    "calls": _("public calls"),
    "committee seats": _("committee members"),
    "decisions": pgettext_lazy("body decision", "decisions"),
    "funds": _("funds"),
    "indicators": _("indicators"),
    "members": _("members"),
    "nodes": _("strategy nodes"),
    "observations": _("observations"),
    "organisations": _("organisations"),
    "owners": _("owners"),
    "partners": _("partners"),
    "payments": _("payments"),
    "project links": _("links of projects to strategy parts"),
    "projects": _("projects"),
    "responsible": _("responsible organisations"),
    "sessions": _("sessions"),
    "stated figures": _("stated figures"),
    "strategies": _("strategies"),
    "terms": _("terms"),
}
IMPORTED_COUNTS = {
    "created": _("added: %(what)s"),
    "updated": _("changed: %(what)s"),
    "deleted": _("removed: %(what)s"),
}


class AuditEntry(models.Model):
    """One change to a tracked object: who, when, through what, and each changed field before and after.

    Entries form one hash chain in the order they were written (by id): ``hash`` is the SHA-256 of the
    entry's facts and of ``prev_hash``, the hash of the entry before it (``core.audit.digest``), so an
    entry edited or deleted in the database breaks the chain (``regija audit verify``)."""

    # Set by core.audit before the hash is computed, so the hash covers the stored moment.
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        "auth.User",
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.CharField(
        _("who"), max_length=150, blank=True, help_text=_("Kept when the user is deleted")
    )
    via = models.CharField(_("through"), max_length=20, blank=True, choices=AuditVia.choices)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("kind of object"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    object_id = models.CharField(_("object ID"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # The object this one is part of ("projects.project:12" for a payment), so a project's history
    # shows its budget lines and payments and an indicator's shows its observations.
    parent = models.CharField(_("part of"), max_length=80, blank=True, db_index=True)
    prev_hash = models.CharField(_("hash of the previous entry"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="audit_object")]

    def __str__(self) -> str:
        # in Ljubljana time and the language's format, as the audit list shows the moment
        from .dates import moment

        return f"{moment(self.at)} {self.who} {self.get_action_display()} {self.object_repr}"

    @property
    def who(self) -> str:
        """Who made the change: the user's name as kept, or – for a change no user made – "system" or
        "import" in the reader's language."""
        if self.user_id is None and self.actor in ("system", "import", ""):
            return str({"import": _("import")}.get(self.actor, _("system")))
        return self.actor

    @functools.cached_property
    def change_rows(self) -> list[tuple[str, object, object]]:
        """The changes as a person reads them: (what, before, after) with each field named by its label
        in the reader's language ("Naziv", not ``title``), a choice by its label ("v izvajanju", not
        ``in_progress``), dates, moments and amounts as the language writes them; None where there was
        no value. An import entry's counts are named by what was added, changed or removed."""
        model = self.content_type.model_class() if self.content_type_id else None
        rows = []
        for name, pair in (self.changes or {}).items():
            before, after = (
                (list(pair) + [None, None])[:2] if isinstance(pair, (list, tuple)) else (None, pair)
            )
            field = _model_field(model, name)
            if field is not None:
                label = capfirst(field.verbose_name)
                rows.append((label, _shown(field, before), _shown(field, after)))
            else:
                rows.append((_change_label(name), before, after))
        return rows


def _model_field(model, name: str):
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "concrete", False) or getattr(field, "many_to_many", False) else None


def _change_label(name: str) -> str:
    """The label of a change that is not a field: an import entry's file and counts."""
    if name == "file":
        return capfirst(_("file"))
    verb, _space, what = name.partition(" ")
    if verb in IMPORTED_COUNTS and what:
        return capfirst(IMPORTED_COUNTS[verb] % {"what": IMPORTED_KINDS.get(what, what)})
    return name


def _shown(field, value):
    """A logged value (as ``core.audit`` stores it: text for dates and amounts, the code of a choice)
    as the reader's language writes it."""
    from .dates import day, moment
    from .money import MoneyField, format_eur
    from .templatetags.regija import num

    if value is None or value == "":
        return None
    if value == "***":  # a secret: only that it changed
        return value
    try:
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.BooleanField):
            return str(_("yes") if value else _("no"))
        if isinstance(field, models.DateTimeField):
            return moment(dt.datetime.fromisoformat(value))
        if isinstance(field, models.DateField):
            return day(dt.date.fromisoformat(value))
        if isinstance(field, MoneyField):
            return format_eur(Decimal(str(value)), get_language() or "sl")
        if isinstance(field, (models.DecimalField, models.FloatField)):
            return num(Decimal(str(value)))
    except (TypeError, ValueError, ArithmeticError):  # logged before a field changed its kind
        return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


class AuditHead(models.Model):
    """The end of the audit log's chain: the last entry written and its hash, in one row (pk 1).

    Appending an entry locks this row first (``select_for_update`` on PostgreSQL; SQLite lets one
    writer at a time anyway), so two transactions never chain to the same predecessor."""

    entry_id = models.BigIntegerField(_("last entry"), null=True, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("end of the audit log")
        verbose_name_plural = _("end of the audit log")

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.hash}"


class DataVersion(models.Model):
    """A counter raised after every committed change to public data: the key of cached pages and ETags."""

    number = models.BigIntegerField(_("number"), default=0)
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self) -> str:
        return str(self.number)


class JobState(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class JobRun(models.Model):
    """One run of a background job (``core.jobs``): what ran, when, how it ended – shown to staff."""

    task = models.CharField(_("job"), max_length=100, db_index=True)
    task_id = models.CharField(_("job ID"), max_length=64, blank=True)
    label = models.CharField(_("what"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=JobState.choices, default=JobState.RUNNING)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.task} {self.started_at:%Y-%m-%d %H:%M}"
