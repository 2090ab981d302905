"""Accessible form rendering: every input tied to its label, hint and errors (aria-describedby,
aria-invalid), and an error summary whose items link to the fields they are about."""

from django import template

register = template.Library()


@register.inclusion_tag("web/includes/field.html")
def form_field(field):
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-hint")
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return {
        "field": field,
        "widget": field.as_widget(attrs=attrs),
        "is_checkbox": field.widget_type == "checkbox",
    }


@register.inclusion_tag("web/includes/error_summary.html")
def error_summary(form):
    # Each entry names its field ("Email: Enter a valid email address."): a list of bare "This field is
    # required." says nothing about where to look.
    field_errors = [
        (form[name].auto_id, form[name].label, error)
        for name in form.errors
        if name in form.fields
        for error in form.errors[name]
    ]
    return {"form": form, "field_errors": field_errors, "non_field_errors": form.non_field_errors()}
