"""kill -9 during a refresh leaves the catalogue and the lake consistent: the dataset keeps its last good
version, no version names a missing or half-written file, and the next refresh works.

The refresh runs in a separate process on a database and lake of its own (a temporary data folder) and
is killed with SIGKILL at several moments of its work; the catalogue is then read from outside."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.external

SETUP = """
from regija.core.models import Organisation
from regija.lake import services
org = Organisation.objects.create(slug="obcina", name="Občina", kind="municipality")
ds = services.dataset_create(None, publisher=org, data={"slug": "meritve", "title": "Meritve"}, via="worker")
services.add_version(ds, __import__("pathlib").Path(SMALL), name="v1.csv", origin="upload")
"""
REFRESH = """
from regija.lake import services
from regija.lake.models import Dataset
ds = Dataset.objects.get(slug="meritve")
print("start", flush=True)
services.add_version(ds, __import__("pathlib").Path(BIG), name="v2.csv", origin="upload")
print("done", flush=True)
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(REGIJA_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="regija.settings")
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    return env


def _regija(env, *args, **kwargs):
    command = [sys.executable, "-m", "regija.cli", *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, **kwargs)  # noqa: S603 - our own code


def _check_consistent(data_dir: Path) -> list[tuple[int, str]]:
    db = sqlite3.connect(data_dir / "regija.sqlite3")
    versions = db.execute(
        "SELECT v.number, v.key, v.rows FROM lake_version v JOIN lake_dataset d ON d.id = v.dataset_id "
        "WHERE d.slug = 'meritve' ORDER BY v.number"
    ).fetchall()
    current = db.execute(
        "SELECT v.number FROM lake_dataset d JOIN lake_version v ON v.id = d.current_id "
        "WHERE d.slug = 'meritve'"
    ).fetchone()
    db.close()
    assert current is not None and current[0] == versions[-1][0]
    for _number, key, rows in versions:
        path = data_dir / "lake" / key
        assert path.exists(), key
        # every file a version names is whole: it reads, with the rows recorded
        counted = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()
        assert counted[0] == rows
    return [(n, k) for n, k, _ in versions]


def test_a_killed_refresh_leaves_the_last_good_version(tmp_path):
    data_dir = tmp_path / "var"
    env = _env(data_dir)
    _regija(env, "migrate", "-v0")
    small = tmp_path / "small.csv"
    small.write_text("postaja,vrednost\nA,1\nB,2\n", encoding="utf-8")
    big = tmp_path / "big.csv"
    rows = "SELECT 'P' || (i % 50) AS postaja, i * 0.5 AS vrednost FROM range(2000000) t(i)"
    duckdb.connect().execute(f"COPY ({rows}) TO '{big}' (HEADER)")  # noqa: S608 - the test's own path
    _regija(env, "shell", "-c", SETUP.replace("SMALL", repr(str(small))))
    assert _check_consistent(data_dir) == [(1, "datasets/dataset=meritve/version=1/data.parquet")]

    for delay in (0.2, 0.8, 1.6):
        process = subprocess.Popen(  # noqa: S603 - our own code
            [sys.executable, "-m", "regija.cli", "shell", "-c", REFRESH.replace("BIG", repr(str(big)))],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for line in process.stdout:  # Django's shell may say first what it imported
            if line.strip() == "start":
                break
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        versions = _check_consistent(data_dir)
        if len(versions) == 2:  # it finished before the kill: that is consistent too
            break
        assert versions == [(1, "datasets/dataset=meritve/version=1/data.parquet")]

    # the next refresh works (over whatever file the killed one left)
    result = _regija(env, "shell", "-c", REFRESH.replace("BIG", repr(str(big))), timeout=300)
    assert "done" in result.stdout
    versions = _check_consistent(data_dir)
    assert [n for n, _ in versions] == [1, 2]
