"""NGSI-LD entities: one row each, the attributes in one JSON document (docs/context.md).

The document holds the entity in the NGSI-LD normalised form with every attribute and sub-attribute
name expanded to its IRI by the @context of the request that wrote it (``https://…/temperature``),
so a query with any @context finds it; values stay as given. The entity's type (expanded) and id are
columns of their own, indexed per tenant: the filters every query starts with.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContextEntity(models.Model):
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="context_entities",
        help_text=_("The tenant (NGSILD-Tenant); empty: the default tenant."),
    )
    entity_id = models.CharField(_("entity id"), max_length=512)
    type = models.CharField(_("type"), max_length=512)  # expanded IRI
    doc = models.JSONField(_("attributes"), default=dict)
    model_errors = models.JSONField(
        _("data model errors"),
        default=list,
        blank=True,
        help_text=_(
            "How the entity breaks its Smart Data Model ({path, reason} each), kept when the tenant is "
            "lenient; empty: it follows its model, or its type has none."
        ),
    )
    created_at = models.DateTimeField(_("created"))
    modified_at = models.DateTimeField(_("modified"))

    class Meta:
        verbose_name = _("context entity")
        verbose_name_plural = _("context entities")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "entity_id"], name="context_entity_unique_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["entity_id"],
                condition=models.Q(organisation__isnull=True),
                name="context_entity_unique_default_tenant",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "type", "entity_id"], name="context_entity_tenant_type"),
        ]

    def __str__(self):
        return self.entity_id


class ContextGeoBox(models.Model):
    """The bounding box (WGS84 longitude/latitude) and geometry of one GeoProperty of one entity: what a
    geo-query's SQL prefilter reads (docs/context.md, "Geo-queries"). Kept by the services in the
    transaction of every write; a box taller than ``geo.SMALL_SPAN`` degrees is ``big``."""

    entity = models.ForeignKey(
        ContextEntity, verbose_name=_("entity"), on_delete=models.CASCADE, related_name="geo_boxes"
    )
    attribute = models.CharField(_("attribute"), max_length=512)  # expanded IRI
    big = models.BooleanField(_("big"), default=False)
    min_lat = models.FloatField(_("south"))
    min_lon = models.FloatField(_("west"))
    max_lat = models.FloatField(_("north"))
    max_lon = models.FloatField(_("east"))
    geometry = models.JSONField(_("geometry"))

    class Meta:
        verbose_name = _("geo box")
        verbose_name_plural = _("geo boxes")
        constraints = [
            models.UniqueConstraint(fields=["entity", "attribute"], name="context_geobox_unique"),
        ]
        indexes = [
            models.Index(
                fields=["attribute", "big", "min_lat", "min_lon", "max_lat", "max_lon"],
                name="context_geobox_band",
            ),
        ]

    def __str__(self):
        return f"{self.entity_id} {self.attribute}"


class ContextValue(models.Model):
    """One value of one top-level attribute of one entity – a Property's ``value`` (a string, a number, a
    boolean), a Relationship's ``object`` (each, when it is a list) – with the entity's tenant and type:
    what the prefilter of a ``q`` query reads (docs/context.md, "The value index"). Kept by the services
    in the transaction of every write, like the geo boxes. ``text`` holds a string (at most ``TEXT_MAX``
    characters; a longer one is not indexed) or a boolean as ``true``/``false`` (empty for a number);
    ``number`` a number (a boolean as 1/0; null for a string). The index only narrows: the query's exact
    JSON filter still decides."""

    TEXT_MAX = 200

    entity = models.ForeignKey(
        ContextEntity, verbose_name=_("entity"), on_delete=models.CASCADE, related_name="indexed_values"
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    type = models.CharField(_("type"), max_length=512)  # the entity's, expanded
    attribute = models.CharField(_("attribute"), max_length=512)  # expanded IRI
    text = models.CharField(_("text"), max_length=TEXT_MAX, blank=True)
    number = models.FloatField(_("number"), null=True, blank=True)

    class Meta:
        verbose_name = _("indexed value")
        verbose_name_plural = _("indexed values")
        # the entity last: the prefilter's subquery reads the index alone (no table rows)
        indexes = [
            models.Index(
                fields=["organisation", "type", "attribute", "text", "entity"], name="context_value_text"
            ),
            models.Index(
                fields=["organisation", "type", "attribute", "number", "entity"], name="context_value_number"
            ),
        ]

    def __str__(self):
        return f"{self.entity_id} {self.attribute}"


class ServiceGroup(models.Model):
    """A group of devices sharing an API key (a FIWARE IoT Agent "service" / config group): the key the
    devices put in their MQTT topics, and the defaults of their entities (docs/context.md, Devices)."""

    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="device_groups",
        help_text=_("The tenant (fiware-service) whose entities the devices write."),
    )
    service_path = models.CharField(_("service path"), max_length=200, default="/")
    apikey = models.CharField(_("API key"), max_length=200, unique=True)
    resource = models.CharField(_("resource"), max_length=200, default="/iot/json")
    entity_type = models.CharField(_("entity type"), max_length=200, blank=True)
    attributes = models.JSONField(_("attributes"), default=list, blank=True)
    static_attributes = models.JSONField(_("static attributes"), default=list, blank=True)
    timestamp = models.BooleanField(_("timestamp"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("device group (API key)")
        verbose_name_plural = _("device groups (API keys)")

    def __str__(self):
        return f"{self.apikey} ({self.entity_type or '-'})"


class Device(models.Model):
    """A provisioned device: which entity its measures update and how its measure names map to
    attributes (``[{object_id, name, type, unit_code}]``)."""

    group = models.ForeignKey(
        ServiceGroup, verbose_name=_("device group"), on_delete=models.CASCADE, related_name="devices"
    )
    device_id = models.CharField(_("device id"), max_length=200)
    entity_id = models.CharField(_("entity id"), max_length=512)
    entity_type = models.CharField(_("entity type"), max_length=200)
    attributes = models.JSONField(_("attributes"), default=list, blank=True)
    static_attributes = models.JSONField(_("static attributes"), default=list, blank=True)
    timestamp = models.BooleanField(_("timestamp"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(fields=["group", "device_id"], name="context_device_unique_per_group"),
        ]

    def __str__(self):
        return self.device_id


class DeviceRegistry(models.Model):
    """One row: a token that changes in the transaction of every change of a service group, a device or
    an organisation (signals, ``services.devices_changed``). The ingest worker keeps the devices it has
    met in memory and reads only this token per batch: when it differs, it forgets them all."""

    token = models.BigIntegerField(_("token"), default=0)

    class Meta:
        verbose_name = _("device registry")
        verbose_name_plural = _("device registry")

    def __str__(self) -> str:
        return str(self.token)


class DeadLetter(models.Model):
    """A message the ingest worker could not apply – an unknown API key or device, a payload that is no
    JSON or does not fit the device's mapping – kept for staff to see, never dropped silently."""

    MAX_PAYLOAD = 64 * 1024

    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dead_letters",
        help_text=_("The API key's organisation, when the key is known."),
    )
    received_at = models.DateTimeField(_("received"), db_index=True)
    topic = models.CharField(_("topic"), max_length=500)
    payload = models.TextField(_("payload"), blank=True)
    truncated = models.BooleanField(_("truncated"), default=False)
    reason = models.TextField(_("reason"))
    apikey = models.CharField(_("API key"), max_length=200, blank=True)
    device_id = models.CharField(_("device id"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.topic}: {self.reason[:80]}"


class Subscription(models.Model):
    """An NGSI-LD subscription (clause 5.2.12) of one tenant: which changes of which entities are
    notified to which endpoint (docs/context.md, "Subscriptions"). ``body`` is the subscription as its
    client gave it (terms of its @context, kept in ``context``); the columns hold what matching and
    delivery need – names expanded to IRIs when it was written – and the delivery statistics of
    clause 5.2.14, which the notifier keeps."""

    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="context_subscriptions",
        help_text=_("The tenant (NGSILD-Tenant); empty: the default tenant."),
    )
    subscription_id = models.CharField(_("subscription id"), max_length=512)
    body = models.JSONField(_("subscription"), default=dict)
    context = models.JSONField(_("@context"), null=True, blank=True)
    watched = models.JSONField(_("watched attributes"), default=list, blank=True)  # IRIs; empty: all
    triggers = models.JSONField(_("notification triggers"), default=list)
    q_iris = models.JSONField(_("names of q"), default=dict, blank=True)  # the q's terms → IRIs
    geo_iri = models.CharField(_("geoproperty"), max_length=512, blank=True)
    attributes = models.JSONField(_("notified attributes"), default=list, blank=True)  # IRIs; empty: all
    endpoint = models.CharField(_("endpoint"), max_length=2000)
    is_active = models.BooleanField(_("active"), default=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    throttling = models.FloatField(_("throttling (s)"), null=True, blank=True)
    # a periodic subscription (timeInterval): notified every so many seconds, next at next_notification
    time_interval = models.FloatField(_("time interval (s)"), null=True, blank=True)
    next_notification = models.DateTimeField(_("next periodic notification"), null=True, blank=True)
    times_sent = models.PositiveIntegerField(_("notifications sent"), default=0)
    times_failed = models.PositiveIntegerField(_("notifications failed"), default=0)
    last_notification = models.DateTimeField(_("last notification"), null=True, blank=True)
    last_success = models.DateTimeField(_("last success"), null=True, blank=True)
    last_failure = models.DateTimeField(_("last failure"), null=True, blank=True)
    last_failure_reason = models.CharField(_("reason of the last failure"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"))
    modified_at = models.DateTimeField(_("modified"))

    class Meta:
        verbose_name = _("subscription (NGSI-LD)")
        verbose_name_plural = _("subscriptions (NGSI-LD)")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "subscription_id"], name="context_subscription_unique_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["subscription_id"],
                condition=models.Q(organisation__isnull=True),
                name="context_subscription_unique_default",
            ),
        ]

    def __str__(self):
        return self.subscription_id


