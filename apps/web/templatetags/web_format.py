"""Numbers as the customer's language writes them (1,200 · 1.200 · 1 200): every points amount on a page goes
through `points` (or `signed_points` for a change), so one row never mixes "1040" and "1,040"."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext_noop

register = template.Library()

# Month names in the dates pages write ({{ value|date:"DATE_FORMAT" }}): Django's own catalogue capitalises the
# pt-BR ones, ours (locale/pt_BR) writes them in lower case as Brazilian Portuguese does. Named here only so that
# `manage.py makemessages` keeps those entries.
MONTH_NAMES = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)


@register.filter
def points(value):
    """A points amount with the active language's digit grouping, whatever USE_THOUSAND_SEPARATOR says."""
    if value is None or value == "":
        return ""
    return number_format(value, decimal_pos=0, force_grouping=True)


@register.filter
def signed_points(value):
    """A change of points as the balance moved: "+1,040", "−900" (a real minus sign, read as "minus"), "0"."""
    if value is None or value == "":
        return ""
    text = points(abs(value))
    if value > 0:
        return f"+{text}"
    return f"\u2212{text}" if value < 0 else text


@register.filter
def zone_name(value):
    """ "America/Sao_Paulo" as people write it: "America/Sao Paulo"."""
    return str(value).replace("_", " ")


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def subtract(value, other):
    """value - other, for "N more points needed"; "" when either is missing."""
    try:
        return int(value) - int(other)
    except (TypeError, ValueError):
        return ""


@register.filter
def magnitude(value):
    """abs(): a plural form is chosen by how many points, whichever way they moved."""
    return abs(value) if isinstance(value, int | float) else value


@register.filter
def image_src(value, fallback=""):
    """An upstream image URL when it is an https URL or a path on this site (the sandbox serves its pictures
    as our static files), else the fallback, our own illustration: no mixed content, no odd schemes."""
    if isinstance(value, str) and (
        value.lower().startswith("https://") or (value.startswith("/") and not value.startswith("//"))
    ):
        return value
    return fallback
