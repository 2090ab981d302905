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
    """An upstream image URL when it is an https URL (anything else would be mixed content or a scheme we
    don't serve), else the fallback: our own illustration."""
    if isinstance(value, str) and value.lower().startswith("https://"):
        return value
    return fallback
