"""Every main page, at 1280 and at 390 px wide, in headless Chromium: nothing wider than the window, and
no WCAG 2.1 A/AA violation that axe-core finds.

For each page × width (its own test, e.g. ``test_page[call-390]``; plain windows of 1280×900 and 390×844,
without a phone's emulation, so that ``innerWidth`` is the width the page was laid out for):

* the page answers as expected (200; 404 for the missing page) – an error page would pass the rest;
* ``document.documentElement.scrollWidth <= window.innerWidth``: no sideways scrolling. A failure names
  the elements that stick out past the window's right edge (the outermost ones; those inside a
  container that scrolls or clips are not counted);
* axe-core (tags wcag2a, wcag2aa, wcag21a, wcag21aa) finds 0 violations. A failure lists each rule,
  its impact, how many elements and the first three of them.

A screenshot of the window and the findings as JSON go to ``REGIJA_ARTEFACTS`` (default
``var/artefacts/browser/``) as ``NAME-WIDTH.png`` and ``NAME-WIDTH.json``, for CI to keep.

axe-core is the npm package of ``frontend/package.json`` (``npm ci --prefix frontend``); its file is read
from ``REGIJA_AXE`` (default ``frontend/node_modules/axe-core/axe.min.js``). Without it – or without
Chromium – the tests fail when CI is set and are skipped otherwise. The site's Content-Security-Policy
forbids inline scripts, so axe is not added as a <script>: Playwright evaluates its source through the
DevTools protocol, which the policy does not govern (the page itself stays under the policy).

The data: the seed documents (tests/conftest.py) and, once for the module, calls of LAS Zasavje built
through their workflow (tests.factories): the 6th call with two applications submitted and scored, one
approved (its operation has a paid and an open payment claim), the other awaiting its decision; and a
7th call open for applications, with the applicant's filled-in draft, a new organisation's
registration waiting for the staff and another's whose e-mail link is not opened yet; and the simulated
demo network of Velenje in the context broker (the city-data pages). The server
clock stands at 2 April 2027, after the 6th call's deadline and while the 7th is open. It is all rolled
back at the end.
Signed-in pages get the session of their user as a cookie; requests to other hosts (the map's tiles) are
refused. The journeys through these pages are test_journeys.py. SQLite only, as the back-office journey
(the server thread shares the test's connection; see conftest.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from .conftest import _AXE_RUN, ARTEFACTS, AXE_TAGS, launch, require_browser, serving

pytestmark = [pytest.mark.browser, pytest.mark.external, pytest.mark.django_db]

WIDTHS = {1280: 900, 390: 844}

LAS = "las-zasavje"
VELENJE = "velenje-pametno-mesto-2022-2030"
OPEN_CALL = "7-javni-poziv"
DATASET = "kakovost-zraka-zasavje"


@dataclasses.dataclass(frozen=True)
class Page:
    name: str
    path: str  # with {placeholders} from Site.ids
    user: str | None = None  # whose session: a key of Site.sessions
    status: int = 200


PAGES = [
    # public
    Page("home", "/"),
    Page("home-table", "/?pogled=tabela"),
    Page("strategy", f"/strategije/{VELENJE}/"),
    Page("node", f"/strategije/{VELENJE}/5.1/"),
    Page("indicator", "/kazalniki/las-zasavje-2023/K1/"),
    Page("projects", "/projekti/"),
    Page("projects-map", "/projekti/?pogled=zemljevid"),
    Page("projects-filtered", "/projekti/?strategy=las-zasavje-2023&status=completed"),
    Page("project", "/projekti/las-zasavje-2023/SOD-01/"),
    Page("funds", "/skladi/"),
    Page("organisations", "/organizacije/"),
    Page("organisation", f"/organizacije/{LAS}/"),
    Page("calls", "/razpisi/"),
    Page("call", f"/razpisi/{LAS}/{OPEN_CALL}/"),
    Page("call-results", f"/razpisi/{LAS}/5-javni-poziv-partnerstva-las-zasavje/rezultati/"),
    Page("search", "/iskanje/?q=zasavje"),
    Page("bodies", f"/organizacije/{LAS}/organi/"),
    Page("sign-in", "/prijava/"),
    Page("password-reset", "/prijava/pozabljeno-geslo/"),
    Page("sign-up", "/racun/registracija/"),
    Page("terms", "/racun/pogoji/"),
    Page("registration", f"/razpisi/{LAS}/{OPEN_CALL}/registracija/"),
    Page("registration-sent", f"/razpisi/{LAS}/{OPEN_CALL}/registracija/poslano/"),
    Page("registration-confirm", f"/razpisi/{LAS}/{OPEN_CALL}/registracija/potrditev/{{unconfirmed_token}}/"),
    Page("registration-confirmed", f"/razpisi/{LAS}/{OPEN_CALL}/registracija/potrditev/{{confirmed_token}}/"),
    Page("open-data", "/podatki/"),
    Page("dataset", f"/podatki/{DATASET}/"),
    Page("events", "/dogodki/"),
    Page("events-month", "/dogodki/koledar/"),
    Page("event", "/dogodki/{event}/"),
    Page("places", "/kraji/?kategorija=aed"),
    Page("places-nearest", "/kraji/?kje=Titov+trg+1&kategorija=aed"),
    Page("place", "/kraji/{place}/"),
    Page("not-found", "/ni-take-strani/", status=404),
    # city data: the broker's entities (the simulated demo network of Velenje, loaded for this module)
    Page("city-data", "/mestni-podatki/"),
    Page("city-type", "/mestni-podatki/AirQualityObserved/"),
    Page("city-entity", "/mestni-podatki/mov/urn:ngsi-ld:AirQualityObserved:velenje-demo:aq-center/"),
    Page("participation", "/sodelovanje/"),
    Page("consultations", "/sodelovanje/obravnave/"),
    Page("consultation", "/sodelovanje/obravnave/{consultation}/"),
    Page("consultation-report", "/sodelovanje/obravnave/{consultation_closed}/porocilo/"),
    Page("proposals", "/pobude/"),
    Page("proposal", "/pobude/{proposal}/"),
    Page("agenda-item", "/sodelovanje/seje/tocka/{agenda_item}/"),
    # a verified resident
    Page("consultation-resident", "/sodelovanje/obravnave/{consultation}/", user="citizen"),
    Page("proposal-resident", "/pobude/{proposal}/", user="citizen"),
    Page("proposal-new", "/pobude/nova/", user="citizen"),
    # the applicant
    Page("my-applications", "/prijave/", user="applicant"),
    Page("account", "/racun/", user="applicant"),
    Page("account-emails", "/racun/e-naslovi/", user="applicant"),
    Page("account-two-factor", "/racun/dvostopenjska/", user="applicant"),
    Page("account-delete", "/racun/izbris/", user="applicant"),
    Page("application-start", f"/razpisi/{LAS}/{OPEN_CALL}/prijava/", user="applicant"),
    Page("application-form", "/prijave/{draft}/", user="applicant"),
    Page("application-check", "/prijave/{draft}/pregled/", user="applicant"),
    Page("application-withdraw", "/prijave/{draft}/umik/", user="applicant"),
    Page("application-submitted", "/prijave/{undecided}/oddana/", user="applicant"),
    Page("application", "/prijave/{approved}/", user="applicant"),
    Page("my-events", "/dogodki/moji/", user="applicant"),
    Page("event-signed-in", "/dogodki/{event}/", user="applicant"),
    Page("notifications", "/obvestila/", user="applicant"),
    Page("notification-settings", "/obvestila/nastavitve/", user="applicant"),
    # staff of the calling organisation, and the committee's chair
    Page("call-manage", f"/razpisi/{LAS}/6-javni-poziv/upravljanje/", user="staff"),
    Page("registration-decide", f"/razpisi/{LAS}/{OPEN_CALL}/registracije/{{registration}}/", user="staff"),
    Page("eligibility", "/prijave/{undecided}/upravicenost/", user="staff"),
    Page("decide", "/prijave/{undecided}/odlocitev/", user="staff"),
    Page("claims", "/projekti/{project}/zahtevki/", user="staff"),
    Page("call-evaluation", "/ocenjevanje/razpis/{call}/", user="staff"),
    Page("evaluation", "/ocenjevanje/", user="chair"),
    Page("assignment", "/ocenjevanje/{assignment}/", user="chair"),
    Page("annual-report", f"/porocila/{LAS}/2023/", user="staff"),
    Page("residents", "/racun/prebivalci/", user="root"),
    Page("dataset-create", "/podatki/nov/", user="staff"),
    Page("dataset-manage", f"/podatki/{DATASET}/uredi/", user="staff"),
    Page("dataset-columns", f"/podatki/{DATASET}/stolpci/", user="staff"),
    Page("jobs", "/opravila/", user="staff"),
    Page("event-create", "/dogodki/urejanje/nov/", user="staff"),
    Page("event-edit", "/dogodki/{event}/uredi/", user="staff"),
    Page("events-staff", "/dogodki/urejanje/", user="staff"),
    Page("places-import", "/kraji/uvoz/", user="staff"),
    Page("place-edit", "/kraji/{place}/uredi/", user="root"),
    Page("place-delete", "/kraji/{place}/izbrisi/", user="root"),
    # participatory budgeting: public pages, a resident's vote, the municipality's staff
    Page("budgets", "/participativni-proracun/"),
    Page("budget", "/participativni-proracun/pp-glasovanje/"),
    Page("budget-area", "/participativni-proracun/pp-glasovanje/obmocja/ks-center/"),
    Page("budget-proposal", "/participativni-proracun/pp-glasovanje/predlogi/1/"),
    Page("budget-results", "/participativni-proracun/pp-rezultati/rezultati/"),
    Page("budget-vote", "/participativni-proracun/pp-glasovanje/glasovanje/", user="resident"),
    Page("budget-propose", "/participativni-proracun/pp-predlogi/nov-predlog/", user="resident"),
    Page("budget-manage", "/participativni-proracun/pp-glasovanje/upravljanje/", user="pb_staff"),
    Page("budget-review", "/participativni-proracun/pp-presoja/predlogi/1/", user="pb_staff"),
    Page("budget-new", "/participativni-proracun/upravljanje/nov/pp-obcina/", user="pb_staff"),
    Page("budget-edit", "/participativni-proracun/pp-predlogi/upravljanje/uredi/", user="pb_staff"),
    Page(
        "budget-area-edit",
        "/participativni-proracun/pp-predlogi/upravljanje/obmocja/ks-center/",
        user="pb_staff",
    ),
    Page("consultation-staff", "/sodelovanje/obravnave/{consultation}/", user="staff"),
    Page("consultation-new", "/sodelovanje/obravnave/nova/", user="staff"),
    Page("proposal-staff", "/pobude/{proposal}/", user="staff"),
    Page("moderation", "/sodelovanje/moderiranje/", user="staff"),
    # issue reports (regija.fixes): the list and map, the form's two steps, a report, staff, rating
    Page("fixes", "/prijave-tezav/"),
    Page("fixes-new", "/prijave-tezav/nova/"),
    Page(
        "fixes-new-details",
        "/prijave-tezav/nova/?service=svetilke-zasavje&lat=46.155&lon=15.053",
        user="citizen",
    ),
    Page("fixes-report", "/prijave-tezav/{fix_report}/"),
    Page("fixes-report-staff", "/prijave-tezav/{fix_report}/", user="staff"),
    Page("fixes-staff", "/prijave-tezav/obdelava/", user="staff"),
    Page("fixes-rate", "/prijave-tezav/{fix_done}/ocena/", user="citizen"),
    Page("alerts", "/obvestila/opozorila/", user="root"),
    Page("deliveries", "/obvestila/dostava/", user="root"),
    # the back office
    Page("admin", "/admin/", user="root"),
    Page("admin-list", "/admin/calls/call/", user="root"),
    Page("admin-change", "/admin/calls/call/{call}/change/", user="root"),
]


@dataclasses.dataclass
class Site:
    base_url: str
    ids: dict[str, object]
    sessions: dict[str, str]  # user key → session cookie value


def _build_calls(clock) -> tuple[dict[str, object], dict[str, object]]:
    """The two calls (see the module's docstring); the clock is left at AFTER. (ids, users by key)"""
    from regija.calls import services
    from regija.calls.services.registration import confirmation_token
    from regija.projects.services import payments
    from tests import factories as f

    w = f.publish_call(f.call_world(), clock)
    f.submit_applications(w, clock, amounts=("50000.00", "80000.00"))
    f.evaluate(w)
    staff = w.users["staff"]
    services.finish_evaluation(w.call, staff)
    instrument = services.Instrument("decision", "33110-12/2027", dt.date(2027, 4, 1))
    project = services.approve(
        w.apps[0], staff, approved={w.fund.pk: Decimal("50000.00")}, instrument=instrument
    )
    f.paid_claim(w, project, Decimal("10000.00"), "1. zahtevek", on=dt.date(2027, 4, 1))
    payments.claim_payment(
        project, w.users["applicant"], fund_id=w.fund.pk, amount=Decimal("15000.00"), label="2. zahtevek"
    )

    opened = f.CallFactory(
        organisation=w.las,
        strategy=w.call.strategy,
        slug=OPEN_CALL,
        number="JP7",
        title="7. javni poziv Partnerstva LAS Zasavje",
        text="Poziv za izbor operacij, ki prispevajo k ciljem Strategije lokalnega razvoja.",
        opens_at=dt.datetime(2027, 3, 31, 8, 0, tzinfo=f.LJ),
        closes_at=dt.datetime(2027, 5, 31, 12, 0, tzinfo=f.LJ),
        pass_threshold=Decimal("50"),
        nodes=list(w.call.nodes.all()),
    )
    f.CallFundFactory(call=opened, fund=w.fund, amount=Decimal("150000.00"))
    for order, text in enumerate(f.CONDITIONS, start=1):
        f.EligibilityConditionFactory(call=opened, order=order, text=text)
    for order, (name, points) in enumerate(f.CRITERIA, start=1):
        f.CriterionFactory(call=opened, order=order, name=name, max_points=Decimal(points))
    f.CommitteeSeatFactory(call=opened, name="Roman Medved", role="chair", user=w.users["chair"], order=1)
    clock(dt.datetime(2027, 3, 20, 10, 0, tzinfo=f.LJ))
    opened = services.publish(opened, staff)
    clock(f.AFTER)
    draft = services.start_application(opened, w.applicant, w.users["applicant"])
    f.fill(draft, w)
    # an organisation new to Regija registers for the open call and confirms its address: staff decide
    registered = services.register_applicant(
        opened,
        services.RegistrationData(
            first_name="Ana",
            last_name="Novak",
            email="ana.novak@zelena-dolina.si",
            password="Zelena-dolina-2027",
            organisation_name="Društvo Zelena dolina",
            organisation_kind="ngo",
            registration_number="6543219",
            tax_number="SI 5022 3054",
            address="Trg svobode 1, 1420 Trbovlje",
        ),
    )
    assert registered.registration is not None
    confirmed_token = confirmation_token(registered.registration)
    services.confirm_email(opened, confirmed_token)
    # another one has not opened its link yet
    unconfirmed = services.register_applicant(
        opened,
        services.RegistrationData(
            first_name="Maja",
            last_name="Kovač",
            email="maja.kovac@zavod-iskra.si",
            password="Iskra-Trbovlje-2027",
            organisation_name="Zavod Iskra",
            organisation_kind="ngo",
            registration_number="3985121000",
            tax_number="84201533",
            address="Trg revolucije 12, 1420 Trbovlje",
        ),
    )
    assert unconfirmed.registration is not None

    # the calendar: the open call's dates (the test's transaction never commits, so synced here) and a
    # public meeting that takes registrations, on the map
    from regija.calls.models import Call
    from regija.events import sources
    from regija.events.models import Event

    sources.sync_object(Call, opened.pk)
    event = Event.objects.create(
        organisation=w.las,
        title="Posvet o razvoju podeželja",
        title_en="Consultation on rural development",
        description="Predstavitev 7. javnega poziva in pogovor o projektnih idejah.",
        category="meeting",
        place_name="Delavski dom Trbovlje",
        address="Trg svobode 11a, 1420 Trbovlje",
        latitude=Decimal("46.155300"),
        longitude=Decimal("15.053600"),
        starts_at=dt.datetime(2027, 4, 15, 17, 0, tzinfo=f.LJ),
        ends_at=dt.datetime(2027, 4, 15, 19, 0, tzinfo=f.LJ),
        registration=True,
        capacity=40,
    )
    chair_seat = next(s for s in w.seats if s.role == "chair")
    # the demo places of Velenje (the municipality comes with the seed documents)
    from regija.places.demo import load_demo
    from regija.places.models import Place

    load_demo()
    ids = {
        "place": Place.objects.get(code="aed-titov-trg").pk,
        "event": event.pk,
        "draft": draft.pk,
        "approved": w.apps[0].pk,
        "undecided": w.apps[1].pk,
        "call": w.call.pk,
        "project": f"{project.strategy.slug}/{project.code}",
        "assignment": w.apps[0].assignments.get(seat=chair_seat).pk,
        "registration": registered.registration.pk,
        "confirmed_token": confirmed_token,
        "unconfirmed_token": confirmation_token(unconfirmed.registration),
    }
    _dataset(w.las, staff)
    users = {key: w.users[key] for key in ("applicant", "staff", "chair")}
    users["root"] = f.member(None, username="root", superuser=True)
    users.update(_budgets(clock))
    # participation's resident (consultations, proposals); "resident" is the budget's voter
    users["citizen"] = f.resident(w.las, username="prebivalka", first_name="Metka", last_name="Kos")
    ids.update(_participation(w.las, staff, users["citizen"], clock))
    ids.update(_fixes(w.las, staff, users["citizen"]))
    return ids, users


def _fixes(las, staff, person) -> dict[str, object]:
    """Issue reports to LAS Zasavje's street-light category: one with a photo, answered and in
    progress, and one fixed (for its reporter's rating page)."""
    import io

    from PIL import Image

    from regija.fixes import services
    from regija.fixes.models import Service, Status

    light = Service.objects.create(
        organisation=las,
        code="svetilke-zasavje",
        name="Javna razsvetljava",
        attributes=[
            {
                "code": "kind",
                "description": "Kaj je narobe?",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "dark", "name": "Ne sveti"}, {"key": "blink", "name": "Utripa"}],
            }
        ],
    )
    photo = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 40, 90)).save(photo, "JPEG")

    def report(text, lat, photos=()):
        data = services.ReportData(
            service=light, description=text, lat=lat, lon=15.053, attributes={"kind": "dark"}, photos=photos
        )
        return services.report_create(person, data)

    one = report("Svetilka pred šolo ne sveti.", 46.155, [photo.getvalue()])
    services.report_handle(
        staff, one, services.Handling(status=Status.IN_PROGRESS, answer="Elektrikar pride v torek.")
    )
    done = report("Utripa luč na mostu.", 46.158)
    services.report_handle(staff, done, services.Handling(status=Status.FIXED, answer="Zamenjano."))
    return {"fix_report": one.pk, "fix_done": done.pk}


