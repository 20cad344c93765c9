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
import sys
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
    _token_forms.clear()
    _chunk_cache.clear()
    _chunk_forms.clear()
    _form_chunks.clear()


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


# Per process: the index terms of every token met, and for the tokens whose words had diacritics
# the (folded form, lemma) pairs of those words. The same for every chunk of text between whitespace
# as written ("Občinah," → its tokens' terms; no token crosses whitespace, so a text's tokens are its
# chunks' tokens), with the chunks that have forms in a set of their own: a text whose chunks are
# known costs a split() and dict lookups. Every Analyzer reads them, so reindex_strategy() after each
# imported file lemmatises only words no file before it had. Each cache is emptied when full; their
# values are immutable.
_TOKEN_CACHE_MAX = 500_000
_token_cache: dict[str, frozenset[str]] = {}
_token_forms: dict[str, frozenset[tuple[str, str]]] = {}
_chunk_cache: dict[str, frozenset[str]] = {}
_chunk_forms: dict[str, frozenset[tuple[str, str]]] = {}
_form_chunks: set[str] = set()


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


def _analyse(token: str) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    codes, words = index_parts(token)
    found = set(codes)
    forms: set[tuple[str, str]] = set()
    for word in words:
        if fold(word) not in STOP_WORDS:
            terms, word_forms = _word_terms(word)
            found |= terms
            forms |= word_forms
    return frozenset(found), frozenset(forms)


def _learn(token: str) -> frozenset[str]:
    """Analyse a token (at most MAX_TERM long) not in the cache and remember its terms and forms."""
    terms, forms = _analyse(token)
    # one object per term text: the sets of a text's chunks are merged by hash and identity
    terms = frozenset(map(sys.intern, terms))
    if len(_token_cache) >= _TOKEN_CACHE_MAX:
        _token_cache.clear()
        _token_forms.clear()
    if forms:
        _token_forms[token] = forms
    _token_cache[token] = terms
    return terms


def _learn_chunk(chunk: str) -> frozenset[str]:
    """Terms of a chunk of text without whitespace not in the cache (and its forms), remembered."""
    found: set[str] = set()
    forms: set[tuple[str, str]] = set()
    for token in tokens(chunk):
        terms = _token_cache.get(token)
        if terms is None:
            terms = _learn(token)
        found |= terms
        if token in _token_forms:
            forms |= _token_forms[token]
    if len(_chunk_cache) >= _TOKEN_CACHE_MAX:
        _chunk_cache.clear()
        _chunk_forms.clear()
        _form_chunks.clear()
    if forms:
        _chunk_forms[chunk] = frozenset(forms)
        _form_chunks.add(chunk)
    terms = _chunk_cache[chunk] = frozenset(found)
    return terms


class Analyzer:
    """Turns texts into index terms (one per rebuild or indexing run; tokens are remembered per process).

    ``forms`` collects, for words written with diacritics, their folded form → folded lemmas
    ("obcine" → {"obcina"}), so a query typed without č, š, ž can be lemmatised through the words
    actually seen in the data.
    """

    def __init__(self) -> None:
        self.forms: set[tuple[str, str]] = set()
        self._taken: set[tuple[str, str]] = set()  # forms take_forms() gave out already in this run
        # chunks (of _chunk_cache) whose forms are in self.forms already (adding them again changes nothing)
        self._form_chunks: set[str] = set()

    def token_terms(self, token: str) -> frozenset[str]:
        """Index terms of one token (codes whole and in parts, words as lemmas)."""
        if len(token) > MAX_TERM:  # not a token of a text (those are cut): analysed, not remembered
            terms, forms = _analyse(token)
        else:
            terms = _token_cache.get(token)
            if terms is None:
                terms = _learn(token)
            forms = _token_forms.get(token, frozenset())
        if forms:
            self.forms |= forms
        return terms

    def terms(self, text: str) -> set[str]:
        """All index terms of a text (stop words left out)."""
        if not text:
            return set()
        chunks = text.split()
        try:
            found = set().union(*map(_chunk_cache.__getitem__, chunks))
        except KeyError:  # a chunk not met before in this process
            found = set()
            for chunk in chunks:
                terms = _chunk_cache.get(chunk)
                if terms is None:
                    terms = _learn_chunk(chunk)
                found |= terms
                if chunk in _form_chunks and chunk not in self._form_chunks:
                    self._form_chunks.add(chunk)
                    self.forms |= _chunk_forms[chunk]
            return found
        with_forms = _form_chunks.intersection(chunks)
        if with_forms and not with_forms <= self._form_chunks:
            for chunk in with_forms - self._form_chunks:
                self.forms |= _chunk_forms.get(chunk, frozenset())
            self._form_chunks |= with_forms
        return found

    def weighted_terms(self, fields: Iterable[tuple[str | None, int]]) -> dict[str, int]:
        """Terms of several fields, each with the highest weight of a field it occurs in."""
        # Every field's forms are collected; a field of weight 0 or less gives no term a weight (one
        # that is not there yet stays out). The others are applied lowest weight first, so that each
        # term ends with its highest.
        weighted = []
        for text, weight in fields:
            if text:
                found = self.terms(text)
                if weight > 0:
                    weighted.append((weight, found))
        if len(weighted) > 1:
            weighted.sort(key=_weight)
        if not weighted:
            return {}
        weights = dict.fromkeys(weighted[0][1], weighted[0][0])
        for weight, found in weighted[1:]:
            weights.update(dict.fromkeys(found, weight))
        return weights

    def take_forms(self) -> set[tuple[str, str]]:
        """The forms seen since the last call that no earlier call gave out."""
        forms, self.forms = self.forms - self._taken, set()
        self._form_chunks = set()
        self._taken |= forms
        return forms


def _weight(weighted: tuple[int, set[str]]) -> int:
    return weighted[0]


def query_terms(word: str, is_code: bool) -> set[str]:
    """What one query word may match before the forms table is consulted."""
    folded = fold(word)[:MAX_TERM]
    if is_code:
        return {folded}
    return {t[:MAX_TERM] for t in lemmas(word)} | {folded}