class SubscriptionSelector(models.Model):
    """One entity selector of a subscription (clause 5.2.8 EntityInfo: a type, and optionally an id or
    an id pattern), a row of its own so that a change finds its subscriptions by (tenant, type) in an
    index. A subscription without ``entities`` (only ``watchedAttributes``) has one row of type ``""``:
    any type."""

    subscription = models.ForeignKey(
        Subscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="selectors"
    )
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, null=True, blank=True
    )
    type = models.CharField(_("type"), max_length=512, blank=True)  # expanded IRI; "": any
    entity_id = models.CharField(_("entity id"), max_length=512, blank=True)
    id_pattern = models.CharField(_("id pattern"), max_length=512, blank=True)

    class Meta:
        verbose_name = _("entity selector")
        verbose_name_plural = _("entity selectors")
        indexes = [models.Index(fields=["organisation", "type"], name="context_subsel_tenant_type")]

    def __str__(self):
        return f"{self.type or '*'} {self.entity_id or self.id_pattern}"


class AttributeInstance(models.Model):
    """One instance of one attribute of one entity as it was written: the broker's history (the temporal
    representation, ETSI GS CIM 009 clause 4.5.7; docs/context.md "Temporal API"). Written by the
    services in the transaction of every entity write and of device ingest, and by the temporal API's
    own writes. Kept apart from ``ContextEntity`` (no foreign key): a temporal entity can exist whose
    current state the broker does not hold, and the hot ingest path writes these rows in bulk.

    ``observed_at`` is the instance's ``observedAt``, or its ``modifiedAt`` when it has none – the time
    a temporal query asks about by default; ``value`` its value when that is a number (what the
    aggregations of clause 4.5.19 compute on); ``doc`` the whole instance in the stored normalised form
    (names expanded, like ``ContextEntity.doc``'s attributes)."""

    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The tenant (NGSILD-Tenant); empty: the default tenant."),
    )
    entity_id = models.CharField(_("entity id"), max_length=512)
    entity_type = models.CharField(_("entity type"), max_length=512)  # expanded IRI
    attribute = models.CharField(_("attribute"), max_length=512)  # expanded IRI
    instance_id = models.CharField(_("instance id"), max_length=100, unique=True)
    observed_at = models.DateTimeField(_("observed"))
    created_at = models.DateTimeField(_("created"))
    modified_at = models.DateTimeField(_("modified"))
    value = models.FloatField(_("numeric value"), null=True, blank=True)
    doc = models.JSONField(_("instance"), default=dict)

    class Meta:
        verbose_name = _("attribute instance")
        verbose_name_plural = _("attribute instances")
        indexes = [
            # one attribute of one entity over a time range: the temporal query's and the series' read;
            # with the value and the tenant, it covers the per-period aggregates and the choice of
            # instances (no table rows read for those). The tenant comes last: PostgreSQL does not
            # read an index in order after "organisation IS NULL" (the default tenant), only after
            # equalities.
            models.Index(
                fields=["entity_id", "attribute", "observed_at", "value", "organisation"],
                name="context_history_series",
            ),
            # a day of one type's history (the lake's daily export, the indicators)
            models.Index(fields=["entity_type", "observed_at"], name="context_history_type_day"),
        ]

    def __str__(self):
        return f"{self.entity_id} {self.attribute} {self.observed_at:%Y-%m-%dT%H:%M:%S}"


