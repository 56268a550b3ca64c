from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.simple_tag
def stage_options(stages, current) -> str:
    """The `<option>`s of a card's "Move to stage" select, `current` selected.

    Every card of a column shares them, so a column renders them once (`as`), not per card.
    """
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((stage.pk, " selected" if stage.pk == current.pk else "", stage.name) for stage in stages),
    )
