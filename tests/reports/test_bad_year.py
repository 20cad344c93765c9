"""A report asked for a year the calendar cannot hold is a 404, not a server error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", ["0", "1899", "2201", "10000", "9" * 30])
@pytest.mark.parametrize("page", ["", "porocilo.docx", "javno/", "javno/porocilo.docx"])
def test_a_year_out_of_range_is_not_found(client, django_user_model, year, page):
    client.force_login(django_user_model.objects.create_superuser("su", "su@example.si", "pw"))
    assert client.get(f"/porocila/las-zasavje/{year}/{page}").status_code == 404


def test_a_year_in_range_is_the_report(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("su", "su@example.si", "pw"))
    assert client.get("/porocila/las-zasavje/2023/").status_code == 200
