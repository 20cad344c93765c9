"""Back office for funds, allocations, projects with partners, budget lines and payments."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from regija.core import permissions
from regija.core.admin_site import (
    CheckedInlineForm,
    OwnedAdmin,
    OwnedInline,
    save_inline_through,
    unsaved_copy,
)
from regija.core.services import Forbidden
from regija.strategies.admin import nodes_of

from .models import Allocation, BudgetLine, Fund, Partner, Payment, Project, StatedFigure
from .services import budget
from .services import projects as project_services


class AllocationInline(OwnedInline, admin.TabularInline):
    model = Allocation
    extra = 0
    autocomplete_fields = ("owner", "declared_in")


@admin.register(Fund)
class FundAdmin(OwnedAdmin):
    """Funds are public and shared; no organisation owns them, so only superusers change them."""

    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")
    inlines = [AllocationInline]


# Partners, budget lines and payments are checked by the rules of projects.services and written by its
# functions (ProjectAdmin.save_formset), as the API writes them.


def _row_as_sent(form: CheckedInlineForm, data: dict, fields):
    """The row as the form would make it (a new one, or a copy of the stored one with the changes)."""
    if form.instance.pk is None:
        return type(form.instance)(project=data["project"], **{f: data[f] for f in fields if f in data})
    row = unsaved_copy(form.instance)
    for field, value in form.changes(data, fields).items():
        setattr(row, field, value)
    return row


class PartnerForm(CheckedInlineForm):
    def check(self, data):
        project_services.check_partner(_row_as_sent(self, data, project_services.PARTNER_FIELDS))


class BudgetLineForm(CheckedInlineForm):
    def check(self, data):
        if self.instance.pk is None:
            row = _row_as_sent(self, data, budget.BUDGET_LINE_FIELDS)
            budget.check_budget_line(row, budget.BUDGET_LINE_FIELDS)
        else:  # as budget_line_update will change it
            row = unsaved_copy(self.instance)
            budget.apply_budget_line_changes(row, self.changes(data, budget.BUDGET_LINE_FIELDS))
            data["secured_amount"] = row.secured_amount  # a line no longer partly secured loses its part


class PaymentForm(CheckedInlineForm):
    def check(self, data):
        budget.check_payment(_row_as_sent(self, data, budget.PAYMENT_FIELDS))


class PartnerInline(OwnedInline, admin.TabularInline):
    model = Partner
    form = PartnerForm
    extra = 0
    autocomplete_fields = ("organisation",)


class ProgrammeInline(OwnedInline):
    """Rows of a project's money: only its programme staff add, change or delete them (separation of
    duties, ``core.permissions.can(user, "manage", project)``); the holder sees them read-only, and the
    services refuse its writes anyway."""

    def has_add_permission(self, request, obj=None):
        if obj is None:
            return permissions.can_edit_anything(request.user)
        return permissions.can(request.user, "manage", obj)

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


class BudgetLineInline(ProgrammeInline, admin.TabularInline):
    model = BudgetLine
    form = BudgetLineForm
    extra = 0


class PaymentInline(ProgrammeInline, admin.TabularInline):
    model = Payment
    form = PaymentForm
    extra = 0
    # Who claimed, checked and paid a claim, and when, are recorded by the claim's steps
    # (projects.services.payments: the holder's claim, the staff's check and payment), each the signed-in
    # user at that moment – never chosen by hand, so shown, not offered as a list of accounts.
    readonly_fields = ("claimed_at", "claimed_by", "checked_at", "checked_by", "paid_by")

    def get_queryset(self, request):
        # the accounts shown on each row: read with the rows, not one query per row
        return super().get_queryset(request).select_related("claimed_by", "checked_by", "paid_by")


@admin.register(Project)
class ProjectAdmin(OwnedAdmin):
    owned_choices = ("strategy",)
    list_display = ("code", "title", "holder", "status", "start", "end", "strategy")
    list_filter = ("strategy", "status")
    search_fields = ("code", "title", "description", "holder__name", "strategy__title")
    list_select_related = ("holder", "strategy")
    autocomplete_fields = ("holder", "nodes")
    inlines = [PartnerInline, BudgetLineInline, PaymentInline]
    picker_related = ("strategy",)

    def picker_label(self, obj):
        # codes repeat across strategies: the strategy tells them apart
        return f"{obj.code} {obj.title} ({obj.strategy.title})"

    def narrow_choices(self, db_field, request, qs, obj):
        if db_field.name == "nodes":  # the nodes of the strategy that lists the project
            return nodes_of(request, qs, obj.strategy_id if obj else None)
        return qs

    def _holder_only(self, request, obj) -> bool:
        """The user may change the project (as its holder) but not manage it (not programme staff)."""
        return obj is not None and not permissions.can(request.user, "manage", obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self._holder_only(request, obj):
            fields += project_services.PROGRAMME_FIELDS
            if obj.status in project_services.OUTCOME_STATUSES:
                fields.append("status")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        status = form.base_fields.get("status")
        if status is not None and self._holder_only(request, obj):
            # the holder never picks an outcome (a new class per call: nothing shared is changed)
            status.choices = [c for c in status.choices if c[0] not in project_services.OUTCOME_STATUSES]
        return form

    def save_model(self, request, obj, form, change):
        try:
            project_services.project_record_save(request.user, obj, form.changed_data, via="admin")
        except Forbidden:
            raise PermissionDenied from None

    def save_formset(self, request, form, formset, change):
        written_by = {
            Partner: (
                project_services.PARTNER_FIELDS,
                project_services.partner_create,
                project_services.partner_update,
                project_services.partner_delete,
            ),
            BudgetLine: (
                budget.BUDGET_LINE_FIELDS,
                budget.budget_line_create,
                budget.budget_line_update,
                budget.budget_line_delete,
            ),
            Payment: (
                budget.PAYMENT_FIELDS,
                budget.payment_create,
                budget.payment_update,
                budget.payment_delete,
            ),
        }.get(formset.model)
        if written_by is None:
            return super().save_formset(request, form, formset, change)
        fields, create, update, delete = written_by
        user, project = request.user, form.instance

        def values(row, names):
            return {f: getattr(row, f) for f in names if f in fields}

        save_inline_through(
            formset,
            create=lambda row: create(user, project, **values(row, fields), via="admin"),
            update=lambda row, changed: update(user, row, values(row, changed), via="admin"),
            delete=lambda row: delete(user, row, via="admin"),
        )


@admin.register(StatedFigure)
class StatedFigureAdmin(OwnedAdmin):
    owned_choices = ("strategy",)
    list_display = ("label", "what", "amount", "count", "date", "source", "strategy")
    list_filter = ("strategy", "what")
    list_select_related = ("strategy",)
    autocomplete_fields = ("scope_node",)

    def narrow_choices(self, db_field, request, qs, obj):
        if db_field.name == "scope_node":
            return nodes_of(request, qs, obj.strategy_id if obj else None)
        return qs
