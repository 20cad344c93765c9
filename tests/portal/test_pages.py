"""Every public page type renders on the five source documents and shows what the documents say."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from regija.projects.filters import ProjectFilters
from regija.projects.models import Project
from regija.strategies.models import Indicator

pytestmark = [pytest.mark.django_db, pytest.mark.real_cache]

VELENJE = "velenje-pametno-mesto-2022-2030"
GORENJSKA = "gorenjska-industrijska-kultura-2019-2023"
LAS = "las-zasavje-2023"
ZASAVJE = "zasavje-po-2027"


def _text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _cards(html: str) -> dict[str, str]:
    """The start page's strategy cards as text, by the strategy's title."""
    out = {}
    for card in re.findall(
        r'<li class="regija-card regija-strategy-card">(.*?)</li>\s*(?=<li class="regija-card|</ul>)',
        html,
        re.S,
    ):
        title = re.search(r"<h3><a [^>]*>(.*?)</a></h3>", card).group(1)
        out[title] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card))
    return out


def _figures(html: str) -> list[str]:
    """The start page's headline figures as text: value and label of each."""
    block = re.search(r'<ul class="regija-figures">(.*?)</ul>', html, re.S).group(1)
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
        for item in re.findall(r'<li class="regija-figure">(.*?)</li>', block, re.S)
    ]


