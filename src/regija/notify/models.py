"""What a person follows (``Subscription``), what they were told (``Notification``), how each message
went out (``Delivery``: e-mail, web push, webhook), their browsers' push subscriptions, organisations'
webhooks and alerts for an area.

A topic is any model instance (content type and id): a strategy, a call, an organisation (an area is an
organisation of kind municipality or local community), later proposals and consultations."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EmailMode(models.TextChoices):
    OFF = "off", _("no e-mail")
    IMMEDIATE = "immediate", _("e-mail at once")
    DAILY = "daily", _("daily digest")
    WEEKLY = "weekly", _("weekly digest")


class Subscription(models.Model):
    """A person follows a topic, and chooses per channel how they hear of it (a daily digest unless they
    choose otherwise)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of topic"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("topic's identifier"))
    topic = GenericForeignKey("content_type", "object_id")
    topic.verbose_name = _("topic")
    email = models.CharField(_("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.DAILY)
    in_app = models.BooleanField(_("in the list of notifications"), default=True)
    push = models.BooleanField(_("push notification"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["user", "content_type", "object_id"], name="subscription_unique")
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="subscription_topic")]

    def __str__(self) -> str:
        return f"{self.user} → {self.content_type_id}:{self.object_id}"


class Preference(models.Model):
    """What a person chose beyond their topics: e-mail of notices sent to them directly (an application's
    progress) – on unless they unsubscribed from it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notify_preference",
    )
    direct_email = models.BooleanField(_("e-mail of notices about my applications"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class Notification(models.Model):
    """One message to one person, in their language: shown in their list (when ``shown``), e-mailed at
    once or in a digest (``email``), pushed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=60)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("kind of topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    object_id = models.PositiveBigIntegerField(_("topic's identifier"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    priority = models.BooleanField(_("priority"), default=False)
    shown = models.BooleanField(_("in the list of notifications"), default=True)
    email = models.CharField(_("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.OFF)
    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    alert = models.ForeignKey(
        "Alert",
        verbose_name=_("alert"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    digest = models.ForeignKey(
        "Delivery",
        verbose_name=_("digest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_items",
    )
    # files its e-mail carries (``Attachment``); a database default, so the set-based fan-out needs none
    attached = models.BooleanField(_("attachments"), default=False, db_default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "shown", "read_at"], name="notification_unread"),
            models.Index(fields=["email", "digest"], name="notification_digest"),
        ]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file a notification's own e-mail carries (an event's .ics with its reminder), as it was sent;
    a digest lists the notification without it."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(_("file name"), max_length=200)
    mimetype = models.CharField(_("type"), max_length=200)
    content = models.BinaryField(_("file"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    PUSH = "push", _("web push")
    WEBHOOK = "webhook", _("webhook")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will be retried")
    GAVE_UP = "gave_up", _("given up")


class Delivery(models.Model):
    """One message on one channel: a notification by e-mail or push, a digest by e-mail (its items point
    here), an event to a webhook. Retried with back-off after a failure, then given up."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    # daily, weekly: a digest of its items
    digest = models.CharField(_("digest"), max_length=10, blank=True)
    alert = models.ForeignKey(
        "Alert", verbose_name=_("alert"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    webhook = models.ForeignKey(
        "Webhook",
        verbose_name=_("webhook"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    payload = models.JSONField(_("webhook's event"), null=True, blank=True)
    priority = models.BooleanField(_("priority"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.channel} {self.pk} ({self.status})"


class PushSubscription(models.Model):
    """A browser's web-push endpoint for a person (what the browser's push service gave it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("browser's public key"), max_length=200)
    auth = models.CharField(_("browser's authentication secret"), max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user} – {self.user_agent[:40]}"


class Webhook(models.Model):
    """An organisation's endpoint that receives its events as JSON, signed with HMAC-SHA256 of ``secret``."""

    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("secret"), max_length=100)
    kinds = models.JSONField(_("kinds"), default=list, blank=True)  # empty: every kind
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url


class Severity(models.TextChoices):
    INFO = "info", _("information")
    WARNING = "warning", _("warning")
    CRITICAL = "critical", _("urgent")


class Alert(models.Model):
    """An announcement for one area (a water-supply interruption): sent at once to everyone following the
    area, and shown as a banner on every page from ``starts_at`` until ``ends_at`` or its cancellation."""

    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="issued_alerts",
    )
    area = models.ForeignKey(
        "core.Organisation", verbose_name=_("area"), on_delete=models.PROTECT, related_name="alerts"
    )
    title_sl = models.CharField(_("title (Slovenian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_sl = models.TextField(_("text (Slovenian)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title_sl

    def title(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en else self.title_sl

    def body(self, language: str) -> str:
        return self.body_en if language == "en" and self.body_en else self.body_sl