def _budgets(clock) -> dict[str, object]:
    """A municipality's participatory budgets, one in each phase a page needs at AFTER: collecting
    proposals (pp-predlogi), in review (pp-presoja, a proposal waiting), voting (pp-glasovanje, the
    resident voted) and results published with projects (pp-rezultati) – the dates of
    tests/budgeting/world.py moved so that AFTER falls in that phase. (users: resident, pb_staff)"""
    from regija.budgeting import services
    from tests import factories as f
    from tests.budgeting.world import DATES, MOMENTS, build, proposals_on_ballot

    pb = build(clock, slug="pp-2026")
    resident = pb.voter("center", username="krajanka")
    for slug, phase in (
        ("pp-predlogi", "proposals"),
        ("pp-presoja", "review"),
        ("pp-glasovanje", "voting"),
        ("pp-rezultati", "closed"),
    ):
        moved = f.AFTER - MOMENTS[phase]
        clock(MOMENTS["announced"] + moved)
        process = services.process_create(
            pb.staff,
            pb.municipality,
            services.ProcessData(
                slug=slug,
                title=f"Participativni proračun {slug[3:]}",
                year=2027,
                rule="knapsack",
                strategy=pb.strategy,
                fund=pb.fund,
                **{k: v + moved for k, v in DATES.items()},
            ),
        )
        center = services.area_add(pb.staff, process, pb.center, Decimal("20000.00"))
        hrib = services.area_add(pb.staff, process, pb.hrib, Decimal("15000.00"))
        sub = dataclasses.replace(pb, process=process, area_center=center, area_hrib=hrib)
        sub.at = lambda name, moved=moved: clock(MOMENTS[name] + moved)
        if phase == "proposals":
            continue
        if phase == "review":
            sub.at("proposals")
            services.proposal_submit(
                resident, process, center, title="Klopi ob Paki", description="Pet klopi."
            )
            continue
        made = proposals_on_ballot(sub, {"center": ["12000", "6500", "4000"], "hrib": ["9000"]})
        sub.at("voting")
        services.cast_ballot(resident, process, [p.pk for p in made["center"][1:]])
        if phase == "closed":
            sub.at("closed")
            services.publish_results(pb.staff, process)
            services.create_projects(pb.staff, process)
    clock(f.AFTER)
    return {"resident": resident, "pb_staff": pb.staff}


