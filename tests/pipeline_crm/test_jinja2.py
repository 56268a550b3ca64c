"""The Jinja2 row templates' helpers: addresses from the URLconf, Django's CSRF field."""

import pytest
from django.test import RequestFactory
from django.urls import clear_script_prefix, reverse, set_script_prefix

from pipeline_crm import jinja2

ID_ROUTES = [
    "opportunities:detail",
    "opportunities:move",
    "opportunities:edit",
    "accounts:detail",
]


@pytest.mark.parametrize("name", ID_ROUTES)
@pytest.mark.parametrize("pk", [1, 42, 9_223_372_036_854_775_807])
def test_url_is_reverse(name, pk):
    assert jinja2.url(name, pk) == reverse(name, args=[pk])


def test_url_follows_the_script_prefix():
    try:
        set_script_prefix("/crm/")
        assert jinja2.url("opportunities:detail", 7) == "/crm/opportunities/7/"
    finally:
        clear_script_prefix()
    assert jinja2.url("opportunities:detail", 7) == "/opportunities/7/"


def test_url_without_an_id_is_reversed_as_it_is():
    assert jinja2.url("opportunities:list") == reverse("opportunities:list")
    assert jinja2.url("opportunities:line_remove", 3, 4) == reverse(
        "opportunities:line_remove", args=[3, 4]
    )


def test_a_board_card_posts_its_move_with_djangos_csrf_field(rf: RequestFactory):
    from datetime import date
    from decimal import Decimal
    from types import SimpleNamespace

    from django.middleware.csrf import get_token

    request = rf.get("/")
    get_token(request)  # the page has a CSRF secret, as a rendered page does
    owner = SimpleNamespace(get_full_name=lambda: "Alice Andersson", get_username=lambda: "alice")
    card = SimpleNamespace(
        pk=31,
        version=4,
        user_can_edit=True,
        is_stale=False,
        name="Pilot <30> users",
        account=SimpleNamespace(name="Acme"),
        amount=Decimal("1200.00"),
        weighted_amount=Decimal("600.00"),
        expected_close_date=date(2026, 12, 24),
        owner=owner,
    )
    html = jinja2.render(
        "opportunities/board_cards.html",
        {"cards": [card], "move_options": "", "board_query": "", "labels": {}},
        request,
    )
    move = reverse("opportunities:move", args=[31])
    assert f'action="{move}" hx-post="{move}"' in html
    assert f'data-move-url="{move}"' in html
    assert f'href="{reverse("opportunities:detail", args=[31])}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Pilot &lt;30&gt; users" in html