def test_home_figures_are_the_sums_of_the_source_data(client):
    from regija.core.money import format_eur
    from regija.projects.models import BudgetLine, Payment
    from regija.strategies.selectors import indicator_progress

    # a withdrawn project's money is planned no more (three of 002's operations)
    lines = list(
        BudgetLine.objects.exclude(project__status="withdrawn").values_list(
            "amount", "secured", "secured_amount"
        )
    )
    planned = sum(amount for amount, _s, _a in lines)
    secured = sum(
        amount if state == "yes" else (part or 0) if state == "partly" else 0 for amount, state, part in lines
    )
    paid = sum(Payment.objects.filter(state="paid").values_list("amount", flat=True))
    indicators = list(Indicator.objects.all())
    on_track = sum(1 for i in indicators if indicator_progress(i).on_track)

    figures = _figures(client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert figures[0] == "5 strategies"  # the five source documents
    assert figures[1] == f"{Project.objects.count()} projects"
    assert figures[2].endswith(f"planned in projects {format_eur(planned, 'en')}")
    assert figures[3].endswith(f"secured {format_eur(secured, 'en')}")
    assert figures[4].endswith(f"paid {format_eur(paid, 'en')}")
    assert figures[5] == f"{on_track} of {len(indicators)} indicators on track"
    assert planned > secured > paid > 0 and len(indicators) > 40
    # the short form of the headline: millions with one decimal
    assert figures[2].startswith(f"€{round(planned / 1_000_000, 1)} million ")


def test_home_shows_each_strategy_as_a_card_with_owner_status_and_progress(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cards = _cards(html)
    assert len(cards) == 5
    # 003: the document's total of the action plan (Tabela 2.2) is 1.758.500 EUR; nothing paid yet
    card = cards["Strategija razvoja nove industrijske kulture na Gorenjskem"]
    assert "BSC Kranj" in card and "2019–2023" in card and "closed" in card
    assert "Paid: €0.00 of €1,758,500.00 planned 0%" in card
    # 004: 40 indicators, none with values yet
    card = cards["Strategija digitalnega razvoja pametnega mesta in skupnosti Mestne občine Velenje"]
    assert "Indicators on track: 0 of 40 (40 without enough data) 0%" in card
    assert '<strong class="govuk-tag status-adopted">adopted</strong>' in html
    # the structure of each strategy is the table view's, not the cards'
    assert "× Strategic goal" not in html and "× Strateški cilj" not in html
    assert 'href="?pogled=tabela#strategies"' in html


def test_home_table_view_keeps_the_dense_table(client):
    response = client.get("/?pogled=tabela", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = _text(response)
    row = text[text.index("Strategija digitalnega razvoja pametnega mesta") :]
    row = row[: row.index("Strategija razvoja nove industrijske kulture")]
    # 004: 7 strategic goals and 20 measures, 40 indicators, none with values yet
    assert "7 × Strategic goal" in row and "20 × Measure" in row and "0 of 40" in row
    row = text[text.index("Strategija razvoja nove industrijske kulture na Gorenjskem") :][:700]
    assert "BSC Kranj" in row and "1,758,500.00" in row
    # each cell says what it is, for the stacked rows of a phone
    assert 'data-label="Indicators on track"' in response.content.decode()


def test_home_lists_the_latest_calls_and_decisions(client):
    from regija.governance.models import Decision

    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    calls = html[html.index('id="calls-title"') : html.index('id="decisions-title"')]
    # 002's five calls of LAS Zasavje, all in the archive: none open, the latest first
    assert "No call is open at the moment." in calls
    assert calls.index("5. javni poziv") < calls.index("1. javni poziv")
    decisions = html[html.index('id="decisions-title"') : html.index('id="strategies"')]
    latest = (
        Decision.objects.order_by("-session__date", "-pk")
        .select_related("session__body__organisation")
        .first()
    )
    org = latest.session.body.organisation
    assert (
        f'href="/organizacije/{org.slug}/organi/?leto={latest.session.date.year}#decision-{latest.pk}"'
        in decisions
    )


def test_english_switch_keeps_the_page(client):
    response = client.get(f"/jezik/en/?next=/strategije/{VELENJE}/")
    assert response.status_code == 302 and response["Location"] == f"/strategije/{VELENJE}/"
    html = client.get(response["Location"]).content.decode()
    assert '<html lang="en"' in html and "Goals, measures and other parts" in html
    # an outside address is never a redirect target
    assert client.get("/jezik/en/?next=https://evil.example/")["Location"] == "/"


def test_strategy_page_tree_matrix_and_home_goal(client):
    response = client.get(f"/strategije/{VELENJE}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    # the tree works without JavaScript: every part linked, the parts with something in them open
    # and close (details/summary), and no link inside a summary (axe: nested-interactive)
    tree = html[html.index('<ul class="tree">') : html.index('id="alignment"')]
    assert tree.count('<li id="n-') == 1 + 7 + 20 + 12 + 8
    assert f'href="/strategije/{VELENJE}/5.1/"' in tree
    summaries = re.findall(r"<summary>(.*?)</summary>", tree, re.S)
    assert summaries and not any("<a " in s for s in summaries)
    # a part opens to what is in it: the 7 goals (measures, indicators), measure 5.1 (its 12 key
    # functions) and the list of local strategies; the top ones are open by default
    assert tree.count("<details") == tree.count("<summary>") == 7 + 1 + 1
    assert tree.count('<details class="regija-tree__details" open>') == 7 + 1
    # Tabela 9: 20 measures × 7 goals; each measure has exactly one home goal, told apart by a symbol and text
    start = html.index('class="matrix"', html.index("<h3>Measure × Strategic goal</h3>"))
    matrix = html[start : html.index("</table>", start)]
    assert matrix.count('<tr><th scope="row">') == 20
    assert matrix.count('class="home"') == 20
    assert matrix.count('<span class="visually-hidden">home goal</span>') == 20


def _goal_cards(html: str) -> list[str]:
    goals = html[html.index('id="goals"') : html.index('id="tree"')]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card)).strip()
        for card in re.findall(r'<li class="regija-card regija-goal">(.*?)</li>', goals, re.S)
    ]


def test_strategy_page_leads_with_its_goals_and_their_progress(client):
    from decimal import ROUND_HALF_UP, Decimal

    from regija.core.money import format_eur
    from regija.projects.selectors import node_rollup
    from regija.strategies.models import Node

    html = client.get(f"/strategije/{VELENJE}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # the goals come first, then the money, the tree and the alignment matrices
    order = [html.index(f'id="{part}"') for part in ("goals", "money", "tree", "alignment")]
    assert order == sorted(order)
    cards = _goal_cards(html)
    # 004: 7 strategic goals, each with its measures and its indicators (none with values yet)
    assert [c.split(" ", 3)[:3] for c in cards] == [["Strategic", "goal", str(i)] for i in range(1, 8)]
    goal = Node.objects.get(strategy__slug=VELENJE, code="1")
    n = Indicator.objects.filter(node=goal).count()
    assert f"Indicators on track: 0 of {n} ({n} without enough data) 0%" in cards[0]
    assert f"{goal.children.count()} × Measure" in cards[0] and "No projects yet." in cards[0]

    # 002: the local development strategy, then its public calls and cooperation operations with money
    cards = _goal_cards(client.get(f"/strategije/{LAS}/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert len(cards) == 3 and cards[0].startswith("Local development strategy SLR ")
    calls = next(c for c in cards if c.startswith("Public calls JP "))
    money = node_rollup(Node.objects.get(strategy__slug=LAS, code="JP"))
    share = (money.paid / money.total * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert (
        f"Paid: {format_eur(money.paid, 'en')} of {format_eur(money.total, 'en')} planned {share}%" in calls
    )
    assert f"{money.projects} projects" in calls and 0 < money.paid < money.total


def test_coverage_names_the_thinly_served_policy_pointers_of_000(client):
    html = client.get(f"/strategije/{ZASAVJE}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    text = _text(client.get(f"/strategije/{ZASAVJE}/", HTTP_ACCEPT_LANGUAGE="en"))
    coverage = text[text.index("Coverage") :]
    first_rows = coverage[: coverage.index("P5")]
    # the document's own remark: P4 and P7 are served by only one priority each
    assert "P4" in first_rows and "P7" in first_rows
    assert first_rows.count("⚠ served by few") == 2
    assert html


def test_node_page_of_measure_5_1(client):
    response = client.get(f"/strategije/{VELENJE}/5.1/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<h1>5\.1 ", html)
    assert f'href="/strategije/{VELENJE}/5/"' in html  # breadcrumb to its goal
    assert client.get(f"/strategije/{VELENJE}/9.9/").status_code == 404


def test_indicator_page_chart_table_and_csv(client):
    indicator = (
        Indicator.objects.filter(observations__isnull=False, baseline_value__isnull=False)
        .select_related("strategy")
        .distinct()
        .first()
    )
    response = client.get(indicator.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and "<svg" in html  # the chart, with its text alternative
    assert "The table below gives every value." in html
    csv_response = client.get(indicator.get_absolute_url() + "podatki.csv")  # Slovenian: Excel's dialect
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][:3] == ["Strategija", "Kazalnik", "Ime"]
    kinds = [r[4] for r in rows[1:]]
    assert kinds.count("izmerjena vrednost") == indicator.observations.count()
    assert "izhodiščna vrednost" in kinds


def _count_on_page(response) -> int:
    return int(re.search(r'<p role="status">\s*(\d+)', response.content.decode()).group(1))


def test_project_list_filters_sort_and_downloads_match(client):
    query = f"?strategy={LAS}&status=completed&sort=-amount"
    response = client.get("/projekti/" + query)
    assert response.status_code == 200
    expected = ProjectFilters(strategy=LAS, status=["completed"]).apply(Project.objects.all()).count()
    assert expected > 0 and _count_on_page(response) == expected
    raw = b"".join(client.get("/projekti/izvoz.csv" + query).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=";"))  # Slovenian Excel's dialect
    assert len(rows) - 1 == expected
    totals = [Decimal(r[8].replace(".", "").replace(",", ".")) for r in rows[1:]]  # "12.345,67"
    assert totals == sorted(totals, reverse=True)
    assert {r[3] for r in rows[1:]} == {"zaključen"}  # the status's label, in the page's language
    sheet = load_workbook(io.BytesIO(client.get("/projekti/izvoz.xlsx" + query).content)).active
    assert sheet.max_row - 1 == expected


def test_project_list_amount_range_and_bad_input(client):
    # 003's row 1.1-A1 … amounts: a range keeps exactly the projects whose total lies in it
    response = client.get(f"/projekti/?strategy={GORENJSKA}&amount_min=100.000,00&amount_max=200000")
    qs = ProjectFilters(strategy=GORENJSKA, amount_min="100000", amount_max="200000").apply(
        Project.objects.all()
    )
    assert _count_on_page(response) == qs.count() > 0
    bad = client.get("/projekti/?amount_min=veliko&year_from=dvatisoč", HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 422
    text = _text(bad)
    # the error summary names each refused filter by its label, says what to do in words – not
    # pydantic's "Input should be …" – and links to its field
    assert "Amount from (EUR): enter an amount in euros, such as 1.200,50" in text
    assert "Running from year: enter a whole number, such as 2021" in text
    assert "Input should be" not in text and "year_from" not in text
    html = bad.content.decode()
    assert 'href="#f-min"' in html and 'href="#f-year-from"' in html
    assert 'value="veliko"' in html  # what the visitor typed stays in the field to correct
    assert client.get("/projekti/izvoz.csv?amount_min=veliko").status_code == 422


def test_map_places_projects_at_their_municipality_seat(client):
    html = client.get("/projekti/?municipality=Tržič", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="map-data"' in html and "municipality seat, approximate" in html


def test_project_page_budget_payments_and_nodes(client):
    project = Project.objects.get(strategy__slug=LAS, code="JP1-01")
    response = client.get(project.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = _text(response)
    assert project.title in text and project.holder.name in text
    assert "Budget by fund" in text and "Payments" in text
    for payment in project.payments.all():
        assert payment.label in text


def test_organisation_page(client):
    response = client.get("/organizacije/las-zasavje/")
    assert response.status_code == 200
    assert "Partnerstvo LAS Zasavje" in response.content.decode()
    assert client.get("/organizacije/").status_code == 200
    assert client.get("/organizacije/ni-je/").status_code == 404


def test_funds_page_table_and_chart(client):
    response = client.get("/skladi/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Absorption" in html and "<svg" in html and "CLLD" in html


def test_consistency_page_is_for_staff_only(client, member):
    assert client.get("/preverjanje/")["Location"].startswith("/prijava/")
    outsider = member(None, username="outsider")
    client.force_login(outsider)
    assert client.get("/preverjanje/").status_code == 403
    client.force_login(member("viewer", "las-zasavje"))
    response = client.get(f"/preverjanje/?strategy={LAS}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    # 002's fifth call: the stated paid total 548.980,84 differs from the rows (documented contradiction)
    assert "548.980,84" in html or "548,980.84" in html
    assert f'href="/strategije/{LAS}/' in html or f'href="/projekti/{LAS}/' in html


def test_a_nul_character_in_the_address_is_a_clear_400(client):
    response = client.get("/projekti/?strategy=%00")
    assert response.status_code == 400 and b"NUL" in response.content


def test_strategy_filter_takes_its_own_projects_and_those_linked_to_its_nodes(client):
    from regija.strategies.models import Node

    own = set(Project.objects.filter(strategy__slug=LAS).values_list("pk", flat=True))
    guest = Project.objects.exclude(strategy__slug=LAS).order_by("pk").first()
    guest.nodes.add(Node.objects.filter(strategy__slug=LAS).order_by("path").first())
    found = set(ProjectFilters(strategy=LAS).apply(Project.objects.all()).values_list("pk", flat=True))
    assert found == own | {guest.pk}
    assert _count_on_page(client.get(f"/projekti/?strategy={LAS}")) == len(own) + 1


def test_holder_choices_follow_the_chosen_strategy(client):
    from regija.core.models import Organisation

    def offered(query):
        html = client.get("/projekti/" + query).content.decode()
        select = re.search(
            r'<select class="govuk-select" id="f-holder" name="holder">(.*?)</select>', html, re.S
        ).group(1)
        return set(re.findall(r'<option value="([^"]+)"', select))

    every = set(Organisation.objects.filter(held_projects__isnull=False).values_list("slug", flat=True))
    assert offered("") == every
    of_las = set(
        ProjectFilters(strategy=LAS)
        .apply(Project.objects.all())
        .exclude(holder=None)
        .values_list("holder__slug", flat=True)
    )
    assert of_las and offered(f"?strategy={LAS}") == of_las < every
    # a holder chosen from elsewhere stays selected, so the form shows the filter in use
    other = sorted(every - of_las)[0]
    html = client.get(f"/projekti/?strategy={LAS}&holder={other}").content.decode()
    assert f'<option value="{other}" selected>' in html
    assert '<label class="govuk-label" for="f-holder">' in html
