"""Back office for bodies, their terms and members, and sessions with agenda items and decisions.

Editors change only the bodies of their own organisations (core.permissions: a body and all below
it belong to the body's organisation)."""

from django.contrib import admin

from regija.core.admin_site import OwnedAdmin, OwnedInline

from .models import AgendaItem, Body, Decision, Member, Session, Term


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
    search_fields = ("label", "body__name", "members__name")
    list_select_related = ("body",)
    raw_id_fields = ("appointed_by", "elected_at")
    inlines = [MemberInline]


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
    search_fields = ("body__name", "place", "note", "decisions__text")
    list_select_related = ("body",)
    date_hierarchy = "date"
    inlines = [AgendaItemInline, DecisionInline]
