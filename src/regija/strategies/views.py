"""Pages of strategies' indicators: an indicator with its chart and data, and adding an observation.

The start page, a strategy and a node show money and projects too: they are the portal's
(regija.portal.views).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from regija.core import charts, dates, permissions, spreadsheet
from regija.core.caching import cache_response
from regija.core.money import plain_number
from regija.core.services import Conflict, Forbidden, Refused

from . import selectors, services
from .models import Indicator, Observation


def _indicator(slug: str, code: str) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related("strategy", "node"), strategy__slug=slug, code=code
    )


class LocalDecimalField(forms.DecimalField):
    """Accepts the Slovenian decimal comma ("12,5") as well as a point, and spaces between thousands."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(" ", "").replace("\u00a0", "")
            if "," in value:
                value = value.replace(".", "").replace(",", ".")
        return super().to_python(value)


class ObservationForm(forms.ModelForm):
    value = LocalDecimalField(label=gettext_lazy("value"), max_digits=24, decimal_places=6)
    replace = forms.BooleanField(
        label=gettext_lazy("correct the value on this date"),
        required=False,
        help_text=gettext_lazy("Only when the date already has a value: this one replaces it."),
    )

    class Meta:
        model = Observation
        fields = ["date", "value", "source", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}), "note": forms.Textarea(attrs={"rows": 2})}


def _indicator_context(request, indicator: Indicator, *, can_edit: bool, form=None) -> dict:
    """What the indicator page shows; the same for a plain view and for a form sent back with errors."""
    observations = list(indicator.observations.order_by("date"))
    return {
        "indicator": indicator,
        "strategy": indicator.strategy,
        "observations": observations,
        "progress": selectors.indicator_progress_from(indicator, observations),
        "chart": charts.indicator_chart(indicator, observations, request.LANGUAGE_CODE),
        "can_edit": can_edit,
        "form": form if form is not None else (ObservationForm() if can_edit else None),
        "csv_other": spreadsheet.other_offered(request.LANGUAGE_CODE),
        "nav": "strategies",
    }


@cache_response
def indicator_detail(request, slug: str, code: str):
    indicator = _indicator(slug, code)
    can_edit = request.user.is_authenticated and permissions.can_change(request.user, indicator)
    return render(
        request, "strategies/indicator.html", _indicator_context(request, indicator, can_edit=can_edit)
    )


@login_required
@require_POST
def observation_add(request, slug: str, code: str):
    """Add one observation of an indicator – or, when the form says so, correct the one on its date –
    through strategies.services, as the API and the back office do; editors of an owning organisation only.
    A date that has a value already is refused unless the form asks to correct it: never replaced silently."""
    indicator = _indicator(slug, code)
    if not permissions.can_change(request.user, indicator):
        raise PermissionDenied
    form = ObservationForm(request.POST)
    if not form.is_valid():
        return _form_again(request, indicator, form, status=422)
    data = dict(form.cleaned_data)
    existing = indicator.observations.filter(date=data["date"]).first() if data.pop("replace") else None
    try:
        if existing is not None:
            data.pop("date")
            services.observation_update(request.user, existing, **data, via="web")
            messages.success(
                request, _("The value for %(date)s was corrected.") % {"date": dates.day(existing.date)}
            )
        else:
            services.observation_add(request.user, indicator, **data, via="web")
            messages.success(request, _("The value was added."))
    except Forbidden:
        raise PermissionDenied from None
    except Refused as exc:
        message = exc.message
        if isinstance(exc, Conflict):
            # gettext outside the f-string: xgettext does not read inside one
            hint = _("Tick “correct the value on this date” to replace it.")
            message = f"{message} {hint}"
        form.add_error(exc.field if exc.field in form.fields else None, message)
        return _form_again(request, indicator, form, status=409 if isinstance(exc, Conflict) else 422)
    return redirect("indicator", slug=slug, code=code)


def _form_again(request, indicator: Indicator, form: ObservationForm, *, status: int):
    """The indicator page with the form sent back and what is wrong with it."""
    context = _indicator_context(request, indicator, can_edit=True, form=form)
    return render(request, "strategies/indicator.html", context, status=status)


@cache_response
def indicator_csv(request, slug: str, code: str):
    """An indicator's values as CSV: headed and labelled in the request's language, in its CSV dialect
    (``?dialect=excel-sl|csv`` for the other; ``core.spreadsheet``), every cell escaped – a note
    beginning with = never runs."""
    indicator = _indicator(slug, code)
    dialect = spreadsheet.dialect_for(request.LANGUAGE_CODE, request.GET.get("dialect"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{code}.csv"'
    response.write(dialect.bom)  # Excel reads UTF-8 (č, š, ž) only with a BOM
    writer = spreadsheet.csv_writer(response, dialect)
    writer.writerow(
        [
            _("Strategy"),
            _("Indicator"),
            _("Name"),
            _("Unit"),
            _("Kind"),
            _("Date"),
            _("Value"),
            _("Source"),
            _("Note"),
        ]
    )
    base = [slug, indicator.code, indicator.name, indicator.unit]
    if indicator.baseline_value is not None:
        writer.writerow(
            base
            + [
                _("baseline"),
                indicator.baseline_date,
                _number(indicator.baseline_value),
                indicator.source,
                "",
            ]
        )
    for o in indicator.observations.order_by("date"):
        writer.writerow(base + [_("observed"), o.date, _number(o.value), o.source, o.note])
    if indicator.target_value is not None:
        writer.writerow(
            base
            + [
                _("target"),
                indicator.target_date,
                _number(indicator.target_value),
                indicator.source,
                "",
            ]
        )
    return response


def _number(value):
    """A stored value without its padding zeros (12.500000 → 12.5), still a number for the CSV."""
    return Decimal(plain_number(value))
