"""One rule for adding an indicator's value, whichever door it comes through – the API, the staff page
on the indicator or the back office: a date has one value (a second is refused with a message that
names the date, and the stored value stays), a value has at most six decimals (refused, never rounded)
and is stored at the column's six places, and the audit log names the user and the door."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from regija.core import tokens
from regija.core.models import AuditEntry
from regija.core.services import Conflict, Forbidden, Refused
from regija.strategies import services
from regija.strategies.models import Indicator, Observation
from tests.admin_forms import add_row, change_form_data, row_of

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
TAKEN = dt.date(2023, 12, 31)  # K1 has the value 10 on this date in the source document
NEW = dt.date(2024, 6, 30)


@pytest.fixture
def indicator():
    return Indicator.objects.get(strategy__slug=LAS, code="K1")


@pytest.fixture
def editor(member):
    return member("editor", "las-zasavje")


# ---------------------------------------------------------------------------------------------
# The three doors, each as a user meets it: (status, text of the answer)


def _api(client, user, date: dt.date, value: str) -> tuple[int, str]:
    _token, raw = tokens.create(user, "test")
    response = client.post(
        f"/api/v1/indicators/{LAS}/K1/observations",
        data=json.dumps({"date": date.isoformat(), "value": value}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    return response.status_code, response.content.decode()


def _page(client, user, date: dt.date, value: str) -> tuple[int, str]:
    client.force_login(user)
    response = client.post(
        f"/kazalniki/{LAS}/K1/nova-meritev/",
        {"date": date.isoformat(), "value": value},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return response.status_code, response.content.decode()


def _admin_url(indicator) -> str:
    return f"/admin/strategies/indicator/{indicator.pk}/change/"


def _admin(client, user, date: dt.date, value: str) -> tuple[int, str]:
    """Add a row to the indicator's observations in the back office."""
    client.force_login(user)
    url = _admin_url(Indicator.objects.get(strategy__slug=LAS, code="K1"))
    data = change_form_data(client, url)
    add_row(data, "observations", date=date.isoformat(), value=value)
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    return response.status_code, response.content.decode()


DOORS = {"api": _api, "web": _page, "admin": _admin}
# what each door answers when a value is added, and when the date has one already
ADDED = {"api": 201, "web": 302, "admin": 302}
REFUSED_DATE = {"api": 409, "web": 409, "admin": 200}  # the back office shows its form again with the error
REFUSED_VALUE = {"api": 422, "web": 422, "admin": 200}


def _value_on(indicator, date):
    return Observation.objects.filter(indicator=indicator, date=date).values_list("value", flat=True).first()


def _entry(observation_pk) -> AuditEntry:
    ct = ContentType.objects.get_for_model(Observation)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(observation_pk)).order_by("-id").first()


@pytest.mark.parametrize("door", DOORS)
def test_a_value_on_a_new_date_is_added_at_six_places_and_logged_with_the_door(
    client, indicator, editor, door
):
    status, _text = DOORS[door](client, editor, NEW, "12.5")
    assert status == ADDED[door], _text[:2000]
    observation = Observation.objects.get(indicator=indicator, date=NEW)
    assert observation.value == Decimal("12.5")
    assert str(observation.value) == "12.500000"  # stored at the column's precision on every door
    entry = _entry(observation.pk)
    assert (entry.action, entry.via, entry.user) == ("create", door, editor)
    assert entry.changes["value"] == [None, "12.5"]


@pytest.mark.parametrize("door", DOORS)
def test_a_second_value_on_a_date_is_refused_and_the_first_stays(client, indicator, editor, door):
    before = _value_on(indicator, TAKEN)
    assert before == Decimal("10")
    count = Observation.objects.count()
    # the API door creates the editor's token first, which is logged (a permission); the refusal is not
    entries = AuditEntry.objects.exclude(content_type__model="apitoken").count()
    status, text = DOORS[door](client, editor, TAKEN, "11")
    assert status == REFUSED_DATE[door]
    assert "There is already" in text and "2023-12-31" in text  # the message names the date
    assert _value_on(indicator, TAKEN) == before
    assert Observation.objects.count() == count
    assert AuditEntry.objects.exclude(content_type__model="apitoken").count() == entries


