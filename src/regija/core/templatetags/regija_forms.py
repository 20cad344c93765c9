"""Django forms in the design system's markup (GOV.UK Frontend): one form group per field, an error
summary at the top that links to each field, widgets with the component classes and error state.

    {% load regija_forms %}
    {% error_summary form formset %}          – nothing when all are valid
    {% field form.title %}                    – label, hint (help_text), error message, widget
    {% field form.amount width=10 hint=… %}   – a narrower input, a hint other than help_text
    {% field form.amount understood=True %}   – an amount field's hint also says how the amount was
                                                read ("Understood as: 12.345,67 €")
    {% field form.start %}                    – a DayMonthYearField: a fieldset with three boxes
"""

from __future__ import annotations

from django import forms, template
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from regija.core.money import AmountField, format_eur

register = template.Library()

WIDTHS = {2, 3, 4, 5, 10, 20, 30}


def _kind(widget) -> str:
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, (forms.Select, forms.SelectMultiple)):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file"
    if isinstance(widget, forms.MultiWidget):
        return "multi"
    return "input"


CLASSES = {
    "input": ("govuk-input", "govuk-input--error"),
    "select": ("govuk-select", "govuk-select--error"),
    "textarea": ("govuk-textarea", "govuk-textarea--error"),
    "file": ("govuk-file-upload", "govuk-file-upload--error"),
    "checkbox": ("govuk-checkboxes__input", ""),
    "multi": ("govuk-input", "govuk-input--error"),
}


def widget_html(bound, *, width=None, described_by=""):
    """The bound field's widget with the component's classes, its error state and aria-describedby."""
    kind = _kind(bound.field.widget)
    base, error = CLASSES.get(kind, ("", ""))
    classes = [base] if base else []
    if bound.errors and error:
        classes.append(error)
    if width and int(width) in WIDTHS and kind == "input":
        classes.append(f"govuk-input--width-{int(width)}")
    existing = bound.field.widget.attrs.get("class", "")
    attrs = {"class": " ".join(filter(None, [existing, *classes]))}
    if described_by:
        attrs["aria-describedby"] = described_by
    return bound.as_widget(attrs=attrs)


def understood_amount(bound) -> str:
    """How an amount field's value was read ("Understood as: 12.345,67 €"): the value the form cleaned,
    or the saved amount an unbound form starts from; "" when there is none or it could not be read."""
    if not isinstance(bound.field, AmountField):
        return ""
    form = bound.form
    if form.is_bound:
        if bound.errors:
            return ""
        value = getattr(form, "cleaned_data", {}).get(bound.name)
    else:
        value = form.get_initial_for_field(bound.field, bound.name)
    if value is None or value == "":
        return ""
    return _("Understood as: %(amount)s") % {"amount": format_eur(value, get_language() or "sl")}


@register.simple_tag
def field(bound, width=None, hint=None, label_size=None, understood=False, **_kw):
    """One form group for a bound field: label, hint, error message, widget."""
    hint_text = hint if hint is not None else bound.help_text
    understood_text = understood_amount(bound) if understood else ""
    ids = []
    if hint_text or understood_text:
        ids.append(f"{bound.auto_id}-hint")
    if bound.errors:
        ids.append(f"{bound.auto_id}-error")
    kind = _kind(bound.field.widget)
    return render_to_string(
        "includes/field.html",
        {
            "f": bound,
            "kind": kind,
            "hint": hint_text,
            "understood": understood_text,
            "label_size": label_size,
            "widget": widget_html(bound, width=width, described_by=" ".join(ids)),
        },
    )


def _first_widget_id(bound) -> str:
    widget = bound.field.widget
    if isinstance(widget, forms.MultiWidget | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{bound.auto_id}_0"
    return bound.auto_id


def summary_items(*forms_or_sets):
    """(href, message) for every error of the given forms and formsets, in page order; the href is ""
    for an error of a whole form."""
    items: list[tuple[str, str]] = []
    for thing in forms_or_sets:
        if thing is None or not getattr(thing, "is_bound", False):
            continue
        if isinstance(thing, forms.BaseFormSet):
            for message in thing.non_form_errors():
                # a form set may name where its own errors are shown ("#amounts")
                items.append((getattr(thing, "error_anchor", ""), message))
            for form in thing.forms:
                items.extend(summary_items(form))
            continue
        for message in thing.non_field_errors():
            items.append(("", message))
        for bound in thing:
            if bound.is_hidden:
                continue
            for message in bound.errors:
                items.append(("#" + _first_widget_id(bound), f"{bound.label}: {message}"))
    return items


@register.simple_tag
def error_summary(*forms_or_sets):
    items = summary_items(*forms_or_sets)
    if not items:
        return ""
    return render_to_string("includes/error_summary.html", {"items": items, "title": _("There is a problem")})
