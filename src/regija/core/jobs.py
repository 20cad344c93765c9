"""Background jobs: Huey runs them; this module keeps a record of each run for staff to see.

Apps declare their jobs with ``huey.contrib.djhuey``'s ``db_task`` and, for jobs that run on a
schedule, with ``periodic`` below (which remembers the schedule, so the jobs page can say when a job
runs next). Every run of every job is recorded as a ``JobRun`` – started, finished or failed with the
error – through Huey's signals, whichever process runs it: the consumer ``regija up`` starts beside
the web server, ``regija worker``, or the requesting process itself when jobs run immediately
(``REGIJA_TASKS_IMMEDIATE``, the tests).
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import close_old_connections
from django.utils import timezone
from huey import signals
from huey.contrib.djhuey import HUEY

from .models import JobRun, JobState

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger(__name__)

_runs: dict[str, int] = {}  # Huey task id → JobRun id, for the run in progress
_lock = threading.Lock()
_current: contextvars.ContextVar[int | None] = contextvars.ContextVar("regija_job_run", default=None)


@dataclasses.dataclass(frozen=True)
class Periodic:
    name: str
    description: StrOrPromise  # translated when shown
    schedule: StrOrPromise  # for people: "every 5 minutes"
    due: Callable[[dt.datetime], bool]

    def next_run(self, after: dt.datetime) -> dt.datetime | None:
        """The next minute (within a week) the schedule is due, in UTC as Huey keeps it."""
        moment = after.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        for _ in range(7 * 24 * 60):
            if self.due(moment.replace(tzinfo=None)):
                return moment
            moment += dt.timedelta(minutes=1)
        return None


PERIODIC: dict[str, Periodic] = {}


def periodic(
    due: Callable[[dt.datetime], bool], *, description: StrOrPromise, schedule: StrOrPromise, **options: Any
) -> Callable[[Callable[..., Any]], Any]:
    """A job Huey runs by itself when ``due`` (a ``huey.crontab``) says so, listed on the jobs page."""
    decorator = HUEY.periodic_task(due, **options)

    def wrap(func: Callable[..., Any]) -> Any:
        task = decorator(_closing(func))
        # the name a run is recorded under (JobRun.task): the task class's, as Huey names it – the
        # wrapper's own ``name`` is None unless one was given
        name = task.name or task.task_class.__name__
        PERIODIC[name] = Periodic(name, description, schedule, due)
        return task

    return wrap


def _closing(func: Callable[..., Any]) -> Callable[..., Any]:
    import functools

    @functools.wraps(func)
    def inner(*args: Any, **kwargs: Any) -> Any:
        if not HUEY.immediate:
            close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            if not HUEY.immediate:
                close_old_connections()

    return inner


def describe(label: str) -> None:
    """Say what the running job is doing (shown on the jobs page): "Refresh of dataset X"."""
    run_id = _current.get()
    if run_id is not None:
        JobRun.objects.filter(pk=run_id).update(label=label[:300])


def _started(signal: str, task: Any) -> None:
    try:
        run = JobRun.objects.create(task=task.name, task_id=str(task.id))
    except Exception:  # the record must never stop the job
        log.exception("could not record the start of job %s", task.name)
        return
    with _lock:
        _runs[str(task.id)] = run.pk
    _current.set(run.pk)


def _finish(task: Any, state: str, message: str = "") -> None:
    with _lock:
        run_id = _runs.pop(str(task.id), None)
    _current.set(None)
    if run_id is None:
        return
    try:
        JobRun.objects.filter(pk=run_id).update(
            finished_at=timezone.now(), state=state, message=message[:5000]
        )
    except Exception:
        log.exception("could not record the end of job %s", task.name)


def _done(signal: str, task: Any) -> None:
    _finish(task, JobState.DONE)


def _failed(signal: str, task: Any, exc: BaseException | None = None) -> None:
    _finish(task, JobState.FAILED, f"{type(exc).__name__}: {exc}" if exc else "")


def _interrupted(signal: str, task: Any, *args: Any) -> None:
    _finish(task, JobState.FAILED, str(signal))


def connect() -> None:
    """Record every run of every job (``CoreConfig.ready``)."""
    for receiver in (_started, _done, _failed, _interrupted):  # once, also when ready() runs again
        HUEY.disconnect_signal(receiver)
    HUEY.signal(signals.SIGNAL_EXECUTING)(_started)
    HUEY.signal(signals.SIGNAL_COMPLETE)(_done)
    HUEY.signal(signals.SIGNAL_ERROR)(_failed)
    HUEY.signal(signals.SIGNAL_INTERRUPTED, signals.SIGNAL_TIMEOUT, signals.SIGNAL_CANCELED)(_interrupted)


def start_consumer(workers: int = 2) -> Any:
    """Start a Huey consumer in this process, in threads (``regija up``): its scheduler (periodic jobs)
    and ``workers`` workers. Returns it; ``consumer.stop()`` ends it. Signals stay the caller's."""
    consumer = HUEY.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.scheduler.start()
    for _name, worker in consumer.worker_threads:
        worker.start()
    return consumer
