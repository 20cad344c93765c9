"""Background jobs in a real worker: `regija worker` takes a refresh from the queue (the SQLite file of the
data folder, as on a fresh machine), fetches the source, adds a version, and records the run for staff."""

from __future__ import annotations

import functools
import http.server
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.external

SETUP = """
from regija.core.models import Organisation
from regija.lake import services
org = Organisation.objects.create(slug="obcina", name="Občina", kind="municipality")
services.dataset_create(None, publisher=org, via="worker", data={
    "slug": "postaje", "title": "Postaje", "source_url": URL, "refresh": "hourly"})
"""
ENQUEUE = """
from regija.lake.models import Dataset
from regija.lake.tasks import refresh_dataset
refresh_dataset(Dataset.objects.get(slug="postaje").pk)
"""


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "postaje.csv").write_text("postaja;pm10\nVelenje;21,5\nŠoštanj;30,0\n", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/postaje.csv"
    server.shutdown()


def test_the_worker_runs_a_queued_refresh_and_records_it(tmp_path, source):
    data_dir = tmp_path / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "REGIJA_TASKS_IMMEDIATE")
    }
    env.update(REGIJA_DATA_DIR=str(data_dir), REGIJA_LAKE_FETCH_PRIVATE="true", REGIJA_WORKERS="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parents[2] / "src"), env.get("PYTHONPATH", "")]
    )

    def regija(*args):
        command = [sys.executable, "-m", "regija.cli", *args]
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)  # noqa: S603 - our own code

    regija("migrate", "-v0")
    regija("shell", "-c", SETUP.replace("URL", repr(source)))
    regija("shell", "-c", ENQUEUE)  # no worker yet: the job waits in the queue
    db = sqlite3.connect(data_dir / "regija.sqlite3")
    assert db.execute("SELECT count(*) FROM lake_version").fetchone()[0] == 0

    worker = subprocess.Popen(  # noqa: S603 - our own code
        [sys.executable, "-m", "regija.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        runs = []
        while time.monotonic() < deadline:
            # the worker's scheduler may also run its periodic jobs (refresh_due, every 5 minutes) meanwhile
            rows = db.execute("SELECT task, label, state, message FROM core_jobrun ORDER BY id").fetchall()
            runs = [row for row in rows if row[0].rsplit(".", 1)[-1] == "refresh_dataset"]
            if runs and runs[0][2] != "running":
                break
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert [(state, message) for _task, _label, state, message in runs] == [("done", "")]
    assert "postaje" in runs[0][1]
    version = db.execute("SELECT number, rows FROM lake_version").fetchall()
    assert version == [(1, 2)]
