"""The rows of ``matrix_fixes.csv``: issue reports' pages, workflow POSTs and Open311 GeoReport v2 URLs,
walked with the roles of ``world_fixes.FIXES_ROLES``. The anonymous reporter is not signed in; a row
with an e-mailed link (confirm, rate) sends the report's real link for every role – the link is the key
– and a row with a forged link shows that nothing else opens it."""

from __future__ import annotations

from regija.fixes import services
from regija.fixes.models import Report

from .actions import ACTIONS, Action

TABLE = "fixes"
BASE = "/prijave-tezav"
O311 = "/open311/v2"


def page(method, name, obj, url, *, data=None, probe=None, marker=None, api_key=False):
    """``data(w, role)``: the form a role sends (the anonymous reporter adds their e-mail address);
    ``api_key``: the role's API token goes in the form as Open311's ``api_key``."""

    def do(client, w, role):
        u = url(w) if callable(url) else url
        if method == "GET":
            return client.get(u)
        form = dict(data(w, role) if callable(data) else (data or {}))
        if api_key and w.tokens.get(role):
            form["api_key"] = w.tokens[role]
        return client.post(u, form)

    ACTIONS.append(Action(f"{method} {name}", obj, do, probe, marker, "page", name, TABLE))


def _report(key, field):
    return lambda w: getattr(Report.objects.get(pk=getattr(w, key).pk), field)


def _count(w):
    return Report.objects.count()


def _link(w):
    return f'href="{BASE}/{w.R.pk}/"'


R = "R: the resident's report to A, assigned to B"
R_DONE = "R_DONE: the resident's fixed report"
R_HIDDEN = "R_HIDDEN: the resident's report A's staff hid"
R_ANON = "R_ANON: an anonymous report, its e-mail address not confirmed"
R_ANON_DONE = "R_ANON_DONE: an anonymous reporter's fixed report"
SVC = "SVC: A's street light category (a new report)"


def _form(w, role):
    form = {
        "service": "matrika-svetilka",
        "lat": "46.05",
        "lon": "14.50",
        "description": "Matrika nova prijava",
        "attribute[kind]": "dark",
        "new": "1",  # past the "is it one of these?" step: R is near
    }
    if role == "anonymous_reporter":
        form["email"] = "matrika-nov@primer.si"
    return form


