"""Back office for issue reports' categories (docs/fixes.md, "Categories"): a municipality's staff keep
the services residents report problems of and each one's questions (Open311 attributes). The questions
are checked as Open311 defines them before they are saved; reports themselves are handled on the
site's pages (``/prijave-tezav/obdelava/``), through the services."""

from django import forms
from django.contrib import admin

from regija.core.admin_site import OwnedAdmin

from .models import Service
from .services import check_questions


class _ServiceForm(forms.ModelForm):
    def clean_attributes(self):
        try:
            return check_questions(self.cleaned_data.get("attributes"))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(Service)
class ServiceAdmin(OwnedAdmin):
    form = _ServiceForm
    owned_choices = ("organisation",)
    list_display = ("name", "code", "organisation", "group", "active")
    list_filter = ("active",)
    search_fields = ("name", "code", "group", "keywords")
