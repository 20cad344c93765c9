"""The back office's change forms as a browser sends them back, for tests that change one row and post."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.admin.widgets import ManyToManyRawIdWidget
from django.forms import MultiWidget

from regija.core.money import show_amount


def _fields(form, data: dict) -> None:
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        widget = getattr(bound.field.widget, "widget", bound.field.widget)  # inside a related-field wrapper
        if isinstance(widget, MultiWidget):
            for i, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{i}"] = "" if part is None else part
        elif isinstance(widget, ManyToManyRawIdWidget):
            data[bound.html_name] = ",".join(str(v) for v in value or [])
        elif value is None:
            data[bound.html_name] = ""
        elif value is not False:  # an unticked box is not sent
            data[bound.html_name] = value


def change_form_data(client, url: str) -> dict:
    """GET the change page and return its form and inline forms as POST data, unchanged."""
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200, url
    data: dict = {}
    _fields(page.context["adminform"].form, data)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        _fields(formset.management_form, data)
        for row in formset.forms:
            if row.instance.pk is not None:
                _fields(row, data)
    return data


def add_row(data: dict, prefix: str, **values) -> None:
    """Add a new row to the inline ``prefix`` (e.g. "payments") with ``values``."""
    row = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(row + 1)
    for name, value in values.items():
        data[f"{prefix}-{row}-{name}"] = value


def _spellings(value) -> set[str]:
    """How a form may show ``value``: as given, or an amount as the back office shows it back."""
    if isinstance(value, Decimal):
        return {str(value), show_amount(value, "sl"), show_amount(value, "en")}
    return {str(value)}


def row_of(data: dict, prefix: str, field: str, value) -> int:
    """The index of the existing row of ``prefix`` whose ``field`` is ``value``."""
    for key, sent in data.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == prefix and parts[2] == field and str(sent) in _spellings(value):
            return int(parts[1])
    raise LookupError(f"no {prefix} row with {field}={value}")
