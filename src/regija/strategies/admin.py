"""Back office for strategies, nodes, alignments, indicators and observations."""

from django.contrib import admin
from django.db.models import Prefetch
from django.forms.models import BaseInlineFormSet
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from regija.core import permissions
from regija.core.admin_site import CheckedInlineForm, OwnedAdmin, OwnedInline, save_inline_through
from regija.core.templatetags.regija import percent

from . import selectors, services
from .models import Alignment, Indicator, Node, Observation, Strategy
from .progress import Status

STATUS_LABELS = {
    Status.ACHIEVED: _("achieved"),
    Status.ON_TRACK: _("on track"),
    Status.AT_RISK: _("at risk"),
    Status.OFF_TRACK: _("off track"),
    Status.NO_SCHEDULE: _("no schedule"),
    Status.INCOMPLETE: _("incomplete"),
    Status.INCONSISTENT: _("inconsistent"),
}
MISSING_LABELS = {
    "baseline": _("baseline"),
    "target": _("target"),
    "observations": _("observations"),
    "baseline_date": _("baseline date"),
    "target_date": _("target date"),
}


def nodes_of(request, nodes, strategy_id):
    """The nodes offered for a row of a strategy: that strategy's; for a row without one yet (a new
    project, indicator or call), those of the strategies the user may edit."""
    if strategy_id is not None:
        return nodes.filter(strategy_id=strategy_id)
    return nodes.filter(strategy__in=permissions.editable(request.user, Strategy.objects.all()))


@admin.register(Strategy)
class StrategyAdmin(OwnedAdmin):
    list_display = ("title", "status", "period_start", "period_end", "imported_at")
    list_filter = ("status",)
    search_fields = ("title", "title_en", "slug")
    filter_horizontal = ("owners",)
    readonly_fields = ("imported_at",)

    def has_add_permission(self, request):
        # A new strategy comes with its owners, which only a superuser may assign (or an import).
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        return (*self.readonly_fields, "slug", "owners")


class AlignmentInline(OwnedInline, admin.TabularInline):
    model = Alignment
    fk_name = "source_node"
    extra = 0
    autocomplete_fields = ("target_node", "declared_in")  # a node of any strategy: alignments cross them


@admin.register(Node)
class NodeAdmin(OwnedAdmin):
    owned_choices = ("strategy",)
    list_display = ("code", "title", "level", "strategy")
    list_filter = ("strategy", "level")
    # "2.1" finds the nodes whose code begins so; words of a title or of the strategy's title find it too
    search_fields = ("^code", "title", "strategy__title", "description")
    list_select_related = ("strategy",)
    autocomplete_fields = ("parent", "responsible")
    readonly_fields = ("path", "depth")
    inlines = [AlignmentInline]
    picker_related = ("strategy",)

    def picker_label(self, obj):
        # codes repeat across strategies ("2.1"): the strategy tells them apart
        return f"{obj.code} {Truncator(obj.title).chars(90)} ({obj.strategy.title})"

    def narrow_choices(self, db_field, request, qs, obj):
        if db_field.name == "parent":  # a node of the same strategy, not the node itself nor one below it
            qs = nodes_of(request, qs, obj.strategy_id if obj else None)
            return qs.exclude(path__startswith=obj.path) if obj else qs
        return qs


@admin.register(Alignment)
class AlignmentAdmin(OwnedAdmin):
    owned_choices = ("declared_in",)
    list_display = ("source_node", "type", "target_node", "declared_in")
    list_filter = ("type", "declared_in")
    list_select_related = ("source_node", "target_node", "declared_in")
    autocomplete_fields = ("source_node", "target_node")


class ObservationForm(CheckedInlineForm):
    """The rule of strategies.services: one value per date (a second is refused, not merged), at most
    six decimals; the row is then written by observation_add / _update / _delete."""

    def check(self, data):
        services.check_observation(
            data["indicator"],
            date=data["date"],
            value=data["value"],
            source=data.get("source", ""),
            note=data.get("note", ""),
            correcting=self.instance if self.instance.pk else None,
        )


class ObservationFormSet(BaseInlineFormSet):
    """Two rows of the form on one date get the service's message too (not only a row against the
    database): a new indicator's rows, or two new rows of an existing one."""

    def clean(self):
        taken = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or "date" not in data:
                continue
            date = data["date"]
            if date in taken:
                form.add_error("date", services.duplicate_message(date))
            taken.add(date)
        super().clean()


class ObservationInline(OwnedInline, admin.TabularInline):
    model = Observation
    form = ObservationForm
    formset = ObservationFormSet
    extra = 1


@admin.register(Indicator)
class IndicatorAdmin(OwnedAdmin):
    owned_choices = ("strategy",)
    list_display = ("code", "name", "node", "unit", "direction", "data_source", "progress", "strategy")
    list_filter = ("strategy", "direction")
    search_fields = ("code", "name", "effect", "data_source")
    list_select_related = ("node", "strategy")
    autocomplete_fields = ("node",)
    inlines = [ObservationInline]

    def narrow_choices(self, db_field, request, qs, obj):
        if db_field.name == "node":
            return nodes_of(request, qs, obj.strategy_id if obj else None)
        return qs

    def save_formset(self, request, form, formset, change):
        if formset.model is not Observation:
            return super().save_formset(request, form, formset, change)
        user = request.user

        def values(o):
            return {"value": o.value, "source": o.source, "note": o.note}

        save_inline_through(
            formset,
            create=lambda o: services.observation_add(
                user, form.instance, date=o.date, **values(o), via="admin"
            ),
            update=lambda o, _changed: services.observation_update(
                user, o, date=o.date, **values(o), via="admin"
            ),
            delete=lambda o: services.observation_delete(user, o, via="admin"),
        )

    def get_queryset(self, request):
        # the progress column reads every indicator's observations: one query for the page, not one per row
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("observations", queryset=Observation.objects.order_by("date")))
        )

    @admin.display(description=_("progress"))
    def progress(self, indicator):
        p = selectors.indicator_progress(indicator)
        label = STATUS_LABELS[p.status]
        if p.missing:
            missing = ", ".join(str(MISSING_LABELS[m]) for m in p.missing)
            return _("%(status)s (missing: %(missing)s)") % {"status": label, "missing": missing}
        if p.share is not None:
            return f"{label}: {percent(p.share)}"  # "26,5 %" in Slovenian
        return label
