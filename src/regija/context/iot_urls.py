"""The IoT Agent provisioning API's addresses, under /iot/ (regija.urls; docs/context.md)."""

from django.urls import path

from . import iot

urlpatterns = [
    path("services", iot.groups, name="iot_services"),
    path("devices", iot.devices, name="iot_devices"),
    path("devices/<str:device_id>", iot.device, name="iot_device"),
]
