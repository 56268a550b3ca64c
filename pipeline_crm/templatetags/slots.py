from django import template
from django.utils.safestring import mark_safe

from pipeline_crm.slots import providers

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name: str, obj=None) -> str:
    """The sections other apps add to this place of the page (`pipeline_crm.slots`), each
    rendered with its own template in this page's context (its CSRF token, its language)."""
    request = context.get("request")
    parts = []
    for provider in providers(name):
        found = provider(request, obj)
        if found is None:
            continue
        template_name, extra = found
        section = context.template.engine.get_template(template_name)
        with context.push(**extra):
            parts.append(section.render(context))
    return mark_safe("".join(parts))  # each part is a template's output, escaped by it
