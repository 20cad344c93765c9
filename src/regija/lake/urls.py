"""The open-data pages: the catalogue, a dataset's page and downloads (everyone), the staff pages to
create, upload, describe and publish datasets, and the jobs page."""

from django.urls import path

from . import views, views_staff

app_name = "lake"

urlpatterns = [
    path("podatki/", views.catalogue, name="catalogue"),
    path("podatki/nov/", views_staff.dataset_create, name="create"),
    path("moji-podatki/", views_staff.my_datasets, name="mine"),
    path("opravila/", views_staff.jobs, name="jobs"),
    path("podatki/<slug:slug>/", views.dataset_detail, name="dataset"),
    path("podatki/<slug:slug>/prenos/<str:format>", views.download, name="download"),
    path("podatki/<slug:slug>/razlicica/<int:number>/prenos/<str:format>", views.download, name="download"),
    path("podatki/<slug:slug>/uredi/", views_staff.dataset_edit, name="edit"),
    path("podatki/<slug:slug>/nalozi/", views_staff.upload, name="upload"),
    path("podatki/<slug:slug>/stolpci/", views_staff.columns, name="columns"),
    path("podatki/<slug:slug>/dejanje/", views_staff.action, name="action"),
]
