"""A shared organisation or fund keeps, for every document, what that document says of it.

Regionalna razvojna agencija Zasavje is defined in two of the bundled documents: 000 (Zasavje po
2027) cites "Uvod" for it and 002 (LAS Zasavje, letno poročilo 2023) cites "Poglavje 4.1 e)" – see
the two files under data/strategies. Each document's export must give its own source, whichever
was imported last.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from regija.core.models import Organisation
from regija.interchange import exporter
from regija.interchange.importer import import_files, import_text
from regija.projects import consistency
from regija.projects.models import Fund, FundStatement
from regija.strategies.models import OrganisationStatement, Strategy

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ZASAVJE = ROOT / "data" / "strategies" / "000-zasavje-po-2027.yaml"
LAS = ROOT / "data" / "strategies" / "002-las-zasavje-2023.yaml"

# as the two files write it
SOURCE_000 = "Uvod"
SOURCE_002 = "Poglavje 4.1 e)"


def exported(slug: str) -> dict:
    return yaml.safe_load(exporter.to_yaml(Strategy.objects.get(slug=slug)))


def organisation(doc: dict, slug: str) -> dict:
    return next(o for o in doc["organisations"] if o["slug"] == slug)


def fund(doc: dict, code: str) -> dict:
    return next(f for f in doc["funds"] if f["code"] == code)


def test_each_document_exports_its_own_source_of_a_shared_organisation():
    # the seed loads 000 before 002, so 002 wrote last
    assert organisation(exported("zasavje-po-2027"), "rra-zasavje")["source"] == SOURCE_000
    assert organisation(exported("las-zasavje-2023"), "rra-zasavje")["source"] == SOURCE_002


def test_importing_one_documents_export_leaves_the_others_source(write_file):
    import_files([write_file(exporter.to_yaml(Strategy.objects.get(slug="las-zasavje-2023")), "002.yaml")])
    assert organisation(exported("zasavje-po-2027"), "rra-zasavje")["source"] == SOURCE_000
    import_files([write_file(exporter.to_yaml(Strategy.objects.get(slug="zasavje-po-2027")), "000.yaml")])
    assert organisation(exported("las-zasavje-2023"), "rra-zasavje")["source"] == SOURCE_002


def test_an_export_imported_elsewhere_keeps_each_documents_source(write_file, empty_database):
    text_000 = exporter.to_yaml(Strategy.objects.get(slug="zasavje-po-2027"))
    empty_database()
    # the other database has 002 first, then receives 000's export
    import_files([LAS])
    import_files([write_file(text_000, "000.yaml")])
    assert organisation(exported("las-zasavje-2023"), "rra-zasavje")["source"] == SOURCE_002
    assert organisation(exported("zasavje-po-2027"), "rra-zasavje")["source"] == SOURCE_000
    # the organisation itself shows the earliest loaded document's facts: here 002's
    assert Organisation.objects.get(slug="rra-zasavje").source == SOURCE_002


def test_the_organisation_shows_the_earliest_documents_facts_and_each_document_keeps_its_own(write_file):
    # the seed loaded 000 first: the organisation shows what 000 says, though 002 wrote last
    assert Organisation.objects.get(slug="rra-zasavje").source == SOURCE_000
    edited = LAS.read_text(encoding="utf-8").replace(
        "    name: Regionalna razvojna agencija Zasavje\n    short_name: RRA Zasavje\n",
        "    name: RRA Zasavje, d.o.o.\n    short_name: RRA Zasavje\n    website: https://www.rra-zasavje.si\n",
        1,
    )
    result = import_files([write_file(edited, "002.yaml")])[0]
    assert result.updated["organisation statements"] == 1
    org = Organisation.objects.get(slug="rra-zasavje")
    # 000 gives a name, so its name stays; only 002 gives a website, so that is shown
    assert (org.name, org.website, org.source) == (
        "Regionalna razvojna agencija Zasavje",
        "https://www.rra-zasavje.si",
        SOURCE_000,
    )
    las = organisation(exported("las-zasavje-2023"), "rra-zasavje")
    assert (las["name"], las["website"], las["source"]) == (
        "RRA Zasavje, d.o.o.",
        "https://www.rra-zasavje.si",
        SOURCE_002,
    )
    zasavje = organisation(exported("zasavje-po-2027"), "rra-zasavje")
    assert (zasavje["name"], zasavje.get("website")) == ("Regionalna razvojna agencija Zasavje", None)
    # the two names are a disagreement between the documents, which the check shows against 002
    found = [f for f in consistency.report() if f.check == "shared_facts"]
    assert [(f.strategy, f.object_code, f.stated, f.computed) for f in found] == [
        (
            "las-zasavje-2023",
            "rra-zasavje",
            "RRA Zasavje, d.o.o.",
            "Regionalna razvojna agencija Zasavje (zasavje-po-2027)",
        )
    ]
    assert [
        f for f in consistency.report(Strategy.objects.get(slug="las-zasavje-2023")) if f in found
    ] == found
    assert not [f for f in consistency.report(Strategy.objects.get(slug="zasavje-po-2027")) if f in found]


def test_the_bundled_documents_agree_on_what_they_share():
    # 000 and 002 give rra-zasavje the same name, short name and kind; 002 and 003 give CLLD the same names
    assert [f for f in consistency.report() if f.check == "shared_facts"] == []


def test_reimporting_an_unchanged_document_keeps_a_change_made_in_the_back_office():
    Organisation.objects.filter(slug="rra-zasavje").update(website="https://www.rra-zasavje.si")
    assert not import_files([LAS])[0].changed
    assert Organisation.objects.get(slug="rra-zasavje").website == "https://www.rra-zasavje.si"


def test_a_document_that_no_longer_defines_an_organisation_no_longer_states_it(example_text):
    import_text(example_text)
    assert OrganisationStatement.objects.filter(
        strategy__slug="primer-strategija", organisation__slug="zavod-primer"
    ).exists()
    # the file still names zavod-primer (responsible, holder) but takes it from the database
    without = example_text.replace(
        "  - slug: zavod-primer\n    name: Zavod Primer\n"
        "    kind: public_institute\n    parent: obcina-primer\n",
        "",
    )
    assert without != example_text
    result = import_text(without)
    assert result.deleted["organisation statements"] == 1
    assert Organisation.objects.filter(slug="zavod-primer").exists()  # organisations are shared: it stays


# --- funds ---------------------------------------------------------------------------------------------

DOCUMENT = """\
regija: 1
strategy:
  slug: {slug}
  title: Strategija {slug}
  owners: [obcina-primer]
  status: adopted
  source: {{title: Strategija {slug}}}
  levels:
    goal: {{sl: Cilj, en: Goal}}
