"""Pages of participation (Slovenian paths)."""

from django.urls import path

from . import views

app_name = "participation"

urlpatterns = [
    path("sodelovanje/", views.overview, name="overview"),
    path("sodelovanje/obravnave/", views.consultation_list, name="consultations"),
    path("sodelovanje/obravnave/nova/", views.consultation_new, name="consultation_new"),
    path("sodelovanje/obravnave/<slug:slug>/", views.consultation_detail, name="consultation"),
    path(
        "sodelovanje/obravnave/<slug:slug>/porocilo/", views.consultation_report, name="consultation_report"
    ),
    path(
        "sodelovanje/obravnave/<slug:slug>/porocilo.docx",
        views.consultation_report_docx,
        name="consultation_report_docx",
    ),
    path(
        "sodelovanje/obravnave/<slug:slug>/objavi-porocilo/",
        views.consultation_publish,
        name="consultation_publish",
    ),
    path("sodelovanje/seje/tocka/<int:pk>/", views.agenda_item, name="agenda_item"),
    path("sodelovanje/komentarji/<str:target>/<int:pk>/", views.comment_add, name="comment_add"),
    path("sodelovanje/komentar/<int:pk>/prijava/", views.comment_report, name="comment_report"),
    path("sodelovanje/komentar/<int:pk>/skrij/", views.comment_hide, name="comment_hide"),
    path("sodelovanje/komentar/<int:pk>/prikazi/", views.comment_unhide, name="comment_unhide"),
    path("sodelovanje/komentar/<int:pk>/zavrni-prijave/", views.comment_dismiss, name="comment_dismiss"),
    path("sodelovanje/komentar/<int:pk>/odgovor/", views.comment_answer, name="comment_answer"),
    path("sodelovanje/moderiranje/", views.moderation, name="moderation"),
    path("sodelovanje/osebe/<str:username>/", views.person, name="person"),
    path("pobude/", views.proposal_list, name="proposals"),
    path("pobude/nova/", views.proposal_new, name="proposal_new"),
    path("pobude/zamujene/", views.proposals_overdue, name="proposals_overdue"),
    path("pobude/<int:pk>/", views.proposal_detail, name="proposal"),
    path("pobude/<int:pk>/podpora/", views.proposal_support, name="proposal_support"),
    path("pobude/<int:pk>/stanje/", views.proposal_state, name="proposal_state"),
]
