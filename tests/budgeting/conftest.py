import pytest

from tests.factories import Clock

from .world import build


@pytest.fixture
def clock():
    c = Clock()
    yield c
    c.stop()


@pytest.fixture
def pb(db, clock):
    return build(clock)


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched by their English wording (the pages show them translated)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """A browser that asks for English: the pages' texts are matched by their English wording."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")
