"""Copying files into the lake: each format, Slovenian numbers and dates, broken files refused with their
place, type fixes, compatibility of versions, fetching and upload limits."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import re
import threading
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from regija.lake.ingest import (
    Column,
    IngestError,
    copy_limited,
    detect_format,
    fetch,
    incompatible,
    read_columns,
    to_parquet,
)


def rows(path: Path) -> list[tuple]:
    return duckdb.connect().execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()


def types(result) -> dict[str, str]:
    return {c.name: c.type for c in result.columns}


def problems(exc: pytest.ExceptionInfo[IngestError]) -> list[tuple]:
    return [(p.line, p.field) for p in exc.value.problems]


# --- CSV ---------------------------------------------------------------------------------------------


def test_windows_1250_semicolons_and_decimal_commas(tmp_path):
    text = (
        "Občina;Poštna številka;Prebivalci;Površina km2;Gostota;Datum\r\n"
        "Črnomelj;08340;14.321;339,7;42,2;31. 12. 2023\r\n"
        "Šentjernej;08310;7.156;95,6;74,9;1.1.2024\r\n"
        "Žalec;03310;21.590;117,1;-;15. 3. 2024\r\n"
    )
    source = tmp_path / "obcine.csv"
    source.write_bytes(text.encode("cp1250"))
    result = to_parquet(source, tmp_path / "obcine.parquet")
    assert (result.encoding, result.delimiter, result.decimal_comma, result.rows) == ("cp1250", ";", True, 3)
    assert types(result) == {
        "Občina": "text",
        "Poštna številka": "text",  # a code with leading zeros stays text
        "Prebivalci": "integer",  # 14.321 is fourteen thousand in a file with decimal commas
        "Površina km2": "number",
        "Gostota": "number",
        "Datum": "date",
    }
    assert rows(tmp_path / "obcine.parquet") == [
        ("Črnomelj", "08340", 14321, 339.7, 42.2, dt.date(2023, 12, 31)),
        ("Šentjernej", "08310", 7156, 95.6, 74.9, dt.date(2024, 1, 1)),
        ("Žalec", "03310", 21590, 117.1, None, dt.date(2024, 3, 15)),
    ]
    assert result.source_bytes == len(text.encode("cp1250"))
    assert read_columns(tmp_path / "obcine.parquet") == result.columns  # kept in the file, letters intact


def test_tab_delimited_utf8_with_bom_and_iso_values(tmp_path):
    source = tmp_path / "meritve.tsv"
    source.write_bytes(
        "\ufeffčas\tpostaja\tPM10\tveljavna\n"
        "2024-01-01 10:00:00\tLjubljana Bežigrad\t31.5\ttrue\n"
        "2024-01-01 11:00:00\tMaribor\t1 234.5\tfalse\n".encode()
    )
    result = to_parquet(source, tmp_path / "m.parquet")
    assert (result.encoding, result.delimiter, result.decimal_comma) == ("utf-8", "\t", False)
    assert types(result) == {"čas": "datetime", "postaja": "text", "PM10": "number", "veljavna": "boolean"}
    assert rows(tmp_path / "m.parquet") == [
        (dt.datetime(2024, 1, 1, 10), "Ljubljana Bežigrad", 31.5, True),
        (dt.datetime(2024, 1, 1, 11), "Maribor", 1234.5, False),
    ]


def test_slovenian_thousands_and_spaces(tmp_path):
    source = tmp_path / "zneski.csv"
    source.write_text(
        'znesek;datum in ura\n"1.234,56";31. 12. 2023 14:30\n1 234,5;1.1.2024 08:05:09\n-12,5;\n'
    )
    result = to_parquet(source, tmp_path / "z.parquet")
    assert types(result) == {"znesek": "number", "datum in ura": "datetime"}
    assert rows(tmp_path / "z.parquet") == [
        (1234.56, dt.datetime(2023, 12, 31, 14, 30)),
        (1234.5, dt.datetime(2024, 1, 1, 8, 5, 9)),
        (-12.5, None),
    ]


def test_header_names_are_trimmed_unique_and_never_empty(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text(" Ime ,ime,,Ime\nA,B,C,D\n")
    result = to_parquet(source, tmp_path / "a.parquet")
    assert [(c.name, c.source_name) for c in result.columns] == [
        ("Ime", "Ime"),
        ("ime_2", "ime"),
        ("stolpec_3", ""),
        ("Ime_3", "Ime"),
    ]


def test_a_value_past_the_sample_that_does_not_fit_makes_the_column_text(tmp_path):
    source = tmp_path / "dolga.csv"
    lines = ["id,koda"] + [f"{i},{i}" for i in range(25_000)] + ["25000,A-7"]
    source.write_text("\n".join(lines) + "\n")
    result = to_parquet(source, tmp_path / "d.parquet")
    assert types(result) == {"id": "integer", "koda": "text"}
    assert rows(tmp_path / "d.parquet")[-1] == (25000, "A-7")


def test_owner_fixes_a_type(tmp_path):
    source = tmp_path / "p.csv"
    source.write_text("posta,kraj\n1000,Ljubljana\n2000,Maribor\n")
    result = to_parquet(source, tmp_path / "p.parquet", types={"posta": "text"})
    assert types(result)["posta"] == "text"
    assert rows(tmp_path / "p.parquet") == [("1000", "Ljubljana"), ("2000", "Maribor")]


def test_a_value_that_does_not_fit_a_fixed_date_names_line_and_column(tmp_path):
    source = tmp_path / "d.csv"
    source.write_text("kraj;datum\nKranj;31. 12. 2023\nKamnik;32. 12. 2023\nBled;1. 1. 2024\nBohinj;včeraj\n")
    with pytest.raises(IngestError) as exc:
        to_parquet(source, tmp_path / "d.parquet", types={"datum": "date"})
    assert problems(exc) == [(3, "datum"), (5, "datum")]
    assert "'32. 12. 2023'" in exc.value.problems[0].message
    assert not (tmp_path / "d.parquet").exists()


def test_unknown_type_in_fixes_is_refused_and_a_fix_of_a_gone_column_left_out(tmp_path):
    source = tmp_path / "d.csv"
    source.write_text("a,b\n1,2\n")
    with pytest.raises(IngestError) as exc:
        to_parquet(source, tmp_path / "d.parquet", types={"c": "text", "a": "decimal"})
    assert problems(exc) == [(None, "a")]
    assert types(to_parquet(source, tmp_path / "d.parquet", types={"c": "text"})) == {
        "a": "integer",
        "b": "integer",
    }


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a,b,c\n1,2,3\n4,5\n6,7,8\n", 3, "2"),
        ("a,b,c\n1,2,3\n4,5,6,7\n", 3, "4"),
        ('a,b,c\n1,2,3\n4,"5,6\n7,8,9\n', 3, '"'),
    ],
    ids=["too few values", "too many values", "unterminated quote"],
)
def test_broken_rows_are_refused_with_their_line(tmp_path, text, line, words):
    source = tmp_path / "x.csv"
    source.write_text(text)
    with pytest.raises(IngestError) as exc:
        to_parquet(source, tmp_path / "x.parquet")
    assert exc.value.problems[0].line == line
    assert words in exc.value.problems[0].message


def test_text_neither_utf8_nor_windows_1250_is_refused_at_its_line(tmp_path):
    source = tmp_path / "x.csv"
    source.write_bytes(b"a,b\n1,2\n3,\x81\x98\n")  # 0x81 and 0x98 are not Windows-1250 characters
    with pytest.raises(IngestError) as exc:
        to_parquet(source, tmp_path / "x.parquet")
    assert exc.value.problems[0].line == 3
    assert "UTF-8" in exc.value.problems[0].message


@pytest.mark.parametrize("text", ["", "  \n", "a,b,c\n"], ids=["empty", "blank", "header only"])
def test_empty_files_are_refused(tmp_path, text):
    source = tmp_path / "x.csv"
    source.write_text(text)
    with pytest.raises(IngestError):
        to_parquet(source, tmp_path / "x.parquet", format="csv")


def test_sorted_rows_and_metadata_kept(tmp_path):
    source = tmp_path / "s.csv"
    source.write_text("postaja,v\nb,1\na,2\nc,3\na,4\n")
    result = to_parquet(source, tmp_path / "s.parquet", sort_by=["postaja"])
    assert [r[0] for r in rows(tmp_path / "s.parquet")] == ["a", "a", "b", "c"]
    assert read_columns(tmp_path / "s.parquet") == result.columns
    meta = (
        duckdb.connect()
        .execute("SELECT compression FROM parquet_metadata(?) LIMIT 1", [str(tmp_path / "s.parquet")])
        .fetchone()
    )
    assert meta[0].upper() == "ZSTD"


def test_a_failed_copy_leaves_the_previous_version_and_no_partial_file(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("a\n1\n")
    dest = tmp_path / "v.parquet"
    to_parquet(good, dest)
    before = dest.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n")
    with pytest.raises(IngestError):
        to_parquet(bad, dest)
    assert dest.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "good.csv", "v.parquet"]


# --- XLSX --------------------------------------------------------------------------------------------


def workbook(path: Path, cached: dict[str, str] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Podatki"
    ws.append([])  # the table starts lower
    ws["A3"], ws["B3"], ws["D3"] = "Občina", "Prebivalci", "Datum"
    ws.merge_cells("B3:C3")  # one header over two columns
    ws.append(["Ljubljana", 295504, 2, dt.datetime(2024, 1, 1)])
    ws.append(["Maribor", 97019, 1.5, dt.datetime(2024, 1, 1)])
    ws["E4"] = "=B4*2"
    ws["E3"] = "Dvakrat"
    wb.save(path)
    if cached:  # openpyxl saves no value with a formula; add one as a spreadsheet program would
        with zipfile.ZipFile(path) as z:
            members = {n: z.read(n) for n in z.namelist()}
        sheet = members["xl/worksheets/sheet1.xml"].decode()
        for cell, value in cached.items():
            sheet = re.sub(
                rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f>(<v\s*/>|<v></v>)?',
                rf"\1<f>\2</f><v>{value}</v>",
                sheet,
            )
        members["xl/worksheets/sheet1.xml"] = sheet.encode()
        with zipfile.ZipFile(path, "w") as z:
            for name, data in members.items():
                z.writestr(name, data)
    return path


def test_xlsx_formula_values_merged_header_and_dates(tmp_path):
    source = workbook(tmp_path / "obcine.xlsx", cached={"E4": "591008"})
    result = to_parquet(source, tmp_path / "o.parquet")
    assert result.format == "xlsx"
    assert types(result) == {
        "Občina": "text",
        "Prebivalci": "integer",
        "Prebivalci_2": "number",
        "Datum": "date",
        "Dvakrat": "integer",
    }
    assert rows(tmp_path / "o.parquet") == [
        ("Ljubljana", 295504, 2.0, dt.date(2024, 1, 1), 591008),
        ("Maribor", 97019, 1.5, dt.date(2024, 1, 1), None),
    ]


def test_xlsx_formula_without_a_saved_value_names_the_cell(tmp_path):
    source = workbook(tmp_path / "obcine.xlsx")
    with pytest.raises(IngestError) as exc:
        to_parquet(source, tmp_path / "o.parquet")
    assert problems(exc) == [("Podatki!E4", "")]


def test_xlsx_value_not_fitting_a_fixed_type_names_the_cell(tmp_path):
    source = workbook(tmp_path / "obcine.xlsx", cached={"E4": "591008"})
    with pytest.raises(IngestError) as exc:
        to_parquet(source, tmp_path / "o.parquet", types={"Občina": "integer"})
    assert problems(exc) == [("Podatki!A4", "Občina"), ("Podatki!A5", "Občina")]


# --- JSON, GeoJSON, Parquet --------------------------------------------------------------------------


def test_json_array_and_wrapped_records(tmp_path):
    records = [{"ime": "Kranj", "n": 5, "oznake": ["a", "b"]}, {"ime": "Koper", "n": 7, "oznake": []}]
    (tmp_path / "a.json").write_text(json.dumps(records))
    (tmp_path / "b.json").write_text(json.dumps({"result": records}))
    for name in ("a.json", "b.json"):
        result = to_parquet(tmp_path / name, tmp_path / "j.parquet")
        assert result.format == "json"
        assert types(result) == {"ime": "text", "n": "integer", "oznake": "text"}
        assert rows(tmp_path / "j.parquet") == [("Kranj", 5, '["a","b"]'), ("Koper", 7, "[]")]


def test_json_without_records_is_refused(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"items": [{"a": 1}]}))
    with pytest.raises(IngestError):
        to_parquet(tmp_path / "a.json", tmp_path / "j.parquet")


def feature(lon: float, lat: float, name: str) -> dict:
    return {
        "type": "Feature",
        "properties": {"ime": name},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def test_geojson_points_give_lon_and_lat(tmp_path):
    line = {
        "type": "Feature",
        "properties": {"ime": "Pot"},
        "geometry": {"type": "LineString", "coordinates": [[14.5, 46.0], [14.6, 46.1]]},
    }
    collection = {"type": "FeatureCollection", "features": [feature(14.355, 46.239, "Kranj"), line]}
    (tmp_path / "k.geojson").write_text(json.dumps(collection))
    result = to_parquet(tmp_path / "k.geojson", tmp_path / "k.parquet")
    assert types(result) == {"ime": "text", "geometry": "geometry", "lon": "number", "lat": "number"}
    got = rows(tmp_path / "k.parquet")
    assert [(r[0], r[2], r[3]) for r in got] == [("Kranj", 14.355, 46.239), ("Pot", None, None)]
    assert json.loads(got[0][1]) == {"type": "Point", "coordinates": [14.355, 46.239]}


def test_geojson_coordinates_outside_the_world_name_the_feature(tmp_path):
    collection = {
        "type": "FeatureCollection",
        "features": [feature(14.3, 46.2, "a"), feature(46.2, 140.3, "b")],
    }
    (tmp_path / "k.geojson").write_text(json.dumps(collection))
    with pytest.raises(IngestError) as exc:
        to_parquet(tmp_path / "k.geojson", tmp_path / "k.parquet")
    [problem] = exc.value.problems
    assert (problem.field, problem.line.split()[-1]) == ("geometry", "2")  # the second feature


def test_parquet_is_rewritten_with_clean_names(tmp_path):
    duckdb.connect().execute(
        f"COPY (SELECT 1 AS \" a \", 'x' AS b, [1, 2] AS c) TO '{tmp_path / 'in.parquet'}' (FORMAT parquet)"
    )
    result = to_parquet(tmp_path / "in.parquet", tmp_path / "out.parquet")
    assert result.format == "parquet"
    assert types(result) == {"a": "integer", "b": "text", "c": "text"}
    assert rows(tmp_path / "out.parquet") == [(1, "x", "[1,2]")]


def test_detect_format():
    assert detect_format("x.bin", b"PAR1....") == "parquet"
    assert detect_format("x.xlsx", b"PK\x03\x04....") == "xlsx"
    assert detect_format("x.txt", b'  {"type": "FeatureCollection", "features": []}') == "geojson"
    assert detect_format("x.txt", b'[{"a": 1}]') == "json"
    assert detect_format("x.dat", b"a;b\n1;2\n") == "csv"
    for name, head in (
        ("x.xls", b"\xd0\xcf\x11\xe0\x00"),
        ("x.bin", b"\x00\x01\x02"),
        ("x.zip", b"PK\x03\x04"),
    ):
        with pytest.raises(IngestError):
            detect_format(name, head)


# --- compatibility --------------------------------------------------------------------------------


def test_incompatible():
    old = [Column("a", "integer", "a"), Column("b", "number", "b"), Column("c", "date", "c")]
    assert incompatible(old, [*old, Column("d", "text", "d")]) == []
    assert incompatible(old, [Column("a", "number", "a"), *old[1:]]) == []
    reasons = incompatible(old, [Column("a", "integer", "a"), Column("b", "text", "b")])
    assert len(reasons) == 2
    assert "b" in reasons[0] and "c" in reasons[1]


# --- bringing files in --------------------------------------------------------------------------------


@pytest.fixture
def server():
    body = b"a;b\n1;2\n" * 1000

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            self.send_response(200)
            self.send_header("Content-Type", "text/csv; charset=utf-8")
            if self.path != "/no-length":
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", len(body)
    httpd.shutdown()
    httpd.server_close()


def test_fetch(server, settings, tmp_path):
    settings.REGIJA_LAKE_FETCH_PRIVATE = True
    url, size = server
    assert fetch(url + "/data.csv", tmp_path / "d.csv", max_bytes=10**6, timeout=5) == ("text/csv", size)
    assert (tmp_path / "d.csv").stat().st_size == size


@pytest.mark.parametrize("path", ["/data.csv", "/no-length"])
def test_fetch_stops_past_the_limit(server, settings, tmp_path, path):
    settings.REGIJA_LAKE_FETCH_PRIVATE = True
    url, _ = server
    with pytest.raises(IngestError) as exc:
        fetch(url + path, tmp_path / "d.csv", max_bytes=1000, timeout=5)
    assert "MB" in exc.value.problems[0].message
    assert list(tmp_path.iterdir()) == []


def test_fetch_refuses_other_schemes_and_private_addresses(server, settings, tmp_path):
    settings.REGIJA_LAKE_FETCH_PRIVATE = False
    url, _ = server
    for address in ("file:///etc/passwd", "ftp://example.org/x.csv", url + "/data.csv", "http://localhost/x"):
        with pytest.raises(IngestError):
            fetch(address, tmp_path / "d.csv", max_bytes=10**6, timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_copy_limited(tmp_path):
    assert copy_limited(io.BytesIO(b"x" * 5000), tmp_path / "a", 5000) == 5000
    with pytest.raises(IngestError):
        copy_limited(iter([b"x" * 3000, b"x" * 3000]), tmp_path / "b", 5000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]


def test_utf8_broken_in_the_middle_is_refused_at_that_line(tmp_path):
    source = tmp_path / "x.csv"
    source.write_bytes("kraj,n\nČrnomelj,1\n".encode() + "Šentjur,2\n".encode("cp1250"))
    with pytest.raises(IngestError) as exc:
        to_parquet(source, tmp_path / "x.parquet")
    assert exc.value.problems[0].line == 3


def test_semicolon_file_with_only_thousands_reads_them_as_thousands(tmp_path):
    source = tmp_path / "x.csv"
    source.write_text("občina;prebivalci\nKranj;57.241\nKoper;53.037\n")
    result = to_parquet(source, tmp_path / "x.parquet")
    assert types(result) == {"občina": "text", "prebivalci": "integer"}
    assert [r[1] for r in rows(tmp_path / "x.parquet")] == [57241, 53037]


def test_a_fixed_number_in_json_text_may_use_a_decimal_comma(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([{"v": "1.234,5"}, {"v": "2.5"}, {"v": "-"}]))
    result = to_parquet(tmp_path / "a.json", tmp_path / "j.parquet", types={"v": "number"})
    assert types(result) == {"v": "number"}
    assert rows(tmp_path / "j.parquet") == [(1234.5,), (2.5,), (None,)]


def test_utf16_is_refused_with_what_to_do():
    with pytest.raises(IngestError) as exc:
        detect_format("x.csv", "a,b\n".encode("utf-16"))
    assert "UTF-8" in exc.value.problems[0].message


def test_a_slovenian_number_column_with_text_past_the_sample_becomes_text(tmp_path):
    source = tmp_path / "dolga.csv"
    lines = ["id;znesek"] + [f"{i};1.{i % 1000:03d},5" for i in range(21_000)] + ["21000;ni podatka"]
    source.write_text("\n".join(lines) + "\n")
    result = to_parquet(source, tmp_path / "d.parquet")
    assert types(result) == {"id": "integer", "znesek": "text"}
    assert rows(tmp_path / "d.parquet")[-1] == (21000, "ni podatka")
