"""The calendar: events of organisations, who registered for them, who follows an organisation's
calendar, personal feed tokens and the reminders sent.

An event is either written by staff of its organisation (``services``) or made from another object –
a session of a body, a public call's opening and deadline, later a participation phase – by the
registry of ``sources``; then ``source_type``/``source_id``/``source_key`` name the object and which
of its events it is, and the event is edited only at its source. Times are aware moments (stored in
UTC, shown and exported in Europe/Ljubljana); an all-day event runs from the local midnight of its
first day to the local midnight after its last day (``ends_at`` exclusive, as iCalendar's DTEND).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from regija.core.models import Organisation
from regija.core.validators import WebAddressField

TITLE_MAX = 300
DESCRIPTION_MAX = 10_000


class Category(models.TextChoices):
    SESSION = "session", _("session of a body")
    CALL = "call", _("public call deadline")
    PARTICIPATION = "participation", _("participation")
    MEETING = "meeting", _("public meeting or consultation evening")
    WORKSHOP = "workshop", _("workshop")
    CULTURE = "culture", _("culture")
    SPORT = "sport", _("sport")
    OTHER = "other", pgettext_lazy("event category", "other")


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    CANCELLED = "cancelled", _("cancelled")


class Event(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="events"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title in English"), max_length=TITLE_MAX, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX)
    description_en = models.TextField(_("description in English"), blank=True, max_length=DESCRIPTION_MAX)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    place_name = models.CharField(_("place"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    online_url = WebAddressField(_("online link"), max_length=500, blank=True)
    all_day = models.BooleanField(_("all day"), default=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    public = models.BooleanField(_("public"), default=True)
    registration = models.BooleanField(_("registration"), default=False)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("revision"), default=0)
    source_type = models.ForeignKey(
        ContentType, verbose_name=_("made from"), null=True, blank=True, on_delete=models.CASCADE
    )
    source_id = models.PositiveBigIntegerField(_("source object"), null=True, blank=True)
    source_key = models.CharField(_("which event of the source"), max_length=50, blank=True)
    source_url = models.CharField(_("source page"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified at"), default=timezone.now)

    # Not stored: set by selectors on events a page shows to a signed-in user.
    taken: int

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "source_key"],
                condition=models.Q(source_type__isnull=False),
                name="event_one_per_source_key",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["public", "starts_at"]),
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["ends_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:event", args=[self.pk])

    @property
    def automatic(self) -> bool:
        return self.source_type_id is not None

    @property
    def cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def local_title(self) -> str:
        return self.title_en if get_language() == "en" and self.title_en else self.title

    @property
    def local_description(self) -> str:
        return self.description_en if get_language() == "en" and self.description_en else self.description

    @property
    def first_day(self) -> dt.date:
        return timezone.localdate(self.starts_at)

    @property
    def last_day(self) -> dt.date:
        """The local date the event ends on (for an all-day event the day before its exclusive end)."""
        if self.all_day:
            return timezone.localdate(self.ends_at) - dt.timedelta(days=1)
        return timezone.localdate(self.ends_at)

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Registration(models.Model):
    """A signed-in person registered for an event; ``language`` is the one they used, for reminders."""

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(_("language"), max_length=5, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("event registration")
        verbose_name_plural = _("event registrations")
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="event_registration_once")]

    def __str__(self) -> str:
        return f"{self.user} – {self.event}"


class Follow(models.Model):
    """A person follows an organisation's calendar: its events are in their personal feed and, when
    ``reminders``, they are reminded of each. (The notify app will offer general subscriptions.)"""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    reminders = models.BooleanField(_("reminders by e-mail"), default=False)
    language = models.CharField(_("language"), max_length=5, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("followed calendar")
        verbose_name_plural = _("followed calendars")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="event_follow_once")]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation}"


class FeedToken(models.Model):
    """The secret in the address of a person's own calendar feed; a new one makes the old address stop."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed address")
        verbose_name_plural = _("calendar feed addresses")

    def __str__(self) -> str:
        return str(self.user)


class Reminder(models.Model):
    """A reminder sent: one per person, event and start (a moved event is reminded of again)."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("event reminder")
        verbose_name_plural = _("event reminders")
        constraints = [
            models.UniqueConstraint(fields=["event", "user", "starts_at"], name="event_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.event}"
