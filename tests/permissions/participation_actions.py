"""The rows of ``matrix_participation.csv``: participation's API operations and pages, walked with the
participation roles (``participation_world.PARTICIPATION_ROLES``)."""

from __future__ import annotations

from regija.participation.models import Comment, CommentReport, Consultation, Proposal, Support

from .actions import ACTIONS, API, Action, _send

TABLE = "participation"


def api(method, template, obj, path, *, body=None, probe=None, marker=None):
    key = f"{method} {API}{template}"
    ACTIONS.append(Action(key, obj, _send(method.lower(), path, body), probe, marker, "api", key, TABLE))


def page(method, name, obj, url, *, data=None, probe=None, marker=None):
    def do(client, w, role):
        u = url(w) if callable(url) else url
        if method == "GET":
            return client.get(u)
        return client.post(u, dict(data(w) if callable(data) else (data or {})))

    ACTIONS.append(Action(f"{method} {name}", obj, do, probe, marker, "page", name, TABLE))


def _comments(w):
    return Comment.objects.count()


def _hidden(key):
    return lambda w: Comment.objects.get(pk=getattr(w, key).pk).hidden_at is not None


def _state(w):
    return Proposal.objects.get(pk=w.PROP.pk).state


def _supports(key):
    return lambda w: Support.objects.filter(proposal=getattr(w, key)).count()


def _reports(w):
    return CommentReport.objects.count()


def _open_reports(w):
    return CommentReport.objects.filter(comment=w.COM, resolved_at__isnull=True).count()


def _answer(w):
    return Comment.objects.get(pk=w.COM.pk).answer


def _published(key):
    return lambda w: Consultation.objects.get(pk=getattr(w, key).pk).report_published_at is not None


CONS = "CONS: open consultation of A's draft strategy"
CLOSED = "CONS_CLOSED: A's closed consultation of an act, report not published"
REPORT = "CONS_REPORT: A's consultation with its report published"
PROP = "PROP: a verified resident's new proposal to A"
PROP_SUP = "PROP_SUP: a proposal the verified resident supports"
COM = "COM: a resident's comment on a unit of CONS, reported"
HIDDEN = "COM_HIDDEN: a hidden comment on a unit of CONS"
ON_UNIT = "a unit of CONS (a new comment)"

api("GET", "/consultations", CONS, "/consultations?page_size=100", marker=lambda w: '"matrika-obravnava"')
api("GET", "/consultations/{slug}", CONS, "/consultations/matrika-obravnava")
api(
    "POST",
    "/consultations",
    "an act of A (a new consultation)",
    "/consultations",
    body={
        "organisation": "matrika-a",
        "title": "Matrika nova obravnava",
        "opens_at": "2030-01-01T00:00:00+01:00",
        "closes_at": "2030-02-01T00:00:00+01:00",
        "act_name": "Matrika odlok",
        "act_text": "1. člen\n\n2. člen",
    },
    probe=lambda w: Consultation.objects.count(),
)
api("GET", "/consultations/{slug}/report", REPORT, "/consultations/matrika-porocilo/report")
api(
    "POST",
    "/consultations/{slug}/report",
    CLOSED,
    "/consultations/matrika-zaprta/report",
    probe=_published("CONS_CLOSED"),
)
api("GET", "/proposals", PROP, "/proposals?page_size=100", marker=lambda w: '"Matrika pobuda"')
api("GET", "/proposals/{pk}", PROP, lambda w: f"/proposals/{w.PROP.pk}")
api(
    "POST",
    "/proposals",
    "to A (a new proposal)",
    "/proposals",
    body={"organisation": "matrika-a", "title": "Matrika nova pobuda", "text": "Besedilo."},
    probe=lambda w: Proposal.objects.count(),
)
api(
    "POST",
    "/proposals/{pk}/support",
    PROP,
    lambda w: f"/proposals/{w.PROP.pk}/support",
    probe=_supports("PROP"),
)
api(
    "DELETE",
    "/proposals/{pk}/support",
    PROP_SUP,
    lambda w: f"/proposals/{w.PROP_SUP.pk}/support",
    probe=_supports("PROP_SUP"),
)
api(
    "POST",
    "/proposals/{pk}/state",
    PROP + " (under review)",
    lambda w: f"/proposals/{w.PROP.pk}/state",
    body={"state": "under_review", "text": "Preučujemo."},
    probe=_state,
)
api(
    "GET",
    "/comments",
    COM,
    lambda w: f"/comments?target=unit:{w.UNIT.pk}",
    marker=lambda w: "Matrika komentar",
)
api(
    "GET",
    "/comments",
    HIDDEN + " (its text)",
    lambda w: f"/comments?target=unit:{w.UNIT.pk}",
    marker=lambda w: "Matrika skrit komentar",
)
api(
    "POST",
    "/comments",
    ON_UNIT,
    "/comments",
    body=lambda w: {"target": f"unit:{w.UNIT.pk}", "text": "Matrika nov komentar"},
    probe=_comments,
)
api(
    "POST",
    "/comments/{pk}/report",
    COM,
    lambda w: f"/comments/{w.COM.pk}/report",
    body={"reason": "Spam"},
    probe=_reports,
)
api(
    "POST",
    "/comments/{pk}/hide",
    COM,
    lambda w: f"/comments/{w.COM.pk}/hide",
    body={"reason": "Oglas"},
    probe=_hidden("COM"),
)
api(
    "POST",
    "/comments/{pk}/unhide",
    HIDDEN,
    lambda w: f"/comments/{w.COM_HIDDEN.pk}/unhide",
    probe=_hidden("COM_HIDDEN"),
)
api(
    "PUT",
    "/comments/{pk}/answer",
    COM,
    lambda w: f"/comments/{w.COM.pk}/answer",
    body={"text": "Odgovor"},
    probe=_answer,
)

