"""Back office for devices: service groups (API keys), devices and the dead letters of the ingest
worker (docs/context.md, "Devices and MQTT"). Dead letters are read-only: the worker writes them.
Subscriptions are shown read-only with their delivery statistics: they are written through the API."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from regija.core.admin_site import OwnedAdmin

from . import devices as dev
from . import services
from .errors import BadRequestData
from .models import DeadLetter, Device, IndicatorFeed, ServiceGroup, Subscription


class _MappingForm(forms.ModelForm):
    """The attribute mapping and static attributes checked as the provisioning API checks them."""

    def _checked(self, name, parse):
        try:
            return parse(self.cleaned_data.get(name), name)
        except BadRequestData as exc:
            raise forms.ValidationError(exc.detail) from None

    def clean_attributes(self):
        return self._checked("attributes", dev.mapping)

    def clean_static_attributes(self):
        return self._checked("static_attributes", dev.static_attributes)


@admin.register(ServiceGroup)
class ServiceGroupAdmin(OwnedAdmin):
    form = _MappingForm
    owned_choices = ("organisation",)
    list_display = ("apikey", "organisation", "service_path", "entity_type", "created_at")
    list_filter = ("organisation",)
    search_fields = ("apikey", "entity_type")


@admin.register(Device)
class DeviceAdmin(OwnedAdmin):
    form = _MappingForm
    owned_choices = ("group",)
    list_display = ("device_id", "group", "entity_id", "entity_type", "created_at")
    list_select_related = ("group",)
    search_fields = ("device_id", "entity_id")


@admin.register(DeadLetter)
class DeadLetterAdmin(OwnedAdmin):
    list_display = ("received_at", "topic", "reason", "apikey", "device_id", "truncated")
    list_filter = ("truncated",)
    search_fields = ("topic", "apikey", "device_id", "reason")
    readonly_fields = (
        "received_at",
        "organisation",
        "topic",
        "apikey",
        "device_id",
        "reason",
        "payload",
        "truncated",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(OwnedAdmin):
    """NGSI-LD subscriptions with how their notifications fared (sent, failed, the last failure's
    reason): staff see a failing endpoint here. Read-only – the API writes them."""

    list_display = (
        "subscription_id",
        "organisation",
        "endpoint",
        "is_active",
        "expires_at",
        "times_sent",
        "times_failed",
        "last_success",
        "last_failure",
        "last_failure_reason",
    )
    list_filter = ("is_active",)
    search_fields = ("subscription_id", "endpoint", "last_failure_reason")
    readonly_fields = (
        "organisation",
        "subscription_id",
        "endpoint",
        "is_active",
        "expires_at",
        "throttling",
        "body",
        "context",
        "times_sent",
        "times_failed",
        "last_notification",
        "last_success",
        "last_failure",
        "last_failure_reason",
        "created_at",
        "modified_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndicatorFeed)
class IndicatorFeedAdmin(OwnedAdmin):
    """Staff feed an indicator of their strategy from the broker's history; its observations are
    recomputed every day, or at once with the action."""

    owned_choices = ("indicator",)
    list_display = (
        "indicator",
        "organisation",
        "entity_type",
        "attribute",
        "daily",
        "rule",
        "threshold",
        "computed_at",
    )
    list_select_related = ("indicator", "organisation")
    readonly_fields = ("computed_at",)
    actions = ["recompute"]

    @admin.action(description=_("Recompute the observations now"))
    def recompute(self, request, queryset):
        written = sum(services.recompute_feed(feed) for feed in queryset.select_related("organisation"))
        message = ngettext("%(n)d observation written.", "%(n)d observations written.", written) % {
            "n": written
        }
        self.message_user(request, message, messages.SUCCESS)
