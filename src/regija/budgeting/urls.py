"""Pages of participatory budgeting (Slovenian paths): public pages, the resident's proposal and vote,
and the staff's pages."""

from django.urls import path

from . import views

app_name = "budgeting"

P = "participativni-proracun/"

urlpatterns = [
    path(P, views.process_list, name="list"),
    path(f"{P}upravljanje/nov/<slug:org_slug>/", views.process_new, name="process_new"),
    path(f"{P}<slug:slug>/", views.process_detail, name="process"),
    path(f"{P}<slug:slug>/obmocja/<slug:org_slug>/", views.area_detail, name="area"),
    path(f"{P}<slug:slug>/predlogi/<int:number>/", views.proposal_detail, name="proposal"),
    path(f"{P}<slug:slug>/predlogi/<int:number>/presoja/", views.proposal_review, name="review"),
    path(f"{P}<slug:slug>/nov-predlog/", views.propose, name="propose"),
    path(f"{P}<slug:slug>/glasovanje/", views.vote, name="vote"),
    path(f"{P}<slug:slug>/rezultati/", views.results, name="results"),
    path(f"{P}<slug:slug>/upravljanje/", views.manage, name="manage"),
    path(f"{P}<slug:slug>/upravljanje/uredi/", views.process_edit, name="process_edit"),
    path(f"{P}<slug:slug>/upravljanje/obmocja/<slug:org_slug>/", views.area_edit, name="area_edit"),
]
