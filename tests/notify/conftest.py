import pytest

from tests.factories import OrganisationFactory, member


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    """What notify keeps in the data folder (the generated VAPID key pair) goes to the test's own folder,
    never the checkout's var/."""
    settings.DATA_DIR = tmp_path / "var"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (queued deliveries) as a committed transaction would."""

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run


@pytest.fixture
def places(db):
    municipality = OrganisationFactory(slug="obcina-x", name="Občina X", kind="municipality")
    area = OrganisationFactory(slug="ks-breg", name="KS Breg", kind="local_community", parent=municipality)
    other = OrganisationFactory(slug="obcina-y", name="Občina Y", kind="municipality")
    staff = member("editor", municipality, username="urednik-x")
    return municipality, area, other, staff
