"""The places as one of Regija's own open datasets (``lake.own``): every place with its category, name,
position, address, opening hours, accessibility, contact, source and last check, published with a
DCAT-AP record in the catalogue and refreshed when the places change."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from regija.lake.own import Col, Table

_S, _F, _D, _B = pa.string(), pa.float64(), pa.date32(), pa.bool_()


def rows() -> list[tuple[Any, ...]]:
    from .models import Place

    qs = Place.objects.select_related("organisation").order_by("organisation__slug", "code")
    return [
        (
            p.organisation.slug, p.code, p.category, p.name, p.name_en, p.latitude, p.longitude, p.address,
            p.opening_hours, p.accessibility, p.phone, p.email, p.website, p.source, p.checked_on,
            p.illustrative,
        )
        for p in qs
    ]  # fmt: skip


TABLE = Table(
    "regija-kraji",
    "Kraji na zemljevidu",
    "Places on the map",
    "Javne točke, ki jih vodijo organizacije v Regiji (defibrilatorji, pitniki, brezplačni WiFi, avtobusna "
    "postajališča, kulturna dediščina …), z lego, naslovom, delovnim časom v zapisu OpenStreetMap, "
    "dostopnostjo, stiki, virom in datumom zadnjega preverjanja.",
    "Public points kept by the organisations in Regija (defibrillators, drinking fountains, free WiFi, bus "
    "stops, heritage sites …) with position, address, opening hours in OpenStreetMap's syntax, "
    "accessibility, contact, source and the date last checked.",
    ("kraji", "defibrilatorji", "pitniki", "wifi", "zemljevid"),
    ("places", "defibrillators", "drinking fountains", "wifi", "map"),
    ("REGI", "SOCI"),
    (
        Col(
            "organizacija",
            _S,
            "Organizacija, ki kraj vodi (slug)",
            "The organisation keeping the place (slug)",
        ),
        Col("oznaka", _S, "Oznaka kraja", "The place's code"),
        Col(
            "kategorija",
            _S,
            "Kategorija (aed, drinking-water, wifi …)",
            "PlaceCategory (aed, drinking-water, wifi …)",
        ),
        Col("ime", _S, "Ime", "Name"),
        Col("ime_en", _S, "Ime v angleščini", "Name in English"),
        Col("zemljepisna_sirina", _F, "Zemljepisna širina (WGS84)", "Latitude (WGS84)", "°"),
        Col("zemljepisna_dolzina", _F, "Zemljepisna dolžina (WGS84)", "Longitude (WGS84)", "°"),
        Col("naslov", _S, "Naslov", "Address"),
        Col("delovni_cas", _S, "Delovni čas (OpenStreetMap opening_hours)", "Opening hours (OpenStreetMap)"),
        Col("dostopnost", _S, "Dostopnost", "Accessibility"),
        Col("telefon", _S, "Telefon", "Telephone"),
        Col("e_posta", _S, "E-pošta", "E-mail"),
        Col("splet", _S, "Spletna stran", "Website"),
        Col("vir", _S, "Vir podatkov", "Source of the data"),
        Col("preverjeno", _D, "Datum zadnjega preverjanja", "Date last checked"),
        Col(
            "ponazoritev",
            _B,
            "Lega je ponazoritev, ne iz vira",
            "The position is illustrative, not from a source",
        ),
    ),
    rows,
    ("preverjeno",),
)
