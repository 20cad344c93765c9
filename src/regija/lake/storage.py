"""The lake: where each version's Parquet file (and the original file it was read from) is kept.

``REGIJA_LAKE_URL`` names it: a local folder (the default, ``REGIJA_DATA_DIR/lake``) or any fsspec
address, e.g. ``s3://bucket/regija`` for an S3-compatible store (AWS, MinIO, Ceph; credentials and
``AWS_ENDPOINT_URL`` from the usual AWS variables, more options as JSON in ``REGIJA_LAKE_OPTIONS``).

The layout is Hive-style, so that DuckDB, Trino, Spark or Athena read the same files as one table per
dataset with the version as a partition column::

    datasets/dataset=<slug>/version=<n>/data.parquet
    datasets/dataset=<slug>/version=<n>/source.<ext>      (the file as it came, for uploads and fetches)

Files are written once and never changed: a version's key is new when it is written, and the catalogue
row naming it is saved only after the write succeeded. Queries need local files (DuckDB reads them
directly); for a remote lake a version is downloaded once into ``REGIJA_LAKE_CACHE`` – safe, since
versions never change.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import IO, Any

import fsspec
from django.conf import settings


class Lake:
    def __init__(self, url: str, options: dict[str, Any] | None, cache: Path):
        self.url = url
        self.fs, self.root = fsspec.core.url_to_fs(url, **(options or {}))
        self.root = self.root.rstrip("/")
        self.is_local = "file" in (
            self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        )
        self.cache = cache

    def path(self, key: str) -> str:
        return f"{self.root}/{key}"

    def put(self, local: Path, key: str) -> None:
        """Store a local file under ``key``: whole or not at all (a local lake writes a temporary name
        and renames it; an object store makes an object visible only once it is complete)."""
        target = self.path(key)
        if self.is_local:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            tmp = f"{target}.{uuid.uuid4().hex}.tmp"
            shutil.copyfile(local, tmp)
            os.replace(tmp, target)
        else:
            self.fs.put_file(str(local), target)

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self.path(key)))

    def open(self, key: str) -> IO[bytes]:
        """The stored file for reading (a download streams it)."""
        stream: IO[bytes] = self.fs.open(self.path(key), "rb")
        return stream

    def size(self, key: str) -> int:
        return int(self.fs.size(self.path(key)))

    def local(self, key: str) -> Path:
        """A local path of the stored file, for DuckDB: the file itself in a local lake, else a copy kept
        in the cache (downloaded once – a version never changes)."""
        if self.is_local:
            return Path(self.path(key))
        cached = self.cache / key
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f"{cached.name}.{uuid.uuid4().hex}.tmp")
            self.fs.get_file(self.path(key), str(tmp))
            os.replace(tmp, cached)
        return cached

    def keys(self, prefix: str = "datasets") -> list[str]:
        """Every stored file under ``prefix`` (for cleaning up files no version names)."""
        base = self.path(prefix)
        if not self.fs.exists(base):
            return []
        return [p[len(self.root) + 1 :] for p in self.fs.find(base)]

    def delete(self, key: str) -> None:
        if self.fs.exists(self.path(key)):
            self.fs.rm(self.path(key))


def version_prefix(slug: str, number: int) -> str:
    return f"datasets/dataset={slug}/version={number}"


@functools.cache
def lake_for(url: str, options_json: str, cache: str) -> Lake:
    return Lake(url, json.loads(options_json) if options_json else None, Path(cache))


def lake() -> Lake:
    """The lake the settings name (one object per configuration)."""
    return lake_for(settings.REGIJA_LAKE_URL, settings.REGIJA_LAKE_OPTIONS, str(settings.REGIJA_LAKE_CACHE))
