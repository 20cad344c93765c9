"""JSON-LD for the broker: the core @context held here, user contexts, term expansion and compaction.

The core @context (``data/ngsi-ld-core-context.jsonld``, Annex B of ETSI GS CIM 009) is read from the
file and never fetched: every known address of it is answered from the file. Any other context given
by URL is fetched once, with a time limit and a size limit, only from the addresses the
``REGIJA_NGSI_CONTEXT_ALLOW`` setting allows (prefixes; empty: any http(s) address), and kept in
Django's cache for ``REGIJA_NGSI_CONTEXT_CACHE_SECONDS`` and in the process's memory (at most 256
contexts); an address that cannot be read raises ``ContextNotAvailable`` (503 LdContextNotAvailable).

Terms are expanded and compacted by pyld, the JSON-LD processor, all the terms of one request in one
call: the terms are written as the ``@type`` values of a small document, which JSON-LD expands and
compacts by the same rule as property names (IRI expansion relative to the vocabulary).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import time
import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from pyld import jsonld

CORE_CONTEXT_URL = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld"
# Every published address of the core @context is answered from the file, never fetched.
CORE_CONTEXT_URLS = frozenset(
    {"https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"}
    | {f"https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.{n}.jsonld" for n in range(3, 10)}
)
NGSI_LD = "https://uri.etsi.org/ngsi-ld/"
DEFAULT_VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"


class ContextNotAvailable(Exception):
    """A user @context given by URL that could not be read (or is not allowed)."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"The @context {url} is not available: {reason}")
        self.url = url
        self.reason = reason


class InvalidContext(Exception):
    """A user @context that is not valid JSON-LD."""


@lru_cache(maxsize=1)
def core_context() -> dict[str, Any]:
    path = Path(__file__).parent / "data" / "ngsi-ld-core-context.jsonld"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _allowed(url: str) -> bool:
    if not url.startswith(("http://", "https://")):
        return False
    allow = getattr(settings, "REGIJA_NGSI_CONTEXT_ALLOW", ()) or ()
    return not allow or any(url.startswith(prefix) for prefix in allow)


# The contexts this process fetched, with when they expire: a request does not even ask the cache.
_memory: dict[str, tuple[float, Any]] = {}
MEMORY_SIZE = 256


def _seconds() -> int:
    return int(getattr(settings, "REGIJA_NGSI_CONTEXT_CACHE_SECONDS", 3600))


