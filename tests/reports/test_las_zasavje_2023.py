"""The report of LAS Zasavje for 2023 against the source document's own tables (002, the activity report
for 2023, March 2024). Every expected figure below is read from the document's text; the amounts of
each call's lines are typed from its chapter 4.1 tables a)–e), so the totals are checked twice: the
document's lines against its SKUPAJ rows, and the report against both."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from regija.calls.models import Call
from regija.reports import annual

from .tables import by_key, docx_tables, html_tables

pytestmark = pytest.mark.django_db


def eur(text: str) -> Decimal:
    """'1.675.262,39' → Decimal('1675262.39'), as the document writes amounts."""
    return Decimal(text.replace(".", "").replace(",", "."))


def amounts(*texts: str) -> Decimal:
    return sum((eur(t) for t in texts), Decimal("0"))


# 002, chapter 4.1 a)–e): "Odobrena vrednost" of each operation, the SKUPAJ row, each "Izplačilo" and
# SKUPAJ IZPLAČANO.
CALLS = {
    "1": dict(
        approved=["57.799,62", "17.705,50", "56.091,61", "34.055,28", "63.118,80"],
        total="228.770,81",
        # TIC Hrastnik's 2nd phase is written "26.445.68" in the document
        paid=[
            "20.974,37",
            "26.445,68",
            "13.466,79",
            "31.977,83",
            "21.805,62",
            "29.677,21",
            "19.256,19",
            "41.949,35",
        ],
        total_paid="211.195,35",
        operations=5,
        withdrawn=0,
    ),
    "2": dict(
        approved=["80.000,00", "39.295,08", "51.187,02", "78.014,30"],  # the first written "80,000,00"
        total="248.496,40",
        paid=["80.000,00", "22.402,18", "51.187,02", "32.337,74", "34.750,06"],
        total_paid="220.677,00",
        operations=4,
        withdrawn=0,
    ),
    "3": dict(
        approved=["50.717,62", "21.689,03", "59.884,67", "59.288,13", "59.117,81", "27.430,69", "54.244,13"],
        total="332.372,08",
        paid=[
            "29.874,56",
            "21.139,98",
            "51.141,71",
            "3.842,81",
            "51.519,94",
            "7.636,40",
            "51.692,51",
            "26.060,69",
            "33.243,50",
            "20.317,09",
        ],
        total_paid="296.469,19",
        operations=7,
        withdrawn=0,
    ),
    "4": dict(
        approved=["19.991,78", "22.912,26", "33.230,49", "36.491,28", "49.994,36", "45.495,30", "49.999,75"],
        total="258.115,22",
        paid=["19.991,76", "12.461,00", "9.440,95", "33.230,49", "36.491,27", "49.600,97", "45.489,09"],
        total_paid="206.705,53",
        operations=7,
        withdrawn=1,  # Prenova tržnice v Hrastniku – 2. faza: "Odstop od izvedbe operacije"
    ),
    "5": dict(
        approved=[
            "50.000,00",
            "35.124,78",
            "24.998,32",
            "27.947,04",
            "34.605,04",
            "16.950,24",
            "35.876,18",
            "49.804,83",
            "45.015,68",
            "50.000,00",
            "50.000,00",
            "49.999,64",
            "25.000,00",
            "37.346,80",
            "18.604,82",
            "11.168,00",
            "45.066,51",
        ],
        total="607.507,88",
        # Camperstop: "Oddan zahtevek za izplačilo v višini 49.999,99 €" – claimed, not said to be paid
        paid=[
            "11.676,12",
            "20.581,26",
            "13.818,44",
            "11.106,54",
            "27.820,27",
            "34.593,96",
            "49.804,82",
            "45.015,68",
            "50.000,00",
            "49.914,80",
            "47.327,35",
            "11.218,85",
            "8.541,00",
            "47.196,11",
            "14.467,49",
            "11.124,79",
            "36.839,80",
            "7.933,57",
        ],
        claimed=["49.999,99"],
        total_paid="548.980,84",
        operations=17,
        withdrawn=2,  # Trajnostni tekstilni izdelki, Poligon za trenažo voženj: "Odstop"
    ),
}


@pytest.fixture
def report():
    # loaded for the test session from data/governance/las-zasavje.yaml (tests/conftest.py)
    assert Call.objects.filter(organisation__slug="las-zasavje").count() == 5
    return annual.build("las-zasavje", 2023)


def test_the_document_adds_up_where_it_should():
    """Sanity of the figures typed above: each call's approved lines give its SKUPAJ."""
    for number, c in CALLS.items():
        assert amounts(*c["approved"]) == eur(c["total"]), number
        assert len(c["approved"]) == c["operations"], number
    # chapter 4.1: five calls, 40 operations
    assert sum(eur(c["total"]) for c in CALLS.values()) == eur("1.675.262,39")
    assert sum(c["operations"] for c in CALLS.values()) == 40


