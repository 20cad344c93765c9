"""Model rules that the database itself enforces, and money handling."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from regija.core.money import format_eur, to_money
from tests.factories import (
    AlignmentFactory,
    BudgetLineFactory,
    FundFactory,
    NodeFactory,
    OrganisationFactory,
    ProjectFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy():
    return StrategyFactory(slug="rules", title="Rules", status="draft")


def test_node_codes_are_unique_within_a_strategy_only(strategy):
    NodeFactory(strategy=strategy, code="1")
    other = StrategyFactory(slug="rules-2", title="Rules 2", status="draft")
    NodeFactory(strategy=other, code="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        NodeFactory(strategy=strategy, code="1")


def test_a_node_cannot_be_aligned_with_itself(strategy):
    n = NodeFactory(strategy=strategy, code="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        AlignmentFactory(declared_in=strategy, source_node=n, target_node=n, type="supports")


def test_the_same_alignment_is_stored_once(strategy):
    a = NodeFactory(strategy=strategy, code="1")
    b = NodeFactory(strategy=strategy, code="2")
    AlignmentFactory(declared_in=strategy, source_node=a, target_node=b, type="supports")
    with pytest.raises(IntegrityError), transaction.atomic():
        AlignmentFactory(declared_in=strategy, source_node=a, target_node=b, type="supports")


def test_secured_part_cannot_exceed_the_amount(strategy):
    fund = FundFactory(code="R")
    project = ProjectFactory(strategy=strategy, code="P", status="idea")
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLineFactory(
            project=project,
            fund=fund,
            amount=Decimal("10.00"),
            secured="partly",
            secured_amount=Decimal("11.00"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLineFactory(project=project, fund=fund, amount=Decimal("-1.00"), secured="no")


def test_money_is_stored_exactly(strategy):
    fund = FundFactory(code="R")
    project = ProjectFactory(strategy=strategy, code="P", status="idea")
    line = BudgetLineFactory(project=project, fund=fund, amount=Decimal("1758500.07"), secured="yes")
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
        OrganisationFactory(slug="half", lat=46.0)
