"""The NGSI-LD API's addresses, under /ngsi-ld/v1/ (regija.urls)."""

from django.urls import path

from . import temporal_views, views

urlpatterns = [
    path("entities", views.entities, name="ngsi_entities"),
    path("entities/<str:entity_id>", views.entity, name="ngsi_entity"),
    path("entities/<str:entity_id>/attrs", views.attributes, name="ngsi_attributes"),
    path("entities/<str:entity_id>/attrs/<str:attr>", views.attribute, name="ngsi_attribute"),
    path("entityOperations/create", views.batch_create, name="ngsi_batch_create"),
    path("entityOperations/upsert", views.batch_upsert, name="ngsi_batch_upsert"),
    path("entityOperations/update", views.batch_update, name="ngsi_batch_update"),
    path("entityOperations/delete", views.batch_delete, name="ngsi_batch_delete"),
    path("types", views.types, name="ngsi_types"),
    # a type or attribute may be named by its full IRI, whose '/' the client percent-encodes
    path("types/<path:type_name>", views.entity_type, name="ngsi_type"),
    path("attributes", views.attribute_list, name="ngsi_attribute_list"),
    path("attributes/<path:attr>", views.attribute_info, name="ngsi_attribute_info"),
    path("entityOperations/query", views.query_entities, name="ngsi_query"),
    path("subscriptions", views.subscription_list, name="ngsi_subscriptions"),
    path("subscriptions/<str:subscription_id>", views.subscription_one, name="ngsi_subscription"),
    # the temporal API (clauses 6.18–6.22, 6.24)
    path("temporal/entities", temporal_views.entities, name="ngsi_temporal_entities"),
    path("temporal/entities/<str:entity_id>", temporal_views.entity, name="ngsi_temporal_entity"),
    path(
        "temporal/entities/<str:entity_id>/attrs", temporal_views.attributes, name="ngsi_temporal_attributes"
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
