"""The places as one of Regija's own open datasets (regija-kraji): published with the others, one row per
place, no dataset while there are no places."""

from __future__ import annotations

import duckdb
import pytest

from regija.lake import own
from regija.lake.models import Dataset, Status
from regija.lake.storage import lake
from regija.places import opendata

from .conftest import HALL

pytestmark = pytest.mark.django_db


def test_no_places_no_dataset_then_one_row_per_place(make_place):
    org = own.publisher()
    assert opendata.TABLE in own.tables()
    empty = own.publish_table(opendata.TABLE, org, [])
    assert (empty.rows, empty.version) == (0, None)
    assert not Dataset.objects.filter(slug="regija-kraji").exists()
    make_place("aed-1", *HALL, name="AED Mestna hiša", opening_hours="24/7", checked_on="2026-11-30")
    published = own.publish_table(opendata.TABLE, org, [])
    assert published.rows == 1 and published.version == 1
    dataset = Dataset.objects.get(slug="regija-kraji")
    assert dataset.status == Status.PUBLISHED and dataset.auto == "regija:regija-kraji"
    path = str(lake().local(dataset.current.key))
    row = (
        duckdb.connect()
        .execute(
            "SELECT ime, kategorija, zemljepisna_sirina, delovni_cas, CAST(preverjeno AS VARCHAR) "
            "FROM read_parquet(?)",
            [path],
        )
        .fetchone()
    )
    assert row == ("AED Mestna hiša", "aed", HALL[0], "24/7", "2026-11-30")
