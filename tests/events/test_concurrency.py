"""The last free place of an event, taken by two people at the same moment, on PostgreSQL with real
concurrent writers (threads, one connection each, released together): only one gets it, the other is told
there are no places left. SQLite serialises every write, so there the race cannot happen and the test is
skipped. The test commits for real (a transactional test), so it builds its own small world and the source
documents are loaded again afterwards for the tests that follow."""

from __future__ import annotations

from regija.core.services import Conflict
from regija.events import services
from regija.events.models import Event, Registration
from tests.concurrency import at_once
from tests.factories import OrganisationFactory, UserFactory

from .conftest import at


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
        results = at_once(
            lambda u=ana: services.register(u, event), lambda u=bor: services.register(u, event)
        )
        got = [r for r in results if isinstance(r, Registration)]
        refused = [r for r in results if isinstance(r, Conflict)]
        assert len(got) == 1 and len(refused) == 1, results
        assert refused[0].message == "There are no places left."
        assert Registration.objects.filter(event=event).count() == 2  # never over the capacity
