"""Model rules that the database itself enforces, and money handling."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from regija.core.models import Organisation
from regija.core.money import format_eur, to_money
from regija.projects.models import BudgetLine, Fund, Project
from regija.strategies.models import Alignment, Node, Strategy

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy():
    return Strategy.objects.create(slug="rules", title="Rules", status="draft", source_title="x")


def test_node_codes_are_unique_within_a_strategy_only(strategy):
    Node.objects.create(strategy=strategy, code="1", level="goal", title="a", path="0000")
    other = Strategy.objects.create(slug="rules-2", title="Rules 2", status="draft", source_title="x")
    Node.objects.create(strategy=other, code="1", level="goal", title="a", path="0000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(strategy=strategy, code="1", level="goal", title="b", path="0001")


def test_a_node_cannot_be_aligned_with_itself(strategy):
    n = Node.objects.create(strategy=strategy, code="1", level="goal", title="a", path="0000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alignment.objects.create(declared_in=strategy, source_node=n, target_node=n, type="supports")


def test_the_same_alignment_is_stored_once(strategy):
    a = Node.objects.create(strategy=strategy, code="1", level="goal", title="a", path="0000")
    b = Node.objects.create(strategy=strategy, code="2", level="goal", title="b", path="0001")
    Alignment.objects.create(declared_in=strategy, source_node=a, target_node=b, type="supports")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alignment.objects.create(declared_in=strategy, source_node=a, target_node=b, type="supports")


def test_secured_part_cannot_exceed_the_amount(strategy):
    fund = Fund.objects.create(code="R", name="R")
    project = Project.objects.create(strategy=strategy, code="P", title="P", status="idea")
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(
            project=project,
            fund=fund,
            amount=Decimal("10.00"),
            secured="partly",
            secured_amount=Decimal("11.00"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(project=project, fund=fund, amount=Decimal("-1.00"), secured="no")


def test_money_is_stored_exactly(strategy):
    fund = Fund.objects.create(code="R", name="R")
    project = Project.objects.create(strategy=strategy, code="P", title="P", status="idea")
    line = BudgetLine.objects.create(project=project, fund=fund, amount=Decimal("1758500.07"), secured="yes")
    line.refresh_from_db()
    assert line.amount == Decimal("1758500.07")
    assert str(line.amount) == "1758500.07"


def test_money_refuses_fractions_of_a_cent_and_text():
    with pytest.raises(ValidationError):
        to_money("1.005")
    with pytest.raises(ValidationError):
        to_money("1.758.500,00")
    assert to_money(0.1) == Decimal("0.10")


@pytest.mark.parametrize(
    "amount,sl,en",
    [
        ("1758500", "1.758.500,00 €", "€1,758,500.00"),
        ("0.5", "0,50 €", "€0.50"),
        ("-1234.5", "-1.234,50 €", "-€1,234.50"),
        ("999", "999,00 €", "€999.00"),
    ],
)
def test_money_in_slovenian_and_english(amount, sl, en):
    assert format_eur(Decimal(amount)) == sl
    assert format_eur(Decimal(amount), "en") == en


def test_organisation_coordinates_come_in_pairs():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(slug="half", name="Half", kind="ngo", lat=46.0)
