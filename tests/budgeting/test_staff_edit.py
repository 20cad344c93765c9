"""Staff change a process (title, rule, dates, strategy, fund) and an area's budget through pages, with
the services' rules: the rule and the dates are fixed once voting opens; a budget may not fall below a
feasible proposal's cost; only the municipality's staff see these pages; every change is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from regija.budgeting import services
from regija.budgeting.models import Area, Process
from regija.core.models import AuditEntry
from regija.core.services import Forbidden, Refused
from tests.factories import member

from .world import DATES, LJ, proposals_on_ballot

pytestmark = pytest.mark.django_db


def _form(process, **changes):
    """The edit page's fields as a browser sends them, with the stored values and ``changes``."""

    def day(name, moment, until):
        local = (moment - dt.timedelta(microseconds=1) if until else moment).astimezone(LJ).date()
        return {f"{name}_day": local.day, f"{name}_month": local.month, f"{name}_year": local.year}

    data = {
        "title": process.title,
        "title_en": process.title_en,
        "description": "",
        "year": process.year,
        "rule": process.rule,
        "max_choices": "",
        "strategy": process.strategy_id,
        "fund": process.fund_id,
    }
    for name in ("proposals_from", "proposals_to", "review_to", "voting_from", "voting_to"):
        data.update(day(name, getattr(process, name), until=name.endswith("_to")))
    data.update(changes)
    return data


def test_staff_change_the_title_and_dates_before_voting_and_it_is_audited(client, pb):
    client.force_login(pb.staff)
    url = reverse("budgeting:process_edit", args=["pp-2026"])
    page = client.get(url)
    assert page.status_code == 200 and 'value="Participativni proračun 2026"' in page.content.decode()
    r = client.post(url, _form(pb.process, title="PP 2026 – Velenje", voting_to_day=31, voting_to_month=5))
    assert r.status_code == 302
    process = Process.objects.get(pk=pb.process.pk)
    assert process.title == "PP 2026 – Velenje" and process.slug == "pp-2026"
    # "until 31 May" closes at the midnight after it, Ljubljana time
    assert process.voting_to == dt.datetime(2026, 6, 1, 0, 0, tzinfo=LJ)
    assert process.proposals_from == DATES["proposals_from"]  # a day not changed keeps its moment
    assert AuditEntry.objects.filter(object_id=str(process.pk), action="update").exists()


def test_once_voting_opened_the_dates_are_fixed_and_the_title_is_not(client, pb):
    pb.at("voting")
    client.force_login(pb.staff)
    url = reverse("budgeting:process_edit", args=["pp-2026"])
    before = Process.objects.get(pk=pb.process.pk)
    r = client.post(url, _form(before, voting_to_day=30, voting_to_month=6))
    assert r.status_code == 422
    assert "fixed once voting has opened" in r.content.decode()
    assert Process.objects.get(pk=pb.process.pk).voting_to == before.voting_to  # nothing written
    r = client.post(url, _form(before, title="Novi naslov"))
    assert r.status_code == 302 and Process.objects.get(pk=pb.process.pk).title == "Novi naslov"


def test_a_rule_without_its_k_is_refused_on_its_field(client, pb):
    client.force_login(pb.staff)
    r = client.post(reverse("budgeting:process_edit", args=["pp-2026"]), _form(pb.process, rule="approval"))
    assert r.status_code == 422 and "Give how many proposals a voter may choose" in r.content.decode()
    assert Process.objects.get(pk=pb.process.pk).rule == "knapsack"


def test_an_area_s_budget_changes_but_not_below_a_feasible_proposal_s_cost(client, pb):
    proposals_on_ballot(pb, {"center": ["12000"]})  # leaves the clock in the review phase
    client.force_login(pb.staff)
    url = reverse("budgeting:area_edit", args=["pp-2026", "ks-center"])
    assert client.get(url).status_code == 200
    r = client.post(url, {"budget": "10.000,00"})
    assert r.status_code == 422
    assert "Proposal 1 is estimated at €12,000.00, more than this budget." in r.content.decode()
    assert Area.objects.get(pk=pb.area_center.pk).budget == Decimal("20000.00")
    r = client.post(url, {"budget": "25.000,00"})
    assert r.status_code == 302 and Area.objects.get(pk=pb.area_center.pk).budget == Decimal("25000.00")
    pb.at("voting")
    with pytest.raises(Refused, match="before voting opens"):
        services.area_update(pb.staff, pb.area_center, Decimal("30000"))


def test_only_the_municipality_s_staff_see_the_edit_pages(client, pb):
    for who in (pb.voter(username="krajan"), member("viewer", pb.municipality, username="gledalec")):
        client.force_login(who)
        assert client.get(reverse("budgeting:process_edit", args=["pp-2026"])).status_code == 404
        assert client.get(reverse("budgeting:area_edit", args=["pp-2026", "ks-center"])).status_code == 404
    with pytest.raises(Forbidden, match="You may not change this"):
        services.area_update(pb.voter(username="drugi"), pb.area_center, Decimal("1"))
