"""Every read endpoint on the five source documents: what it answers, how it pages and when it is 404."""

from __future__ import annotations

from decimal import Decimal

import pytest

from regija.projects import selectors as project_selectors
from regija.projects.filters import ProjectFilters
from regija.projects.models import BudgetLine, Project
from regija.strategies.models import Alignment, Indicator, Node, Strategy

pytestmark = [pytest.mark.django_db, pytest.mark.real_cache]

VELENJE = "velenje-pametno-mesto-2022-2030"
GORENJSKA = "gorenjska-industrijska-kultura-2019-2023"
LAS = "las-zasavje-2023"


def test_strategy_list_has_every_strategy_with_money_and_counts(api):
    r = api.get("/strategies")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == Strategy.objects.count() == 5
    assert body["page"] == 1 and body["previous"] is None and body["next"] is None
    by_slug = {s["slug"]: s for s in body["items"]}
    g = by_slug[GORENJSKA]
    # Tabela 1 of the Gorenjska document: 1.758.500 EUR in all. The measure tables mark as secured ("DA")
    # 288.000 EUR in measure 2.1 and 95.000 + 15.000 + 25.000 EUR in 2.3 (Tabela 1 says 235.000 there), and
    # 25.000 + 35.000 EUR of 2.2 as "DELNO" (partly, without the part).
    assert g["money"]["total"] == "1758500.00"
    assert Decimal(g["money"]["secured"]) == sum(Decimal(a) for a in ("288000", "95000", "15000", "25000"))
    assert g["money"]["secured_unknown"] == "60000.00"
    assert g["status"] == "closed"
    assert g["period"] == {"start": "2019", "end": "2023"}
    assert g["owners"] == [{"slug": "bsc-kranj", "name": "BSC, Poslovno podporni center, d.o.o., Kranj"}]
    assert g["node_count"] == 20 and sum(level["count"] for level in g["levels"]) == 20
    assert g["url"].endswith(f"/api/v1/strategies/{GORENJSKA}")
    v = by_slug[VELENJE]
    assert v["indicators"]["total"] == 40
    assert sum(v["indicators"]["by_status"].values()) == 40
    assert by_slug[LAS]["money"]["paid"] == "1451396.47"


