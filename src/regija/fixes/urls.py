from django.urls import path, re_path

from . import open311, views

app_name = "fixes"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("prijave-tezav/", views.report_list, name="list"),
    path("prijave-tezav/zemljevid.json", views.map_data, name="map_data"),
    path("prijave-tezav/nova/", views.report_new, name="new"),
    path("prijave-tezav/obdelava/", views.staff_list, name="staff"),
    path("prijave-tezav/potrdi/<str:token>/", views.report_confirm, name="confirm"),
    path("prijave-tezav/foto/<int:pk>/", views.photo, name="photo"),
    path("prijave-tezav/<int:pk>/", views.report_detail, name="report"),
    path("prijave-tezav/<int:pk>/podpora/", views.report_support, name="support"),
    path("prijave-tezav/<int:pk>/obdelava/", views.report_handle, name="handle"),
    path("prijave-tezav/<int:pk>/skrij/", views.report_hide, name="hide"),
    path("prijave-tezav/<int:pk>/ocena/", views.report_rate, name="rate_own"),
    path("prijave-tezav/<int:pk>/ocena/<str:token>/", views.report_rate, name="rate"),
    # Open311 GeoReport v2
    re_path(r"^open311/v2/discovery" + FMT, open311.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services" + FMT, open311.service_list, name="open311_services"),
    re_path(
        r"^open311/v2/services/(?P<code>[-\w]+)" + FMT, open311.service_definition, name="open311_service"
    ),
    re_path(r"^open311/v2/requests" + FMT, open311.requests, name="open311_requests"),
    re_path(r"^open311/v2/requests/(?P<pk>[^/.]+)" + FMT, open311.request_detail, name="open311_request"),
    re_path(r"^open311/v2/tokens/(?P<token>[^/.]+)" + FMT, open311.token, name="open311_token"),
    re_path(r"^open311/v2/servicerequestupdates" + FMT, open311.updates, name="open311_updates"),
]
