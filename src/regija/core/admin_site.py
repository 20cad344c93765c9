"""The back office: members of an organisation sign in here and change what their organisation owns.

What a member sees is the one rule of ``core.permissions``: every list holds only the rows the user may
read (``visible``: the public ones and those their organisations read), every change page is opened only
for such a row (another's answers as one that does not exist), changing and deleting need the rights
of ``can``, adding needs an organisation the user may edit for the new row (``owned_choices``), and
inline rows follow their parent. Choices offered for a related row – select lists, filters and the
autocomplete – hold only rows the user may read, so no list leaks another organisation's drafts or a
natural person's name.

Related rows are picked by name: every such field is an autocomplete (``autocomplete_fields``, select2
asking ``VisibleAutocompleteJsonView``), which searches the related admin's ``search_fields`` and names
each row by its admin's ``picker_label`` ("2.1 Title (Strategy)"). Its requests name the page they are
made from (``PageAutocompleteSelect``), so an admin may narrow a field's choices to what fits the
object being edited (``narrow_choices``: a project's nodes from its strategy) – the same choices the
form then accepts. User accounts are searched by the rule of ``core.selectors.find_users`` (a full
e-mail address or the beginning of a name, a few at a time), and only by those who may set such a field.
"""

from collections import defaultdict
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import NestedObjects
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import router
from django.http import Http404
from django.urls import path
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from . import permissions, registry, selectors
from .models import AuditEntry
from .services import Forbidden, Refused, record_delete, record_save


def remember_page_object(request, obj) -> None:
    """Keep the object of the page being built or answered for on the request, for the choices of its
    related fields (``VisibleRows.narrow_choices``): None on an add page, whose inlines Django builds for
    an unsaved object (the autocomplete of an add page knows no object either)."""
    request.__dict__["_regija_page_object"] = obj if getattr(obj, "pk", None) is not None else None


def page_object(request):
    return request.__dict__.get("_regija_page_object")


SELECT2_MORE = {"sl": "sl"}