def _participation(las, staff, person, clock) -> dict[str, object]:
    """A consultation open on 2 April 2027 with a thread of comments (one answered, one hidden), one
    closed with its report published, a proposal with a support, and a council's agenda item."""
    from regija.participation import services
    from tests import factories as f

    neighbour = f.confirmed_user(username="sosed", first_name="Janez", last_name="Novak")

    def consultation(slug, opens, closes, paragraphs):
        return services.consultation_create(
            staff,
            services.ConsultationData(
                organisation=las,
                title=f"Javna obravnava: {slug}",
                slug=slug,
                description="Pripombe zbiramo do konca obravnave.",
                opens_at=opens,
                closes_at=closes,
                act_name="Odlok o ureditvi prometa",
                act_paragraphs=paragraphs,
            ),
        )

    articles = ["1. člen: Ta odlok ureja promet v središču.", "2. člen: Hitrost je omejena na 30 km/h."]
    open_ = consultation(
        "odlok-o-prometu",
        dt.datetime(2027, 3, 1, tzinfo=f.LJ),
        dt.datetime(2027, 5, 1, tzinfo=f.LJ),
        articles,
    )
    first = open_.units.order_by("order").first()
    one = services.comment_add(person, first, "Predlagam izjemo za dostavo.\nZjutraj do 9. ure.")
    services.comment_add(neighbour, first, "Se strinjam, @prebivalka.", parent=one)
    services.comment_answer(staff, one, "Izjemo bomo dodali v 3. člen.")
    spam = services.comment_add(neighbour, first, "Kupite poceni čevlje!")
    services.comment_report(person, spam, "Oglas")
    services.comment_hide(staff, spam, "oglaševanje")
    services.comment_report(neighbour, one, "Preverite")

    closed = consultation(
        "odlok-o-parkiranju",
        dt.datetime(2027, 1, 1, tzinfo=f.LJ),
        dt.datetime(2027, 2, 1, tzinfo=f.LJ),
        articles,
    )
    clock(dt.datetime(2027, 1, 15, 10, 0, tzinfo=f.LJ))  # while it was open
    late = services.comment_add(person, closed.units.first(), "Premalo parkirišč.")
    clock(f.AFTER)
    services.comment_answer(staff, late, "Dodali bomo 40 mest.")
    services.consultation_publish_report(staff, closed)

    proposal = services.proposal_create(
        person,
        services.ProposalData(
            organisation=las,
            title="Klopi ob Savi",
            text="Postavimo klopi ob sprehajalni poti.",
            lat=46.155,
            lon=15.053,
        ),
    )
    services.proposal_support(person, proposal)
    services.comment_add(neighbour, proposal, "Dobra ideja.")
    body = f.BodyFactory(organisation=las, slug="obcinski-svet", name="Občinski svet", kind="assembly")
    item = f.AgendaItemFactory(
        session=f.SessionFactory(body=body, date=dt.date(2027, 4, 10)), title="Proračun za leto 2028"
    )
    return {
        "consultation": open_.slug,
        "consultation_closed": closed.slug,
        "proposal": proposal.pk,
        "agenda_item": item.pk,
    }


