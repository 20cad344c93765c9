"""data/governance/las-zasavje.yaml as loaded, against the LAS Zasavje report for 2023 (source 002).

The conftest loads the strategy files and then the governance files once per session.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from regija.calls.models import Application, ApplicationFund, Call, CallStatus
from regija.governance.models import Body, Member, Session, Term
from regija.projects.models import BudgetLine, Project

pytestmark = pytest.mark.django_db

D = dt.date
LAS = "las-zasavje"


def members(body: str, label: str) -> list[Member]:
    return list(
        Member.objects.filter(term__body__organisation__slug=LAS, term__body__slug=body, term__label=label)
    )


def test_the_bodies_of_the_las():
    kinds = dict(Body.objects.filter(organisation__slug=LAS).values_list("slug", "kind"))
    assert kinds == {
        "predsednik": "president",
        "skupscina": "assembly",
        "nadzorni-odbor": "supervisory_board",
        "upravni-odbor": "management_board",
        "odbor-za-ocenjevanje": "evaluation_committee",
    }
    assembly = Body.objects.get(organisation__slug=LAS, slug="skupscina")
    assert "62 pogodbenih partnerjev" in assembly.description  # Poglavje 1.1 a)
    assert not assembly.terms.exists()  # the report lists no assembly members by name


@pytest.mark.parametrize(
    "body, counts",
    [
        # Poglavje 1.1 a), b), c): members as listed, in-term replacements counted as people
        ("predsednik", {"2015–2018": 2, "2018–2024": 1, "2024–2027": 1}),
        ("nadzorni-odbor", {"2015–2018": 3, "2018–2024": 3, "2024–2027": 3}),
        ("upravni-odbor", {"2015–2018": 14, "2018–2024": 13, "2024–2027": 12}),
        # Poglavje 1.1 d)
        ("odbor-za-ocenjevanje", {"1. in 2. javni poziv": 5, "3. javni poziv": 5, "4. in 5. javni poziv": 5}),
    ],
)
def test_members_per_term(body, counts):
    terms = Term.objects.filter(body__organisation__slug=LAS, body__slug=body).order_by("order")
    assert {t.label: t.members.count() for t in terms} == counts


def test_the_three_terms_and_their_dates():
    for body in ("predsednik", "nadzorni-odbor", "upravni-odbor"):
        terms = list(Term.objects.filter(body__organisation__slug=LAS, body__slug=body).order_by("order"))
        assert [(t.start, t.end) for t in terms] == [
            (D(2015, 11, 13), D(2018, 12, 12)),
            (D(2018, 12, 12), D(2024, 2, 28)),
            (D(2024, 2, 28), None),
        ]
        assert all(t.selection == "election" for t in terms)
        founding, tenth, _ = (t.elected_at for t in terms)
        assert (founding.body.slug, founding.number, founding.date) == ("skupscina", None, D(2015, 11, 13))
        assert (tenth.body.slug, tenth.number, tenth.date) == ("skupscina", 10, D(2018, 12, 12))


def test_presidents_and_the_deputy():
    chairs = [
        (m.term.label, m.name)
        for m in Member.objects.filter(
            term__body__organisation__slug=LAS, term__body__slug="predsednik", role="chair"
        )
    ]
    assert chairs == [
        ("2015–2018", "Slavi Gala"),
        ("2018–2024", "Nuša Gregorčič"),
        ("2024–2027", "Vojka Šergan"),
    ]
    deputy = Member.objects.get(term__body__slug="predsednik", role="deputy")
    assert (deputy.name, deputy.start, deputy.term.label) == ("Katarina Nučič", D(2018, 3, 20), "2015–2018")
    assert "sklepom št. 4 na 8. seji skupščine" in deputy.note
    eighth = Session.objects.get(body__slug="skupscina", number=8)
    assert eighth.date == D(2018, 3, 20)
    assert list(eighth.decisions.values_list("number", flat=True)) == ["4"]


def test_in_term_changes_of_the_management_board():
    first = {m.name: m for m in members("upravni-odbor", "2015–2018")}
    assert first["Mitja Adamlje"].end == D(2018, 3, 20) and first["Mitja Adamlje"].organisation_name == "MCT"
    assert first["Katarina Nučič"].start == D(2018, 3, 20)
    assert first["Slavi Gala"].organisation_name == "Sklad dela Zasavje – MREST"
    second = {m.name: m for m in members("upravni-odbor", "2018–2024")}
    assert "novembra 2022" in second["Radojka Odžič"].note
    assert "novembra 2022" in second["Božidar Roglič"].note
    assert second["Božidar Roglič"].organisation.slug == "obcina-hrastnik"
    assert second["Boris Jesenšek"].organisation_name == "Mreža NVO Mrest Zasavje"
    third = {m.name: m for m in members("upravni-odbor", "2024–2027")}
    assert third["Barbara Avsenak"].organisation.slug == "rra-zasavje"
    assert third["Vojka Šergan"].organisation_name == "Kamnoseštvo Šergan"


def test_supervisory_board():
    first = {m.name: m for m in members("nadzorni-odbor", "2015–2018")}
    assert first["Zvezdana Lamovšek"].role == "chair"
    assert first["Zvezdana Lamovšek"].organisation_name == "Gimnazija in ekonomska šola Trbovlje"
    assert first["Primož Zelenšek"].organisation.slug == "chipolo"
    assert {m.name for m in members("nadzorni-odbor", "2024–2027")} == {
        "Jožefa Kukovič",
        "Zvezdana Lamovšek",
        "Marjan Gobec",
    }


def test_names_are_in_normal_capitalisation():
    for name in Member.objects.filter(term__body__organisation__slug=LAS).values_list("name", flat=True):
        assert name != name.upper(), name


def _sessions(body: str, kind: str, year: int = 2023):
    return [
        (s.number, s.date, s.end_date, s.held, s.agenda.count())
        for s in Session.objects.filter(body__organisation__slug=LAS, body__slug=body, kind=kind)
        .exclude(date__lt=D(year, 1, 1))
        .order_by("number")
    ]


def test_sessions_of_2023():
    # Poglavje 2 c)
    assert _sessions("upravni-odbor", "regular") == [
        (16, D(2023, 2, 22), None, True, 3),
        (17, D(2023, 4, 5), None, True, 2),
        (18, D(2023, 7, 25), None, True, 1),
        (19, D(2023, 12, 14), None, True, 2),
    ]
    assert _sessions("upravni-odbor", "correspondence") == [
        (12, D(2023, 5, 29), D(2023, 6, 2), True, 2),
        (13, None, None, False, 0),  # "brezpredmetna", no date given
        (14, D(2023, 9, 28), D(2023, 10, 3), True, 1),
        (15, D(2023, 10, 25), D(2023, 10, 30), True, 2),
    ]
    assert _sessions("skupscina", "regular") == [
        (12, D(2023, 4, 5), None, True, 2),
        (13, D(2023, 7, 25), None, True, 1),
    ]
    assert _sessions("skupscina", "correspondence") == [(4, D(2023, 10, 25), D(2023, 10, 30), True, 2)]
    assert _sessions("nadzorni-odbor", "regular") == [(None, D(2023, 4, 4), None, True, 2)]
    void = Session.objects.get(body__slug="upravni-odbor", kind="correspondence", number=13)
    assert "brezpredmetna" in void.note


def test_management_board_session_numbers_restart_per_term():
    nineteenth = Session.objects.filter(body__slug="upravni-odbor", kind="regular", number=19).order_by(
        "date"
    )
    assert [s.date for s in nineteenth] == [D(2018, 5, 28), D(2023, 12, 14)]
    assert nineteenth[1].agenda.last().title.startswith("izvedba volitev v organe")


COMMITTEES = {
    # call number: (published, committee term, chair, how, appointing session, decision number)
    "1": (D(2016, 12, 1), "1. in 2. javni poziv", "Roman Medved", "lot", None, None),
    "2": (D(2017, 3, 20), "1. in 2. javni poziv", "Roman Medved", "lot", None, None),
    "3": (D(2018, 4, 23), "3. javni poziv", "Aleš Zidar", "decision", ("regular", 19, D(2018, 5, 28)), "2"),
    "4": (
        D(2019, 7, 15),
        "4. in 5. javni poziv",
        "Roman Medved",
        "decision",
        ("correspondence", 3, D(2019, 11, 14)),
        "",
    ),
    "5": (
        D(2021, 10, 1),
        "4. in 5. javni poziv",
        "Roman Medved",
        "decision",
        ("correspondence", 3, D(2019, 11, 14)),
        "",
    ),
}


@pytest.mark.parametrize("number", sorted(COMMITTEES))
def test_each_call_and_its_committee(number):
    published, label, chair, how, session, decision = COMMITTEES[number]
    call = Call.objects.get(organisation__slug=LAS, number=number)
    assert call.status == CallStatus.ARCHIVED
    assert call.published_on == published
    assert call.title == f"{number}. javni poziv Partnerstva LAS Zasavje"
    assert [n.code for n in call.nodes.all()] == [f"JP{number}"]
    assert call.strategy.slug == "las-zasavje-2023"
    term = call.committee_term
    assert (term.body.slug, term.label, term.selection) == ("odbor-za-ocenjevanje", label, how)
    seats = list(call.seats.order_by("order"))
    assert len(seats) == 5
    assert [s.name for s in seats if s.role == "chair"] == [chair]
    assert all(s.member.term_id == term.pk and s.member.name == s.name for s in seats)
    if session is None:
        assert term.appointed_by is None and term.elected_at is None
    else:
        d = term.appointed_by
        assert (d.session.body.slug, d.session.kind, d.session.number, d.session.date) == (
            "upravni-odbor",
            *session,
        )
        assert d.number == decision


# Poglavje 4.1 a)–e): operations per call and the SKUPAJ line of each table
CALL_TABLES = {
    "1": (5, 0, Decimal("228770.81")),
    "2": (4, 0, Decimal("248496.40")),
    "3": (7, 0, Decimal("332372.08")),
    "4": (7, 1, Decimal("258115.22")),
    "5": (17, 2, Decimal("607507.88")),
}


@pytest.mark.parametrize("number", sorted(CALL_TABLES))
def test_each_call_has_its_applications(number):
    count, withdrawn, total = CALL_TABLES[number]
    apps = Application.objects.filter(call__organisation__slug=LAS, call__number=number)
    assert apps.count() == count
    # every one was approved; a withdrawal is the operation's (002 lists each with its decision or contract)
    assert apps.exclude(status="approved").count() == 0
    assert apps.filter(project__status="withdrawn").count() == withdrawn
    assert ApplicationFund.objects.filter(application__in=apps).aggregate(s=Sum("approved"))["s"] == total
    for app in apps.select_related("project"):
        assert app.project.nodes.filter(code=f"JP{number}").exists()
        assert app.applicant_id == app.project.holder_id
        assert app.title == app.project.title
        assert app.instrument_kind == app.project.instrument_kind


def test_all_applications_together():
    apps = Application.objects.filter(call__organisation__slug=LAS)
    assert apps.count() == 40
    assert apps.filter(status="approved").count() == 40
    withdrawn = apps.filter(project__status="withdrawn")
    assert sorted(withdrawn.values_list("project__code", flat=True)) == ["JP4-07", "JP5-06", "JP5-07"]
    funds = ApplicationFund.objects.filter(application__in=apps)
    assert funds.aggregate(s=Sum("approved"))["s"] == Decimal("1675262.39")
    assert funds.aggregate(s=Sum("requested"))["s"] == Decimal("1675262.39")
    assert set(funds.values_list("fund__code", flat=True)) == {"CLLD"}


def test_the_projects_keep_their_money():
    """The foundation's control figures for 002 hold with the governance data loaded."""
    projects = Project.objects.filter(
        strategy__slug="las-zasavje-2023", nodes__code__startswith="JP"
    ).distinct()
    assert projects.count() == 40
    total = BudgetLine.objects.filter(project__in=projects).aggregate(s=Sum("amount"))["s"]
    assert total == Decimal("1675262.39")
    assert projects.filter(status="withdrawn").count() == 3
