"""The back office: members of an organisation sign in here and change what their organisation owns."""

from django.contrib import admin

from . import permissions


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
        # Checked on the new values too: an editor cannot move an object to another organisation.
        from django.core.exceptions import PermissionDenied

        if obj.pk is None or change:
            if not request.user.is_superuser and not _can_change_new_state(request.user, obj):
                raise PermissionDenied
        super().save_model(request, obj, form, change)


def _can_change_new_state(user, obj) -> bool:
    try:
        return permissions.can(user, "change", obj)
    except Exception:
        return False


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
