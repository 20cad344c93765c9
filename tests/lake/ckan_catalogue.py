"""A small catalogue for the CKAN API tests: two publishers, datasets with data (CSV), a draft and a
private one, made through lake.services as the staff pages make them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from regija.core.models import Organisation
from regija.lake import services
from regija.lake.models import Dataset


@dataclass
class Catalogue:
    editor: object  # an editor of mov
    mov: Organisation
    rasr: Organisation
    air: Dataset  # published, mov, ENVI, CSV data
    budget: Dataset  # published, mov, ECON + GOVE
    tourism: Dataset  # published, rasr, EDUC, CC0
    draft: Dataset  # mov, not published
    private: Dataset  # mov, published but private
    link: Dataset  # published, rasr, a link to a source API


AIR_CSV = (
    "postaja,datum,pm10\n"
    "Velenje,2024-01-01,21\nŠoštanj,2024-01-01,30\nVelenje,2024-01-02,25\nTopolšica,2024-01-02,12\n"
)


def _csv(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def make_catalogue(member, tmp: Path, clock=None) -> Catalogue:
    mov = Organisation.objects.get(slug="mov")
    rasr = Organisation.objects.get(slug="rasr")
    editor = member("editor", mov)
    other = member("editor", rasr)

    def copy(user, org, slug, csv, **data):
        publish = data.pop("publish", True)
        dataset = services.dataset_create(user, publisher=org, data={"slug": slug, **data}, via="api")
        services.upload(user, dataset, _csv(tmp, f"{slug}.csv", csv), name=f"{slug}.csv", via="api")
        if publish:
            dataset = services.dataset_publish(user, dataset, via="api")
        return Dataset.objects.get(pk=dataset.pk)

    def at(moment: str) -> None:
        if clock is not None:
            clock(dt.datetime.fromisoformat(moment))

    at("2024-03-01T10:00:00+00:00")
    air = copy(
        editor,
        mov,
        "kakovost-zraka",
        AIR_CSV,
        title="Kakovost zraka v Šaleški dolini",
        title_en="Air quality in the Šalek Valley",
        description="Dnevne meritve delcev PM10 na merilnih postajah občin.",
        keywords=["zrak", "okolje"],
        themes=["ENVI"],
        frequency="DAILY",
        contact_name="Urad za okolje",
        contact_email="okolje@velenje.si",
        temporal_start=dt.date(2024, 1, 1),
    )
    at("2024-05-01T10:00:00+00:00")
    budget = copy(
        editor,
        mov,
        "proracun-mov",
        "leto,postavka,znesek\n2024,ceste,1000\n2024,sole,2500\n",
        title="Proračun Mestne občine Velenje",
        description="Odhodki proračuna po postavkah.",
        keywords=["proračun", "finance"],
        themes=["ECON", "GOVE"],
    )
    at("2024-07-01T10:00:00+00:00")
    tourism = copy(
        other,
        rasr,
        "nocitve-turistov",
        "mesec,nocitve\n2024-01,1200\n2024-02,1500\n",
        title="Nočitve turistov v Savinjski regiji",
        description="Število nočitev po mesecih.",
        keywords=["turizem"],
        themes=["EDUC"],
        licence="CC0",
    )
    at("2024-08-01T10:00:00+00:00")
    draft = copy(editor, mov, "osnutek-hrupa", "kraj,db\nVelenje,55\n", title="Hrup (osnutek)", publish=False)
    private = copy(
        editor, mov, "zasebni-stevci", "stevec,poraba\nA,10\n", title="Števci porabe", private=True
    )
    at("2024-09-01T10:00:00+00:00")
    link = services.dataset_create(
        other,
        publisher=rasr,
        data={
            "slug": "vozni-redi",
            "title": "Vozni redi avtobusov",
            "kind": "link",
            "source_url": "https://api.example.si/vozni-redi",
            "source_format": "json",
            "status": "published",
            "themes": ["TRAN"],
        },
        via="api",
    )
    if clock is not None:
        clock.stop()
    return Catalogue(editor, mov, rasr, air, budget, tourism, draft, private, Dataset.objects.get(pk=link.pk))
