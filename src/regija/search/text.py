"""Slovenian text for the search index: tokens, lemmas and diacritic folding.

Every term in the index is an ASCII-folded lemma (or an ASCII-folded surface form or code):
``"občinah"`` is indexed as ``obcina`` (the lemma) and ``obcinah`` (the form), so the query words
"občina", "občine", "obcinah" or "obcina" all meet it.

Two lemmatisers are combined, because each misses what the other gets:

* lemmagen3 (rule based) lemmatises any word, also unknown and diacritic-less ones
  ("obcinah" → "obcina"), but sometimes cuts too much ("obcina" → "obcin");
* simplemma (dictionary based) is right for the words it knows ("zeleno" → "zelena"/"zelen").

A word is indexed under the union of both lemmas and its own folded form. Folding comes *after*
lemmatising: the lemmatisers need the real letters to find the right lemma.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable

# Longest term kept (longer "words" are URLs, IBANs and the like; they are cut, not dropped).
MAX_TERM = 64

# A word: letters and digits; joined by . - / into one token when there is no space ("5.1", "JP1-01",
# "savinjsko-šaleška", "www.velenje.si"). Underscore is not a word character here.
TOKEN_RE = re.compile(r"[^\W_]+(?:[.\-/][^\W_]+)*")
_SEGMENT_RE = re.compile(r"[-/]")
# En and em dashes and the minus sign join like a hyphen ("2021–2027" is the token "2021-2027").
_DASHES = str.maketrans(
    {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"}
)

# Function words that carry no meaning for search, as folded lower-case forms.
STOP_WORDS = frozenset(
    """
    a ali bi bo bodo bil bila bile bili bilo brez ce cez da do h in iz je jih jo k kar ker ki
    kjer ko kot le med na nad naj ne nas ni o ob od oz oziroma pa po pod pred pri s sa se
    skozi so ta te ter ti to tudi v vsa vse vsi z za ze
    """.split()
)

# Applied after lower(): the Slovenian letters directly (fast path), and letters NFKD does not split.
_FOLD = str.maketrans(
    {"č": "c", "š": "s", "ž": "z", "ć": "c", "đ": "d", "ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe"}
)


def fold(text: str) -> str:
    """Lower-case ASCII: č→c, š→s, ž→z, ć→c, đ→d, and any other accent dropped."""
    text = text.lower().translate(_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- lemmatisers (created once per process, on first use) ------------------------------------------

_lock = threading.Lock()
_lemmagen = None


def _lemmagen_lemmatizer():
    global _lemmagen
    if _lemmagen is None:
        with _lock:
            if _lemmagen is None:
                from lemmagen3 import Lemmatizer

                _lemmagen = Lemmatizer("sl")
    return _lemmagen


@functools.lru_cache(maxsize=200_000)
def _lemmas(word: str) -> frozenset[str]:
    import simplemma

    found = {
        fold(_lemmagen_lemmatizer().lemmatize(word)),
        fold(simplemma.lemmatize(word, lang="sl")),
    }
    found.discard("")
    return frozenset(found)


def forget_lemmas() -> None:
    """Empty the process's lemma and token caches (a benchmark's cold start; nothing else needs it)."""
    _lemmas.cache_clear()
    _token_cache.clear()


def lemmas(word: str) -> set[str]:
    """The folded lemmas of one lower-case word according to both lemmatisers (without the word itself).

    Remembered per process (the lemmatisers are the slow part of indexing a text).
    """
    return set(_lemmas(word))


# --- tokens ------------------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Lower-case tokens of a text, in order (codes and hyphenated words as one token)."""
    if not text:
        return []
    return [token[:MAX_TERM] for token in TOKEN_RE.findall(text.translate(_DASHES).lower())]


def _has_digit(token: str) -> bool:
    return any(ch.isdigit() for ch in token)


def _has_letter(token: str) -> bool:
    return any(ch.isalpha() for ch in token)


def is_stop_word(word: str) -> bool:
    return fold(word) in STOP_WORDS


def index_parts(token: str) -> tuple[list[str], list[str]]:
    """Split a token for indexing into (codes, words).

    Codes are kept whole and folded, never lemmatised: the token itself when it is joined
    ("1.1-a1", "savinjsko-saleska"), its dotted segments ("5.1", "u8.2.2") and any word with a digit
    ("p4", "jp3"). Words are the plain alphabetic parts, which are lemmatised.
    """
    codes: list[str] = []
    words: list[str] = []

    def atom(part: str) -> None:
        if not part or not _has_letter(part) and not part.isdigit():
            return
        if _has_digit(part):
            codes.append(fold(part))
        else:
            words.append(part)

    if not any(ch in token for ch in ".-/"):
        atom(token)
        return codes, words
    codes.append(fold(token))
    for segment in _SEGMENT_RE.split(token):
        if "." in segment:
            if segment != token:
                codes.append(fold(segment))
            for part in segment.split("."):
                if _has_letter(part):  # "www.velenje.si" → www, velenje, si; "5.1" adds nothing
                    atom(part)
        else:
            atom(segment)
    return codes, words