def test_the_api_keeps_its_documented_409(client, editor):
    status, text = _api(client, editor, TAKEN, "11")
    assert status == 409
    assert json.loads(text) == {"detail": "There is already an observation on 2023-12-31; PUT changes it."}


def test_the_staff_page_shows_the_refusal_at_the_date_and_how_to_correct(client, editor):
    status, text = _page(client, editor, TAKEN, "11")
    assert status == 409
    assert 'id="id_date-error"' in text
    assert (
        "There is already a value for 31 December 2023" in text and "correct the value on this date" in text
    )


@pytest.mark.parametrize("door", DOORS)
def test_more_than_six_decimals_is_refused_not_rounded(client, indicator, editor, door):
    status, _text = DOORS[door](client, editor, NEW, "1.1234567")
    assert status == REFUSED_VALUE[door]
    assert not Observation.objects.filter(indicator=indicator, date=NEW).exists()


@pytest.mark.parametrize("door", DOORS)
def test_who_may_not_change_the_indicator_adds_nothing(client, indicator, member, door):
    viewer = member("viewer", "las-zasavje")
    status, _text = DOORS[door](client, viewer, NEW, "12.5")
    assert status == 403
    assert not Observation.objects.filter(indicator=indicator, date=NEW).exists()


# ---------------------------------------------------------------------------------------------
# Correcting is a separate, explicit act on every door


def test_correcting_on_each_door(client, indicator, editor):
    _token, raw = tokens.create(editor, "test")
    put = client.put(
        f"/api/v1/indicators/{LAS}/K1/observations/2023-12-31",
        data=json.dumps({"value": "11"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert put.status_code == 200 and _value_on(indicator, TAKEN) == Decimal("11")

    client.force_login(editor)
    page = client.post(
        f"/kazalniki/{LAS}/K1/nova-meritev/", {"date": "2023-12-31", "value": "12,25", "replace": "on"}
    )
    assert page.status_code == 302 and _value_on(indicator, TAKEN) == Decimal("12.25")

    url = _admin_url(indicator)
    data = change_form_data(client, url)
    data[f"observations-{row_of(data, 'observations', 'date', TAKEN)}-value"] = "13.5"
    assert client.post(url, data).status_code == 302
    assert _value_on(indicator, TAKEN) == Decimal("13.5")
    observation = Observation.objects.get(indicator=indicator, date=TAKEN)
    vias = list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Observation),
            object_id=str(observation.pk),
            action="update",
        )
        .order_by("id")
        .values_list("via", flat=True)
    )
    assert vias == ["api", "web", "admin"]


def test_moving_a_value_in_the_back_office_onto_a_taken_date_is_refused(client, indicator, editor):
    services.observation_add(editor, indicator, date=NEW, value="5", via="test")
    client.force_login(editor)
    url = _admin_url(indicator)
    data = change_form_data(client, url)
    data[f"observations-{row_of(data, 'observations', 'date', NEW)}-date"] = TAKEN.isoformat()
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        response.status_code == 200
        and "There is already a value for 31 December 2023" in response.content.decode()
    )
    assert _value_on(indicator, NEW) == Decimal("5") and _value_on(indicator, TAKEN) == Decimal("10")


def test_two_new_rows_on_one_date_in_the_back_office_get_the_same_message(client, indicator, editor):
    client.force_login(editor)
    url = _admin_url(indicator)
    data = change_form_data(client, url)
    add_row(data, "observations", date=NEW.isoformat(), value="1")
    add_row(data, "observations", date=NEW.isoformat(), value="2")
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "There is already a value for 30 June 2024" in response.content.decode()
    assert _value_on(indicator, NEW) is None


