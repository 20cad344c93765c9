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


# --- the analyzer's caches give what analysing every token of every text anew gives -----------------


def _reference_token(token: str) -> tuple[set[str], set[tuple[str, str]]]:
    """A token's terms and forms as the analyzer defines them, worked out anew."""
    codes, words = text.index_parts(token)
    found = set(codes)
    forms: set[tuple[str, str]] = set()
    for word in words:
        folded = fold(word)
        if folded in text.STOP_WORDS:
            continue
        lemmas = text.lemmas(word)
        if folded != word:
            forms |= {
                (folded[: text.MAX_TERM], lemma[: text.MAX_TERM]) for lemma in lemmas if lemma != folded
            }
        found |= {t[: text.MAX_TERM] for t in lemmas | {folded} if t}
    return found, forms


def _reference_terms(value: str | None) -> tuple[set[str], set[tuple[str, str]]]:
    """A text's terms and forms: those of every token."""
    found: set[str] = set()
    forms: set[tuple[str, str]] = set()
    for token in tokens(value or ""):
        token_found, token_forms = _reference_token(token)
        found |= token_found
        forms |= token_forms
    return found, forms


def _reference_weighted(fields: list[tuple[str | None, int]]) -> dict[str, int]:
    weights: dict[str, int] = {}
    for value, weight in fields:
        for term in _reference_terms(value)[0] if value else ():
            if weights.get(term, 0) < weight:
                weights[term] = weight
    return weights


TRICKY_TEXTS = [
    "Občinah, šolah in dediščini na Žalskem; (energetska) učinkovitost!",
    "OBČINE Občine občine «občine» občine. občine,občine",
    "Ukrep 5.1 in P4, JP1-01 (Šoštanj) 2021–2027 2021‒2027 2021−2027 a‐b a‑b – obdobje—konec",
    "www.velenje.si/obcina?x=1 RRP-U8.2.2-D1 1.1-A1 snake_case_word __init__ 5.",
    "x" * 70 + " " + "č" * 40 + "ab" * 20 + " " + "-".join(["savinjsko", "šaleška"] * 8),
    "tab\tnew\nline\u00a0nbsp\u2003em\u3000ideographic",
    "ΣΟΦΙΑΣ ΣΑΣ ÖSTERREICH İstanbul Ǆungla ﬁnančni",
    "",
    "in na za v z s ter ki je",
]


def test_terms_are_those_of_every_token_analysed_anew() -> None:
    text.forget_lemmas()
    for warm in (False, True):  # the first pass learns, the second reads the caches
        analyzer = Analyzer()
        expected_forms: set[tuple[str, str]] = set()
        for value in TRICKY_TEXTS:
            found, forms = _reference_terms(value)
            assert analyzer.terms(value) == found, (warm, value)
            expected_forms |= forms
            for token in tokens(value):
                assert analyzer.token_terms(token) == _reference_token(token)[0]
        assert analyzer.take_forms() == expected_forms
        assert ("obcine", "obcina") in expected_forms
    long_token = "a1" * 40  # token_terms() of a token longer than any of a text's: analysed whole
    assert Analyzer().token_terms(long_token) == {long_token}


def test_weighted_terms_keep_each_terms_highest_weight() -> None:
    analyzer = Analyzer()
    fields: list[tuple[str | None, int]] = [
        ("Energetska učinkovitost občin", 3),
        ("Učinkovitost in občine; OBČINE 5.1", 1),
        (None, 7),
        ("", 7),
        ("Šolah in muzejih", 0),  # weight 0: no term from it alone, but its forms count
        ("muzej 5.1 – energetska", 2),
        ("energetska", 3),
    ]
    weights = analyzer.weighted_terms(fields)
    assert weights == _reference_weighted(fields)
    assert weights["ucinkovitost"] == 3 and weights["5.1"] == 2 and "sola" not in weights
    assert ("solah", "sola") in analyzer.take_forms()
    assert analyzer.weighted_terms([]) == {}
    assert analyzer.weighted_terms([("Šolah", 0)]) == {}
    for value in TRICKY_TEXTS:
        fields = [(value, 2), (value[: len(value) // 2], 5), (value[len(value) // 3 :], 1)]
        assert analyzer.weighted_terms(fields) == _reference_weighted(fields)


def test_forms_are_given_out_once_per_analyzer_and_again_by_a_new_one() -> None:
    analyzer = Analyzer()
    analyzer.weighted_terms([("Muzeji radovljiške občine", 1)])
    first = analyzer.take_forms()
    assert ("obcine", "obcina") in first
    analyzer.weighted_terms([("občine", 1), ("šolah", 1)])
    second = analyzer.take_forms()
    assert ("obcine", "obcina") not in second and ("solah", "sola") in second
    analyzer.weighted_terms([("občine šolah", 1)])
    assert analyzer.take_forms() == set()
    other = Analyzer()
    other.weighted_terms([("občine", 1)])
    assert ("obcine", "obcina") in other.take_forms()
