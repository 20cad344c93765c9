"""The NGSI-LD API's addresses, under /ngsi-ld/v1/ (regija.urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("entities", views.entities, name="ngsi_entities"),
    path("entities/<str:entity_id>", views.entity, name="ngsi_entity"),
    path("entities/<str:entity_id>/attrs", views.attributes, name="ngsi_attributes"),
    path("entities/<str:entity_id>/attrs/<str:attr>", views.attribute, name="ngsi_attribute"),
    path("entityOperations/query", views.query_entities, name="ngsi_query"),
]
