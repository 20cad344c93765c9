"""Datasets for the page, staff and API tests, made through ``lake.services`` as a publisher would."""

from __future__ import annotations

import pytest

from regija.core.models import Organisation
from regija.lake import services


@pytest.fixture(autouse=True)
def _only_the_tests_datasets(request):
    """Every test session loads the bundled statistics as datasets (tests/conftest.py). The catalogue,
    API and DCAT-AP tests count and page the datasets they make, so the bundled ones are taken out of
    their way; a test marked ``bundled`` keeps them."""
    if request.node.get_closest_marker("bundled") or not (
        request.node.get_closest_marker("django_db") or "db" in request.fixturenames
    ):
        return
    from regija.lake.models import Dataset

    request.getfixturevalue("db")
    Dataset.objects.exclude(auto="").delete()


@pytest.fixture
def mov():
    return Organisation.objects.get(slug="mov")


@pytest.fixture
def editor(member, mov):
    return member("editor", mov)


@pytest.fixture
def make_dataset(editor, mov, tmp_path):
    """make_dataset(slug, csv_text, publish=True, **metadata) → a copied dataset with one version."""

    def make(slug, csv_text=None, *, publish=True, publisher=None, **data):
        dataset = services.dataset_create(
            editor,
            publisher=publisher or mov,
            data={"slug": slug, "title": data.pop("title", slug), **data},
            via="web",
        )
        if csv_text is not None:
            path = tmp_path / f"{slug}.csv"
            path.write_text(csv_text, encoding="utf-8")
            services.upload(editor, dataset, path, name=f"{slug}.csv", via="web")
            dataset.refresh_from_db()
        if publish:
            dataset = services.dataset_publish(editor, dataset, via="web")
        return dataset

    return make


AIR = (
    "postaja,datum,pm10,lon,lat\n"
    "Velenje,2023-01-15,21.5,15.1117,46.3592\n"
    "Šoštanj,2023-01-20,30,15.0486,46.3797\n"
    "Velenje,2023-02-15,18,15.1117,46.3592\n"
    "Topolšica,2023-03-01,12.25,15.0153,46.4031\n"
)
