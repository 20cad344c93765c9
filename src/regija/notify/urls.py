"""Notifications' pages: the in-app list, preferences, follow/unfollow, one-click unsubscribe, the staff's
alerts and delivery log; the service worker is served at /sw.js (regija/urls.py)."""

from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("obvestila/", views.notification_list, name="notifications"),
    path("obvestila/prebrano/", views.mark_read, name="read"),
    path("obvestila/nastavitve/", views.preferences, name="preferences"),
    path("obvestila/spremljaj/", views.follow_view, name="follow"),
    path("obvestila/odjava/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("obvestila/opozorila/", views.alerts, name="alerts"),
    path("obvestila/dostava/", views.deliveries, name="deliveries"),
]