def _remember(url: str, document: Any) -> None:
    if len(_memory) >= MEMORY_SIZE:
        _memory.pop(next(iter(_memory)))
    _memory[url] = (time.monotonic() + _seconds(), document)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an address the allow-list allows too."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not _allowed(newurl):
            raise ContextNotAvailable(newurl, "it redirects to an address that is not allowed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(url: str) -> Any:
    if not _allowed(url):
        raise ContextNotAvailable(url, "the address is not allowed")
    kept = _memory.get(url)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    key = "ngsi-ctx:" + hashlib.sha256(url.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        _remember(url, cached)
        return cached
    limit = int(getattr(settings, "REGIJA_NGSI_CONTEXT_MAX_BYTES", 256 * 1024))
    timeout = float(getattr(settings, "REGIJA_NGSI_CONTEXT_TIMEOUT", 3.0))
    request = urllib.request.Request(  # noqa: S310 - only http(s), checked by _allowed
        url, headers={"Accept": "application/ld+json, application/json;q=0.9", "User-Agent": "regija-ngsi/1"}
    )
    try:
        with urllib.request.build_opener(_Redirects).open(request, timeout=timeout) as response:
            body = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise ContextNotAvailable(url, f"the server answered {exc.code}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        raise ContextNotAvailable(url, str(getattr(exc, "reason", exc))) from None
    if len(body) > limit:
        raise ContextNotAvailable(url, f"it is larger than {limit} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        raise ContextNotAvailable(url, "it is not JSON") from None
    if not isinstance(document, dict) or "@context" not in document:
        raise ContextNotAvailable(url, "it has no @context")
    cache.set(key, document, _seconds())
    _remember(url, document)
    return document


def document_loader(url: str, options: dict | None = None) -> dict[str, Any]:
    """pyld's document loader: the core @context from the file, other contexts fetched as above."""
    document = core_context() if url in CORE_CONTEXT_URLS else _fetch(url)
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": document,
        "contentType": "application/ld+json",
    }


def _cause(exc: BaseException) -> BaseException | None:
    """The ContextNotAvailable inside pyld's wrapped errors, if any."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, ContextNotAvailable):
            return seen
        seen = getattr(seen, "cause", None) or seen.__cause__ or seen.__context__
    return None


def effective(user_context: Any) -> list[Any]:
    """The user's context(s) followed by the core @context, which comes last and wins (it is protected)."""
    contexts: list[Any] = []
    if user_context is not None:
        contexts.extend(user_context if isinstance(user_context, list) else [user_context])
    return [c for c in contexts if not (isinstance(c, str) and c in CORE_CONTEXT_URLS)] + [CORE_CONTEXT_URL]


def _options() -> dict[str, Any]:
    return {"documentLoader": document_loader}


def _run(fn, *args) -> Any:
    try:
        return fn(*args, _options())
    except jsonld.JsonLdError as exc:
        missing = _cause(exc)
        if missing is not None:
            raise missing from None
        raise InvalidContext((str(getattr(exc, "message", exc)).splitlines() or ["invalid"])[0]) from None
    except ContextNotAvailable:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        # pyld's own checks do not catch every malformed context
        raise InvalidContext(f"the @context is not valid JSON-LD ({type(exc).__name__})") from None


# The core @context alone – what a request without a context of its own uses – never changes, so what
# it gives a term or an IRI is remembered in the process: pyld resolves and canonicalises the whole
# context on every call (≈ 3 ms of a query's CPU). At most MEMO_MAX entries each; a user context is
# processed every time.
MEMO_MAX = 20_000
_core_terms: dict[str, str] = {}
_core_iris: dict[str, str] = {}


def _memoised(context: list[Any], keys: list[str], memo: dict[str, str], work: Any) -> dict[str, str]:
    unique = list(dict.fromkeys(keys))
    if not unique:
        return {}
    if context != [CORE_CONTEXT_URL]:
        found: dict[str, str] = work(context, unique)
        return found
    missing = [k for k in unique if k not in memo]
    fresh: dict[str, str] = work(context, missing) if missing else {}
    if len(memo) + len(fresh) <= MEMO_MAX:
        memo.update(fresh)
    return {k: memo[k] if k in memo else fresh[k] for k in unique}


def expand_terms(context: list[Any], terms: list[str]) -> dict[str, str]:
    """Each term → its IRI by this context (a term already an IRI stays as it is)."""
    return _memoised(context, terms, _core_terms, _expand_terms)


def compact_iris(context: list[Any], iris: list[str]) -> dict[str, str]:
    """Each IRI → the term this context has for it (the IRI itself when it has none)."""
    return _memoised(context, iris, _core_iris, _compact_iris)


def _expand_terms(context: list[Any], unique: list[str]) -> dict[str, str]:
    expanded = _run(jsonld.expand, {"@context": context, "@type": unique})
    iris = expanded[0].get("@type", []) if expanded else []
    if len(iris) != len(unique):  # a term JSON-LD drops (a keyword): keep it as it is
        return {t: t for t in unique}
    return dict(zip(unique, iris, strict=True))


def _compact_iris(context: list[Any], unique: list[str]) -> dict[str, str]:
    compacted = _run(jsonld.compact, {"@type": unique}, {"@context": context})
    terms = compacted.get("@type", compacted.get("type", []))
    if isinstance(terms, str):
        terms = [terms]
    if len(terms) != len(unique):
        return {i: i for i in unique}
    return dict(zip(unique, terms, strict=True))
