"""URL configuration.

Public pages (Slovenian paths), staff pages, the API, the admin and the language switch.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from regija.core import accounts
from regija.core import views as core_views
from regija.lake import ckan
from regija.notify import views as notify_views
from regija.portal import views as portal_views
from regija.portal.api import api
from regija.projects import views as project_views
from regija.search import views as search_views
from regija.strategies import views as strategy_views

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("strategije/predloga-za-uvoz.xlsx", portal_views.strategy_template, name="strategy_template"),
    path("strategije/<slug:slug>/", portal_views.strategy_detail, name="strategy"),
    path("strategije/<slug:slug>/<str:code>/", portal_views.node_detail, name="node"),
    path("kazalniki/<slug:slug>/<str:code>/", strategy_views.indicator_detail, name="indicator"),
    path("kazalniki/<slug:slug>/<str:code>/podatki.csv", strategy_views.indicator_csv, name="indicator_csv"),
    path(
        "kazalniki/<slug:slug>/<str:code>/nova-meritev/",
        strategy_views.observation_add,
        name="observation_add",
    ),
    path("projekti/", project_views.project_list, name="project_list"),
    path("projekti/izvoz.<str:fmt>", project_views.project_export, name="project_export"),
    path("projekti/<slug:slug>/<str:code>/", project_views.project_detail, name="project"),
    path("skladi/", project_views.funds, name="funds"),
    path("preverjanje/", project_views.consistency, name="consistency"),
    path("organizacije/", portal_views.organisation_list, name="organisation_list"),
    path("organizacije/<slug:slug>/", portal_views.organisation_detail, name="organisation"),
    path("iskanje/", search_views.search, name="search"),
    path("zgodovina/<str:model>/<int:pk>/", core_views.history, name="history"),
    # sign-in, sign-up, e-mail, two-factor, identity providers, the account page (regija.accounts)
    path("", include("regija.accounts.urls")),
    # password reset by e-mail: Django's views, the site's templates (registration/)
    path("prijava/pozabljeno-geslo/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    # allauth's templates link its own name for the same page
    path("prijava/pozabljeno-geslo/", auth_views.PasswordResetView.as_view(), name="account_reset_password"),
    path(
        "prijava/pozabljeno-geslo/poslano/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "prijava/novo-geslo/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "prijava/novo-geslo/nastavljeno/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # the back office's sign-in page links here ("Forgotten your password?") when the name exists
    path("admin/password_reset/", auth_views.PasswordResetView.as_view(), name="admin_password_reset"),
    path("", include("regija.calls.urls_public")),  # public calls and results
    path("", include("regija.calls.urls")),  # applications, evaluation, call management, payment claims
    path("", include("regija.governance.urls")),  # bodies and sessions
    path("", include("regija.reports.urls")),  # annual report
    path("", include("regija.lake.urls")),  # open data: catalogue, datasets, staff pages, jobs
    path("", include("regija.lake.urls_dcat")),  # the open-data catalogue in DCAT-AP 3.0
    path("", include("regija.events.urls")),  # the calendar of events and its iCalendar feeds
    path("", include("regija.budgeting.urls")),  # participatory budgeting
    path("", include("regija.participation.urls")),  # consultations, proposals, comments
    path("", include("regija.fixes.urls")),  # issue reports and Open311 GeoReport v2
    path("", include("regija.notify.urls")),  # notifications, preferences, alerts, unsubscribe
    path("", include("regija.context.urls_pages")),  # city data: the broker's entities on maps and tables
    path("", include("regija.places.urls")),  # places on the map, nearest to me
    path("sw.js", notify_views.service_worker, name="service_worker"),  # web push, scope /
    path("api/v1/", api.urls),
    # the NGSI-LD context broker (regija.context, docs/context.md)
    path("ngsi-ld/v1/", include("regija.context.urls")),
    # the FIWARE IoT Agents' provisioning API for devices (regija.context.iot, docs/context.md)
    path("iot/", include("regija.context.iot_urls")),
    # the CKAN Action API (regija.lake.ckan): CKAN's clients and harvesters read the catalogue here
    path("api/3/action/<str:action>", ckan.action, name="ckan_action"),
    path("api/action/<str:action>", ckan.action, name="ckan_action_unversioned"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("jezik/<str:code>/", core_views.switch_language, name="language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# A write that met a lock outside a view still answers 503 (regija.core.busy), anything else Django's 500.
handler500 = "regija.core.busy.server_error"

admin.site.site_header = "Regija"
admin.site.site_title = "Regija"