organisations:
  - slug: obcina-primer
    name: Občina Primer
    kind: municipality
    source: {org_source}
funds:
  - code: SKUPNI
    name: {fund_name}
    source: {fund_source}
nodes:
  - code: "1"
    level: goal
    title: Cilj 1
"""


def test_a_shared_fund_keeps_each_documents_source():
    import_text(
        DOCUMENT.format(slug="prva", org_source="Uvod", fund_name="Skupni sklad", fund_source="Tabela 1")
    )
    import_text(
        DOCUMENT.format(
            slug="druga", org_source="Priloga", fund_name="Skupni sklad 2", fund_source="Tabela 7"
        )
    )
    assert fund(exported("prva"), "SKUPNI") == {
        "code": "SKUPNI",
        "name": "Skupni sklad",
        "source": "Tabela 1",
    }
    assert fund(exported("druga"), "SKUPNI") == {
        "code": "SKUPNI",
        "name": "Skupni sklad 2",
        "source": "Tabela 7",
    }
    # the fund shows the earlier document's facts
    assert (Fund.objects.get(code="SKUPNI").name, Fund.objects.get(code="SKUPNI").source) == (
        "Skupni sklad",
        "Tabela 1",
    )
    assert FundStatement.objects.filter(fund__code="SKUPNI").count() == 2
    # importing the first document's export again changes nothing of either
    assert not import_text(exporter.to_yaml(Strategy.objects.get(slug="prva"))).changed
    assert fund(exported("druga"), "SKUPNI")["source"] == "Tabela 7"


def test_a_document_exports_an_organisation_it_uses_but_does_not_define_without_anothers_source():
    import_text(
        DOCUMENT.format(slug="prva", org_source="Uvod", fund_name="Skupni sklad", fund_source="Tabela 1")
    )
    # the second document reuses the organisation and the fund from the database without defining them
    reuse = (
        DOCUMENT.format(slug="druga", org_source="-", fund_name="-", fund_source="-").split("organisations:")[
            0
        ]
        + 'nodes:\n  - code: "1"\n    level: goal\n    title: Cilj 1\n'
    )
    import_text(reuse)
    doc = exported("druga")
    assert organisation(doc, "obcina-primer") == {
        "slug": "obcina-primer",
        "name": "Občina Primer",
        "kind": "municipality",
        "country": "SI",
    }
