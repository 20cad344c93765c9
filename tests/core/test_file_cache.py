"""The embedded default cache (core/cache.py): what is written reads back, and it stays bounded."""

import itertools
from pathlib import Path

from regija.core.cache import FileCache


def _cache(tmp_path: Path, **options) -> FileCache:
    return FileCache(str(tmp_path), {"OPTIONS": options})


def _files(tmp_path: Path) -> int:
    return len(list(tmp_path.glob("*.djcache")))


def test_values_read_back_and_expire(tmp_path):
    cache = _cache(tmp_path)
    page = "<p>Občina Velenje</p>" * 5000
    cache.set("page", page, 60)
    cache.set_many({"a": 1, "b": {"x": [1, 2]}}, 60)
    assert cache.get("page") == page
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": {"x": [1, 2]}}
    cache.set("gone", 1, -1)
    assert cache.get("gone", "default") == "default"


def test_culls_once_every_n_writes_and_stays_bounded(tmp_path, monkeypatch):
    cache = _cache(tmp_path, MAX_ENTRIES=20, CULL_FREQUENCY=2, CULL_EVERY=10)
    monkeypatch.setattr(FileCache, "_writes", itertools.count(1))  # a fresh count for this test
    for i in range(200):
        cache.set(f"k{i}", i, 60)
        # never more than MAX_ENTRIES plus the writes since the last cull
        assert _files(tmp_path) <= 20 + 10
    assert _files(tmp_path) < 200
    assert cache.get("k199") == 199  # the newest entry is never culled before it is written
