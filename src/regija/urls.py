"""URL configuration: the admin, the language switch and the start page."""

from django.contrib import admin
from django.urls import include, path

from regija.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Regija"
admin.site.site_title = "Regija"
