"""A copied dataset's versions: each upload or refresh adds one, never replaces one; a refresh that fails
keeps the last good version, marks the dataset and tells its owner why."""

from __future__ import annotations

import pytest
from django.core import mail

from regija.core.models import Organisation
from regija.core.services import Forbidden
from regija.lake import ingest, services
from regija.lake.models import Dataset, Health, Status
from regija.lake.selectors import version_file, visible_datasets
from regija.lake.storage import lake

pytestmark = pytest.mark.django_db


@pytest.fixture
def mov():
    return Organisation.objects.get(slug="mov")


@pytest.fixture
def editor(member, mov):
    user = member("editor", mov)
    user.email = "urednik@velenje.si"
    user.save()
    return user


def _dataset(editor, mov, **extra):
    data = {"slug": "kakovost-zraka", "title": "Kakovost zraka", "title_en": "Air quality", **extra}
    return services.dataset_create(editor, publisher=mov, data=data, via="web")


def _csv(tmp_path, text, name="zrak.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_upload_is_a_new_version_kept_in_the_lake(editor, mov, tmp_path):
    dataset = _dataset(editor, mov)
    first = services.upload(
        editor, dataset, _csv(tmp_path, "postaja,pm10\nVelenje,21\nŠoštanj,30\n"), name="zrak.csv", via="web"
    )
    second = services.upload(
        editor,
        dataset,
        _csv(tmp_path, "postaja,pm10\nVelenje,22\nŠoštanj,31\nTopolšica,12\n"),
        name="zrak.csv",
        via="web",
    )
    dataset.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert dataset.current == second
    assert (first.rows, second.rows) == (2, 3)
    # both versions stay downloadable, under the Hive-style layout
    assert first.key == "datasets/dataset=kakovost-zraka/version=1/data.parquet"
    assert lake().exists(first.key) and lake().exists(second.key)
    assert version_file(first).exists()
    assert [c.name for c in dataset.columns.all()] == ["postaja", "pm10"]
    assert sorted(d.format for d in dataset.distributions.all()) == ["CSV", "PARQUET"]


def test_the_same_file_again_adds_no_version(editor, mov, tmp_path):
    dataset = _dataset(editor, mov)
    path = _csv(tmp_path, "postaja,pm10\nVelenje,21\n")
    services.upload(editor, dataset, path, name="zrak.csv", via="web")
    assert services.upload(editor, dataset, path, name="zrak.csv", via="web") is None
    assert dataset.versions.count() == 1


def test_a_column_removed_is_refused_and_the_last_good_version_kept(editor, mov, tmp_path):
    dataset = _dataset(editor, mov)
    services.upload(editor, dataset, _csv(tmp_path, "postaja,pm10\nVelenje,21\n"), name="a.csv", via="web")
    with pytest.raises(services.RefreshFailed) as refused:
        services.upload(editor, dataset, _csv(tmp_path, "postaja\nVelenje\n"), name="b.csv", via="web")
    assert "pm10" in refused.value.message
    dataset.refresh_from_db()
    assert dataset.current.number == 1 and dataset.versions.count() == 1


def test_a_failed_refresh_marks_the_dataset_and_tells_the_owner(editor, mov, tmp_path, monkeypatch):
    dataset = _dataset(editor, mov, source_url="https://podatki.example/zrak.csv", refresh="daily")
    services.upload(editor, dataset, _csv(tmp_path, "postaja,pm10\nVelenje,21\n"), name="a.csv", via="web")

    def broken(url, dest, **kwargs):
        dest.write_text("postaja\nVelenje\n", encoding="utf-8")  # pm10 is gone
        return "text/csv", 16

    monkeypatch.setattr(ingest, "fetch", broken)
    assert services.refresh(dataset) is None
    dataset.refresh_from_db()
    assert dataset.health == Health.FAILED and "pm10" in dataset.problem
    assert dataset.current.number == 1
    assert mail.outbox and "urednik@velenje.si" in mail.outbox[-1].to
    assert "pm10" in mail.outbox[-1].body


def test_only_the_publishers_editors_add_data_and_drafts_stay_theirs(editor, mov, member, tmp_path):
    dataset = _dataset(editor, mov)
    stranger = member("editor", "rra-zasavje")
    with pytest.raises(Forbidden):
        services.upload(stranger, dataset, _csv(tmp_path, "a\n1\n"), name="a.csv", via="web")
    assert dataset not in visible_datasets(None)
    assert dataset in visible_datasets(editor)
    services.upload(editor, dataset, _csv(tmp_path, "a\n1\n"), name="a.csv", via="web")
    services.dataset_publish(editor, dataset, via="web")
    assert Dataset.objects.get(pk=dataset.pk).status == Status.PUBLISHED
    assert dataset in visible_datasets(None)
