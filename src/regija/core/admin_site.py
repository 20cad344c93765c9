"""The back office: members of an organisation sign in here and change what their organisation owns.

What a member sees is the one rule of ``core.permissions``: every list holds only the rows the user may
read (``visible``: the public ones and those their organisations read), every change page is opened only
for such a row (another's answers as one that does not exist), changing and deleting need the rights
of ``can``, adding needs an organisation the user may edit for the new row (``owned_choices``), and
inline rows follow their parent. Choices offered for a related row – select lists, filters, the
autocomplete and the raw-id pop-up (a changelist) – hold only rows the user may read, so no list leaks
another organisation's drafts or a natural person's name.
"""

from collections import defaultdict

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.utils import NestedObjects
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import get_user_model
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import router
from django.http import Http404
from django.urls import path
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from . import permissions, registry
from .models import AuditEntry
from .services import Forbidden, Refused, record_delete, record_save


class VisibleAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete, answering with the rows the source field would accept: the remote model's
    back-office list (already only the visible rows) narrowed to the field's choices (an editor adding a
    call is offered the organisations they may edit)."""

    def get_queryset(self):
        qs = super().get_queryset()
        source = self.admin_site.source_admin(self.source_field.model, self.request)
        if source is None or not source.has_view_permission(self.request):
            raise PermissionDenied
        field = self.source_field
        if field.many_to_many:
            formfield = source.formfield_for_manytomany(field, self.request)
        else:
            formfield = source.formfield_for_foreignkey(field, self.request)
        choices = getattr(formfield, "queryset", None)
        if choices is not None:
            qs = qs.filter(pk__in=choices.values("pk"))
        return qs


class RegijaAdminSite(admin.AdminSite):
    site_header = "Regija"
    site_title = "Regija"

    def has_permission(self, request):
        # Membership of an organisation is what makes someone staff here, not Django's is_staff flag alone.
        return permissions.is_staff(request.user)

    def autocomplete_view(self, request):
        return VisibleAutocompleteJsonView.as_view(admin_site=self)(request)

    def get_urls(self):
        # Django's "view on site" redirect (/admin/r/TYPE/ID/) names the object's public address – a
        # draft call's slug – to any back-office user: here it answers only for a row the user may read.
        urls = [u for u in super().get_urls() if getattr(u, "name", None) != "view_on_site"]
        view_on_site = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [view_on_site, *urls]

    def view_on_site(self, request, content_type_id, object_id):
        try:
            obj = ContentType.objects.get_for_id(int(content_type_id)).get_object_for_this_type(pk=object_id)
        except (ObjectDoesNotExist, ValueError, ValidationError):
            raise Http404 from None
        if not permissions.can(request.user, "view", obj):
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def source_admin(self, model, request):
        """The admin (a registered one, or an inline of one) whose form has fields of ``model``."""
        if self.is_registered(model):
            return self.get_model_admin(model)
        for parent_admin in self._registry.values():
            for inline in parent_admin.get_inline_instances(request):
                if inline.model is model:
                    return inline
        return None


def _seen(request, obj) -> bool:
    """``can(user, "view", obj)``, asked once per object and request (a change page asks many times)."""
    cache = request.__dict__.setdefault("_regija_seen", {})
    key = (obj._meta.label_lower, obj.pk)
    if key not in cache:
        cache[key] = permissions.can(request.user, "view", obj)
    return cache[key]


def _edits_some(request, model) -> bool:
    """Whether the user may edit at least one row of ``model`` (kept for the request)."""
    cache = request.__dict__.setdefault("_regija_edits", {})
    if model not in cache:
        cache[model] = permissions.editable(request.user, model._default_manager.all()).exists()
    return cache[model]


class VisibleRows:
    """Lists, pages, choices and filters hold only what the user may read (``core.permissions.visible``)."""

    # ForeignKey fields whose choices an editor may only set to objects their organisations own.
    owned_choices: tuple[str, ...] = ()

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if registry.get(qs.model) is None and qs.model is not AuditEntry:
            return qs if request.user.is_superuser else qs.none()
        return permissions.visible(request.user, qs)

    def has_view_permission(self, request, obj=None):
        return permissions.is_staff(request.user) and (obj is None or _seen(request, obj))

    def get_object(self, request, object_id, from_field=None):
        """A row the user may not read answers 403, as Django answers for a row one may not view (a row
        that does not exist still leads back to the index)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None and not request.user.is_superuser:
            field = self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
            try:
                value = field.to_python(object_id)
            except ValidationError:
                return None
            if self.model._default_manager.filter(**{field.name: value}).exists():
                raise PermissionDenied
        return obj

    def get_list_filter(self, request):
        """A filter by a related row offers only the rows that occur in the visible list."""
        out = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and _is_relation(self.model, item):
                item = (item, RelatedOnlyFieldListFilter)
            out.append(item)
        return out

    def choices(self, db_field, request):
        """The rows a related field may be set to: those the user may read; for ``owned_choices``, those
        the user may edit."""
        base = self.get_field_queryset(None, db_field, request)
        remote = db_field.remote_field.model
        if base is None:
            base = remote._default_manager.all()
        if request.user.is_superuser:
            return base
        if db_field.name in self.owned_choices:
            return permissions.editable(request.user, base)
        if registry.get(remote) is None or remote is get_user_model():
            # users (in the registry only to audit them), content types: not the back office's rows
            return base
        return permissions.visible(request.user, base)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self.choices(db_field, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self.choices(db_field, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _is_relation(model, path: str) -> bool:
    try:
        for part in path.split("__"):
            field = model._meta.get_field(part)
            if not field.is_relation:
                return False
            model = field.related_model
    except Exception:  # noqa: BLE001 - a filter of Django's own kind (a method, a parameter)
        return False
    return True


class OwnedAdmin(VisibleRows, admin.ModelAdmin):
    """Rights from the organisation rule (core.permissions): members see the rows they may read, editors
    of an owning organisation change them, admins of it delete strategies and projects."""

    def has_module_permission(self, request):
        return permissions.is_staff(request.user)

    def has_add_permission(self, request):
        """Only for a kind of row the user may make for some organisation: editors, and for a row that
        must belong to a strategy (say), one they may edit; rows no organisation owns: superusers."""
        user = request.user
        if user.is_superuser:
            return True
        entry = registry.get(self.model)
        if entry is None or not entry.owners or not permissions.can_edit_anything(user):
            return False
        for name in self.owned_choices:
            field = self.model._meta.get_field(name)
            if not getattr(field, "null", True) and not _edits_some(request, field.related_model):
                return False
        return True

    # The object of a change or delete page, or of the "delete selected" action, is one of the list's
    # (``get_queryset``/``get_object``): readable already, so only the right to change is asked here.
    def has_change_permission(self, request, obj=None):
        if obj is None:
            return permissions.can_edit_anything(request.user)
        return permissions.can(request.user, "change", obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return permissions.can_edit_anything(request.user)
        return permissions.can(request.user, "delete", obj)

    def get_deleted_objects(self, objs, request):
        """Django names the rows that keep an object from being deleted (a call's applications); a row
        the user may not read is counted, not named."""
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected and not request.user.is_superuser:
            protected = _protected_names(objs, request)
        return to_delete, counts, perms_needed, protected

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


def _protected_names(objs, request) -> list[str]:
    collector = NestedObjects(using=router.db_for_write(objs[0]._meta.model), origin=objs)
    collector.collect(objs)
    by_model = defaultdict(list)
    for obj in collector.protected:
        by_model[type(obj)].append(obj)
    names = []
    for model, rows in by_model.items():
        shown = model._default_manager.filter(pk__in=[r.pk for r in rows])
        readable = set(permissions.visible(request.user, shown).values_list("pk", flat=True))
        names += [f"{capfirst(model._meta.verbose_name)}: {r}" for r in rows if r.pk in readable]
        hidden = sum(1 for r in rows if r.pk not in readable)
        if hidden:
            names.append(
                _("%(kind)s you may not see: %(count)d")
                % {"kind": capfirst(model._meta.verbose_name_plural), "count": hidden}
            )
    return names


class OwnedInline(VisibleRows):
    """Inline rows follow the rights on their parent object (``obj`` here is the parent)."""

    def get_formset(self, request, obj=None, **kwargs):
        # A tabular inline shows each field's label once, in the column head; the inputs in the rows
        # get it as their accessible name, so a screen reader says which cell it is in.
        formset = super().get_formset(request, obj, **kwargs)
        for field in formset.form.base_fields.values():
            if field.label and not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs.setdefault("aria-label", str(field.label))
        return formset

    def has_view_permission(self, request, obj=None):
        return permissions.is_staff(request.user) and (obj is None or _seen(request, obj))

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