class PageAutocomplete:
    """Django's autocomplete widget whose requests also name the page it is on – the model of the page
    and, on a change page, its object – so that the answer offers what the form accepts for that object."""

    def __init__(self, field, admin_site, *, page_model, page_pk=None, **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.page_model = page_model
        self.page_pk = page_pk
        # select2 ships its Slovenian messages ("Ni zadetkov", "Iskanje …"), but Django's list of its
        # translations leaves them out: without this the box speaks English on a Slovenian page
        self.i18n_name = self.i18n_name or SELECT2_MORE.get(get_language() or "")

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        # wide enough for a node's or an account's name, never wider than the screen (select2 sets it)
        attrs.setdefault("data-width", "min(100%, 36em)")
        return attrs

    def get_url(self):
        # not "page": select2 asks for the next page of results with it
        query = {"page_model": self.page_model._meta.label_lower}
        if self.page_pk is not None:
            query["page_object"] = self.page_pk
        return f"{super().get_url()}?{urlencode(query)}"


class PageAutocompleteSelect(PageAutocomplete, AutocompleteSelect):
    pass


class PageAutocompleteSelectMultiple(PageAutocomplete, AutocompleteSelectMultiple):
    pass


def may_set(source, request, obj) -> bool:
    """Whether the user may write rows of ``source`` (an admin, or an inline of the page's ``obj``)."""
    if isinstance(source, InlineModelAdmin):
        return source.has_add_permission(request, obj) or source.has_change_permission(request, obj)
    return source.has_add_permission(request) or source.has_change_permission(request, obj)


class VisibleAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete, answering with the rows the source field would accept: the remote model's
    back-office list (already only the visible rows) narrowed to the field's choices (an editor adding a
    call is offered the organisations they may edit; a project's nodes are its strategy's), each named by
    its admin's ``picker_label``. User accounts: ``core.selectors.find_users``, for those who may set the
    field only."""

    masked = False

    def is_user_field(self) -> bool:
        return self.source_field.remote_field.model is get_user_model()

    def has_perm(self, request, obj=None):
        if self.is_user_field():
            # not Django's view permission on accounts: whether the user may set the field (get_queryset)
            return permissions.is_staff(request.user)
        return super().has_perm(request, obj)

    def source_and_page(self, request):
        """The admin (or inline) whose form has the source field, and the object of the page it is on."""
        label = request.GET.get("page_model")
        if not label:
            return self.admin_site.source_admin(self.source_field.model, request), None
        try:
            page_model = apps.get_model(label)
        except (LookupError, ValueError):
            raise PermissionDenied from None
        if not self.admin_site.is_registered(page_model):
            raise PermissionDenied
        page_admin = self.admin_site.get_model_admin(page_model)
        object_id = request.GET.get("page_object")
        obj = page_admin.get_object(request, object_id) if object_id else None  # 403 for an unreadable one
        if obj is not None and not page_admin.has_view_permission(request, obj):
            raise PermissionDenied
        if self.source_field.model is page_model:
            return page_admin, obj
        for inline in page_admin.get_inline_instances(request, obj):
            if inline.model is self.source_field.model:
                return inline, obj
        return None, obj

    def get_queryset(self):
        request = self.request
        source, obj = self.source_and_page(request)
        if source is None or not source.has_view_permission(request):
            raise PermissionDenied
        remember_page_object(request, obj)
        field = self.source_field
        if field.many_to_many:
            formfield = source.formfield_for_manytomany(field, request)
        else:
            formfield = source.formfield_for_foreignkey(field, request)
        choices = getattr(formfield, "queryset", None)
        if self.is_user_field():
            if not may_set(source, request, obj):
                raise PermissionDenied
            found, self.masked = selectors.find_users(request.user, self.term, among=choices)
            return found
        qs = super().get_queryset()
        if choices is not None:
            qs = qs.filter(pk__in=choices.values("pk"))
        related = self.admin_site.picker_related(qs.model)
        return qs.select_related(*related) if related else qs

    def serialize_result(self, obj, to_field_name):
        if self.is_user_field():
            text = selectors.masked_user_label(obj) if self.masked else selectors.user_label(obj)
        else:
            text = self.admin_site.picker_label(type(obj))(obj)
        return {"id": str(getattr(obj, to_field_name)), "text": text}


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

    def picker_label(self, model):
        """How a row of ``model`` is named in a picker: its admin's ``picker_label``, an account's name and
        e-mail address (``core.selectors.user_label``), or the row's own name."""
        if model is get_user_model():
            return selectors.user_label
        if self.is_registered(model):
            return getattr(self.get_model_admin(model), "picker_label", str)
        return str

    def picker_related(self, model) -> tuple[str, ...]:
        """What the picker label of a row of ``model`` reads from other rows (for ``select_related``)."""
        if self.is_registered(model):
            return getattr(self.get_model_admin(model), "picker_related", ())
        return ()

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

    # How a row of this admin's model is named where another row picks it (an autocomplete's results and
    # the chosen option), and what that name reads from other rows (``select_related``).
    picker_related: tuple[str, ...] = ()

    def picker_label(self, obj) -> str:
        return str(obj)

    def narrow_choices(self, db_field, request, qs, obj):
        """The choices of ``db_field`` that fit ``obj``, the object of the page (None on an add page) –
        e.g. a project's nodes from its strategy. The form accepts only these, and the autocomplete offers
        only these. By default all of ``qs``."""
        return qs

    def page_model(self):
        """The model of the page this admin's forms are on (an inline's: its parent's)."""
        return getattr(self, "parent_model", None) or self.model

    def get_form(self, request, obj=None, change=False, **kwargs):
        remember_page_object(request, obj)
        return super().get_form(request, obj, change, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        remember_page_object(request, obj)
        return super().get_formset(request, obj, **kwargs)

    def choices(self, db_field, request):
        """The rows a related field may be set to: those the user may read; for ``owned_choices``, those
        the user may edit; narrowed to what fits the page's object (``narrow_choices``)."""
        base = self.get_field_queryset(None, db_field, request)
        remote = db_field.remote_field.model
        if base is None:
            base = remote._default_manager.all()
        if request.user.is_superuser:
            qs = base
        elif db_field.name in self.owned_choices:
            qs = permissions.editable(request.user, base)
        elif registry.get(remote) is None or remote is get_user_model():
            # users (in the registry only to audit them; found by core.selectors.find_users), content
            # types: not the back office's rows
            qs = base
        else:
            qs = permissions.visible(request.user, base)
        qs = self.narrow_choices(db_field, request, qs, page_object(request))
        related = self.admin_site.picker_related(remote)
        return qs.select_related(*related) if related else qs

    def autocomplete_widget(self, db_field, request, kwargs, widget_class):
        """``kwargs`` with the autocomplete widget that names the page, for a field of
        ``autocomplete_fields``; a user account's with how to find one."""
        if "widget" in kwargs or db_field.name not in self.get_autocomplete_fields(request):
            return kwargs
        obj = page_object(request)
        kwargs["widget"] = widget_class(
            db_field,
            self.admin_site,
            using=kwargs.get("using"),
            page_model=self.page_model(),
            page_pk=getattr(obj, "pk", None),
        )
        if db_field.remote_field.model is get_user_model() and not request.user.is_superuser:
            kwargs.setdefault("help_text", USER_SEARCH_HELP)
        return kwargs

    def named(self, formfield, db_field):
        if formfield is not None and hasattr(formfield, "label_from_instance"):
            formfield.label_from_instance = self.admin_site.picker_label(db_field.remote_field.model)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self.choices(db_field, request)
        kwargs = self.autocomplete_widget(db_field, request, kwargs, PageAutocompleteSelect)
        return self.named(super().formfield_for_foreignkey(db_field, request, **kwargs), db_field)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self.choices(db_field, request)
        kwargs = self.autocomplete_widget(db_field, request, kwargs, PageAutocompleteSelectMultiple)
        return self.named(super().formfield_for_manytomany(db_field, request, **kwargs), db_field)


USER_SEARCH_HELP = gettext_lazy(
    "Type the person's full e-mail address, or at least the first three letters of their name."
)


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


class ReadOnlyRows:
    """A back-office page that only shows rows: they are written elsewhere (by their own pages or
    services) or never (history). Put it before the admin class it reads through."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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

        class LabelledFormSet(formset):  # type: ignore[valid-type,misc]
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs.setdefault("aria-label", _("Delete"))

        LabelledFormSet.__name__ = formset.__name__
        return LabelledFormSet

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
