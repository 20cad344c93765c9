"""The back office: members of an organisation sign in here and change what their organisation owns."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied

from . import permissions
from .services import Forbidden, Refused, record_delete, record_save


class RegijaAdminSite(admin.AdminSite):
    site_header = "Regija"
    site_title = "Regija"

    def has_permission(self, request):
        # Membership of an organisation is what makes someone staff here, not Django's is_staff flag alone.
        return permissions.is_staff(request.user)


class OwnedAdmin(admin.ModelAdmin):
    """Rights from the organisation rule (core.permissions): every member may look, editors of an owning
    organisation may change, admins of it may delete strategies and projects."""

    # ForeignKey fields whose choices an editor may only set to objects their organisations own.
    owned_choices: tuple[str, ...] = ()

    def has_module_permission(self, request):
        return permissions.is_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.is_staff(request.user)

    def has_add_permission(self, request):
        return permissions.can_edit_anything(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return permissions.can_edit_anything(request.user)
        return permissions.can(request.user, "change", obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return permissions.can_edit_anything(request.user)
        return permissions.can(request.user, "delete", obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.owned_choices and not request.user.is_superuser:
            kwargs["queryset"] = permissions.editable(request.user, db_field.remote_field.model.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Through the service: the rule is checked on the new values too (an editor cannot move an
        # object to another organisation), in one transaction, attributed to the user.
        try:
            record_save(request.user, obj, via="admin")
        except Forbidden:
            raise PermissionDenied from None

    def delete_model(self, request, obj):
        try:
            record_delete(request.user, [obj], via="admin")
        except Forbidden:
            raise PermissionDenied from None

    def delete_queryset(self, request, queryset):
        """The "delete selected" action: all or none, each object one the user may delete."""
        try:
            record_delete(request.user, queryset, via="admin")
        except Forbidden:
            raise PermissionDenied from None


class OwnedInline:
    """Inline rows follow the rights on their parent object."""

    def has_view_permission(self, request, obj=None):
        return permissions.is_staff(request.user)

    def has_add_permission(self, request, obj=None):
        return (
            obj is not None
            and permissions.can(request.user, "change", obj)
            or (obj is None and permissions.can_edit_anything(request.user))
        )

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


# ---------------------------------------------------------------------------------------------
# Inline rows written through the services


class CheckedInlineForm(forms.ModelForm):
    """An inline row checked by its service's rule before the back office saves it (``check``), so the
    back office refuses what the API and the pages refuse, with the same message, next to the field."""

    def check(self, data: dict) -> None:
        """Raise ``core.services.Refused`` when the row, with the values in ``data``, breaks a rule."""
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if self.errors or data.get("DELETE"):
            return data
        try:
            self.check(data)
        except Refused as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data

    def changes(self, data: dict, fields) -> dict:
        """The values of the changed fields among ``fields``."""
        return {f: data[f] for f in self.changed_data if f in fields and f in data}


def unsaved_copy(obj):
    """A copy of a model object to try changes on without touching the form's own instance."""
    return type(obj)(**{f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields})


def save_inline_through(formset, *, create, update, delete) -> None:
    """Save an inline formset through services instead of ``formset.save()``: ``delete(obj)`` for each
    deleted row, then ``update(obj, changed_fields)`` for each changed one, then ``create(obj)`` for
    each new one (``obj`` carries the form's values, unsaved; ``create`` returns the saved object).
    Deletes go first, so a date or an organisation freed in the same form can be used again."""
    formset.save(commit=False)
    for obj in formset.deleted_objects:
        delete(obj)
    for obj, changed in formset.changed_objects:
        update(obj, changed)
    for obj in formset.new_objects:
        obj.pk = create(obj).pk
    formset.save_m2m()
