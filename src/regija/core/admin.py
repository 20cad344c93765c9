"""Back office for organisations, memberships (roles), API tokens and the audit log.

Each shows only the rows the user may read (``core.permissions.visible``): organisations that are not
natural persons and the user's own; the memberships of the user's organisations; the user's own API
tokens; the audit entries of the objects the user reads as staff."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import permissions
from .admin_site import OwnedAdmin, ReadOnlyRows, VisibleRows
from .models import ApiToken, AuditEntry, Membership, Organisation, Role


@admin.register(Organisation)
class OrganisationAdmin(OwnedAdmin):
    """Every member may look up organisations (the autocomplete of a call's, a membership's or a project
    holder's organisation); editors of an organisation change it, its administrators delete it."""

    list_display = ("name", "short_name", "kind", "country", "parent")
    list_filter = ("kind", "country")
    search_fields = ("name", "short_name", "slug", "registration_number")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)

    def has_add_permission(self, request):
        # A new organisation has no members yet, so nobody but a superuser could ever edit it.
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(VisibleRows, admin.ModelAdmin):
    """Administrators of an organisation add its members and set their roles; its other members see them."""

    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "organisation__name")
    # the person: found by e-mail address or name (core.selectors.find_users), never a list of accounts
    autocomplete_fields = ("organisation", "user")

    def _admin_orgs(self, request):
        return permissions.org_ids_with(request.user, Role.ADMIN)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "organisation")

    def has_module_permission(self, request):
        return permissions.is_staff(request.user)

    def has_add_permission(self, request):
        orgs = self._admin_orgs(request)
        return orgs is None or bool(orgs)

    def has_change_permission(self, request, obj=None):
        orgs = self._admin_orgs(request)
        if orgs is None:
            return True
        return bool(orgs) and (obj is None or obj.organisation_id in orgs)

    has_delete_permission = has_change_permission

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        orgs = self._admin_orgs(request)
        if db_field.name == "organisation" and orgs is not None:
            kwargs["queryset"] = Organisation.objects.filter(pk__in=orgs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        orgs = self._admin_orgs(request)
        if orgs is not None and obj.organisation_id not in orgs:
            raise PermissionDenied
        super().save_model(request, obj, form, change)
        permissions.forget(obj.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyRows, VisibleRows, admin.ModelAdmin):
    """The audit log, read only: nobody edits history. A member sees the entries of the objects they read
    as staff (core.permissions), never those of another organisation's drafts or applications."""

    list_display = ("at", "who", "via", "action", "content_type", "object_repr")
    list_filter = ("action", "via", "content_type")
    search_fields = ("object_repr", "actor")
    date_hierarchy = "at"
    list_select_related = ("content_type",)
    # One "who" (the name kept with the entry, not also the account it was made with), and the changes
    # as a table of the fields' labels in the page's language instead of the stored JSON.
    fields = (
        "at",
        "who",
        "via",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "change_table",
        "parent",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields

    @admin.display(description=_("who"), ordering="actor")
    def who(self, obj):
        return obj.who

    @admin.display(description=_("changes"))
    def change_table(self, obj):
        rows = obj.change_rows
        if not rows:
            return "–"
        head = format_html(
            '<thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead>',
            _("Field"),
            _("Before"),
            _("After"),
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (label, "–" if before is None else before, "–" if after is None else after)
                for label, before, after in rows
            ),
        )
        return format_html("<table>{}<tbody>{}</tbody></table>", head, body)

    def has_module_permission(self, request):
        return permissions.is_staff(request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(VisibleRows, admin.ModelAdmin):
    """A member sees their own tokens (revoked at /racun/); a superuser sees and revokes all."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at")
    exclude = ("key_hash",)

    def has_module_permission(self, request):
        return permissions.is_staff(request.user)

    def has_add_permission(self, request):
        return False  # tokens are created by their owner at /racun/, where the secret is shown once

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


# --- Django's users and groups: their permissions named in the page's language ------------------

# Django stores a permission's name ("Can add project") in English when it creates it; the default ones
# are named here from their codename and the model's label in the reader's language.
_PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    """'Projekti in skladi | projekt | Lahko spremeni: projekt' for a Slovenian page; a permission an app
    defines itself keeps its own name."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    name = permission.name
    if model is not None and action in _PERMISSION_ACTIONS and model_name == model._meta.model_name:
        name = _PERMISSION_ACTIONS[action] % {"model": model._meta.verbose_name}
    app = (
        capfirst(model._meta.app_config.verbose_name)
        if model is not None
        else permission.content_type.app_label
    )
    kind = model._meta.verbose_name if model is not None else permission.content_type.model
    return f"{app} | {kind} | {name}"


class TranslatedPermissions:
    """The permissions field of a user or a group, each permission named in the page's language."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


for _model, _admin_class in ((User, UserAdmin), (Group, GroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(_admin_class.__name__, (TranslatedPermissions, _admin_class), {}))