def test_a_new_indicator_with_its_values_in_the_back_office(client, indicator, editor):
    client.force_login(editor)
    data = change_form_data(client, _admin_url(indicator))
    data = {k: v for k, v in data.items() if not k.startswith("observations-")}
    data.update({"code": "K99", "observations-TOTAL_FORMS": "0", "observations-INITIAL_FORMS": "0"})
    add_row(data, "observations", date=NEW.isoformat(), value="1.5")
    add_row(data, "observations", date=NEW.isoformat(), value="2")
    twice = client.post("/admin/strategies/indicator/add/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert twice.status_code == 200 and "There is already a value for 30 June 2024" in twice.content.decode()
    assert not Indicator.objects.filter(strategy=indicator.strategy, code="K99").exists()
    data["observations-1-date"] = TAKEN.isoformat()
    assert client.post("/admin/strategies/indicator/add/", data).status_code == 302
    new = Indicator.objects.get(strategy=indicator.strategy, code="K99")
    assert _value_on(new, NEW) == Decimal("1.5") and _value_on(new, TAKEN) == Decimal("2")
    assert {_entry(o.pk).via for o in new.observations.all()} == {"admin"}


def test_deleting_in_the_back_office_goes_through_the_service(client, indicator, editor):
    client.force_login(editor)
    url = _admin_url(indicator)
    data = change_form_data(client, url)
    data[f"observations-{row_of(data, 'observations', 'date', TAKEN)}-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert _value_on(indicator, TAKEN) is None
    entry = AuditEntry.objects.filter(action="delete", parent=f"strategies.indicator:{indicator.pk}").get()
    assert (entry.via, entry.user) == ("admin", editor)


# ---------------------------------------------------------------------------------------------
# The service itself


def test_the_service_refuses_and_names_the_field(indicator, editor, member):
    with pytest.raises(Conflict) as conflict:
        services.observation_add(editor, indicator, date=TAKEN, value="11", via="test")
    assert conflict.value.field == "date" and "31. 12. 2023" in conflict.value.message
    with pytest.raises(Forbidden):
        services.observation_add(member("editor", "mov"), indicator, date=NEW, value="1", via="test")
    for value in ("abc", "NaN", "1e18", "0.0000001", None):
        with pytest.raises(Refused) as refused:
            services.observation_add(editor, indicator, date=NEW, value=value, via="test")
        assert refused.value.field == "value"
    with pytest.raises(Refused) as refused:
        services.observation_add(editor, indicator, date=NEW, value="1", source="x" * 301, via="test")
    assert refused.value.field == "source"
    assert not Observation.objects.filter(indicator=indicator, date=NEW).exists()


def test_negative_values_with_six_decimals_are_kept_exactly(indicator, editor):
    kept = services.observation_add(editor, indicator, date=NEW, value="-1234.567891", via="test")
    kept.refresh_from_db()
    assert kept.value == Decimal("-1234.567891")


@pytest.mark.parametrize("value", ["999999999999999.999999", "-999999999999999.5"])
def test_the_largest_values_are_stored_and_read_back_on_every_database(client, editor, indicator, value):
    """The largest value the rule admits comes back from SQLite's floating-point column without breaking
    the indicator's page or the API (a value near 10**18 used to make every later read fail)."""
    status, _text = _api(client, editor, NEW, value)
    assert status == 201
    assert client.get(f"/kazalniki/{LAS}/K1/").status_code == 200
    response = client.get(f"/api/v1/indicators/{LAS}/K1")
    assert response.status_code == 200
    stored = Decimal(
        next(o["value"] for o in response.json()["observations"] if o["date"] == NEW.isoformat())
    )
    assert abs(stored - Decimal(value)) < 1  # SQLite keeps about 15 significant digits, PostgreSQL all


def test_a_value_beyond_fifteen_digits_is_refused(client, editor, indicator):
    status, text = _api(client, editor, NEW, "-999999999999999999.999999")
    assert status == 422 and "at most 15 digits" in text
    assert not indicator.observations.filter(date=NEW).exists()


def test_a_field_error_on_the_page_is_tied_to_its_field(client, editor, indicator):
    """A screen reader reads the error with the field: aria-describedby names the error's id."""
    import re

    client.force_login(editor)
    html = client.post(
        f"/kazalniki/{LAS}/K1/nova-meritev/", {"date": "x", "value": "1"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    described = re.search(r'<input[^>]*name="date"[^>]*aria-describedby="([^"]+)"', html).group(1)
    assert f'id="{described}"' in html
