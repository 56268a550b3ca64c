from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from pipeline_crm import jinja2
from pipeline_crm.lookups import lookup_label

register = template.Library()


@register.simple_tag
def stage_options(stages, current) -> str:
    """The `<option>`s of a card's "Move to stage" select, `current` selected.

    `stages` are where a card may move (the active ones). A card in a retired stage starts on
    that stage, named as retired and not to be chosen, so the select (required) asks for a new
    one instead of offering the first. Every card of a column shares them, so a column renders
    them once (`as`), not per card.
    """
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((stage.pk, " selected" if stage.pk == current.pk else "", stage.name) for stage in stages),
    )
    if current.is_active:
        return options
    retired = lookup_label(current)
    return format_html('<option value="" selected disabled>{}</option>{}', retired, options)


# The words of a card (jinja/opportunities/board_cards.html).
CARD_LABELS = {"weighted": _("weighted"), "move_to": _("Move to stage"), "move": _("Move")}


@register.simple_tag(takes_context=True)
def board_cards(context, column, move_options) -> str:
    """A column's cards rendered by their Jinja2 template."""
    return jinja2.render(
        "opportunities/board_cards.html",
        {
            "cards": column["cards"],
            "move_options": move_options,
            "board_query": context.get("board_query", ""),
            "labels": jinja2.translated(CARD_LABELS),
        },
        context.get("request"),
    )