def test_strategy_list_pages(api):
    first = api.get("/strategies", {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["items"]) == 2 and first["page_size"] == 2
    assert first["next"].endswith("page_size=2&page=2")
    third = api.get("/strategies", {"page_size": 2, "page": 3}).json()
    assert len(third["items"]) == 1 and third["next"] is None and third["previous"].endswith("page=2")
    slugs = [
        s["slug"]
        for p in (1, 2, 3)
        for s in api.get("/strategies", {"page_size": 2, "page": p}).json()["items"]
    ]
    assert sorted(slugs) == sorted(Strategy.objects.values_list("slug", flat=True))
    beyond = api.get("/strategies", {"page_size": 2, "page": 9}).json()
    assert beyond["items"] == [] and beyond["next"] is None and beyond["previous"].endswith("page=3")


def test_strategy_detail_has_nodes_alignments_and_funds(api):
    r = api.get(f"/strategies/{VELENJE}")
    assert r.status_code == 200
    body = r.json()
    nodes = {n["code"]: n for n in body["nodes"]}
    assert len(nodes) == Node.objects.filter(strategy__slug=VELENJE).count()
    assert nodes["5.1"]["parent"] == "5" and nodes["5.1"]["level"] == "measure"
    assert nodes["DPV-F1"]["parent"] == "5.1"
    assert nodes["1"]["parent"] is None
    expected_links = (
        Alignment.objects.filter(source_node__strategy__slug=VELENJE).count()
        + Alignment.objects.filter(target_node__strategy__slug=VELENJE)
        .exclude(source_node__strategy__slug=VELENJE)
        .count()
    )
    assert len(body["alignments"]) == expected_links > 0
    assert body["indicators"]["total"] == 40

    g = api.get(f"/strategies/{GORENJSKA}").json()
    assert g["money"]["total"] == "1758500.00"
    assert sum(Decimal(f["total"]) for f in g["funds"]) == Decimal("1758500.00")
    node_money = {n["code"]: n["money"] for n in g["nodes"]}
    rollups = project_selectors.node_rollups(Strategy.objects.get(slug=GORENJSKA))
    for node in Node.objects.filter(strategy__slug=GORENJSKA):
        expected = rollups.get(node.pk, project_selectors.Rollup())
        assert node_money[node.code]["total"] == f"{expected.total:.2f}"


def test_unknown_strategy_is_404(api):
    r = api.get("/strategies/no-such-strategy")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not found: strategy 'no-such-strategy'."}


def test_node_detail(api):
    r = api.get(f"/strategies/{VELENJE}/nodes/5.1")
    assert r.status_code == 200
    body = r.json()
    assert body["parent"] == "5" and body["ancestors"] == ["5"]
    assert body["children"] == [f"DPV-F{i}" for i in range(1, 13)]
    assert body["level"] == "measure"
    assert body["money"]["projects"] == 0

    goal = api.get(f"/strategies/{VELENJE}/nodes/1").json()
    assert [i["code"] for i in goal["indicators"]] == ["K1.1", "K1.2", "K1.3", "K1.4", "K1.5"]
    assert goal["indicators"][0]["progress"]["status"] == "incomplete"
    assert "observations" in goal["indicators"][0]["progress"]["missing"]

    las = api.get(f"/strategies/{LAS}/nodes/JP1").json()
    assert las["money"]["projects"] == 5
    assert api.get(f"/strategies/{VELENJE}/nodes/9.9").status_code == 404
    assert api.get("/strategies/nope/nodes/5.1").status_code == 404


def test_indicator_list_filters(api):
    all_ = api.get("/indicators", {"page_size": 100}).json()
    assert all_["count"] == Indicator.objects.count()
    velenje = api.get("/indicators", {"strategy": VELENJE, "page_size": 100}).json()
    assert velenje["count"] == 40
    goal = api.get("/indicators", {"strategy": VELENJE, "node": "1"}).json()
    assert [i["code"] for i in goal["items"]] == ["K1.1", "K1.2", "K1.3", "K1.4", "K1.5"]
    assert goal["items"][0]["data_source"] == "Podatki skrbnika inf. sistemov"
    assert api.get("/indicators", {"strategy": "nope"}).json()["count"] == 0
    assert api.get("/indicators", {"strategy": VELENJE, "node": "nope"}).json()["count"] == 0
    r = api.get("/indicators", {"node": "1"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query"]


def test_indicator_detail_has_observations_and_progress(api):
    r = api.get(f"/indicators/{LAS}/K1")
    assert r.status_code == 200
    body = r.json()
    assert body["target"] == {"value": "5", "date": "2023-12-31"}
    assert body["baseline"] == {"value": None, "date": None}
    assert body["observations"] == [
        {"date": "2023-12-31", "value": "10", "source": body["observations"][0]["source"], "note": ""}
    ]
    assert body["progress"]["status"] == "incomplete"
    assert body["progress"]["missing"] == ["baseline"]
    assert body["progress"]["latest_value"] == "10"
    assert api.get(f"/indicators/{LAS}/K99").status_code == 404


def test_project_list_money_as_two_decimal_strings(api):
    body = api.get("/projects", {"strategy": LAS, "page_size": 100}).json()
    assert body["count"] == 44
    jp = {p["code"]: p for p in body["items"]}["JP1-01"]
    assert jp["money"] == {
        "total": "57799.62",
        "secured": "57799.62",
        "secured_unknown": "0.00",
        "paid": "47420.05",
        "claimed": "0.00",
    }
    assert jp["holder"] == {"person": False, "slug": "krc-hrastnik", "name": "KRC Hrastnik"}
    assert jp["location"]["municipality"] == "Hrastnik"
    total = sum(Decimal(p["money"]["total"]) for p in body["items"])
    assert total == Decimal("1751781.20")


def test_project_detail(api):
    r = api.get(f"/projects/{LAS}/JP1-01")
    assert r.status_code == 200
    body = r.json()
    assert [(b["fund"], b["amount"], b["secured"]) for b in body["budget_lines"]] == [
        ("CLLD", "57799.62", "yes")
    ]
    assert [(p["label"], p["amount"], p["state"]) for p in body["payments"]] == [
        ("1. faza", "20974.37", "paid"),
        ("2. faza", "26445.68", "paid"),
    ]
    assert body["nodes"] == [{"strategy": LAS, "code": "JP1", "title": body["nodes"][0]["title"]}]
    partly = (
        BudgetLine.objects.filter(secured="partly", project__strategy__slug=GORENJSKA)
        .select_related("project")
        .first()
    )
    detail = api.get(f"/projects/{GORENJSKA}/{partly.project.code}").json()
    line = {b["id"]: b for b in detail["budget_lines"]}[partly.pk]
    assert line["secured"] == "partly"
    assert line["secured_amount"] == (
        None if partly.secured_amount is None else f"{partly.secured_amount:.2f}"
    )
    with_partners = Project.objects.filter(partners__isnull=False).select_related("strategy").first()
    body = api.get(f"/projects/{with_partners.strategy.slug}/{with_partners.code}").json()
    assert len(body["partners"]) == with_partners.partners.count()
    assert api.get(f"/projects/{LAS}/NOPE").status_code == 404


def test_projects_geo_is_geojson_of_the_filtered_list(api):
    project = Project.objects.get(strategy__slug=LAS, code="JP2-01")
    Project.objects.filter(pk=project.pk).update(lat=46.14, lon=15.1, location_name="Hrastnik")
    r = api.get("/projects/geo", {"strategy": LAS})
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    expected = project_selectors.located_projects(ProjectFilters(strategy=LAS))
    assert [f["properties"]["code"] for f in body["features"]] == [row["code"] for row in expected]
    exact = next(f for f in body["features"] if f["properties"]["code"] == "JP2-01")
    assert exact["geometry"] == {"type": "Point", "coordinates": [15.1, 46.14]}
    assert exact["properties"]["approximate"] is False
    # the same filters as the list: a status that no LAS project has gives an empty map
    assert api.get("/projects/geo", {"strategy": LAS, "status": "idea"}).json()["features"] == []
    assert api.get("/projects/geo", {"status": "nope"}).status_code == 422


def test_organisations(api):
    r = api.get("/organisations", {"kind": "municipality", "page_size": 100})
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and all(o["kind"] == "municipality" for o in items)
    found = api.get("/organisations", {"q": "velenje"}).json()["items"]
    assert "mov" in [o["slug"] for o in found]
    assert api.get("/organisations", {"kind": "spaceship"}).status_code == 422

    bsc = api.get("/organisations/bsc-kranj").json()
    held = Project.objects.filter(holder__slug="bsc-kranj").count()
    assert bsc["held_projects"] == held == bsc["money"]["held"]["projects"]
    assert [s["slug"] for s in bsc["owned_strategies"]] == [GORENJSKA]
    assert bsc["strategies"] == 1
    las = api.get("/organisations/las-zasavje").json()
    assert las["held_projects"] == 4
    assert api.get("/organisations/nobody").status_code == 404


def test_funds(api):
    body = api.get("/funds", {"page_size": 100}).json()
    funds = {f["code"]: f for f in body["items"]}
    rollups = {f.fund.code: f for f in project_selectors.fund_rollups()}
    assert set(funds) == set(rollups)
    clld = funds["CLLD"]
    assert clld["paid"] == f"{rollups['CLLD'].paid:.2f}" == "1451396.47"
    assert clld["approved"] == f"{rollups['CLLD'].approved:.2f}"
    for code, f in funds.items():
        if f["allocated"] is None:
            assert f["absorption"] is None
        else:
            # what is paid against the allocations (docs/strategy-file.md "Money roll-ups")
            assert Decimal(f["absorption"]) == (
                rollups[code].allocated_paid / rollups[code].allocated
            ).quantize(Decimal("0.0001"))
    only_las = api.get("/funds", {"strategy": LAS}).json()["items"]
    assert "CLLD" in [f["code"] for f in only_las]
    assert api.get("/funds", {"strategy": "nope"}).json()["count"] == 0


def test_interactive_docs_page(client):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    assert b"openapi.json" in r.content


def test_indicator_detail_names_inferred_values(api):
    # 004, Tabela 10 ("UČINKI KAZALNIKI Podatkovni vir") gives no unit or direction and lists the effects
    # beside the indicators: K1.1's effect, unit (%) and direction are inferred; 002's K1 states its own
    velenje = api.get("/indicators/velenje-pametno-mesto-2022-2030/K1.1").json()
    assert sorted(velenje["inferred"]) == ["direction", "effect", "unit"]
    assert api.get(f"/indicators/{LAS}/K1").json()["inferred"] == []
