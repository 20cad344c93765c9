"""Downloads in the page's language: headers and statuses translated; a CSV for a Slovenian page in
Slovenian Excel's dialect (``;``, a decimal comma, UTF-8 with a byte order mark), for an English page
with commas and decimal points, the other one a click away (``?dialect=``).

The expected figures are the source document's: LAS Zasavje's report (002) lists JP5-14, GlobalConsult
d.o.o.'s operation, completed, approved for 37,346.80 and paid 47,196.11."""

from __future__ import annotations

import csv
import html
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from regija.core import spreadsheet
from regija.strategies.models import Indicator

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
URL = f"/projekti/izvoz.csv?strategy={LAS}"
BOM = b"\xef\xbb\xbf"
APPROVED, PAID = Decimal("37346.80"), Decimal("47196.11")


def _bytes(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _as_slovenian_excel_reads(data: bytes) -> list[list[str]]:
    """The file as Excel with Slovenian settings opens it: UTF-8 after its BOM, cells split at ';'."""
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline=""), delimiter=";"))


def _slovenian_number(text: str) -> Decimal:
    """'47.196,11' as Slovenian Excel reads it: points group the thousands, the comma starts the cents."""
    return Decimal(text.replace(".", "").replace(",", "."))


def _row(rows, code):
    return dict(zip(rows[0], next(r for r in rows[1:] if r[1] == code), strict=True))


def test_a_slovenian_page_downloads_slovenian_excel_csv(client):
    data = _bytes(client.get(URL, HTTP_ACCEPT_LANGUAGE="sl"))
    rows = _as_slovenian_excel_reads(data)
    assert rows[0][:5] == ["Strategija", "Šifra", "Naziv", "Status", "Nosilec"]
    jp = _row(rows, "JP5-14")
    assert jp["Status"] == "zaključen" and jp["Nosilec"] == "GlobalConsult d.o.o."
    assert jp["Skupaj (EUR)"] == "37.346,80" and _slovenian_number(jp["Skupaj (EUR)"]) == APPROVED
    assert _slovenian_number(jp["Izplačano (EUR)"]) == PAID
    assert b";37.346,80;" in data  # a number, unquoted: Excel reads it as one


def test_an_english_page_downloads_comma_separated_csv(client):
    data = _bytes(client.get(URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert data.startswith(BOM)  # Excel reads č, š and ž in any language only after it
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:5] == ["Strategy", "Code", "Title", "Status", "Holder"]
    jp = _row(rows, "JP5-14")
    assert jp["Status"] == "completed"
    assert Decimal(jp["Total (EUR)"]) == APPROVED and Decimal(jp["Paid (EUR)"]) == PAID


def test_the_other_dialect_by_parameter(client):
    plain = _bytes(client.get(URL + "&dialect=csv", HTTP_ACCEPT_LANGUAGE="sl"))
    rows = list(csv.reader(io.StringIO(plain.decode("utf-8-sig"), newline="")))
    assert rows[0][1] == "Šifra"  # still the page's language
    assert Decimal(_row(rows, "JP5-14")["Izplačano (EUR)"]) == PAID
    excel = _bytes(client.get(URL + "&dialect=excel-sl", HTTP_ACCEPT_LANGUAGE="en"))
    rows = _as_slovenian_excel_reads(excel)
    assert rows[0][1] == "Code" and _slovenian_number(_row(rows, "JP5-14")["Paid (EUR)"]) == PAID


def test_the_xlsx_in_the_page_language_with_numbers_as_numbers(client):
    content = client.get(f"/projekti/izvoz.xlsx?strategy={LAS}", HTTP_ACCEPT_LANGUAGE="sl").content
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    jp = dict(zip(rows[0], next(r for r in rows[1:] if r[1] == "JP5-14"), strict=True))
    assert jp["Status"] == "zaključen"
    assert Decimal(str(jp["Izplačano (EUR)"])) == PAID


@pytest.mark.parametrize(
    "language, other, label",
    [
        ("sl", "csv", "CSV z vejicami in decimalno piko (angleški Excel, programi)"),
        ("en", "excel-sl", "CSV for Excel in Slovenian (semicolons, decimal comma)"),
    ],
)
def test_the_list_page_offers_the_other_dialect_next_to_the_download(client, language, other, label):
    page = html.unescape(
        client.get(f"/projekti/?strategy={LAS}", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    )
    assert f'href="/projekti/izvoz.csv?strategy={LAS}&dialect={other}">{label}</a>' in page


def test_the_indicator_csv_in_the_page_language_and_dialect(client):
    """K1 of LAS Zasavje: 10 new jobs measured on 31 December 2023 against a target of 5 (002's table)."""
    indicator = Indicator.objects.get(strategy__slug=LAS, code="K1")
    url = indicator.get_absolute_url() + "podatki.csv"
    rows = _as_slovenian_excel_reads(client.get(url, HTTP_ACCEPT_LANGUAGE="sl").content)
    assert rows[0] == [
        "Strategija",
        "Kazalnik",
        "Ime",
        "Enota",
        "Vrsta",
        "Datum",
        "Vrednost",
        "Vir",
        "Opomba",
    ]
    assert [(r[4], r[5], r[6]) for r in rows[1:]] == [
        ("izmerjena vrednost", "2023-12-31", "10"),
        ("ciljna vrednost", "2023-12-31", "5"),
    ]
    page = html.unescape(client.get(indicator.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert f'href="{url}?dialect=excel-sl" download>CSV for Excel in Slovenian' in page


@pytest.mark.parametrize(
    "value, slovenian, plain",
    [
        (Decimal("1234567.80"), "1.234.567,80", "1234567.80"),
        (Decimal("-15000.00"), "-15.000,00", "-15000.00"),
        (Decimal("-0.00"), "0,00", "0.00"),
        (Decimal("12.5"), "12,5", "12.5"),
        (-2.5, "-2,5", "-2.5"),
        (1005, "1.005", "1005"),
    ],
)
def test_numbers_in_each_dialect(value, slovenian, plain):
    assert spreadsheet.EXCEL_SL.number(value) == slovenian
    assert spreadsheet.PLAIN_CSV.number(value) == plain


def test_a_negative_amount_stays_a_number_in_slovenian_excel():
    out = io.StringIO()
    spreadsheet.csv_writer(out, spreadsheet.EXCEL_SL).writerow(["=1+1", Decimal("-2.50"), None, "a;b"])
    assert out.getvalue() == '"\'=1+1";-2,50;;"a;b"\r\n'
