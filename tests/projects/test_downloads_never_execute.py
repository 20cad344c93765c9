"""Downloads never execute (issue 12, point 6): a title a spreadsheet program would read as a formula –
beginning with =, +, -, @, a tab or a carriage return – is text in every CSV and XLSX Regija writes
(OWASP, "CSV Injection": such a cell gets a leading apostrophe, or is stored as text), and amounts stay
numbers, a negative one too."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from regija.core import spreadsheet
from regija.interchange import exporter
from regija.strategies.models import Strategy
from tests.factories import FundFactory, IndicatorFactory, ObservationFactory, project_with_money

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
RISKY = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"]
PLACE = "Formulska vas"  # only the fixture's projects are there


@pytest.fixture
def risky_projects():
    strategy = Strategy.objects.get(slug=LAS)
    fund = FundFactory(code="CLLD-F")
    for i, title in enumerate(RISKY):
        project_with_money(
            strategy=strategy,
            code=f"F-{i}",
            title=title,
            order=9100 + i,
            municipality=PLACE,
            budget=[dict(fund=fund, amount=Decimal("1000.00"), secured="yes")],
        )
    return strategy


def _csv(response, delimiter=",") -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.mark.parametrize(
    "language, delimiter, title, amount",
    [("en", ",", "Title", b",1000.00,"), ("sl", ";", "Naziv", b";1.000,00;")],
)
def test_project_list_csv_escapes_every_risky_title(
    client, risky_projects, language, delimiter, title, amount
):
    url = f"/projekti/izvoz.csv?strategy={LAS}&municipality={PLACE}&sort=code"
    rows = _csv(client.get(url, HTTP_ACCEPT_LANGUAGE=language), delimiter)
    titles = {r[rows[0].index(title)] for r in rows[1:]}
    assert titles == {"'" + t for t in RISKY}
    # the amounts are numbers in the language's dialect, not quoted text
    raw = b"".join(client.get(url, HTTP_ACCEPT_LANGUAGE=language).streaming_content)
    assert amount in raw


def test_project_list_xlsx_has_no_formula_and_shows_the_titles(client, risky_projects):
    content = client.get(
        f"/projekti/izvoz.xlsx?strategy={LAS}&municipality={PLACE}", HTTP_ACCEPT_LANGUAGE="en"
    ).content
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    header = [c.value for c in next(sheet.iter_rows())]
    titles = [row[header.index("Title")] for row in sheet.iter_rows(min_row=2)]
    assert {c.value for c in titles} == set(RISKY)
    assert all(c.data_type == "s" for c in titles)
    totals = [row[header.index("Total (EUR)")].value for row in sheet.iter_rows(min_row=2)]
    assert totals == [1000] * len(RISKY)


def test_interchange_exports_escape_titles(risky_projects):
    archive = zipfile.ZipFile(io.BytesIO(exporter.to_csv_zip(risky_projects)))
    rows = list(csv.reader(io.StringIO(archive.read(f"{LAS}/projects.csv").decode("utf-8-sig"))))
    titles = {r[1] for r in rows[1:] if r[0].startswith("F-")}
    assert titles == {"'" + t for t in RISKY}

    book = load_workbook(io.BytesIO(exporter.to_xlsx(risky_projects)))
    assert not [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    sheet = book["Projekti"]  # the workbook regija import reads back: code, then title
    found = {row[1].value for row in sheet.iter_rows(min_row=2) if str(row[0].value).startswith("F-")}
    assert found == set(RISKY)


def test_indicator_csv_escapes_a_note_and_keeps_a_negative_value_a_number(client):
    indicator = IndicatorFactory(code="KF1", name='=HYPERLINK("http://x")')
    ObservationFactory(indicator=indicator, value=Decimal("-2.5"), note="@SUM(1)", source="+x")
    response = client.get(indicator.get_absolute_url() + "podatki.csv", HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    header, observation = rows[0], rows[-1]
    assert observation[header.index("Name")] == '\'=HYPERLINK("http://x")'
    assert observation[header.index("Note")] == "'@SUM(1)"
    assert observation[header.index("Source")] == "'+x"
    assert observation[header.index("Value")] == "-2.5"
    # in Slovenian Excel's dialect the negative value is a number with a decimal comma, not a formula
    sl = client.get(indicator.get_absolute_url() + "podatki.csv?dialect=excel-sl").content.decode("utf-8-sig")
    assert ";-2,5;" in sl


@pytest.mark.parametrize("text", RISKY + ["\uff1d1+1"])
def test_the_one_rule_escapes_text_a_spreadsheet_would_run(text):
    assert spreadsheet.cell(text) == "'" + text


@pytest.mark.parametrize("value", [Decimal("-15000.00"), -3, -2.5, "-2.5", "Obnova doma", "", None, "a=b"])
def test_the_one_rule_leaves_numbers_and_plain_text_alone(value):
    assert spreadsheet.cell(value) == value


def test_every_download_writes_through_the_one_rule():
    """No module writes CSV or XLSX past ``core.spreadsheet``: a new download cannot forget the rule."""
    from pathlib import Path

    src = Path(spreadsheet.__file__).resolve().parent.parent
    writers = ("csv.writer(", "csv.DictWriter(", "Workbook(", "from openpyxl")
    # the strategy workbook (styles, comments, drop-down lists) builds its own sheets, but puts every
    # value through ``spreadsheet.set_xlsx_cell`` in one function, ``_put``
    workbook = Path("interchange/workbook.py")
    # not downloads: the lake's reader turns an uploaded XLSX into a passing CSV for DuckDB (it reads
    # with openpyxl), and the CKAN API's records_format=csv is data inside a JSON answer, exact as CKAN
    # gives it (a dataset's CSV download goes through core.spreadsheet); the places' import reads an uploaded
    # XLSX with openpyxl
    not_downloads = {Path("lake/ingest.py"), Path("lake/query.py"), Path("places/fileformat.py")}
    found = [
        f"{path.relative_to(src)}: {needle}"
        for path in src.rglob("*.py")
        if path.name != "spreadsheet.py" and path.relative_to(src) not in {workbook, *not_downloads}
        for needle in writers
        if needle in path.read_text(encoding="utf-8")
    ]
    assert found == []
    text = (src / workbook).read_text(encoding="utf-8")
    assert text.count("spreadsheet.set_xlsx_cell(") == 1
    assert ".value =" not in text and not re.search(r"\bws\.append\(", text)