page("GET", "list", R, f"{BASE}/", marker=_link)
page("GET", "list", R_HIDDEN, f"{BASE}/", marker=lambda w: f'href="{BASE}/{w.R_HIDDEN.pk}/"')
page("GET", "list", R_ANON, f"{BASE}/", marker=lambda w: f'href="{BASE}/{w.R_ANON.pk}/"')
page("GET", "map_data", "reports in Slovenia", f"{BASE}/zemljevid.json?bbox=45.4,13.3,46.9,16.7")
page("GET", "new", "-", f"{BASE}/nova/?service=matrika-svetilka")
page("POST", "new", SVC, f"{BASE}/nova/", data=_form, probe=_count)
page("GET", "staff", R, f"{BASE}/obdelava/", marker=_link)
page(
    "GET",
    "confirm",
    R_ANON + " (its e-mailed link)",
    lambda w: f"{BASE}/potrdi/{services.confirm_token(w.R_ANON)}/",
    probe=_report("R_ANON", "confirmed_at"),
)
page(
    "GET",
    "confirm",
    R_ANON + " (a forged link)",
    f"{BASE}/potrdi/ponarejeno/",
    probe=_report("R_ANON", "confirmed_at"),
)
page("GET", "photo", "the photo of R", lambda w: f"{BASE}/foto/{w.R_PHOTO.pk}/")
page("GET", "report", R, lambda w: f"{BASE}/{w.R.pk}/")
page("GET", "report", R_HIDDEN, lambda w: f"{BASE}/{w.R_HIDDEN.pk}/")
page("GET", "report", R_ANON, lambda w: f"{BASE}/{w.R_ANON.pk}/")
page(
    "POST",
    "support",
    R + " (the same problem)",
    lambda w: f"{BASE}/{w.R.pk}/podpora/",
    probe=_report("R", "supports"),
)
page(
    "POST",
    "handle",
    R + " (in progress, with an answer)",
    lambda w: f"{BASE}/{w.R.pk}/obdelava/",
    data={"status": "in_progress", "answer": "Matrika odgovor"},
    probe=_report("R", "answer"),
)
page(
    "POST",
    "handle",
    R + " (assigned to C instead)",
    lambda w: f"{BASE}/{w.R.pk}/obdelava/",
    data=lambda w, role: {"assignee": str(w.C.pk)},
    probe=_report("R", "assignee_id"),
)
page(
    "POST",
    "handle",
    R + " (closed – not ours, with a reason)",
    lambda w: f"{BASE}/{w.R.pk}/obdelava/",
    data={"status": "not_ours", "reason": "Matrika državna cesta"},
    probe=_report("R", "status"),
)
page(
    "POST",
    "hide",
    R + " (with a reason)",
    lambda w: f"{BASE}/{w.R.pk}/skrij/",
    data={"reason": "Matrika žaljivo"},
    probe=_report("R", "hidden_at"),
)
page("GET", "rate_own", R_DONE, lambda w: f"{BASE}/{w.R_DONE.pk}/ocena/")
page(
    "POST",
    "rate_own",
    R_DONE + " (rating 4)",
    lambda w: f"{BASE}/{w.R_DONE.pk}/ocena/",
    data={"rating": "4"},
    probe=_report("R_DONE", "rating"),
)
page(
    "GET",
    "rate",
    R_ANON_DONE + " (its e-mailed link)",
    lambda w: f"{BASE}/{w.R_ANON_DONE.pk}/ocena/{services.rate_token(w.R_ANON_DONE)}/",
)
page(
    "POST",
    "rate",
    R_ANON_DONE + " (its e-mailed link, rating 5)",
    lambda w: f"{BASE}/{w.R_ANON_DONE.pk}/ocena/{services.rate_token(w.R_ANON_DONE)}/",
    data={"rating": "5"},
    probe=_report("R_ANON_DONE", "rating"),
)
page(
    "POST",
    "rate",
    R_ANON_DONE + " (a forged link, rating 1)",
    lambda w: f"{BASE}/{w.R_ANON_DONE.pk}/ocena/ponarejeno/",
    data={"rating": "1"},
    probe=_report("R_ANON_DONE", "rating"),
)

# Open311 GeoReport v2
page("GET", "open311_discovery", "-", f"{O311}/discovery.json")
page("GET", "open311_services", SVC, f"{O311}/services.xml", marker=lambda w: "matrika-svetilka")
page("GET", "open311_service", SVC, f"{O311}/services/matrika-svetilka.json")
page("GET", "open311_requests", R, f"{O311}/requests.json", marker=lambda w: "Matrika ne sveti")
page("GET", "open311_requests", R_HIDDEN, f"{O311}/requests.json", marker=lambda w: "Matrika skrito")
page("GET", "open311_requests", R_ANON, f"{O311}/requests.json", marker=lambda w: 'Matrika anonimno"')
page(
    "POST",
    "open311_requests",
    SVC + " (the role's API token as api_key)",
    f"{O311}/requests.json",
    data={
        "service_code": "matrika-svetilka",
        "lat": "46.05",
        "long": "14.50",
        "description": "Matrika Open311",
        "attribute[kind]": "dark",
        "email": "matrika-open311@primer.si",
    },
    api_key=True,
    probe=_count,
)
page("GET", "open311_request", R, lambda w: f"{O311}/requests/{w.R.pk}.xml")
page("GET", "open311_request", R_HIDDEN, lambda w: f"{O311}/requests/{w.R_HIDDEN.pk}.json")
page("GET", "open311_token", R, lambda w: f"{O311}/tokens/{w.R.pk}.json")
page(
    "GET",
    "open311_updates",
    R_DONE + "'s answer",
    f"{O311}/servicerequestupdates.json?start_date=2000-01-01T00:00:00Z",
    marker=lambda w: "Zamenjano.",
)
