"""The last free place of an event, taken by two people at the same moment, on PostgreSQL with real
concurrent writers (threads, one connection each, released together): only one gets it, the other is told
there are no places left. SQLite serialises every write, so there the race cannot happen and the test is
skipped. The test commits for real (a transactional test), so it builds its own small world and the source
documents are loaded again afterwards for the tests that follow."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from regija.core.services import Conflict
from regija.events import services
from regija.events.models import Event, Registration
from tests.factories import OrganisationFactory, UserFactory

from .conftest import at


@pytest.fixture(scope="module")
def _source_documents_again(django_db_blocker):
    yield
    from regija.calls.importer import import_files as import_governance
    from regija.interchange.importer import import_files

    from ..conftest import GOVERNANCE_FILES, SEED_FILES

    with django_db_blocker.unblock():
        import_files(SEED_FILES)
        import_governance(GOVERNANCE_FILES)


@pytest.fixture
def pg(_source_documents_again, transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent registrations are tested on PostgreSQL (SQLite serialises every write)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _at_once(*jobs):
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        from django.utils import translation

        try:
            barrier.wait()
            with translation.override("en"):
                results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_people_registering_at_once_for_the_last_place_only_one_gets_it(pg):
    org = OrganisationFactory(slug="obcina-zadnje-mesto", kind="municipality")
    first = UserFactory(username="prvi-na-vrsti")
    event = Event.objects.create(
        organisation=org,
        title="Delavnica z dvema mestoma",
        category="workshop",
        starts_at=at(2099, 6, 1, 17),
        ends_at=at(2099, 6, 1, 19),
        registration=True,
        capacity=2,
    )
    services.register(first, event)  # one of two places taken: one is left
    for round_ in range(6):  # several rounds: a double booking would show up in one of them
        Registration.objects.filter(event=event).exclude(user=first).delete()
        ana, bor = UserFactory(username=f"ana-{round_}"), UserFactory(username=f"bor-{round_}")
        results = _at_once(
            lambda u=ana: services.register(u, event), lambda u=bor: services.register(u, event)
        )
        got = [r for r in results if isinstance(r, Registration)]
        refused = [r for r in results if isinstance(r, Conflict)]
        assert len(got) == 1 and len(refused) == 1, results
        assert refused[0].message == "There are no places left."
        assert Registration.objects.filter(event=event).count() == 2  # never over the capacity
