"""Back office for public calls, applications and score sheets.

Statuses move only through the workflow (``calls.services``): here the status of a call or an
application is never editable, and score sheets are read-only. A draft call is edited freely; once
published, its terms (dates, threshold, budget, conditions and criteria) are fixed and only its
texts, contact, documents and committee may still change. Applications are read-mostly: staff
record the instrument (decision or contract) and the operation, nothing an applicant wrote.
Editors change only the calls of their own organisations (core.permissions)."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from regija.core import permissions
from regija.core.admin_site import OwnedAdmin, OwnedInline, ReadOnlyRows
from regija.strategies.admin import nodes_of

from . import services
from .models import (
    ApplicantRegistration,
    Application,
    ApplicationFund,
    ApplicationPartner,
    ApplicationPhase,
    Attachment,
    Call,
    CallDocument,
    CallFund,
    CallStatus,
    CommitteeSeat,
    Criterion,
    EligibilityCondition,
    Score,
    ScoreSheet,
    SheetReturn,
)
from .storage import check_upload


def _is_draft(obj) -> bool:
    return obj is None or getattr(obj, "status", None) == CallStatus.DRAFT


class DraftOnlyInline(OwnedInline):
    """Rows that are part of a call's terms: changed only while the call is a draft."""

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class CallFundInline(DraftOnlyInline, admin.TabularInline):
    model = CallFund
    extra = 0


class EligibilityConditionInline(DraftOnlyInline, admin.TabularInline):
    model = EligibilityCondition
    extra = 0


class CriterionInline(DraftOnlyInline, admin.TabularInline):
    model = Criterion
    extra = 0


class CommitteeSeatInline(OwnedInline, admin.TabularInline):
    model = CommitteeSeat
    extra = 0
    # the user account: found by e-mail address or name (core.selectors.find_users), not listed
    autocomplete_fields = ("member", "user")

    def narrow_choices(self, db_field, request, qs, obj):
        """A seat's body member is one of the call's evaluation committee (its term), or, before the call
        names one, of a body of the call's organisation; on a new call, of a body the user may edit."""
        if db_field.name != "member":
            return qs
        if obj is None:
            return permissions.editable(request.user, qs)
        if obj.committee_term_id is not None:
            return qs.filter(term_id=obj.committee_term_id)
        return qs.filter(term__body__organisation_id=obj.organisation_id)


class CallDocumentForm(forms.ModelForm):
    """An uploaded document is checked like an attachment (type from its bytes, size limit); its
    stored content type and size come from the file, not from the form."""

    class Meta:
        model = CallDocument
        fields = ("title", "file", "order")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and hasattr(upload, "content_type"):  # a new upload, not the stored file
            checked = check_upload(upload)
            self.instance.content_type, self.instance.size = checked.content_type, checked.size
        return upload


class CallDocumentInline(OwnedInline, admin.TabularInline):
    model = CallDocument
    form = CallDocumentForm
    extra = 0
    fields = ("title", "file", "content_type", "size", "order")
    readonly_fields = ("content_type", "size")


@admin.register(Call)
class CallAdmin(OwnedAdmin):
    owned_choices = ("organisation", "strategy", "committee_term")
    list_display = ("number", "title", "organisation", "status", "opens_at", "closes_at")
    list_filter = ("status", "organisation")
    search_fields = ("number", "title", "text", "organisation__name")
    list_select_related = ("organisation",)
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("organisation", "strategy", "nodes", "committee_term")
    inlines = [
        CallFundInline,
        EligibilityConditionInline,
        CriterionInline,
        CommitteeSeatInline,
        CallDocumentInline,
    ]
    # fixed once the call is published: what applicants rely on
    TERMS = (
        "organisation",
        "slug",
        "number",
        "opens_at",
        "closes_at",
        "pass_threshold",
        "sustainability_years",
        "min_per_application",
        "max_per_application",
        "strategy",
        "nodes",
    )

    def narrow_choices(self, db_field, request, qs, obj):
        if db_field.name == "nodes":  # the nodes of the call's strategy
            return nodes_of(request, qs, obj.strategy_id if obj else None)
        return qs

    def get_readonly_fields(self, request, obj=None):
        fields = ["status", "created_at"]
        if not _is_draft(obj):
            fields += list(self.TERMS)
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if _is_draft(obj) else {}

    # The back office links each call to its management page (publishing, applications, decisions).

    @staticmethod
    def management_url(call: Call) -> str:
        return reverse("call_manage", args=[call.organisation.slug, call.slug])

    def get_list_display(self, request):
        def management(call):
            if not services.may_see_call_staff(request.user, call):
                return "–"
            return format_html('<a href="{}">{}</a>', self.management_url(call), _("Manage"))

        management.short_description = _("Management page")  # type: ignore[attr-defined]
        return (*self.list_display, management)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        call = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if call is not None and services.may_see_call_staff(request.user, call):
            extra_context["management_url"] = self.management_url(call)
        return super().change_view(request, object_id, form_url, extra_context)

    def view_on_site(self, obj):
        """A draft call has no public page yet: "view on site" opens its management page."""
        if obj.status == CallStatus.DRAFT:
            return self.management_url(obj)
        return obj.get_absolute_url()


