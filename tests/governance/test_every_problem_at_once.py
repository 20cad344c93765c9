"""A governance file's problems – its format and its references, of the governance and of the calls – come
in one run, each placed by line and by the slugs and labels the officer wrote, a duplicate with the line
of the other use; nothing is written. What a strategy file of the same run defines is not called unknown
because that strategy file has a problem of its own."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from regija.calls.importer import import_files
from regija.calls.models import Call
from regija.cli import ALIASES
from regija.core.files import InvalidFile
from regija.core.models import Organisation
from regija.governance.models import Body, Session
from regija.strategies.models import Strategy

from .test_import import snapshot

pytestmark = pytest.mark.django_db

# rra-zasavje is an organisation of the loaded documents; ESRR a fund of theirs
MISTAKES = """\
regija-governance: 1
organisation: rra-zasavje
bodies:
  - slug: svet
    kind: other
    name: Svet RRA
    terms:
      - label: "2024"
        start: 2024-02-30
        members:
          - name: Ana Novak
            role: boss
          - name: Bojan Kos
            organisation: ni-take-organizacije
  - slug: svet
    kind: other
    name: Drugi svet
sessions:
  - body: svet
    number: 1
    date: 2024-03-01
    decisions:
      - {number: "1", text: Sklep o ustanovitvi}
      - {number: "1", text: Sklep o imenovanju}
calls:
  - number: "1"
    title: Javni poziv
    published: 2024-13-01
    funds:
      - {fund: ESRR, amount: 1000}
      - {fund: NI-SKLADA, amount: 1000}
"""


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the last line containing ``fragment``."""
    return max(i for i, line in enumerate(text.splitlines()) if fragment in line) + 1


def first_line_of(text: str, fragment: str) -> int:
    return min(i for i, line in enumerate(text.splitlines()) if fragment in line) + 1


def expected(text: str) -> dict[str, tuple[int, str]]:
    """field path, as the officer wrote the slugs and labels -> (line, what the message says)."""
    return {
        "bodies › svet › terms › 2024 › start": (
            line_of(text, "start: 2024-02-30"),
            "'2024-02-30' is not a real date (that month has no such day)",
        ),
        "bodies › svet › terms › 2024 › members › 1 › role": (
            line_of(text, "role: boss"),
            "'boss' is not allowed; use one of: 'chair', 'deputy', 'member'",
        ),
        "bodies › svet › terms › 2024 › members › 2 › organisation": (
            line_of(text, "ni-take-organizacije"),
            "unknown organisation 'ni-take-organizacije'",
        ),
        # both bodies are "svet": the path is the same, the lines tell them apart
        "bodies › svet › slug": (
            line_of(text, "- slug: svet"),
            f"duplicate body slug 'svet' (also at line {first_line_of(text, '- slug: svet')})",
        ),
        "sessions › 1 › decisions › 2 › number": (
            line_of(text, "Sklep o imenovanju"),
            "two decisions of this session with number '1' "
            f"(also at line {line_of(text, 'Sklep o ustanovitvi')})",
        ),
        "calls › 1 › published": (line_of(text, "2024-13-01"), "a month is from 1 to 12"),
        "calls › 1 › funds › 2 › fund": (line_of(text, "NI-SKLADA"), "unknown fund 'NI-SKLADA'"),
    }


def test_format_and_reference_problems_of_a_governance_file_come_in_one_run(write_file):
    path = write_file(MISTAKES, "rra.yaml")
    before = snapshot()
    with pytest.raises(InvalidFile) as info:
        import_files([path])
    assert snapshot() == before
    assert not Body.objects.filter(organisation__slug="rra-zasavje").exists()
    got = {p.field: p for p in info.value.problems}
    for field, (line, says) in expected(MISTAKES).items():
        assert field in got, f"{field} not reported; got {[str(p) for p in info.value.problems]}"
        assert got[field].line == line, (field, got[field].line, line)
        assert says in got[field].message, (field, got[field].message)
    assert len(info.value.problems) == len(expected(MISTAKES)), [str(p) for p in info.value.problems]
    # in the order of the file
    lines = [p.line for p in info.value.problems]
    assert lines == sorted(lines)


def test_regija_import_prints_them_all_and_writes_nothing(write_file):
    path = write_file(MISTAKES, "rra.yaml")
    err = StringIO()
    with pytest.raises(CommandError, match="7 problems found; nothing was imported"):
        call_command(ALIASES["import"], str(path), "--language", "en", stderr=err)
    printed = err.getvalue().splitlines()
    for field, (line, says) in expected(MISTAKES).items():
        assert any(p.startswith(f"{path}:{line}: {field}: ") and says in p for p in printed), (field, printed)
    assert not Body.objects.filter(organisation__slug="rra-zasavje").exists()


