"""Back office for organisations."""

from django.contrib import admin

from .models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "country", "parent")
    list_filter = ("kind", "country")
    search_fields = ("name", "short_name", "slug", "registration_number")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
