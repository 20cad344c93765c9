"""The five source documents as loaded data: control figures checked against the documents themselves.

Every expected figure below is read from the source document (section named in the comment),
not from the program's output.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from regija.core.models import Organisation
from regija.projects import consistency, selectors
from regija.projects.models import Allocation, Partner, StatedFigure
from regija.strategies.models import Alignment, Node, Strategy

pytestmark = pytest.mark.django_db

D = Decimal


def strategy(slug: str) -> Strategy:
    return Strategy.objects.get(slug=slug)


def node(slug: str, code: str) -> Node:
    return Node.objects.get(strategy__slug=slug, code=code)


def stated(slug: str, label_part: str) -> StatedFigure:
    return StatedFigure.objects.get(strategy__slug=slug, label__icontains=label_part)


def test_all_five_documents_are_loaded():
    assert set(Strategy.objects.values_list("slug", flat=True)) >= {
        "zasavje-po-2027",
        "savinjska-integralna-zelena-regija",
        "las-zasavje-2023",
        "gorenjska-industrijska-kultura-2019-2023",
        "velenje-pametno-mesto-2022-2030",
    }


# --- 003 Gorenjska: Tabela 1 -----------------------------------------------------------------

GORENJSKA = "gorenjska-industrijska-kultura-2019-2023"


def test_gorenjska_total_and_secured_as_tabela_1_states():
    rollup = selectors.strategy_rollup(strategy(GORENJSKA))
    assert rollup.total == D("1758500.00")  # Tabela 1: SKUPAJ 1.758.500
    figures = {
        f.what: f.amount
        for f in StatedFigure.objects.filter(strategy__slug=GORENJSKA, scope_node=None)
        if f.what in ("total", "secured", "unsecured")
    }
    assert figures == {"total": D("1758500.00"), "secured": D("535000.00"), "unsecured": D("1223500.00")}
    # 30 % secured, as the document says
    assert round(figures["secured"] / figures["total"] * 100) == 30
    # the rows leave 2.2's split open (DELNO without amounts): the stated 535.000 lies in the range they allow
    assert rollup.secured <= D("535000.00") <= rollup.secured + rollup.secured_unknown


@pytest.mark.parametrize(
    "code,total",
    # Tabela 1, per measure
    [
        ("1.1", "320000.00"),
        ("1.2", "112500.00"),
        ("1.3", "183000.00"),
        ("2.1", "498000.00"),
        ("2.2", "105000.00"),
        ("2.3", "540000.00"),
    ],
)
def test_gorenjska_measure_totals(code, total):
    assert selectors.node_rollup(node(GORENJSKA, code)).total == D(total)


def test_gorenjska_has_9_operational_goals_2_pillars_6_measures():
    levels = Node.objects.filter(strategy__slug=GORENJSKA)
    assert levels.filter(level="operational_goal").count() == 9
    assert levels.filter(level="pillar").count() == 2
    assert levels.filter(level="measure").count() == 6


# --- 002 LAS Zasavje -------------------------------------------------------------------------

LAS = "las-zasavje-2023"


@pytest.mark.parametrize(
    "call,approved",
    # Poglavje 4.1 a)–e): SKUPAJ of each call's table
    [
        ("JP1", "228770.81"),
        ("JP2", "248496.40"),
        ("JP3", "332372.08"),
        ("JP4", "258115.22"),
        ("JP5", "607507.88"),
    ],
)
def test_las_approved_per_call(call, approved):
    # each SKUPAJ counts the operations later withdrawn too; the roll-up keeps those apart
    rollup = selectors.node_rollup(node(LAS, call))
    assert rollup.total + rollup.withdrawn_total == D(approved)


def test_las_forty_operations_three_withdrawn():
    rollup = selectors.node_rollup(node(LAS, "JP"))
    assert rollup.projects == 40
    assert rollup.total + rollup.withdrawn_total == D("1675262.39")
    assert selectors.node_rollup(node(LAS, "JP"), statuses=["withdrawn"]).projects == 3
    # JP4-07 49.999,75 (4.1 d), JP5-06 16.950,24 and JP5-07 35.876,18 (4.1 e): withdrawn after approval
    assert rollup.withdrawn == 3
    assert rollup.withdrawn_total == D("49999.75") + D("16950.24") + D("35876.18")


def test_las_results_by_fund_as_stated():
    # Poglavje 4, "Rezultati izvedenih javnih pozivov": EKSRP 1.001.782,93 €, ESRR 565.927,01 €
    by_fund = {
        f.scope_fund.code: f.amount
        for f in StatedFigure.objects.filter(strategy__slug=LAS, what="total", scope_fund__isnull=False)
    }
    assert by_fund == {"EKSRP": D("1001782.93"), "ESRR": D("565927.01")}


def test_las_allocation_2021_2027():
    allocations = {
        a.fund.code: a.amount
        for a in Allocation.objects.filter(owner__slug="las-zasavje", period="2021-2027").select_related(
            "fund"
        )
    }
    assert allocations == {"EKSRP": D("380302.68"), "ESRR": D("693476.64")}
    assert sum(allocations.values()) == D("1073779.32")


# --- 001 Savinjska ---------------------------------------------------------------------------

SAVINJSKA = "savinjska-integralna-zelena-regija"


def test_savinjska_eu_projects_total_and_rasr_share():
    # CLEAN 1.598.948,00; InnovaSPA 1.346.163,00; ActiveHome 49.597,57; 2SoKroG 488.705,06;
    # LIVING CASTLES 1.236.470,80
    assert selectors.strategy_rollup(strategy(SAVINJSKA)).total == D("4719884.43")
    shares = Partner.objects.filter(
        project__strategy__slug=SAVINJSKA, organisation__slug="rasr", budget_share__isnull=False
    )
    assert sum(p.budget_share for p in shares) == D("527405.35")


def test_savinjska_four_dimensions_and_development_agreement():
    nodes = Node.objects.filter(strategy__slug=SAVINJSKA)
    assert nodes.filter(level="dimension").count() == 4
    agreement = nodes.get(level="agreement")
    assert agreement.planned_projects == 29
    assert agreement.planned_amount == D("51000000.00")


def test_foreign_partners_have_their_countries():
    countries = set(
        Organisation.objects.filter(partnerships__project__strategy__slug=SAVINJSKA).values_list(
            "country", flat=True
        )
    )
    assert {"SI", "HR"} <= countries
    assert len(countries) >= 5


# --- 004 Velenje -----------------------------------------------------------------------------

VELENJE = "velenje-pametno-mesto-2022-2030"


def test_velenje_seven_goals_twenty_measures():
    nodes = Node.objects.filter(strategy__slug=VELENJE)
    assert nodes.filter(level="goal").count() == 7
    assert nodes.filter(level="measure").count() == 20
    # every measure sits under its home goal: 1.1–1.3 under 1 … 7.1–7.2 under 7
    for measure in nodes.filter(level="measure").select_related("parent"):
        assert measure.parent.code == measure.code.split(".")[0]


def test_velenje_measure_5_1_contributes_to_all_seven_goals():
    links = Alignment.objects.filter(
        source_node=node(VELENJE, "5.1"), type__in=["contributes_to", "home_goal"]
    ).values_list("target_node__code", "type")
    assert sorted(code for code, _ in links) == ["1", "2", "3", "4", "5", "6", "7"]
    assert [code for code, t in links if t == "home_goal"] == ["5"]


def test_velenje_every_measure_has_exactly_one_home_goal():
    home = Alignment.objects.filter(source_node__strategy__slug=VELENJE, type="home_goal")
    assert home.count() == 20
    for a in home.select_related("source_node", "target_node"):
        assert a.target_node.code == a.source_node.code.split(".")[0]


def test_velenje_indicators_have_no_invented_values():
    from regija.strategies.models import Indicator

    indicators = Indicator.objects.filter(strategy__slug=VELENJE)
    assert indicators.count() > 0
    assert not indicators.exclude(baseline_value=None).exists()
    assert not indicators.exclude(target_value=None).exists()
    assert not indicators.filter(observations__isnull=False).exists()
    assert not indicators.filter(data_source="").exists()  # Tabela 10 names a source for every indicator


# --- the contradictions the sources contain (seeds README) -----------------------------------


@pytest.fixture
def findings():
    return consistency.report()


def _find(findings, *, strategy_slug, contains=()):
    for f in findings:
        text = f"{f.subject} {f.stated} {f.computed}"
        if (
            f.strategy == strategy_slug
            and f.kind == consistency.CONTRADICTION
            and all(c in text for c in contains)
        ):
            return f
    raise AssertionError(f"no contradiction in {strategy_slug} with {contains}: {[str(f) for f in findings]}")


def test_reported_first_call_paid_total(findings):
    f = _find(findings, strategy_slug=LAS, contains=("211.195,35", "205.553,04"))
    assert f.object_code == "JP1"


def test_reported_forty_operations_against_thirty_nine(findings):
    _find(findings, strategy_slug=LAS, contains=("1.567.709,94", "1.675.262,39"))
    f = _find(findings, strategy_slug=LAS, contains=("39", "40"))
    assert f.stated == "39" and f.computed.endswith("40")


def test_reported_globalconsult_paid_above_approval(findings):
    f = _find(findings, strategy_slug=LAS, contains=("47.196,11", "37.346,80"))
    assert f.check == "payment_above_approval"


def test_reported_indicator_date_header(findings):
    f = _find(findings, strategy_slug=LAS, contains=("31. 1. 2023", "31. 12. 2023"))
    assert f.check == "stated_figure"


def test_reported_sisak_moslavina_links(findings):
    f = _find(findings, strategy_slug="zasavje-po-2027", contains=("Sisak",))
    assert f.check == "alignment_sources"


def test_no_contradictions_in_the_consistent_documents(findings):
    for slug in (SAVINJSKA, VELENJE, GORENJSKA):
        assert [str(f) for f in findings if f.strategy == slug and f.kind == consistency.CONTRADICTION] == []


# --- 000 Zasavje po 2027 ---------------------------------------------------------------------

ZASAVJE = "zasavje-po-2027"


def test_zasavje_pointers_aspirations_priorities_case_studies():
    nodes = Node.objects.filter(strategy__slug=ZASAVJE)
    assert sorted(nodes.filter(level="policy_pointer").values_list("code", flat=True)) == sorted(
        f"P{i}" for i in range(1, 11)
    )
    assert sorted(nodes.filter(code__regex=r"^[DM][0-9]$").values_list("code", flat=True)) == [
        "D1",
        "D2",
        "D3",
        "D4",
        "D5",
        "D6",
        "M1",
        "M2",
        "M3",
        "M4",
        "M5",
    ]
    assert nodes.filter(level="priority").count() == 10
    assert nodes.filter(level="case_study").count() == 8
    assert nodes.filter(level="vision").count() == 1


@pytest.mark.parametrize(
    "priority,pointers",
    # "Priporočeni ukrepi in usmeritve – …" under each of the 10 draft priorities
    [
        ("1", "P3 P5 P9 P10"),
        ("2", "P1 P3 P6 P10"),
        ("3", "P3 P4 P5 P6"),
        ("4", "P1 P2 P3 P8"),
        ("5", "P1 P3 P5 P8"),
        ("6", "P1 P3 P7 P8"),
        ("7", "P1 P2 P8 P9"),
        ("8", "P6 P8 P9 P10"),
        ("9", "P3 P6 P9 P10"),
        ("10", "P8 P9 P10"),
    ],
)
def test_zasavje_priorities_link_to_their_pointers(priority, pointers):
    linked = Alignment.objects.filter(
        source_node=node(ZASAVJE, priority), target_node__level="policy_pointer"
    ).values_list("target_node__code", flat=True)
    assert sorted(linked) == sorted(pointers.split())


def test_zasavje_just_transition_fund_and_statistics():
    from regija.strategies.models import Observation

    jtf = Allocation.objects.get(fund__code="SPP", declared_in__slug=ZASAVJE)
    assert jtf.amount == D("75000000.00")  # "75 milijonov evrov"
    assert (
        jtf.used_share == D("0.85") and jtf.used_by.isoformat() == "2024-12-31"
    )  # "ob koncu leta 2024 … 85 %"
    values = {(o.date.year, o.value) for o in Observation.objects.filter(indicator__strategy__slug=ZASAVJE)}
    assert (2019, D("12287")) in values  # BDP na prebivalca 2019: 12.287 €
    assert (2023, D("4.5")) in values  # stopnja brezposelnosti 4,5 %
    assert (2023, D("53")) in values  # 53 % delovno aktivnih se je vozilo na delo drugam


def test_zasavje_commuting_target_is_half_of_2023():
    from regija.strategies.models import Indicator

    commuting = Indicator.objects.get(strategy__slug=ZASAVJE, baseline_value=D("53"))
    assert commuting.direction == "decrease"
    assert commuting.target_value == D("26.5") and commuting.target_date.year == 2034


# --- 002: indicators and payments ------------------------------------------------------------


def test_las_indicator_table():
    from regija.strategies.models import Indicator

    # "Število novo ustvarjenih delovnih mest": target 5, achieved 10 at 31.12.2023
    jobs = Indicator.objects.get(strategy__slug=LAS, name__icontains="delovnih mest")
    assert jobs.target_value == D("5")
    assert [(o.date.isoformat(), o.value) for o in jobs.observations.all()] == [("2023-12-31", D("10"))]


def test_las_first_operation_payments():
    from regija.projects.models import Payment

    # TIC HRASTNIK: 57.799,62 approved; 1. faza 20.974,37 and 2. faza 26.445,68 paid
    payments = Payment.objects.filter(project__strategy__slug=LAS, project__title__icontains="TIC Hrastnik")
    assert sorted(p.amount for p in payments) == [D("20974.37"), D("26445.68")]
    assert {p.state for p in payments} == {"paid"}
