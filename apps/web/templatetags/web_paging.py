"""Links to another page of a list, keeping the rest of the query string (the wallet pages two lists)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, param: str, value) -> str:
    query = context["request"].GET.copy()
    if value in (None, "", 1):
        query.pop(param, None)
    else:
        query[param] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else context["request"].path
