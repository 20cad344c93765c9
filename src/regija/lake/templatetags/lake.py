"""Template helpers of the open-data pages."""

from django import template

register = template.Library()


@register.filter
def verbose_name(obj, field: str) -> str:
    """A model field's label (``{{ dataset|verbose_name:"licence" }}``), translated: the page's labels are
    the model's, so the page and the back office say the same."""
    return str(obj._meta.get_field(field).verbose_name)