def test_calls_and_their_totals(report):
    assert [c.number for c in report.calls] == ["1", "2", "3", "4", "5"]
    assert [c.published_on for c in report.calls] == [
        dt.date(2016, 12, 1),
        dt.date(2017, 3, 20),
        dt.date(2018, 4, 23),
        dt.date(2019, 7, 15),
        dt.date(2021, 10, 1),
    ]
    for call in report.calls:
        expected = CALLS[call.number]
        assert len(call.operations) == expected["operations"], call.number
        assert call.withdrawn == expected["withdrawn"], call.number
        assert call.approved == eur(expected["total"]), call.number
        assert sorted(o.approved for o in call.operations) == sorted(eur(a) for a in expected["approved"])
        assert call.paid == amounts(*expected["paid"]), call.number
        assert call.claimed == amounts(*expected.get("claimed", [])), call.number
    assert report.approved == eur("1.675.262,39")
    assert report.operations == 40 and report.withdrawn == 3


def test_stated_paid_totals_that_differ_are_noted(report):
    first = report.calls[0]
    assert first.paid == eur("205.553,04")
    (note,) = [n for n in first.notes if "211.195,35" in n.stated]
    assert "205.553,04" in note.computed and note.source == "Poglavje 4.1 a)"
    # calls 2–4: the lines give the stated SKUPAJ IZPLAČANO, so no note about it
    for call in report.calls[1:4]:
        assert call.paid == eur(CALLS[call.number]["total_paid"])
        assert not [n for n in call.notes if "IZPLAČANO" in n.subject], call.number
    # call 5: the stated total counts the Camperstop claim as paid
    fifth = report.calls[4]
    assert fifth.paid + fifth.claimed == eur("548.980,84")
    assert [n for n in fifth.notes if n.stated == "548.980,84 €"]


def test_by_fund(report):
    # the document splits the approved money by EKSRP and ESRR; the data does not, so the stated split
    # is reported as not verifiable and everything is under one fund
    (fund,) = report.funds
    assert fund.approved == eur("1.675.262,39") and fund.operations == 40 and fund.withdrawn == 3
    stated = {n.subject: n for n in report.notes}
    assert stated["Odobrena sredstva – EKSRP sklad"].stated == "1.001.782,93 €"
    assert stated["Odobrena sredstva – EKSRP sklad"].kind == "unverifiable"
    assert stated["Odobrena sredstva – ESRR sklad"].stated == "565.927,01 €"
    total = stated["Odobrena sredstva – SKUPAJ"]
    assert (
        total.kind == "contradiction"
        and total.stated == "1.567.709,94 €"
        and "1.675.262,39" in total.computed
    )


def _sessions(report, slug):
    body = next(b for b in report.bodies if b.slug == slug)
    return [(s.kind, s.number, s.date, s.end_date) for s in body.sessions]


