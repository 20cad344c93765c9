"""The 6th call of LAS Zasavje (tests.factories.call_world): a committee of three, an applicant and staff,
built for each test through the calls workflow – a draft, then published, then with two applications
submitted. The clock fixture (tests/conftest.py) moves the server time through the call's life."""

from __future__ import annotations

import pytest

from tests.factories import call_world, publish_call, submit_applications


@pytest.fixture
def world(db):
    """The draft call, with all that publishing needs."""
    return call_world()


@pytest.fixture
def published(world, clock):
    """The call published on 1 February 2027."""
    return publish_call(world, clock)


@pytest.fixture
def submitted(published, clock):
    """Two applications submitted during the call (50 000 and 80 000 €), then the clock after the deadline."""
    return submit_applications(published, clock, amounts=("50000.00", "80000.00"))
