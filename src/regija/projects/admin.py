"""Back office for funds, allocations, projects with partners, budget lines and payments."""

from django.contrib import admin

from regija.core.admin_site import OwnedAdmin, OwnedInline

from .models import Allocation, BudgetLine, Fund, Partner, Payment, Project, StatedFigure


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    raw_id_fields = ("owner", "declared_in")


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")
    inlines = [AllocationInline]


class PartnerInline(OwnedInline, admin.TabularInline):
    model = Partner
    extra = 0
    autocomplete_fields = ("organisation",)


class BudgetLineInline(OwnedInline, admin.TabularInline):
    model = BudgetLine
    extra = 0


class PaymentInline(OwnedInline, admin.TabularInline):
    model = Payment
    extra = 0


@admin.register(Project)
class ProjectAdmin(OwnedAdmin):
    owned_choices = ("strategy",)
    list_display = ("code", "title", "holder", "status", "start", "end", "strategy")
    list_filter = ("strategy", "status")
    search_fields = ("code", "title", "description", "holder__name")
    list_select_related = ("holder", "strategy")
    autocomplete_fields = ("holder",)
    raw_id_fields = ("nodes",)
    inlines = [PartnerInline, BudgetLineInline, PaymentInline]


@admin.register(StatedFigure)
class StatedFigureAdmin(OwnedAdmin):
    owned_choices = ("strategy",)
    list_display = ("label", "what", "amount", "count", "date", "source", "strategy")
    list_filter = ("strategy", "what")
    list_select_related = ("strategy",)
    raw_id_fields = ("scope_node",)