def test_sessions_of_2023(report):
    # chapter 2 c)
    assert _sessions(report, "upravni-odbor") == [
        ("regular", 16, dt.date(2023, 2, 22), None),
        ("regular", 17, dt.date(2023, 4, 5), None),
        ("regular", 18, dt.date(2023, 7, 25), None),
        ("regular", 19, dt.date(2023, 12, 14), None),
        ("correspondence", 12, dt.date(2023, 5, 29), dt.date(2023, 6, 2)),
        ("correspondence", 14, dt.date(2023, 9, 28), dt.date(2023, 10, 3)),
        ("correspondence", 15, dt.date(2023, 10, 25), dt.date(2023, 10, 30)),
    ]
    assert _sessions(report, "skupscina") == [
        ("regular", 12, dt.date(2023, 4, 5), None),
        ("regular", 13, dt.date(2023, 7, 25), None),
        ("correspondence", 4, dt.date(2023, 10, 25), dt.date(2023, 10, 30)),
    ]
    assert _sessions(report, "nadzorni-odbor") == [("regular", None, dt.date(2023, 4, 4), None)]
    uo = next(b for b in report.bodies if b.slug == "upravni-odbor")
    s18 = next(s for s in uo.sessions if s.number == 18 and s.kind == "regular")
    assert s18.agenda == [
        "obravnava in potrditev SLR Partnerstva LAS Zasavje za programsko obdobje do leta 2027"
    ]


def test_compositions_valid_in_2023(report):
    bodies = {b.slug: b for b in report.bodies}
    # chapter 1.1 b): the composition from 12.12.2018 (the next one from 28.2.2024)
    (president,) = bodies["predsednik"].terms
    assert [(m.name, m.role) for m in president.members] == [("Nuša Gregorčič", "chair")]
    (supervisory,) = bodies["nadzorni-odbor"].terms
    assert [(m.name, m.represents) for m in supervisory.members] == [
        ("Jožefa Kukovič", "Turistično društvo Trbovlje"),
        ("Zvezdana Lamovšek", "Občina Trbovlje"),
        ("Primož Zelenšek", "Chipolo"),
    ]
    (board,) = bodies["upravni-odbor"].terms
    members = {m.name: m.represents for m in board.members}
    assert members["Andreja Bienelli Kalpič"] == "Občina Trbovlje"
    assert members["Božidar Roglič"] == "Občina Hrastnik"
    assert members["Boris Jesenšek"] == "Mreža NVO Mrest Zasavje"
    assert "Mitja Adamlje" not in members and "Luka Tori" not in members
    # the evaluation committee's compositions are undated (per call): none is placed in 2023
    assert "odbor-za-ocenjevanje" not in bodies


def test_indicators(report):
    # chapter 4, table "Mejnik/kazalnik": target and value achieved on 31.12.2023
    rows = {i.name: (i.target, i.achieved, i.status) for i in report.indicators}
    assert rows["Število novo ustvarjenih delovnih mest"] == (Decimal(5), Decimal(10), "achieved")
    assert rows["Število zaključenih operacij v primerjavi z odobrenimi operacijami"] == (
        Decimal(27),
        Decimal(39),
        "achieved",
    )
    assert rows["Število turističnih produktov"] == (Decimal(8), Decimal(12), "achieved")
    assert rows["Število vzpostavljenih partnerstev"] == (Decimal(4), Decimal(20), "achieved")
    assert rows["Število deležnikov na lokalni ravni, vključenih v izvajanje projektov"] == (
        Decimal(10),
        Decimal(58),
        "achieved",
    )
    target, achieved, _status = rows["Število investicij"]
    assert target is None and achieved == Decimal(21)


def test_cooperation_operations(report):
    # chapter 5 a)–č)
    rows = {o.title: o for o in report.cooperation}
    assert set(rows) == {
        "Zgodbe rok in krajev",
        "Interaktivni turizem za vse",
        "Skupaj za varni jutri",
        "Ureditev turističnih točk",
    }
    assert rows["Zgodbe rok in krajev"].approved == eur("21.352,00") == rows["Zgodbe rok in krajev"].paid
    assert rows["Interaktivni turizem za vse"].approved == eur("24.502,46")
    assert rows["Interaktivni turizem za vse"].paid == amounts("354,03", "1.304,83")
    assert rows["Skupaj za varni jutri"].approved is None  # the document gives no amount
    assert rows["Ureditev turističnih točk"].approved == eur("30.664,35")


