from datetime import date

from django import template

register = template.Library()


@register.filter
def age_days(quote, today: date) -> int | str:
    """Days since the quote was sent."""
    age = quote.age_days(today)
    return "" if age is None else age
