"""`regija check` speaks one language throughout: Slovenian by default and under --language sl, English
under --language en – headings, findings, amounts and dates alike. The figures' labels are the
documents' own words and stay as written."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

# Fragments of the report's English wording (its message ids): none may show in a Slovenian report.
ENGLISH = [
    "Contradictions",
    "Stated figures",
    "stated",
    "in the data",
    "from the rows",
    "the data",
    "paid ",
    " of ",
    "approved",
    "above approval",
    "differ between sources",
    "links (",
    "in the territory",
    "partly secured",
    "budget line",
    "no project",
]


def _check(*args) -> str:
    out = io.StringIO()
    call_command("consistency", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("args", [(), ("--language", "sl")])
def test_slovenian_report_has_no_english_word(args):
    text = _check(*args)
    assert text.startswith("Neskladja (")
    assert "Navedeni podatki, ki jih podatki ne morejo potrditi (" in text
    for line in text.splitlines():
        for fragment in ENGLISH:
            assert fragment not in line, f"{fragment!r} in {line!r}"
    # the new kinds of figure read in Slovenian too (sources 001, 002 and 003)
    assert "v podatkih: 16 (" in text  # 15 countries stated
    assert "izplačano 1.658,86 € od odobrenih 24.502,46 €" in text
    assert "datum v podatkih: IC-6" in text and "29. 11. 2019" in text
    assert "v območju strategije las-zasavje-2023: 3 (Hrastnik, Trbovlje, Zagorje ob Savi)" in text


def test_english_report():
    text = _check("--language", "en")
    assert text.startswith("Contradictions (")
    assert "Stated figures that the data cannot verify (" in text
    assert "€1,675,262.39" in text and "1.675.262,39" not in text
    assert "paid €1,658.86 of €24,502.46" in text
    assert "16 in the data: ES, FI, FR, GR, HR, HU, IE, IT, LT, LV, PL, PT, RO, RS, SE, SI" in text
    assert "the data dates IC-6" in text and "29 November 2019" in text
    assert "Neskladja" not in text and "v podatkih" not in text


@pytest.mark.parametrize(
    "language,message", [("sl", "Strategije „ni-take“ ni."), ("en", "There is no strategy “ni-take”.")]
)
def test_unknown_strategy_is_named_in_the_language(language, message):
    with pytest.raises(CommandError, match=message):
        _check("ni-take", "--language", language)


@pytest.mark.parametrize("language,message", [("sl", "neskladij"), ("en", "contradictions")])
def test_strict_fails_in_the_language(language, message):
    with pytest.raises(CommandError, match=message):
        _check("--strict", "--language", language)
