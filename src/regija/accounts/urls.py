"""The account's pages under Slovenian paths: allauth's views with allauth's URL names (so its templates
and e-mails link here); two-factor and identity providers are allauth's own URLs under /racun/."""

from allauth.account import views as allauth_views
from django.urls import include, path, re_path

from . import views

urlpatterns = [
    path("prijava/", allauth_views.login, name="login"),
    path("prijava/", allauth_views.login, name="account_login"),
    path("odjava/", allauth_views.logout, name="logout"),
    path("odjava/", allauth_views.logout, name="account_logout"),
    path("racun/", views.account, name="account"),
    path("racun/registracija/", allauth_views.signup, name="account_signup"),
    path("racun/potrditev/", allauth_views.email_verification_sent, name="account_email_verification_sent"),
    re_path(
        r"^racun/potrditev/(?P<key>[-:\w]+)/$", allauth_views.confirm_email, name="account_confirm_email"
    ),
    path("racun/e-naslovi/", allauth_views.email, name="account_email"),
    path("racun/geslo/", allauth_views.password_change, name="account_change_password"),
    path("racun/geslo/novo/", allauth_views.password_set, name="account_set_password"),
    path("racun/ponovna-prijava/", allauth_views.reauthenticate, name="account_reauthenticate"),
    path("racun/neaktiven/", allauth_views.account_inactive, name="account_inactive"),
    path("racun/jezik/", views.set_language, name="account_language"),
    path("racun/soglasja/", views.consent, name="account_consent"),
    path("racun/pogoji/", views.terms, name="account_terms"),
    path("racun/prebivalisce/", views.residency_request, name="account_residency_request"),
    path("racun/prebivalisce/koda/", views.residency_code, name="account_residency_code"),
    path("racun/moji-podatki.json", views.my_data, name="account_my_data"),
    path("racun/izbris/", views.delete, name="account_delete"),
    path("racun/prebivalci/", views.residents, name="account_residents"),
    path("racun/prebivalci/pisma.csv", views.letters, name="account_letters"),
    # allauth's view; setting the app up (which takes a code from it) counts as using it in this session
    path("racun/dvostopenjska/totp/activate/", views.activate_totp, name="mfa_activate_totp"),
    path("racun/dvostopenjska/", include("allauth.mfa.urls")),
    path("racun/povezave/", include("allauth.socialaccount.urls")),
    path("racun/", include("allauth.socialaccount.providers.openid_connect.urls")),
]
