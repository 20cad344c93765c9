"""The release: what identifies the code that renders pages and answers, for cache keys and ETags.

A page or API answer cached by one release must never be served by another: an upgrade that changes
a template, a translation or a schema would otherwise serve old pages and answer 304 for them until the
data next changed. The release is ``REGIJA_RELEASE`` when a deployment sets it (the git commit, say),
else the package version with a hash of the package's code, templates and translations – so a changed
file gives a new release on the next start. Computed once per process; no Django import, since the
settings use it.
"""

from __future__ import annotations

import functools
import hashlib
import os
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
HASHED = ("*.py", "*.html", "*.txt", "*.mo", "*.js", "*.css")


@functools.cache
def release() -> str:
    """A short text naming this release, safe in cache keys ("0.1.0-3f9a2c1b0d")."""
    given = os.environ.get("REGIJA_RELEASE", "").strip()
    if given:
        return "".join(c if c.isalnum() or c in ".-_" else "_" for c in given)[:40]
    try:
        version = metadata.version("regija")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        version = "0"
    return f"{version}-{code_hash()}"


def code_hash(root: Path = PACKAGE_DIR) -> str:
    """Hash of every file that shapes output: Python (views, schemas), templates, translations, assets."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in HASHED for p in root.rglob(pattern) if "__pycache__" not in p.parts})
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]
