"""Back office for strategies, nodes, alignments, indicators and observations."""

from django.contrib import admin

from .models import Alignment, Indicator, Node, Observation, Strategy


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "period_start", "period_end", "imported_at")
    list_filter = ("status",)
    search_fields = ("title", "title_en", "slug")
    filter_horizontal = ("owners",)
    readonly_fields = ("imported_at",)


class AlignmentInline(admin.TabularInline):
    model = Alignment
    fk_name = "source_node"
    extra = 0
    raw_id_fields = ("target_node", "declared_in")


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "level", "strategy")
    list_filter = ("strategy", "level")
    search_fields = ("code", "title", "description")
    list_select_related = ("strategy",)
    raw_id_fields = ("parent",)
    autocomplete_fields = ("responsible",)
    readonly_fields = ("path", "depth")
    inlines = [AlignmentInline]


@admin.register(Alignment)
class AlignmentAdmin(admin.ModelAdmin):
    list_display = ("source_node", "type", "target_node", "declared_in")
    list_filter = ("type", "declared_in")
    list_select_related = ("source_node", "target_node", "declared_in")
    raw_id_fields = ("source_node", "target_node")


class ObservationInline(admin.TabularInline):
    model = Observation
    extra = 1


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "node", "unit", "direction", "data_source", "strategy")
    list_filter = ("strategy", "direction")
    search_fields = ("code", "name", "effect", "data_source")
    list_select_related = ("node", "strategy")
    raw_id_fields = ("node",)
    inlines = [ObservationInline]
