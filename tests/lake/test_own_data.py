"""Regija's own data as datasets: one per kind of record, with the rows everyone sees, never a natural
person's name, a new version only when the data changed, and metadata that scores as excellent."""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import pytest
from django.core.management import call_command

from regija.calls.models import Application, ApplicationStatus, CallStatus
from regija.core.models import Organisation
from regija.governance.models import Decision
from regija.lake import own, tasks
from regija.lake.models import Dataset, Status
from regija.lake.storage import lake
from regija.lake.vocabularies import AccessRights, Licence
from regija.places.models import Place
from regija.projects.models import BudgetLine, Payment, Project
from regija.strategies.models import Alignment, Indicator, Node, Observation, Strategy
from tests.factories import (
    FundFactory,
    OrganisationFactory,
    project_with_money,
    recorded_application,
    recorded_call,
)

pytestmark = [pytest.mark.django_db, pytest.mark.bundled]


@pytest.fixture(autouse=True)
def _places():
    """The demo places of Velenje (the municipality comes with the seed documents): places have rows."""
    from regija.places.demo import load_demo

    load_demo()


SLUGS = [
    "regija-strategije",
    "regija-vozlisca",
    "regija-usklajenost",
    "regija-kazalniki",
    "regija-meritve",
    "regija-projekti",
    "regija-proracun",
    "regija-placila",
    "regija-rezultati-razpisov",
    "regija-sklepi",
    "regija-kraji",  # added by regija.places (lake.own.register_table)
]


def _rows(slug: str) -> list[dict]:
    dataset = Dataset.objects.get(slug=slug)
    assert dataset.current is not None
    con = duckdb.connect()
    cursor = con.execute("SELECT * FROM read_parquet(?)", [str(lake().local(dataset.current.key))])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_every_kind_of_record_is_a_published_dataset_with_all_its_rows():
    published = {p.slug: p for p in own.publish_own_data()}
    assert sorted(published) == sorted(SLUGS)
    decided = Application.objects.filter(
        call__status__in=[CallStatus.DECIDED, CallStatus.ARCHIVED],
        status__in=[ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.INELIGIBLE],
    )
    expected = {
        "regija-strategije": Strategy.objects.count(),
        "regija-vozlisca": Node.objects.count(),
        "regija-usklajenost": Alignment.objects.count(),
        "regija-kazalniki": Indicator.objects.count(),
        "regija-meritve": Observation.objects.count(),
        "regija-projekti": Project.objects.count(),
        "regija-proracun": BudgetLine.objects.count(),
        "regija-placila": Payment.objects.count(),
        "regija-rezultati-razpisov": decided.count(),
        "regija-sklepi": Decision.objects.count(),
        "regija-kraji": Place.objects.count(),
    }
    assert {slug: p.rows for slug, p in published.items()} == expected
    assert expected["regija-strategije"] == 5
    for slug in SLUGS:
        dataset = Dataset.objects.get(slug=slug)
        assert dataset.auto == f"regija:{slug}"
        assert dataset.status == Status.PUBLISHED
        assert dataset.publisher.slug == "regija"
        assert dataset.current.rows == expected[slug]
        assert dataset.licence == Licence.CC_BY_4_0 and dataset.access_rights == AccessRights.PUBLIC
        assert dataset.title_en and dataset.description_en and dataset.keywords_en and dataset.themes
        assert dataset.contact_email and dataset.provenance.startswith("Objavlja samodejno Regija")
        assert all(c.description and c.description_en for c in dataset.columns.all())
    # the period covered comes from the data: from 2019 (003 Gorenjska) to 2034 (000 Zasavje po 2027)
    strategies = Dataset.objects.get(slug="regija-strategije")
    assert (strategies.temporal_start.year, strategies.temporal_end.year) == (2019, 2034)
    assert set(strategies.spatial.values_list("slug", flat=True)) >= {"mov", "rra-zasavje"}


def test_the_rows_say_what_the_pages_say():
    own.publish_own_data()
    waste_claim_strategy = {r["strategija"]: r for r in _rows("regija-strategije")}
    assert waste_claim_strategy["velenje-pametno-mesto-2022-2030"]["lastniki"] == "Mestna občina Velenje"
    k59 = next(
        r
        for r in _rows("regija-kazalniki")
        if r["strategija"] == "velenje-pametno-mesto-2022-2030" and r["kazalnik"] == "K5.9"
    )
    assert k59["izhodisce"] == Decimal(8)


