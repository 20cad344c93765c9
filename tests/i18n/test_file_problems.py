"""An officer who runs `regija import` or the validator in the default language reads every problem of a
strategy file, a workbook or a governance file in Slovenian, with the officer's words (vozlišče,
organizacija, celica …); the path keeps the file's own keys. `--language en` gives English."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from regija.calls.importer import import_files as import_governance
from regija.cli import ALIASES
from regija.interchange.importer import import_files
from regija.interchange.reader import InvalidFile, load_file
from regija.interchange.validate import main
from tests.interchange.test_bad_input import replace_once
from tests.interchange.test_workbook import _person_workbook, _set

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LAS_GOVERNANCE = ROOT / "data" / "governance" / "las-zasavje.yaml"

# words of the English messages; none may be left in a Slovenian run
ENGLISH = re.compile(
    r" is not allowed|unknown |duplicate |required field|could not check| must be | is not | not a "
    r"|problem|nothing was|found| line \d|also at|\bthe\b| or ",
    re.IGNORECASE,
)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if fragment in line) + 1


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidFile) as info:
        import_files([path])
    return [str(p) for p in info.value.problems]


def test_the_default_language_is_slovenian():
    assert translation.get_language() == "sl"


def test_a_duplicate_node_code_names_both_lines(write_file, example_text):
    text = replace_once(
        example_text,
        "        source: Poglavje 3.1.1\n",
        '        source: Poglavje 3.1.1\n      - code: "1.1"\n        level: measure\n        title: Drugi\n',
    )
    path = write_file(text)
    first = line_of(text, 'code: "1.1"')
    second = line_of(text, "title: Drugi") - 2
    assert (
        f"{path}:{second}: nodes › 1 › 1.1 › code: podvojena šifra vozlišča '1.1' (tudi v vrstici {first})"
        in problems_of(path)
    )


def test_an_unknown_organisation(write_file, example_text):
    path = write_file(replace_once(example_text, "holder: zavod-primer", "holder: rra-x"))
    [problem] = problems_of(path)
    assert problem.endswith(
        "projects › P-1 › holder: neznana organizacija 'rra-x'; opredelite jo pod organisations"
    )


def test_a_missing_required_field(write_file, example_text):
    path = write_file(replace_once(example_text, "  title: Primer razvojne strategije\n", ""))
    [problem] = problems_of(path)
    assert problem.endswith("strategy › title: obvezno polje manjka")


def test_a_value_not_in_the_vocabulary(write_file, example_text):
    path = write_file(replace_once(example_text, "status: in_progress", "status: odobren"))
    [problem] = problems_of(path)
    assert problem.endswith(
        "projects › P-1 › status: 'odobren' ni dovoljena vrednost; uporabite eno od: 'idea', 'applied', "
        "'approved', 'in_progress', 'completed', 'withdrawn'"
    )


def test_an_amount_in_a_workbook_cell_that_cannot_be_read(tmp_path):
    _data, _where, problems = load_file(
        str(_person_workbook(tmp_path / "dolina.xlsx", _set("Proračun", "C2", "12.345")))
    )
    [problem] = problems
    assert problem.line == "Proračun!C2"
    assert problem.message.startswith(
        "'12.345' ni znesek, ki bi ga bilo mogoče zanesljivo prebrati; vpišite ga kot število ali kot "
        "12.345,67 oziroma 12345,67"
    )


def test_the_validator_says_in_slovenian_what_it_could_not_check(write_file, example_text, capsys):
    path = write_file(replace_once(example_text, "holder: zavod-primer", "holder: rra-x"))
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        f"{path}:" in out
        and "projects › P-1 › holder: ni bilo mogoče preveriti: organizacija 'rra-x' ni " in out
    )
    assert "1 datoteka je veljavna" in out
    assert "1 sklica ni bilo mogoče preveriti" in out and "--with FILE…" in out and "--database" in out
    assert not ENGLISH.search(out.replace(str(path), "")), out


def test_the_validator_speaks_english_when_asked(write_file, example_text, capsys):
    path = write_file(replace_once(example_text, "status: in_progress", "status: odobren"))
    assert main([str(path), "--language", "en"]) == 1
    out = capsys.readouterr().out
    assert "'odobren' is not allowed; use one of: 'idea'" in out and "1 problem found in 1 file" in out
    assert translation.get_language() == "sl"  # the language of the run is not left behind


MANY = [
    ("  title: Primer razvojne strategije\n", ""),  # a required field
    ("  owners: [obcina-primer]", "  owners: []"),
    ('reference: "sklep št. 7"}', 'reference: "sklep št. 7", url: "ftp://primer.si"}'),
    (
        "    name: Zavod Primer\n",
        "    name: Zavod Primer\n    country: si\n    lat: 100\n    spletna_stran: x\n",
    ),
    ("    title: Digitalna občina\n", "    title: Digitalna občina\n    planned_amount: -5\n"),
    (
        "        source: Poglavje 3.1.1\n",
        '        source: Poglavje 3.1.1\n      - code: "1.1"\n        level: Measure\n        title: ""\n',
    ),
    ('{from: "1.1", to: "2"', '{from: "1.1", to: {strategy: ni-je, code: X}'),
    ('    node: "1"\n', '    node: "9"\n'),
    ("{date: 2024-12-31, value: 5,", "{date: 2024-02-30, value: pet,"),
    ("holder: zavod-primer", "holder: rra-x"),
    ("status: in_progress", "status: odobren\n    sustainability_years: pet"),
    ("start: 2024-03", "start: 2024-13"),
    ("{fund: ESRR, amount: 60000.00, secured: yes}", '{fund: ESRX, amount: "60.000,00 EUR", secured: maybe}'),
    ("secured_amount: 10000.00", "secured_amount: 30000.00"),
    ("value: 2, source: Poglavje 3}", "value: 2.5, source: Poglavje 3}"),
]


def test_a_file_with_many_problems_is_reported_in_slovenian_only(write_file, example_text):
    text = example_text
    for old, new in MANY:
        text = replace_once(text, old, new)
    path = write_file(text)
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command(ALIASES["import"], str(path), stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) >= 20, lines
    messages = [line.split(": ", 2)[-1] for line in lines]  # without the file, line and path
    english = [m for m in messages if ENGLISH.search(m)]
    assert english == [], english
    assert str(info.value).startswith("Najdenih je ") and "uvoženo ni bilo nič" in str(info.value)
    # and the same file in English, when asked
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command(ALIASES["import"], str(path), "--language", "en", stderr=err)
    assert "problems found; nothing was imported" in str(info.value)
    assert "unknown organisation 'rra-x'" in err.getvalue()


def test_a_summary_says_what_was_written_in_slovenian(write_file, example_text):
    out = StringIO()
    call_command(ALIASES["import"], str(write_file(example_text)), stdout=out)
    assert out.getvalue().startswith("primer-strategija: dodano – ")
    assert "vozlišča: 3" in out.getvalue() and "projekti: 1" in out.getvalue()
    out = StringIO()
    call_command(ALIASES["import"], str(write_file(example_text)), stdout=out)
    assert out.getvalue().startswith("primer-strategija: brez sprememb (")


def test_a_yaml_syntax_error_is_explained_in_slovenian(write_file, example_text):
    text = replace_once(example_text, "  owners: [obcina-primer]", "  owners: [obcina-primer\n  x: 1")
    [problem] = problems_of(write_file(text))
    assert problem.endswith(
        ": neveljaven zapis YAML: seznam v oglatih oklepajih [ … ] ni zaprt z ] (ali pa manjka vejica)"
    )


def test_a_governance_file_problem_is_in_slovenian(write_file):
    text = LAS_GOVERNANCE.read_text(encoding="utf-8").replace(
        "          - name: Matija Brodar\n            role: member",
        "          - name: Matija Brodar\n            role: boss",
    )
    with pytest.raises(InvalidFile) as info:
        import_governance([write_file(text, "las.yaml")])
    [problem] = info.value.problems
    assert problem.message == "'boss' ni dovoljena vrednost; uporabite eno od: 'chair', 'deputy', 'member'"
