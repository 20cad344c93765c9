"""Tokens, folding and lemmas for the Slovenian search index (no database)."""

from __future__ import annotations

from regija.search import text
from regija.search.text import Analyzer, fold, query_terms, query_words, tokens


def test_fold_removes_slovenian_and_other_diacritics():
    assert fold("ČŠŽ čšž ćđ Ćđ") == "csz csz cd cd"
    assert fold("Mestna občina Velenje") == "mestna obcina velenje"
    assert fold("Müller, Éva") == "muller, eva"


def test_tokens_keep_codes_and_slovenian_letters():
    assert list(tokens("Ukrep 5.1 in P4, JP1-01 (Šoštanj).")) == [
        "ukrep",
        "5.1",
        "in",
        "p4",
        "jp1-01",
        "šoštanj",
    ]
    # an en dash between digits joins like a hyphen; a spaced dash does not
    assert list(tokens("2021–2027 – obdobje")) == ["2021-2027", "obdobje"]


def test_query_words_drop_stop_words_and_mark_codes():
    assert query_words("Projekti na Gorenjskem in v Zasavju za P4", 12) == [
        ("projekti", False),
        ("gorenjskem", False),
        ("zasavju", False),
        ("p4", True),
    ]
    assert query_words("in na za v z s ter ki je", 12) == []
    assert query_words("savinjsko-šaleška", 12) == [("savinjsko", False), ("šaleška", False)]


def test_long_queries_keep_the_first_words():
    words = query_words(" ".join(f"beseda{i}x" if i % 2 else "mesto" for i in range(100)), 12)
    assert len(words) == 12


def test_inflected_forms_share_a_lemma():
    analyzer = Analyzer()
    for word in ("projekti", "projektov", "projekt"):
        assert "projekt" in analyzer.terms(word)
        assert "projekt" in query_terms(word, False)


def test_every_indexed_term_is_folded():
    terms = Analyzer().terms("Občinah, šolah in dediščini na Žalskem; energetska učinkovitost")
    assert terms == {t for t in terms if t.isascii()}
    assert {"obcina", "obcinah", "sola", "dediscina", "energetski", "ucinkovitost"} <= terms
    assert "na" not in terms and "in" not in terms


def test_diacritic_less_query_words_still_reach_the_lemma():
    assert "obcina" in query_terms("obcinah", False)
    assert "ucinkovitost" in query_terms("ucinkovitost", False)
    assert "dediscina" in query_terms("dediscina", False)
    assert "sola" in query_terms("solah", False)


def test_forms_table_remembers_how_bare_forms_lemmatise():
    # "obcine" alone does not lemmatise to "obcina" (lemmagen cuts it to "obcin"): the forms table,
    # filled from words seen with diacritics, gives the way there
    assert "obcina" not in query_terms("obcine", False)
    analyzer = Analyzer()
    analyzer.terms("Muzeji radovljiške občine")
    assert ("obcine", "obcina") in analyzer.take_forms()


def test_codes_are_indexed_whole_and_by_their_parts():
    terms = Analyzer().terms("1.1-A1 JP3 RRP-U8.2.2-D1 www.velenje.si")
    assert {"1.1-a1", "1.1", "a1", "jp3", "rrp-u8.2.2-d1", "u8.2.2", "rrp", "d1", "velenje"} <= terms
    assert query_terms("5.1", True) == {"5.1"}


def test_lemmatizer_is_created_once():
    first = text._lemmagen_lemmatizer()
    assert text._lemmagen_lemmatizer() is first
