"""Public pages of strategies: the start page, a strategy with its tree and matrices, a node, an indicator."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from regija.core import caching, charts, permissions
from regija.core.caching import cached
from regija.core.money import plain_number
from regija.core.services import Conflict, Forbidden, Refused
from regija.projects import selectors as project_selectors

from . import selectors, services
from .models import Indicator, Node, Observation, Strategy

HOME_PAGE_SIZE = 25


@cached
def home(request):
    page = Paginator(selectors.strategy_list(), HOME_PAGE_SIZE).get_page(request.GET.get("page"))
    # the table is the same for every visitor until the data changes: kept rendered per page number
    # and language, so a visit the page cache has not seen (staff, another query string) only counts
    table = caching.fragment(request, "home", (page.number,), lambda: _home_table(request, page))
    return render(request, "strategies/home.html", {"page": page, "table": table, "nav": "strategies"})


def _home_table(request, page) -> str:
    strategies = list(page.object_list)
    ids = [s.pk for s in strategies]
    levels = selectors.level_counts(ids)
    # the two costly columns (money of ~60 projects and status of ~12 indicators per strategy), kept
    # per strategy until the data changes: other page numbers and languages reuse them
    version = getattr(request, "data_version", None)
    money = caching.per_version("strategy-money", ids, project_selectors.strategy_rollups, version=version)
    indicators = caching.per_version("strategy-indicators", ids, selectors.indicator_summary, version=version)
    rows = [
        {
            "strategy": s,
            "levels": [(s.level_label(level, request.LANGUAGE_CODE), n) for level, n in levels.get(s.pk, [])],
            "money": money.get(s.pk) or project_selectors.Rollup(),
            "indicators": indicators.get(s.pk, {"total": 0}),
        }
        for s in strategies
    ]
    return render_to_string("strategies/_home_table.html", {"page": page, "rows": rows}, request=request)


@cached
def strategy_detail(request, slug: str):
    strategy = get_object_or_404(Strategy.objects.prefetch_related("owners"), slug=slug)
    lang = request.LANGUAGE_CODE
    open_codes = set(request.GET.getlist("open"))
    expand_all = request.GET.get("open") == "all"
    # Money, the tree and the matrices are the same for every visitor (signed in or not) until the data
    # changes: kept rendered per data version, language and open nodes, they cost a cache read when the
    # page itself is not in the page cache (staff, another query string).
    body = caching.fragment(
        request,
        "strategy",
        (strategy.pk, expand_all, sorted(open_codes)),
        lambda: render_to_string(
            "strategies/_strategy_body.html",
            _strategy_body_context(strategy, lang, open_codes, expand_all),
            request=request,
        ),
    )
    return render(
        request,
        "strategies/strategy.html",
        {"strategy": strategy, "body": body, "lang": lang, "nav": "strategies"},
    )


def _strategy_body_context(strategy: Strategy, lang: str, open_codes: set[str], expand_all: bool) -> dict:
    roots, by_id = selectors.strategy_tree(strategy)
    matrices = selectors.alignment_matrices(strategy)
    levels = {level: strategy.level_label(level, lang) for level in {n.node.level for n in by_id.values()}}
    for m in matrices:
        m.target_levels_label = m.target_strategy.level_label(m.target_level, lang)
        levels.setdefault(m.source_level, strategy.level_label(m.source_level, lang))
    return {
        "strategy": strategy,
        "roots": roots,
        "matrices": matrices,
        "rollup": project_selectors.strategy_rollup(strategy),
        "funds": project_selectors.fund_rollups(strategy),
        "open_codes": open_codes,
        "expand_all": expand_all,
        "lang": lang,
        "levels": levels,
    }


@cached
def node_detail(request, slug: str, code: str):
    strategy = get_object_or_404(Strategy, slug=slug)
    node = get_object_or_404(Node.objects.select_related("parent"), strategy=strategy, code=code)
    ancestors = list(
        Node.objects.filter(strategy=strategy, path__in=_ancestor_paths(node.path)).order_by("path")
    )
    children = list(node.children.order_by("path"))
    indicators = selectors.latest_progress(Indicator.objects.filter(node=node).order_by("order"))
    rollup = project_selectors.node_rollup(node)
    page = Paginator(
        project_selectors.project_queryset()
        .filter(nodes__path__startswith=node.path, nodes__strategy=strategy)
        .distinct()
        .order_by("strategy__title", "order", "id"),
        25,
    ).get_page(request.GET.get("page"))
    project_selectors.with_money(list(page.object_list))
    links_out = node.links_out.select_related("target_node", "target_node__strategy").order_by(
        "target_node__path"
    )
    links_in = node.links_in.select_related("source_node", "source_node__strategy").order_by(
        "source_node__path"
    )
    return render(
        request,
        "strategies/node.html",
        {
            "strategy": strategy,
            "node": node,
            "level": strategy.level_label(node.level, request.LANGUAGE_CODE),
            "ancestors": ancestors,
            "children": children,
            "indicators": indicators,
            "rollup": rollup,
            "page": page,
            "links_out": list(links_out),
            "links_in": list(links_in),
            "nav": "strategies",
        },
    )


def _ancestor_paths(path: str) -> list[str]:
    from .models import PATH_STEP

    return [path[:i] for i in range(PATH_STEP, len(path), PATH_STEP)]


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
        "nav": "strategies",
    }


@cached
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
            messages.success(request, _("The value for %(date)s was corrected.") % {"date": existing.date})
        else:
            services.observation_add(request.user, indicator, **data, via="web")
            messages.success(request, _("The value was added."))
    except Forbidden:
        raise PermissionDenied from None
    except Refused as exc:
        message = exc.message
        if isinstance(exc, Conflict):
            message = f"{message} {_('Tick “correct the value on this date” to replace it.')}"
        form.add_error(exc.field if exc.field in form.fields else None, message)
        return _form_again(request, indicator, form, status=409 if isinstance(exc, Conflict) else 422)
    return redirect("indicator", slug=slug, code=code)


def _form_again(request, indicator: Indicator, form: ObservationForm, *, status: int):
    """The indicator page with the form sent back and what is wrong with it."""
    context = _indicator_context(request, indicator, can_edit=True, form=form)
    return render(request, "strategies/indicator.html", context, status=status)


@cached
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