class ReadOnlyInline(OwnedInline):
    """Rows shown with their parent but never changed here."""

    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApplicationFundInline(ReadOnlyInline, admin.TabularInline):
    model = ApplicationFund
    extra = 0


class ApplicationPartnerInline(ReadOnlyInline, admin.TabularInline):
    model = ApplicationPartner
    extra = 0


class ApplicationPhaseInline(ReadOnlyInline, admin.TabularInline):
    model = ApplicationPhase
    extra = 0


class AttachmentInline(ReadOnlyInline, admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("kind", "original_name", "content_type", "size", "uploaded_at")


@admin.register(Application)
class ApplicationAdmin(OwnedAdmin):
    list_display = ("__str__", "call", "number", "applicant", "status", "submitted_at")
    list_filter = ("status", "call__organisation", "call")
    search_fields = ("title", "applicant__name", "call__number", "call__title")
    list_select_related = ("call", "applicant")
    autocomplete_fields = ("project",)
    # what staff may record after the decision; everything else comes from the applicant or the workflow
    EDITABLE = ("instrument_kind", "instrument_number", "instrument_date", "project", "source")
    inlines = [ApplicationFundInline, ApplicationPartnerInline, ApplicationPhaseInline, AttachmentInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Application._meta.fields if f.name not in self.EDITABLE and f.name != "id"]

    def narrow_choices(self, db_field, request, qs, obj):
        """The operation an application became: a project of the call's strategy that no other
        application became."""
        if db_field.name != "project" or obj is None:
            return qs
        if obj.call.strategy_id is not None:
            qs = qs.filter(strategy_id=obj.call.strategy_id)
        return qs.filter(Q(application__isnull=True) | Q(application=obj))

    def has_add_permission(self, request):
        return False  # applications are made by applicants, through the application pages

    def has_delete_permission(self, request, obj=None):
        return False


class ScoreInline(ReadOnlyInline, admin.TabularInline):
    model = Score
    extra = 0
    fields = ("criterion", "points", "justification")


class SheetReturnInline(ReadOnlyInline, admin.TabularInline):
    """The chair's returns of this version for correction (made on the evaluation pages)."""

    model = SheetReturn
    fk_name = "sheet"
    extra = 0
    fields = ("reason", "returned_by", "returned_at", "correction")


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ReadOnlyRows, OwnedAdmin):
    list_display = ("__str__", "version", "status", "total", "finalised_at")
    list_filter = ("status", "assignment__application__call")
    list_select_related = ("assignment__seat", "assignment__application")
    inlines = [ScoreInline, SheetReturnInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ScoreSheet._meta.fields]


@admin.register(ApplicantRegistration)
class ApplicantRegistrationAdmin(ReadOnlyRows, OwnedAdmin):
    """Applicants' self-registrations, read-only: the person's data stays as they gave it, and a
    registration is approved or rejected on the call's management page (the link on each), where the
    organisation already on Regija under its number is shown first (``calls.services.registration``).
    People register themselves on a call's page; unconfirmed registrations expire (``regija
    clean_registrations``), decided ones are kept."""

    list_display = (
        "organisation_name",
        "registration_number",
        "person_name",
        "email",
        "call",
        "status",
        "created_at",
    )
    list_filter = ("status", "call")
    search_fields = ("organisation_name", "registration_number", "tax_number", "email", "last_name")
    list_select_related = ("call",)
    date_hierarchy = "created_at"
    readonly_fields = ("decide",)

    @admin.display(description=_("person"))
    def person_name(self, obj):
        return obj.person

    @admin.display(description=_("decide"))
    def decide(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        call = obj.call
        url = reverse("registration_decide", args=[call.organisation.slug, call.slug, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open on the call's management page"))

    def get_readonly_fields(self, request, obj=None):
        return ["decide", *(f.name for f in ApplicantRegistration._meta.fields if f.name != "id")]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("call__organisation")
