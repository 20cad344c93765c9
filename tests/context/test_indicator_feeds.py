"""Indicators fed from the broker's history: e.g. the days per year with a PM10 daily average above
50 µg/m³ of one station, recomputed by the command (and the daily job), with provenance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from regija.context.models import IndicatorFeed
from regija.strategies.models import Indicator, Observation

STATION = "urn:ngsi-ld:AirQualityObserved:velenje"


def write(post, entity_id, values):
    """Hourly PM10 values from the given days (day → list of values at 00:00, 01:00, …)."""
    body = {
        "id": entity_id,
        "type": "AirQualityObserved",
        "pm10": [
            {"type": "Property", "value": v, "observedAt": f"{day.isoformat()}T{h:02d}:00:00Z"}
            for day, vs in values.items()
            for h, v in enumerate(vs)
        ],
    }
    assert post("post", "/temporal/entities", body).status_code == 201


@pytest.fixture
def indicator():
    found = Indicator.objects.filter(strategy__isnull=False).order_by("pk").first()
    assert found is not None  # the source documents' indicators are loaded for every test session
    Observation.objects.filter(indicator=found).delete()
    return found


def test_days_per_year_above_the_threshold(post, tenant, indicator):
    days = {
        dt.date(2025, 12, 30): [40, 70],  # average 55 > 50
        dt.date(2025, 12, 31): [50, 50],  # 50: not above
        dt.date(2026, 1, 1): [60, 61],  # 60.5
        dt.date(2026, 1, 2): [10, 20],
        dt.date(2026, 1, 3): [100, 2],  # 51
    }
    write(post, STATION, days)
    write(post, "urn:ngsi-ld:AirQualityObserved:other", {dt.date(2025, 12, 31): [500, 500]})  # filtered out
    IndicatorFeed.objects.create(
        indicator=indicator,
        organisation=tenant,
        entity_type="AirQualityObserved",
        attribute="pm10",
        entity_ids=[STATION],
        daily=IndicatorFeed.Daily.AVG,
        rule=IndicatorFeed.Rule.DAYS_ABOVE,
        threshold=50,
    )
    call_command("ngsi_indicators", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123 - discarded
    observations = list(Observation.objects.filter(indicator=indicator).order_by("date"))
    assert [(o.date, o.value) for o in observations] == [
        (dt.date(2025, 12, 31), Decimal(1)),
        (dt.date(2026, 12, 31), Decimal(2)),
    ]
    assert observations[0].source.startswith("ngsi:AirQualityObserved/pm10")
    assert "AirQualityObserved" in observations[0].note and "pm10" in observations[0].note
    assert "2025-12-30–2026-01-03" in observations[0].note
    assert IndicatorFeed.objects.get(indicator=indicator).computed_at is not None


def test_daily_values_and_recomputing_replaces_them(post, tenant, indicator):
    write(post, STATION, {dt.date(2026, 2, 1): [10, 20, 30], dt.date(2026, 2, 2): [5]})
    feed = IndicatorFeed.objects.create(
        indicator=indicator,
        organisation=tenant,
        entity_type="AirQualityObserved",
        attribute="pm10",
        daily="max",
    )
    call_command("ngsi_indicators", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123 - discarded
    call_command("ngsi_indicators", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123 - discarded
    values = list(
        Observation.objects.filter(indicator=indicator).order_by("date").values_list("date", "value")
    )
    assert values == [(dt.date(2026, 2, 1), Decimal(30)), (dt.date(2026, 2, 2), Decimal(5))]
    assert feed.pk