page("GET", "overview", "-", "/sodelovanje/")
page("GET", "consultations", CONS, "/sodelovanje/obravnave/", marker=lambda w: "Matrika obravnava")
page("GET", "consultation_new", "-", "/sodelovanje/obravnave/nova/")
page("GET", "consultation", CONS, "/sodelovanje/obravnave/matrika-obravnava/")
page(
    "GET",
    "consultation",
    HIDDEN + " (its text)",
    "/sodelovanje/obravnave/matrika-obravnava/",
    marker=lambda w: "Matrika skrit komentar",
)
page("GET", "consultation_report", REPORT, "/sodelovanje/obravnave/matrika-porocilo/porocilo/")
page("GET", "consultation_report_docx", REPORT, "/sodelovanje/obravnave/matrika-porocilo/porocilo.docx")
page(
    "POST",
    "consultation_publish",
    CLOSED,
    "/sodelovanje/obravnave/matrika-zaprta/objavi-porocilo/",
    probe=_published("CONS_CLOSED"),
)
page(
    "GET",
    "agenda_item",
    "ITEM: an agenda item of A's board",
    lambda w: f"/sodelovanje/seje/tocka/{w.ITEM.pk}/",
)
page(
    "POST",
    "comment_add",
    ON_UNIT,
    lambda w: f"/sodelovanje/komentarji/unit/{w.UNIT.pk}/",
    data={"text": "Matrika nov komentar"},
    probe=_comments,
)
page(
    "POST",
    "comment_report",
    COM,
    lambda w: f"/sodelovanje/komentar/{w.COM.pk}/prijava/",
    data={"reason": "Spam"},
    probe=_reports,
)
page(
    "POST",
    "comment_hide",
    COM,
    lambda w: f"/sodelovanje/komentar/{w.COM.pk}/skrij/",
    data={"reason": "Oglas"},
    probe=_hidden("COM"),
)
page(
    "POST",
    "comment_unhide",
    HIDDEN,
    lambda w: f"/sodelovanje/komentar/{w.COM_HIDDEN.pk}/prikazi/",
    probe=_hidden("COM_HIDDEN"),
)
page(
    "POST",
    "comment_dismiss",
    COM,
    lambda w: f"/sodelovanje/komentar/{w.COM.pk}/zavrni-prijave/",
    probe=_open_reports,
)
page(
    "POST",
    "comment_answer",
    COM,
    lambda w: f"/sodelovanje/komentar/{w.COM.pk}/odgovor/",
    data={"answer": "Odgovor"},
    probe=_answer,
)
page("GET", "moderation", "-", "/sodelovanje/moderiranje/")
page("GET", "person", "m-resident", "/sodelovanje/osebe/m-resident/")
page("GET", "proposals", PROP, "/pobude/", marker=lambda w: "Matrika pobuda")
page("GET", "proposal_new", "-", "/pobude/nova/")
page("GET", "proposals_overdue", "-", "/pobude/zamujene/")
page("GET", "proposal", PROP, lambda w: f"/pobude/{w.PROP.pk}/")
page("POST", "proposal_support", PROP, lambda w: f"/pobude/{w.PROP.pk}/podpora/", probe=_supports("PROP"))
page(
    "POST",
    "proposal_state",
    PROP + " (under review)",
    lambda w: f"/pobude/{w.PROP.pk}/stanje/",
    data={"state": "under_review", "text": "Preučujemo."},
    probe=_state,
)