def query_words(text: str, max_words: int) -> list[tuple[str, bool]]:
    """The words of a query as (word, is_code), stop words removed, at most ``max_words``.

    A token with a digit is a code and must match whole ("5.1", "jp1-01", "p4"); a joined token
    without digits ("savinjsko-šaleška", "www.velenje.si") becomes its separate words.
    """
    words: list[tuple[str, bool]] = []
    seen: set[tuple[str, bool]] = set()
    for token in tokens(text):
        if _has_digit(token):
            parts = [(token, True)]
        else:
            parts = [(part, False) for part in re.split(r"[.\-/]", token) if part]
        for part in parts:
            if not part[1] and is_stop_word(part[0]):
                continue
            if part in seen:
                continue
            seen.add(part)
            words.append(part)
            if len(words) >= max_words:
                return words
    return words


# Per process: a token's index terms and the (folded form, lemma) pairs of its words written with
# diacritics. Every Analyzer reads it, so reindex_strategy() after each imported file lemmatises only
# words no file before it had. Emptied when full; its values are immutable.
_TOKEN_CACHE_MAX = 500_000
_token_cache: dict[str, tuple[frozenset[str], frozenset[tuple[str, str]]]] = {}


def _word_terms(word: str) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """Index terms of one lower-case alphabetic word (its folded lemmas and folded self), and for a
    word with diacritics how its bare form lemmatises."""
    folded = fold(word)
    found = lemmas(word)
    forms: set[tuple[str, str]] = set()
    if folded != word:  # the word had diacritics: remember how its bare form lemmatises
        forms = {(folded[:MAX_TERM], lemma[:MAX_TERM]) for lemma in found if lemma != folded}
    found.add(folded)
    return frozenset(t[:MAX_TERM] for t in found if t), frozenset(forms)


def _token_terms(token: str) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    cached = _token_cache.get(token)
    if cached is None:
        codes, words = index_parts(token)
        found = set(codes)
        forms: set[tuple[str, str]] = set()
        for word in words:
            if fold(word) not in STOP_WORDS:
                terms, word_forms = _word_terms(word)
                found |= terms
                forms |= word_forms
        cached = (frozenset(found), frozenset(forms))
        if len(_token_cache) >= _TOKEN_CACHE_MAX:
            _token_cache.clear()
        _token_cache[token] = cached
    return cached


class Analyzer:
    """Turns texts into index terms (one per rebuild or indexing run; tokens are remembered per process).

    ``forms`` collects, for words written with diacritics, their folded form → folded lemmas
    ("obcine" → {"obcina"}), so a query typed without č, š, ž can be lemmatised through the words
    actually seen in the data.
    """

    def __init__(self) -> None:
        self.forms: set[tuple[str, str]] = set()
        self._taken: set[tuple[str, str]] = set()  # forms take_forms() gave out already in this run

    def token_terms(self, token: str) -> frozenset[str]:
        """Index terms of one token (codes whole and in parts, words as lemmas)."""
        terms, forms = _token_terms(token)
        if forms:
            self.forms |= forms
        return terms

    def terms(self, text: str) -> set[str]:
        """All index terms of a text (stop words left out)."""
        found: set[str] = set()
        for token in tokens(text):
            found.update(self.token_terms(token))
        return found

    def weighted_terms(self, fields: Iterable[tuple[str | None, int]]) -> dict[str, int]:
        """Terms of several fields, each with the highest weight of a field it occurs in."""
        weights: dict[str, int] = {}
        for text, weight in fields:
            if not text:
                continue
            for term in self.terms(text):
                if weights.get(term, 0) < weight:
                    weights[term] = weight
        return weights

    def take_forms(self) -> set[tuple[str, str]]:
        """The forms seen since the last call that no earlier call gave out."""
        forms, self.forms = self.forms - self._taken, set()
        self._taken |= forms
        return forms


def query_terms(word: str, is_code: bool) -> set[str]:
    """What one query word may match before the forms table is consulted."""
    folded = fold(word)[:MAX_TERM]
    if is_code:
        return {folded}
    return {t[:MAX_TERM] for t in lemmas(word)} | {folded}