def test_a_reference_of_an_item_whose_own_field_is_wrong_is_reported_once(write_file):
    # the session's body is written wrongly: one format problem, not also "no body 'Svet RRA'"
    text = MISTAKES.replace("  - body: svet\n", "  - body: Svet RRA\n")
    with pytest.raises(InvalidFile) as info:
        import_files([write_file(text, "rra.yaml")])
    about_the_body = [p for p in info.value.problems if p.field == "sessions › 1 › body"]
    assert len(about_the_body) == 1, [str(p) for p in info.value.problems]
    assert "is not written as required" in about_the_body[0].message


# --- a strategy file with a problem in the same run ---------------------------------------------------

# the example strategy defines obcina-primer, zavod-primer, the fund OBC, strategy primer-strategija
GOVERNANCE_OF_THE_EXAMPLE = """\
regija-governance: 1
organisation: obcina-primer
bodies:
  - slug: komisija
    kind: evaluation_committee
    name: Komisija za ocenjevanje
    terms:
      - label: "2024"
        members:
          - {name: Ana Novak, role: chair, organisation: zavod-primer}
calls:
  - number: "1"
    strategy: primer-strategija
    node: "1.1"
    title: Javni poziv za digitalizacijo
    funds: [{fund: OBC, amount: 5000}]
    committee: {body: komisija, term: "2024"}
"""


def run_import(*paths) -> list[str]:
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(ALIASES["import"], *map(str, paths), "--language", "en", stderr=err)
    return err.getvalue().splitlines()


def test_what_a_failed_strategy_file_defines_is_not_called_unknown(write_file, example_text):
    assert not Organisation.objects.filter(slug__in=["obcina-primer", "zavod-primer"]).exists()
    strategy = write_file(example_text.replace("amount: 60000.00,", 'amount: "60.000,00 EUR",', 1))
    governance = write_file(GOVERNANCE_OF_THE_EXAMPLE, "primer.yaml")
    printed = run_import(governance, strategy)
    # only the strategy file's own problem: the organisations, the fund, the strategy and its node are
    # what that file defines
    assert len(printed) == 1, printed
    assert printed[0].startswith(f"{strategy}:") and "budget › 1 › amount" in printed[0]
    assert not Strategy.objects.filter(slug="primer-strategija").exists()
    assert not Call.objects.filter(title__startswith="Javni poziv za digitalizacijo").exists()
    assert not Session.objects.filter(body__organisation__slug="obcina-primer").exists()


def test_what_no_file_defines_is_still_reported_next_to_the_strategy_files_problem(write_file, example_text):
    strategy = write_file(example_text.replace("amount: 60000.00,", 'amount: "60.000,00 EUR",', 1))
    text = (
        GOVERNANCE_OF_THE_EXAMPLE.replace("organisation: zavod-primer", "organisation: zavod-drugje")
        .replace('node: "1.1"', 'node: "7.7"')
        .replace("fund: OBC", "fund: NI-SKLADA")
    )
    governance = write_file(text, "primer.yaml")
    printed = run_import(strategy, governance)
    assert len(printed) == 4, printed
    assert "budget › 1 › amount" in printed[0]
    assert printed[1] == (
        f"{governance}:{line_of(text, 'zavod-drugje')}: "
        "bodies › komisija › terms › 2024 › members › 1 › organisation: unknown organisation 'zavod-drugje'; "
        "give only organisation_name for an organisation that is not in the data"
    )
    assert printed[2] == (
        f"{governance}:{line_of(text, 'node:')}: calls › 1 › node: "
        "strategy 'primer-strategija' has no node '7.7'"
    )
    assert printed[3] == (
        f"{governance}:{line_of(text, 'NI-SKLADA')}: calls › 1 › funds › 1 › fund: "
        "unknown fund 'NI-SKLADA'; it is defined by the strategy files"
    )


def test_a_strategy_file_that_cannot_be_read_at_all_hides_no_unknown_reference_as_an_error(
    write_file, example_text
):
    # it could define anything: what is not stored is not called unknown, the YAML error is reported
    strategy = write_file(example_text.replace("owners: [obcina-primer]", "owners: [obcina-primer"))
    governance = write_file(GOVERNANCE_OF_THE_EXAMPLE, "primer.yaml")
    printed = run_import(strategy, governance)
    assert len(printed) == 1 and "not valid YAML" in printed[0], printed


def test_with_the_strategy_file_fixed_both_are_imported(write_file, example_text):
    strategy = write_file(example_text)
    governance = write_file(GOVERNANCE_OF_THE_EXAMPLE, "primer.yaml")
    call_command(ALIASES["import"], str(governance), str(strategy), "--language", "en", stdout=StringIO())
    call = Call.objects.get(organisation__slug="obcina-primer", number="1")
    assert [n.code for n in call.nodes.all()] == ["1.1"]
    assert call.applications.get().project.code == "P-1"
