"""The permission matrix's world of places: one place PL of A (a defibrillator), saved through the places
service by Regija itself, as the bundled places are."""

from __future__ import annotations


def build(w) -> None:
    from regija.places import services

    w["PL"] = services.place_save(
        None,
        w["A"],
        {
            "code": "matrika-aed",
            "category": "aed",
            "name": "Matrika AED",
            "latitude": "46.3592",
            "longitude": "15.1103",
        },  # fmt: skip
        via="import",
    )