class IndicatorFeed(models.Model):
    """A strategy's indicator fed from the broker's history (docs/context.md "Indicators from context
    data"): one attribute of the entities of one type, aggregated per day (UTC), then per the rule – each
    day's value, or how many days of each year it was above (below) a threshold, e.g. the days per year
    with a PM10 daily average above 50 µg/m³. Recomputed every day (and by ``regija ngsi_indicators``)."""

    class Daily(models.TextChoices):
        AVG = "avg", _("daily average")
        MIN = "min", _("daily minimum")
        MAX = "max", _("daily maximum")
        SUM = "sum", _("daily sum")

    class Rule(models.TextChoices):
        DAILY = "daily", _("the value of each day")
        DAYS_ABOVE = "days_above", _("days per year above the threshold")
        DAYS_BELOW = "days_below", _("days per year below the threshold")

    indicator = models.ForeignKey(
        "strategies.Indicator",
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="context_feeds",
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Whose context data (NGSILD-Tenant); empty: the default tenant."),
    )
    entity_type = models.CharField(
        _("entity type"),
        max_length=512,
        help_text=_("A term of the core @context (AirQualityObserved) or an IRI."),
    )
    attribute = models.CharField(
        _("attribute"), max_length=512, help_text=_("A term of the core @context (pm10) or an IRI.")
    )
    entity_ids = models.JSONField(
        _("entities"),
        default=list,
        blank=True,
        help_text=_("Only these entities (a list of ids); empty: every entity of the type."),
    )
    daily = models.CharField(_("daily aggregate"), max_length=5, choices=Daily.choices, default=Daily.AVG)
    rule = models.CharField(_("rule"), max_length=12, choices=Rule.choices, default=Rule.DAILY)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("indicator fed by context data")
        verbose_name_plural = _("indicators fed by context data")
        # an indicator is fed from one attribute at most
        constraints = [models.UniqueConstraint(fields=["indicator"], name="context_indicator_feed_unique")]

    def __str__(self):
        return f"{self.indicator} ← {self.entity_type} {self.attribute}"
