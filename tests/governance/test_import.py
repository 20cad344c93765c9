"""Importing governance files: errors name file, line and path and write nothing; a second import changes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from regija.calls.importer import import_files
from regija.calls.models import Application, ApplicationFund, Call, CommitteeSeat
from regija.cli import ALIASES
from regija.core.files import InvalidFile
from regija.core.models import AuditEntry, Organisation
from regija.governance.fileformat import is_governance_file
from regija.governance.models import AgendaItem, Body, Decision, Member, Session, Term
from regija.projects.models import BudgetLine, Payment, Project

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LAS_FILE = ROOT / "data" / "governance" / "las-zasavje.yaml"
TEXT = LAS_FILE.read_text(encoding="utf-8")


def snapshot() -> dict:
    """Every governance and call row with its fields, and the projects with their money."""
    models = [
        Body,
        Term,
        Member,
        Session,
        AgendaItem,
        Decision,
        Call,
        CommitteeSeat,
        Application,
        ApplicationFund,
    ]
    rows = {m.__name__: sorted(map(repr, m.objects.values_list())) for m in models}
    rows["links"] = sorted(Call.nodes.through.objects.values_list("call_id", "node_id"))
    for m in (Project, BudgetLine, Payment):
        rows[m.__name__] = sorted(map(repr, m.objects.values_list()))
    return rows


def problems_of(path) -> list[str]:
    with pytest.raises(InvalidFile) as exc:
        import_files([path])
    return [str(p) for p in exc.value.problems]


def test_reimport_changes_nothing():
    before = snapshot()
    audit = AuditEntry.objects.count()
    [result] = import_files([LAS_FILE])
    assert not result.changed
    assert "unchanged" in result.summary()
    assert snapshot() == before
    assert AuditEntry.objects.count() == audit  # nothing changed, nothing to log


def test_an_edited_file_changes_only_what_was_edited_and_back(write_file):
    before = snapshot()
    member_ids = set(Member.objects.values_list("pk", flat=True))
    edited = TEXT.replace("          - name: Tina Mikuš\n            role: member\n", "").replace(
        "date: 2023-02-22", "date: 2023-02-23"
    )
    assert edited != TEXT
    [result] = import_files([write_file(edited, "las.yaml")])
    assert result.deleted["members"] == 1
    assert (
        result.created["sessions"] == 1 and result.deleted["sessions"] == 1
    )  # a session is known by its date
    assert not Member.objects.filter(name="Tina Mikuš").exists()
    assert Session.objects.filter(body__slug="upravni-odbor", number=16, date="2023-02-23").exists()
    assert set(Member.objects.values_list("pk", flat=True)) < member_ids  # the others kept their rows
    entry = AuditEntry.objects.filter(action="import").latest("pk")
    assert entry.object_repr == "LAS Zasavje" and entry.changes["deleted members"] == [None, 1]
    import_files([LAS_FILE])
    after = snapshot()
    # back as it was, apart from the row ids of what was re-created
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    assert after["Project"] == before["Project"] and after["BudgetLine"] == before["BudgetLine"]
    assert Member.objects.filter(name="Tina Mikuš").count() == 1


def test_another_organisation_is_left_alone(write_file):
    other = write_file(
        "regija-governance: 1\norganisation: rra-zasavje\nbodies:\n"
        "  - {slug: svet, kind: other, name: Svet RRA, "
        "terms: [{label: '2024', members: [{name: Ana Novak, role: chair}]}]}\n",
        "rra.yaml",
    )
    import_files([other])
    las_before = snapshot()
    import_files([LAS_FILE])
    assert snapshot() == las_before
    assert Body.objects.filter(organisation__slug="rra-zasavje").count() == 1
    # and an import for the other one leaves the LAS as it is
    import_files([other])
    assert Body.objects.filter(organisation__slug="las-zasavje").count() == 5


BAD_ROLE = TEXT.replace(
    "          - name: Matija Brodar\n            role: member",
    "          - name: Matija Brodar\n            role: boss",
)


def test_a_wrong_value_names_file_line_and_path(write_file):
    path = write_file(BAD_ROLE, "las.yaml")
    before = snapshot()
    [problem] = problems_of(path)
    line = BAD_ROLE.splitlines().index("            role: boss") + 1
    assert problem.startswith(
        f"{path}:{line}: bodies › upravni-odbor › terms › 2015–2018 › members › 5 › role: "
        "'boss' is not allowed"
    )
    assert problem.endswith("use one of: 'chair', 'deputy', 'member'")
    assert snapshot() == before


@pytest.mark.parametrize(
    "old, new, path, message",
    [
        ("organisation: las-zasavje", "organisation: ni-je", "organisation", "unknown organisation 'ni-je'"),
        ("regija-governance: 1", "regija-governance: 2", "regija-governance", "format version is not known"),
        (
            "            organisation: chipolo\n",
            "            organisation: chipolo-doo\n",
            "bodies › nadzorni-odbor › terms › 2015–2018 › members › 3 › organisation",
            "unknown organisation 'chipolo-doo'",
        ),
        (
            "session: {body: upravni-odbor, kind: regular, number: 19, date: 2018-05-28}",
            "session: {body: upravni-odbor, kind: regular, number: 19, date: 2018-05-29}",
            "bodies › odbor-za-ocenjevanje › terms › 3. javni poziv › appointed_by › session",
            "no such session under sessions",
        ),
        (
            '          decision: "2"',
            '          decision: "3"',
            "bodies › odbor-za-ocenjevanje › terms › 3. javni poziv › appointed_by › decision",
            "lists no decision '3'",
        ),
        ("    node: JP5\n", "    node: JP9\n", "calls › 5 › node", "has no node 'JP9'"),
        (
            'committee: {body: odbor-za-ocenjevanje, term: "3. javni poziv"}',
            'committee: {body: odbor-za-ocenjevanje, term: "3. poziv"}',
            "calls › 3 › committee › term",
            "has no term '3. poziv'",
        ),
        ("    date: 2023-12-14\n", "    date: 2023-12-32\n", "sessions › 9 › date", "not a real date"),
        ("    end_date: 2023-06-02\n", "    end_date: 2023-05-02\n", "sessions › 10", "is before date"),
        (
            "  - body: nadzorni-odbor\n    kind: regular\n",
            "  - body: nadzorni-odbor\n    kind: regular\n    end_date: 2023-04-05\n",
            "sessions › 17",
            "only a correspondence session has an end_date",
        ),
        (
            "    number: 13\n    held: false\n",
            "    number: 13\n    held: true\n",
            "sessions › 11",
            "needs its date",
        ),
        ('  - number: "5"\n', '  - number: "4"\n', "calls › 5 › number", "duplicate call number '4'"),
        (
            "    published: 2021-10-01\n",
            "    published: 2021-10-01\n    deadline: 2021-11-01\n",
            "calls › 5 › deadline",
            "unknown field",
        ),
    ],
)
def test_problems_are_reported_by_path_and_nothing_is_written(write_file, old, new, path, message):
    assert old in TEXT
    bad = write_file(TEXT.replace(old, new, 1), "las.yaml")
    before = snapshot()
    problems = problems_of(bad)
    assert any(f": {path}: " in p and message in p for p in problems), problems
    assert snapshot() == before


def test_an_error_in_a_later_file_rolls_back_the_earlier_one(write_file):
    good = write_file(
        "regija-governance: 1\norganisation: rra-zasavje\n"
        "bodies: [{slug: svet, kind: other, name: Svet RRA}]\n",
        "a.yaml",
    )
    bad = write_file(
        "regija-governance: 1\norganisation: obcina-trbovlje\n"
        "bodies: [{slug: svet, kind: council, name: Svet}]\n",
        "b.yaml",
    )
    with pytest.raises(InvalidFile) as exc:
        import_files([good, bad])
    assert "bodies › svet › kind" in str(exc.value)
    assert not Body.objects.filter(organisation__slug__in=["rra-zasavje", "obcina-trbovlje"]).exists()


def test_not_yaml_and_not_a_mapping(write_file):
    assert "not valid YAML" in problems_of(write_file("bodies: [\n", "x.yaml"))[0]
    assert "must be a YAML mapping" in problems_of(write_file("- 1\n", "y.yaml"))[0]


def test_dry_run_writes_nothing():
    Body.objects.filter(organisation__slug="las-zasavje").delete()
    [result] = import_files([LAS_FILE], dry_run=True)
    assert result.created["bodies"] == 5
    assert not Body.objects.filter(organisation__slug="las-zasavje").exists()


def test_regija_import_takes_strategy_and_governance_files(capsys):
    assert is_governance_file(LAS_FILE)
    assert not is_governance_file(ROOT / "data" / "strategies" / "002-las-zasavje-2023.yaml")
    Call.objects.filter(organisation__slug="las-zasavje").update(title="x")
    # the governance file first on the command line: strategy files are still loaded before it
    call_command(
        ALIASES["import"],
        str(LAS_FILE),
        str(ROOT / "data" / "strategies" / "002-las-zasavje-2023.yaml"),
        "--language",
        "en",
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("las-zasavje-2023: unchanged")
    assert out[1].startswith("las-zasavje: updated 5 calls")
    assert Call.objects.get(organisation__slug="las-zasavje", number="1").title.startswith("1. javni poziv")


def test_regija_import_of_a_bad_governance_file_fails_and_names_the_problem(write_file, capsys):
    path = write_file(BAD_ROLE, "las.yaml")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(ALIASES["import"], str(path), "--language", "en")
    assert "members › 5 › role" in capsys.readouterr().err


def test_import_governance_command(capsys):
    call_command("import_governance", str(LAS_FILE), "--dry-run", "--language", "en")
    out = capsys.readouterr().out
    assert "las-zasavje: unchanged" in out and "dry run" in out


def test_up_loads_governance_after_the_strategies(capsys, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path  # `up` collects the static files
    Application.objects.filter(call__organisation__slug="las-zasavje").delete()
    Call.objects.filter(organisation__slug="las-zasavje").delete()
    Body.objects.all().delete()
    call_command("up", "--no-serve")
    assert "governance of las-zasavje ready" in capsys.readouterr().out
    assert Body.objects.filter(organisation__slug="las-zasavje").count() == 5
    assert Application.objects.filter(call__organisation__slug="las-zasavje").count() == 40
    call_command("up", "--no-serve")  # a second start leaves the data alone
    assert "governance" not in capsys.readouterr().out


def test_the_organisation_is_the_audited_object():
    Body.objects.filter(organisation__slug="las-zasavje", slug="skupscina").update(name="x")
    import_files([LAS_FILE])
    entry = AuditEntry.objects.filter(action="import").latest("pk")
    assert entry.object_id == str(Organisation.objects.get(slug="las-zasavje").pk)
    assert entry.changes["updated bodies"] == [None, 1]
