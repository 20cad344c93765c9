"""A CSV download is written as every CSV of the site (``core.spreadsheet``), also where it takes a
shortcut for speed."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from regija.core import spreadsheet
from regija.lake import downloads

ROWS = {
    "text": ["Velenje", "=HYPERLINK(1)", None, 'rekel je "da"', "-2.5", "@x", "", "Šoštanj"],
    "whole": [0, -1, 1234567, None, 999, -1000, 42, 7],
    "decimal": [21.5, -0.0, 1e-07, None, 1234567.125, float("inf"), 30.0, 0.1],
    "day": [dt.date(2024, 1, 31), None, dt.date(1999, 12, 1)] + [dt.date(2020, 2, 29)] * 5,
    "yes": [True, False, None, True, False, True, False, True],
}


@pytest.mark.parametrize("dialect", [spreadsheet.PLAIN_CSV, spreadsheet.EXCEL_SL], ids=lambda d: d.name)
def test_the_download_writes_every_cell_as_the_sites_csv_writer(tmp_path, dialect):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table(ROWS), path)
    expected = io.StringIO()
    expected.write(dialect.bom)
    writer = spreadsheet.csv_writer(expected, dialect)
    writer.writerow(list(ROWS))
    writer.writerows(zip(*ROWS.values(), strict=True))
    assert "".join(downloads.csv_chunks(path, dialect)) == expected.getvalue()
    assert "'=HYPERLINK(1)" in expected.getvalue()  # a formula never runs
