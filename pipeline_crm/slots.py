"""Slots: places on a page where another app adds a section, so that the page's own app never
imports it (the arrows between apps stay one way: quotes uses opportunities, not the reverse).

A provider is a function of (request, obj) returning (template name, context) or None; apps
register theirs in `AppConfig.ready()`. `{% slot "deal" opportunity %}` (templatetags/slots.py)
renders every provider of the slot in registration order.
"""

from collections import defaultdict
from collections.abc import Callable

Provider = Callable[..., tuple[str, dict] | None]

_PROVIDERS: dict[str, list[Provider]] = defaultdict(list)


def register(slot: str, provider: Provider) -> None:
    if provider not in _PROVIDERS[slot]:
        _PROVIDERS[slot].append(provider)


def providers(slot: str) -> list[Provider]:
    return list(_PROVIDERS.get(slot, ()))
