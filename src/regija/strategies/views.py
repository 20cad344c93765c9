"""Pages of strategies' indicators: an indicator with its chart and data, and adding an observation.

The start page, a strategy and a node show money and projects too: they are the portal's (regija.portal.views)."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from regija.core import charts, permissions
from regija.core.caching import cache_response
from regija.core.money import plain_number

from . import selectors
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
    """Add (or correct) one observation of an indicator; editors of an owning organisation only."""
    indicator = _indicator(slug, code)
    if not permissions.can_change(request.user, indicator):
        raise PermissionDenied
    form = ObservationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                existing = indicator.observations.filter(date=data["date"]).first()
                if existing is not None:
                    for field in ("value", "source", "note"):
                        setattr(existing, field, data[field])
                    existing.save()
                    messages.success(
                        request, _("The value for %(date)s was corrected.") % {"date": data["date"]}
                    )
                else:
                    Observation.objects.create(indicator=indicator, **data)
                    messages.success(request, _("The value was added."))
        except IntegrityError:
            messages.error(request, _("The value could not be saved; try again."))
        return redirect("indicator", slug=slug, code=code)
    return render(
        request,
        "strategies/indicator.html",
        _indicator_context(request, indicator, can_edit=True, form=form),
        status=422,
    )


@cache_response
def indicator_csv(request, slug: str, code: str):
    indicator = _indicator(slug, code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{code}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 (č, š, ž) only with a BOM
    writer = csv.writer(response)
    writer.writerow(["strategy", "indicator", "name", "unit", "kind", "date", "value", "source", "note"])
    base = [slug, indicator.code, indicator.name, indicator.unit]
    if indicator.baseline_value is not None:
        writer.writerow(
            base
            + [
                "baseline",
                indicator.baseline_date or "",
                plain_number(indicator.baseline_value),
                indicator.source,
                "",
            ]
        )
    for o in indicator.observations.order_by("date"):
        writer.writerow(base + ["observation", o.date, plain_number(o.value), o.source, o.note])
    if indicator.target_value is not None:
        writer.writerow(
            base
            + [
                "target",
                indicator.target_date or "",
                plain_number(indicator.target_value),
                indicator.source,
                "",
            ]
        )
    return response