def _dataset(publisher, editor) -> None:
    """LAS Zasavje's open data: air quality at three stations (dates, a number, coordinates), published,
    so that its page has a preview, a chart and a map."""
    import tempfile
    from pathlib import Path

    from regija.lake import services

    dataset = services.dataset_create(
        editor,
        publisher=publisher,
        data={
            "slug": DATASET,
            "title": "Kakovost zraka v Zasavju",
            "description": "Dnevne koncentracije delcev PM10 na merilnih postajah v Zasavju.",
            "keywords": ["zrak", "PM10"],
            "themes": ["ENVI"],
            "contact_name": "Oddelek za okolje",
        },
        via="web",
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zrak.csv"
        path.write_text(
            "postaja,datum,pm10,lon,lat\n"
            "Trbovlje,2026-01-15,41.5,15.0533,46.1550\n"
            "Hrastnik,2026-01-15,35,15.0853,46.1461\n"
            "Zagorje ob Savi,2026-02-15,28.25,14.9964,46.1342\n"
            "Trbovlje,2026-03-15,22,15.0533,46.1550\n",
            encoding="utf-8",
        )
        services.upload(editor, dataset, path, name="zrak.csv", via="web")
    dataset.refresh_from_db()
    services.dataset_publish(editor, dataset, via="web")


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, _session_lake):
    """The calls, a session per user and the live server, for the whole module; rolled back after it."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import override_settings

    from regija.context.services import load_demo_network
    from tests.factories import Clock

    if connection.vendor != "sqlite":
        pytest.skip("needs the server thread to share the test's connection (SQLite)")
    require_browser()  # before building anything
    clock = Clock()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}},
                # the lake of the test session, where each test's settings look (tests/conftest.py)
                REGIJA_LAKE_URL=str(_session_lake / "files"),
                REGIJA_LAKE_CACHE=_session_lake / "cache",
            ):
                ids, users = _build_calls(clock)
                load_demo_network()
                sessions = {}
                for key, user in users.items():
                    client = Client()
                    client.force_login(user)
                    sessions[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
            with serving() as base_url:
                yield Site(base_url, ids, sessions)
        finally:
            clock.stop()
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


class Windows:
    """One Chromium for the module and a browser context (with one tab) per width, driven from a thread
    of their own: Playwright's sync API runs an event loop in the thread that uses it, and in a thread
    with a running loop Django hands out another database connection (asgiref keeps one per async
    context) – the tests' own database fixtures would then wait on the module's transaction."""

    def __init__(self, base_url: str):
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")
        self.tabs = self.run(self._start, base_url)

    def run(self, fn, *args):
        """``fn(*args)`` in the Playwright thread; its result here."""
        return self._thread.submit(fn, *args).result()

    def _start(self, base_url: str):
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = launch(self._playwright)
        tabs = {}
        for width, height in WIDTHS.items():
            context = self._browser.new_context(
                base_url=base_url, locale="sl-SI", viewport={"width": width, "height": height}
            )
            context.set_default_timeout(30_000)
            # the map's tiles come from a server outside: refused at once, as on a machine offline
            context.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort(),
            )
            tabs[width] = context.new_page()
        return tabs

    def _stop(self) -> None:
        self._browser.close()
        self._playwright.stop()

    def close(self) -> None:
        try:
            self.run(self._stop)
        finally:
            self._thread.shutdown()


@pytest.fixture(scope="module")
def windows(site):
    windows = Windows(site.base_url)
    try:
        yield windows
    finally:
        windows.close()


# The elements that stick out past the window's right edge: the outermost ones (an element whose parent
# sticks out too is left to its parent), not those held by a container that scrolls or clips sideways.
_OVERFLOW = """
() => {
  const limit = window.innerWidth;
  const width = document.documentElement.scrollWidth;
  if (width <= limit) return {width, limit, offenders: [], total: 0};
  const sticksOut = (el) => el.getBoundingClientRect().right > limit + 0.5;
  // clipped: a box between the element and the page that scrolls or clips sideways holds it – following
  // containing blocks, so an absolutely positioned element escapes a scroller that is not positioned
  const clipped = (el) => {
    let position = getComputedStyle(el).position;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (position === "fixed") return false;
      const style = getComputedStyle(a);
      if (position === "absolute" && style.position === "static" && style.transform === "none") continue;
      if (style.overflowX !== "visible") return true;
      position = style.position;
    }
    return false;
  };
  const offends = (el) => sticksOut(el) && !clipped(el);
  const describe = (el) => {
    let name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
    for (const c of el.classList) name += "." + c;
    const box = el.getBoundingClientRect();
    const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 50);
    return {element: name, right: Math.round(box.right), width: Math.round(box.width), text};
  };
  const offenders = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!offends(el)) continue;
    const parent = el.parentElement;
    if (parent && parent !== document.body && offends(parent)) continue;
    offenders.push(describe(el));
  }
  if (!offenders.length) {
    // no box sticks out: then text does (a long word, a number that does not wrap) – named by its element
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || clipped(node.parentElement)) continue;
      range.selectNodeContents(node);
      const right = range.getBoundingClientRect().right;
      if (right > limit + 0.5) {
        const found = describe(node.parentElement);
        offenders.push({...found, right: Math.round(right), text: node.textContent.trim().slice(0, 50)});
      }
    }
  }
  return {width, limit, offenders: offenders.slice(0, 10), total: offenders.length};
}
"""


def _problems(spec: Page, width: int, status: int, overflow: dict, violations: list[dict]) -> list[str]:
    lines = []
    if status != spec.status:
        lines.append(f"answered {status}, expected {spec.status}")
    if overflow["width"] > overflow["limit"]:
        lines.append(
            f"wider than the window: scrollWidth {overflow['width']} > innerWidth {overflow['limit']}; "
            f"sticking out ({overflow['total']}):"
        )
        lines += [
            f"  {o['element']} (right edge {o['right']} px, {o['width']} px wide) {o['text']!r}"
            for o in overflow["offenders"]
        ]
    if violations:
        lines.append(f"axe-core: {len(violations)} rule(s) violated:")
        lines += [
            f"  {v['id']} ({v['impact']}) ×{v['count']}: {' | '.join(v['targets'])} – {v['help']}"
            + (f"\n    first: {v['why']}" if v.get("why") else "")
            for v in violations
        ]
    return lines


@pytest.mark.parametrize(
    ("spec", "width"),
    [pytest.param(p, w, id=f"{p.name}-{w}") for p in PAGES for w in WIDTHS],
)
def _visit(tab, spec: Page, width: int, path: str, cookies: list[dict], axe_source: str) -> dict:
    """In the Playwright thread: open the page, measure, run axe, save the screenshot and the findings."""
    tab.context.clear_cookies()
    if cookies:
        tab.context.add_cookies(cookies)
    response = tab.goto(path, wait_until="load")
    found = {
        "page": spec.name,
        "width": width,
        "path": path,
        "user": spec.user,
        "status": response.status if response else None,
        "overflow": tab.evaluate(_OVERFLOW),
    }
    tab.evaluate(axe_source)
    found["axe"] = tab.evaluate(_AXE_RUN, AXE_TAGS)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTEFACTS / f"{spec.name}-{width}.png"))
    (ARTEFACTS / f"{spec.name}-{width}.json").write_text(
        json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return found


@pytest.mark.parametrize(
    ("spec", "width"),
    [pytest.param(p, w, id=f"{p.name}-{w}") for p in PAGES for w in WIDTHS],
)
def test_page(spec: Page, width: int, axe_source: str, site: Site, windows: Windows):
    from django.conf import settings

    cookies = []
    if spec.user:
        cookie = {
            "name": settings.SESSION_COOKIE_NAME,
            "value": site.sessions[spec.user],
            "url": site.base_url,
        }
        cookies.append(cookie)
    path = spec.path.format(**site.ids)
    found = windows.run(_visit, windows.tabs[width], spec, width, path, cookies, axe_source)
    problems = _problems(spec, width, found["status"], found["overflow"], found["axe"])
    assert not problems, f"{path} at {width} px:\n" + "\n".join(problems)