def test_no_natural_person_is_named():
    person = OrganisationFactory(kind="person", name="Janez Novak", slug="janez-novak")
    strategy = Strategy.objects.get(slug="zasavje-po-2027")
    fund = FundFactory(code="TEST-SKLAD")
    project_with_money(
        strategy=strategy,
        code="P-OSEBA",
        title="Obnova domačije",
        holder=person,
        municipality="Trbovlje",
        lat=46.15,
        lon=15.05,
        budget=[{"fund": fund, "amount": Decimal("1000")}],
        payments=[{"fund": fund, "amount": Decimal("500")}],
    )
    las = Organisation.objects.get(slug="rra-zasavje")
    call = recorded_call(las, slug="razpis-test", status=CallStatus.DECIDED, budget=[(fund, Decimal("5000"))])
    recorded_application(
        call,
        person,
        number=1,
        title="Obnova domačije",
        status=ApplicationStatus.APPROVED,
        funds=[(fund, Decimal("1000"), Decimal("800"))],
    )
    own.publish_own_data()
    results = [r for r in _rows("regija-rezultati-razpisov") if r["razpis"] == "razpis-test"]
    assert [(r["prijavitelj"], r["prijavitelj_vrsta"], r["zaproseno"], r["odobreno"]) for r in results] == [
        ("fizična oseba", "person", Decimal("1000.00"), Decimal("800.00"))
    ]
    projects = {r["projekt"]: r for r in _rows("regija-projekti") if r["strategija"] == "zasavje-po-2027"}
    assert projects["P-OSEBA"]["nosilec"] == "fizična oseba"
    assert (projects["P-OSEBA"]["obcina"], projects["P-OSEBA"]["lat"], projects["P-OSEBA"]["lon"]) == (
        None,
        None,
        None,
    )
    for slug in SLUGS:
        for row in _rows(slug):
            assert not any("Janez Novak" in str(v) or "janez-novak" in str(v) for v in row.values()), slug


def test_unchanged_data_adds_no_version_and_a_change_does():
    first = {p.slug: p.version for p in own.publish_own_data()}
    assert all(first.values())
    again = {p.slug: p.version for p in own.publish_own_data()}
    assert set(again.values()) == {None}
    project = Project.objects.filter(strategy__slug="zasavje-po-2027").order_by("code").first()
    project.title = "Nov naslov projekta"
    project.save()
    changed = {p.slug: p.version for p in own.publish_own_data()}
    assert changed["regija-projekti"] == first["regija-projekti"] + 1
    assert {slug for slug, v in changed.items() if v is not None} == {"regija-projekti"}


def test_a_committed_change_queues_the_publishing_once(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.publish_own_data_task, "schedule", lambda **kw: queued.append(kw))
    monkeypatch.setattr(tasks, "publish_slot_free", lambda: not queued)  # the shared cache's flag
    project = Project.objects.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        project.title = "Spremenjen naslov"
        project.save()
    with django_capture_on_commit_callbacks(execute=True):
        project.title = "Še enkrat spremenjen"
        project.save()
    assert queued == [{"delay": tasks.PUBLISH_DELAY}]


def test_every_automatically_published_dataset_scores_excellent():
    quality = pytest.importorskip("regija.lake.quality")  # lake-dcat's MQA score
    own.publish_own_data()
    for dataset in Dataset.objects.exclude(auto=""):
        assert quality.score(dataset).total >= 351, dataset.slug


def test_regija_publish_says_what_it_published(capsys):
    call_command("publish_own_data")
    first = capsys.readouterr().out.splitlines()
    assert first[0].startswith(("Bundled datasets: 13", "Priložene podatkovne zbirke: 13"))
    strategies = next(line for line in first if line.startswith("regija-strategije:"))
    # 5 rows, version 1 ("5 rows, version 1" / "vrstic 5, različica 1")
    assert re.search(r"\b5\b", strategies) and strategies.rstrip().endswith(" 1")
    call_command("publish_own_data", "--no-bundle")
    again = capsys.readouterr().out.splitlines()
    assert len(again) == len(SLUGS)
    assert all(not line.rstrip()[-1].isdigit() for line in again)  # "unchanged" everywhere
