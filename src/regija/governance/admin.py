"""Back office for bodies, their terms and members, and sessions with agenda items and decisions.

Editors change only the bodies of their own organisations (core.permissions: a body and all below
it belong to the body's organisation)."""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from regija.core import permissions
from regija.core.admin_site import OwnedAdmin, OwnedInline, ReadOnlyRows

from .models import AgendaItem, Body, Decision, Member, Session, Term
from .selectors import member_represents


class TermInline(OwnedInline, admin.TabularInline):
    model = Term
    extra = 0
    fields = ("label", "start", "end", "selection", "order")
    show_change_link = True


@admin.register(Body)
class BodyAdmin(OwnedAdmin):
    owned_choices = ("organisation",)
    list_display = ("name", "kind", "organisation", "order")
    list_filter = ("kind", "organisation")
    search_fields = ("name", "name_en", "slug", "organisation__name")
    list_select_related = ("organisation",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("organisation",)
    inlines = [TermInline]


class MemberInline(OwnedInline, admin.TabularInline):
    model = Member
    extra = 0
    fields = ("name", "role", "organisation", "organisation_name", "start", "end", "note", "order")
    autocomplete_fields = ("organisation",)


@admin.register(Term)
class TermAdmin(OwnedAdmin):
    owned_choices = ("body",)
    list_display = ("label", "body", "start", "end", "selection")
    list_filter = ("selection", "body__organisation")
    search_fields = ("label", "body__name", "body__organisation__name", "members__name")
    list_select_related = ("body",)
    autocomplete_fields = ("appointed_by", "elected_at")
    inlines = [MemberInline]
    picker_related = ("body__organisation",)

    def picker_label(self, obj):
        return f"{obj} ({obj.body.organisation})"

    def narrow_choices(self, db_field, request, qs, obj):
        """The decision that appointed a term and the session that chose it are the organisation's – of
        this body or another of it (a general assembly elects the management board); for a new term, of
        the organisations whose bodies the user may edit."""
        if db_field.name not in ("appointed_by", "elected_at"):
            return qs
        body = "session__body" if db_field.name == "appointed_by" else "body"
        if obj is not None:
            return qs.filter(**{f"{body}__organisation_id": obj.body.organisation_id})
        return permissions.editable(request.user, qs)


class AgendaItemInline(OwnedInline, admin.TabularInline):
    model = AgendaItem
    extra = 0


class DecisionInline(OwnedInline, admin.TabularInline):
    model = Decision
    extra = 0
    fields = ("number", "text", "agenda_item")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # the agenda item of a decision is one of its own session's
        if db_field.name == "agenda_item":
            session_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = (
                AgendaItem.objects.filter(session_id=session_id) if session_id else AgendaItem.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Session)
class SessionAdmin(OwnedAdmin):
    owned_choices = ("body",)
    list_display = ("__str__", "body", "kind", "number", "date", "end_date", "held")
    list_filter = ("kind", "held", "body__organisation")
    search_fields = ("body__name", "body__organisation__name", "place", "note", "decisions__text")
    list_select_related = ("body",)
    date_hierarchy = "date"
    inlines = [AgendaItemInline, DecisionInline]
    picker_related = ("body__organisation",)

    def picker_label(self, obj):
        return f"{obj}, {obj.body.organisation}"


class ReadOnlyAdmin(ReadOnlyRows, OwnedAdmin):
    """Rows kept on another's page (a term's members, a session's decisions), listed here to be looked up
    and picked by name elsewhere; changed only where they are kept."""


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    """Members of bodies, changed on their term's page; picked by name for a call's committee seat."""

    # as the public pages show a member: whom they represent by the rule of governance.selectors (never a
    # natural person), and not the user account a member may have
    fields = ("term", "name", "role", "represents", "start", "end", "note", "order")
    readonly_fields = ("represents",)
    list_display = ("name", "role", "term", "represents")
    list_filter = ("role", "term__body__organisation")
    search_fields = ("name", "term__label", "term__body__name", "term__body__organisation__name")
    list_select_related = ("term__body", "organisation")
    picker_related = ("term__body",)

    def picker_label(self, obj):
        return f"{obj.name} ({obj.term})"

    @admin.display(description=_("represents"))
    def represents(self, obj):
        return member_represents(obj)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    """Decisions, changed on their session's page; picked by number and text for the term a decision
    appointed."""

    list_display = ("number", "session", "text")
    list_filter = ("session__body__organisation",)
    search_fields = ("number", "text", "session__body__name", "session__place")
    list_select_related = ("session__body",)
    picker_related = ("session__body__organisation",)

    def picker_label(self, obj):
        label = f"{obj}, {obj.session.body.organisation}"
        return f"{label}: {Truncator(obj.text).chars(80)}" if obj.text else label
