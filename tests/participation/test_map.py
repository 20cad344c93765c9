"""Proposals with a point are on the map of /pobude/: the page lists their places beside the map and gives
the map its points (title, point, page, municipality – never the author); the filters narrow it."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from regija.participation import services

pytestmark = pytest.mark.django_db


def _points(html: str) -> list[dict]:
    found = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else []


def test_proposals_with_a_point_are_on_the_map_and_the_others_are_not(client, place):
    lake = services.proposal_create(
        place.resident,
        services.ProposalData(
            organisation=place.town, title="Pomol na jezeru", text="Pomol.", lat=46.3601, lon=15.1103
        ),
    )
    html = client.get(reverse("participation:proposals"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    points = _points(html)
    assert [(p["title"], p["lat"], p["lon"], p["url"], p["place"]) for p in points] == [
        (
            "Pomol na jezeru",
            46.3601,
            15.1103,
            reverse("participation:proposal", args=[lake.pk]),
            place.town.name,
        )
    ]  # "Klopi v parku" of the fixture has no point
    assert "Places of the proposals" in html and "regija/map.js" in html
    assert "metka" not in json.dumps(points)  # the author is not on the map
    other = client.get(reverse("participation:proposals"), {"obcina": place.other.slug}).content.decode()
    assert _points(other) == [] and "regija/map.js" not in other  # no proposal there: no map
