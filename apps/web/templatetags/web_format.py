"""Numbers as the customer's language writes them (1,200 · 1.200 · 1 200)."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def points(value):
    """A points amount with the active language's digit grouping, whatever USE_THOUSAND_SEPARATOR says."""
    if value is None or value == "":
        return ""
    return number_format(value, decimal_pos=0, force_grouping=True)


@register.filter
def image_src(value, fallback=""):
    """An upstream image URL when it is an https URL or a path on this site (the sandbox serves its pictures
    as our static files), else the fallback, our own illustration: no mixed content, no odd schemes."""
    if isinstance(value, str) and (
        value.lower().startswith("https://") or (value.startswith("/") and not value.startswith("//"))
    ):
        return value
    return fallback