def test_profile(report):
    assert report.profile.name == "Partnerstvo lokalne akcijske skupine Zasavje"
    assert report.profile.address == "Cesta 1. maja 83, 1430 Hrastnik"  # chapter 1.2 "Naslov LAS"
    assert report.profile.territory == ["Hrastnik", "Trbovlje", "Zagorje ob Savi"]


def test_page_and_docx_show_the_documents_figures(client, member, report):
    client.force_login(member("viewer", "las-zasavje"))
    html = client.get("/porocila/las-zasavje/2023/").content.decode()
    docx_bytes = client.get("/porocila/las-zasavje/2023/porocilo.docx").content
    h, d = html_tables(html), docx_tables(docx_bytes)
    assert [(t["caption"], t["head"], t["rows"] + t["foot"]) for t in h] == [
        (t["caption"], t["head"], t["body"]) for t in d
    ]
    calls = by_key(h, "calls")
    assert [row[-3] for row in calls["rows"]] == [
        "228.770,81 €",
        "248.496,40 €",
        "332.372,08 €",
        "258.115,22 €",
        "607.507,88 €",
    ]
    (total,) = calls["foot"]
    assert total[3:6] == ["40", "3", "1.675.262,39 €"]
    first = by_key(h, "call-1")
    assert first["foot"][0][5] == "205.553,04 €"
    assert "211.195,35 €" in html and "205.553,04 €" in html
    indicators = by_key(h, "indicators")
    jobs = next(r for r in indicators["rows"] if r[0] == "Število novo ustvarjenih delovnih mest")
    assert jobs[2] == "5" and jobs[4] == "10"
    assert len(by_key(h, "cooperation")["rows"]) == 4
    assert "Nasmeh za vse" in html and "22. 2. 2023" in html


# 002, chapter 3 "FINANČNA SREDSTVA ZA IZVAJANJE OPERACIJ V PROGRAMSKEM OBDOBJU DO LETA 2027": "… za
# programsko obdobje 2021-2027 je za Podporo za izvajanje operacij … skupaj namenjenih 1.073.779,32 €, in
# sicer: · 380.302,68 € iz Evropskega kmetijskega sklada za razvoj podeželja, · 693.476,64 € iz
# Evropskega sklada za regionalni razvoj."
ALLOCATION = {"EKSRP": "380.302,68", "ESRR": "693.476,64"}
ALLOCATION_TOTAL = "1.073.779,32"


def test_the_2021_2027_allocation_and_its_total(report):
    assert amounts(*ALLOCATION.values()) == eur(ALLOCATION_TOTAL)  # the document adds up here
    assert {(a.fund_code, a.period, a.amount) for a in report.allocations} == {
        (code, "2021–2027", eur(amount)) for code, amount in ALLOCATION.items()
    }


@pytest.mark.parametrize(
    "language,heading,total,eksrp,money",
    [
        (
            "sl",
            "Sredstva skladov za izvajanje operacij",
            "Skupaj 2021–2027",
            "380.302,68 €",
            "1.073.779,32 €",
        ),
        ("en", "Funds allocated for operations", "Total 2021–2027", "€380,302.68", "€1,073,779.32"),
    ],
)
def test_html_and_docx_show_the_allocation_in_both_languages(language, heading, total, eksrp, money):
    from django.template.loader import render_to_string
    from django.utils import translation

    from regija.reports import layout, word

    with translation.override(language):
        report = annual.build("las-zasavje", 2023)
        html = render_to_string(
            "reports/annual_document.html", {"report": report, "blocks": layout.layout(report)}
        )
        docx_bytes = word.render(report)
    assert heading in html
    table = by_key(html_tables(html), "allocations")
    rows = table["rows"] + table["foot"]
    assert [row[0] for row in table["rows"]] == [
        "EKSRP – Evropski kmetijski sklad za razvoj podeželja",
        "ESRR – Evropski sklad za regionalni razvoj",
    ]
    assert any(eksrp in row for row in rows)
    assert [row[0] for row in table["foot"]] == [total] and money in table["foot"][0]
    # the DOCX holds the same table
    assert any(t["body"] == rows for t in docx_tables(docx_bytes))
