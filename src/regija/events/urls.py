"""Pages of the calendar (Slovenian paths)."""

from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("dogodki/", views.event_list, name="list"),
    path("dogodki/koledar/", views.month, name="month"),
    path("dogodki.ics", views.feed, name="feed"),
    path("dogodki/organizacija/<slug:slug>.ics", views.feed_organisation, name="feed_organisation"),
    path("dogodki/kategorija/<str:key>.ics", views.feed_category, name="feed_category"),
    path("dogodki/moj/<str:token>.ics", views.feed_personal, name="feed_personal"),
    path("dogodki/moj/nov-naslov/", views.feed_renew, name="feed_renew"),
    path("dogodki/moji/", views.mine, name="mine"),
    path("dogodki/organizacija/<slug:slug>/spremljaj/", views.follow, name="follow"),
    path("dogodki/urejanje/", views.staff, name="staff"),
    path("dogodki/urejanje/nov/", views.create, name="create"),
    path("dogodki/<int:pk>/", views.event_detail, name="event"),
    path("dogodki/<int:pk>.ics", views.event_ics, name="event_ics"),
    path("dogodki/<int:pk>/prijava/", views.register, name="register"),
    path("dogodki/<int:pk>/uredi/", views.edit, name="edit"),
    path("dogodki/<int:pk>/preklic/", views.cancel, name="cancel"),
]
