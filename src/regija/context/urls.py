"""The NGSI-LD API's addresses, under /ngsi-ld/v1/ (regija.urls).

The spec names its collections with a trailing slash (Table 6.2-1 of ETSI GS CIM 009 V1.6.1: `/entities/`,
`/entities/{entityId}/attrs/`, `/subscriptions/`, `/types/`, `/temporal/entities/` …), clients mostly
without one: each collection answers at both.
"""

import re
from typing import Any

from django.urls import path, re_path

from . import temporal_views, views


def collection(route: str, view: Any, name: str) -> Any:
    """The collection at `route` and at `route/` (the spec's spelling): one pattern, one name."""
    regex = re.sub(r"<str:(\w+)>", r"(?P<\1>[^/]+)", route)
    return re_path(rf"^{regex}/?$", view, name=name)


urlpatterns = [
    collection("entities", views.entities, "ngsi_entities"),
    path("entities/<str:entity_id>", views.entity, name="ngsi_entity"),
    collection("entities/<str:entity_id>/attrs", views.attributes, "ngsi_attributes"),
    path("entities/<str:entity_id>/attrs/<str:attr>", views.attribute, name="ngsi_attribute"),
    path("entityOperations/create", views.batch_create, name="ngsi_batch_create"),
    path("entityOperations/upsert", views.batch_upsert, name="ngsi_batch_upsert"),
    path("entityOperations/update", views.batch_update, name="ngsi_batch_update"),
    path("entityOperations/delete", views.batch_delete, name="ngsi_batch_delete"),
    path("entityOperations/merge", views.batch_merge, name="ngsi_batch_merge"),
    collection("types", views.types, "ngsi_types"),
    # a type or attribute may be named by its full IRI, whose '/' the client percent-encodes
    path("types/<path:type_name>", views.entity_type, name="ngsi_type"),
    collection("attributes", views.attribute_list, "ngsi_attribute_list"),
    path("attributes/<path:attr>", views.attribute_info, name="ngsi_attribute_info"),
    path("entityOperations/query", views.query_entities, name="ngsi_query"),
    collection("subscriptions", views.subscription_list, "ngsi_subscriptions"),
    path("subscriptions/<str:subscription_id>", views.subscription_one, name="ngsi_subscription"),
    # the temporal API (clauses 6.18–6.22, 6.24)
    collection("temporal/entities", temporal_views.entities, "ngsi_temporal_entities"),
    path("temporal/entities/<str:entity_id>", temporal_views.entity, name="ngsi_temporal_entity"),
    collection(
        "temporal/entities/<str:entity_id>/attrs", temporal_views.attributes, "ngsi_temporal_attributes"
    ),
    path(
        "temporal/entities/<str:entity_id>/attrs/<str:attr>",
        temporal_views.attribute,
        name="ngsi_temporal_attribute",
    ),
    path(
        "temporal/entities/<str:entity_id>/attrs/<str:attr>/<str:instance_id>",
        temporal_views.instance,
        name="ngsi_temporal_instance",
    ),
    path("temporal/entityOperations/query", temporal_views.query_entities, name="ngsi_temporal_query"),
]
