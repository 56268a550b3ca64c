"""The board: a column per active stage (and per retired stage still holding deals), a card
per open deal, drag or keyboard to move."""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pipeline_crm.bounds import parse_id, parse_int
from pipeline_crm.concurrency import EditConflict, parse_version
from pipeline_crm.history import Origin
from pipeline_crm.lookups import attach_lookups
from pipeline_crm.models import CompanySettings
from pipeline_crm.money import ZERO

from . import services
from .access import get_opportunity_for_edit, with_edit_flag
from .filters import BoardFilter
from .models import Opportunity, Stage

CARDS_PER_COLUMN = 20
MAX_OFFSET = 1_000_000  # past every deal a column can hold: "show more" never asks further
CARD_ORDER = ("expected_close_date", "pk")


def _board_filter(request, data: QueryDict):
    """The list's filters over open deals. A visit without filters shows my deals; a filter form
    sent with every field empty (Everyone's) shows everyone's."""
    data = data.copy()
    data.pop("offset", None)
    if not any(key != "page" for key in data):
        data["mine"] = "true"
    company = CompanySettings.load()
    filterset = BoardFilter.for_company(
        data, queryset=Opportunity.objects.open(), request=request, company=company
    )
    return filterset, company


def _cards(queryset, request, company):
    today = timezone.localdate()
    return with_edit_flag(
        queryset.for_board().with_stale_flag(today, company.stale_days),
        request.user,
    )


def board_context(request, data: QueryDict) -> dict:
    """Columns with their first cards and totals over every matching deal.

    A column per active stage, in order, after one per retired stage that still holds matching
    deals (marked retired, first, so that its deals are seen and moved on; nothing can be moved
    into it). Which stages hold deals, and the cards, are read from the deals; the column totals
    from `DealTotals` where the filters allow (`_stage_totals`), so wrong kept totals could show
    a wrong figure but never hide a card. Two queries (the stages, each with whether it holds
    matching deals; the totals), then one per stage holding deals.
    """
    filterset, company = _board_filter(request, data)
    deals = filterset.qs
    stages = list(
        Stage.objects.annotate(held=Exists(deals.filter(stage=OuterRef("pk"))))
        .filter(Q(is_active=True) | Q(held=True))
        .order_by("is_active", "order", "name")
    )
    totals = _stage_totals(filterset)
    # A column's first cards, read one stage at a time from the (status, stage, close date)
    # index: a window over every matching deal would read all of them to show a hundred. One
    # card more than shown says whether there are more.
    ordered = _cards(deals, request, company).order_by(*CARD_ORDER)
    cards = {
        stage.pk: list(ordered.filter(stage=stage)[: CARDS_PER_COLUMN + 1])
        for stage in stages
        if stage.held
    }
    attach_lookups([card for column in cards.values() for card in column], ("owner",), request)
    columns = []
    for stage in stages:
        total = totals.get(stage.pk, {})
        column = cards.get(stage.pk, [])
        columns.append(
            {
                "stage": stage,
                "retired": not stage.is_active,
                "cards": column[:CARDS_PER_COLUMN],
                "count": total.get("count", 0),
                "amount": total.get("amount") or ZERO,
                "weighted": total.get("weighted") or ZERO,
                "more": len(column) > CARDS_PER_COLUMN,
                "next_offset": CARDS_PER_COLUMN,
            }
        )
    query = filterset.data.urlencode()
    return {
        "filter": filterset,
        "only_mine": bool(getattr(filterset.form, "cleaned_data", {}).get("mine")),
        "columns": columns,
        "stages": [stage for stage in stages if stage.is_active],  # where a card may move
        "board_query": query,
        "grand": {
            "count": sum(c["count"] for c in columns),
            "amount": sum((c["amount"] for c in columns), ZERO),
            "weighted": sum((c["weighted"] for c in columns), ZERO),
        },
    }


def _stage_totals(filterset) -> dict:
    """Count, amount and weighted value per stage of the board's deals, from `DealTotals`
    where the filters allow (see `OpportunityFilter.totals_source`)."""
    source = filterset.totals_source(status=Opportunity.Status.OPEN) or filterset.qs
    return source.totals_per("stage")


def board(request):
    context = board_context(request, request.GET)
    template = "opportunities/partials/board.html" if request.htmx else "opportunities/board.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def board_column(request, stage_pk: int):
    """The next cards of one column ("show more")."""
    stage = get_object_or_404(Stage, pk=stage_pk)
    filterset, company = _board_filter(request, request.GET)
    offset = parse_int(
        request.GET.get("offset"), default=0, minimum=0, maximum=MAX_OFFSET, name="offset"
    )
    deals = _cards(filterset.qs.filter(stage=stage), request, company).order_by(*CARD_ORDER)
    page = list(deals[offset : offset + CARDS_PER_COLUMN + 1])
    attach_lookups(page, ("owner",), request)
    more = len(page) > CARDS_PER_COLUMN
    context = {
        "column": {
            "stage": stage,
            "cards": page[:CARDS_PER_COLUMN],
            "more": more,
            "next_offset": offset + CARDS_PER_COLUMN,
        },
        "stages": list(Stage.objects.active()),
        "board_query": filterset.data.urlencode(),
    }
    return render(request, "opportunities/partials/board_cards.html", context)


@require_POST
def move(request, pk: int):
    """Move a deal to another stage: the board's drop and the card's keyboard control."""
    opportunity = get_opportunity_for_edit(request, pk)
    stage_pk = parse_id(request.POST.get("stage"))
    if stage_pk is None:
        raise BadRequest(_("Choose the stage to move the deal to."))
    stage = get_object_or_404(Stage, pk=stage_pk)
    error = None
    try:
        services.change_stage(
            opportunity,
            stage,
            user=request.user,
            origin=Origin.BOARD,
            seen_version=parse_version(request.POST.get("version")),
        )
    except (services.RuleError, EditConflict) as exc:
        error = f"{opportunity}: {exc}"
    query = QueryDict(request.POST.get("query", ""))
    if request.htmx:
        context = board_context(request, query)
        context["board_error"] = error
        shown = any(card.pk == pk for c in context["columns"] for card in c["cards"])
        if not error and not shown:  # further down its column, or no longer on this board
            context["board_notice"] = _("“%(deal)s” moved to %(stage)s.") % {
                "deal": opportunity,
                "stage": stage,
            }
        # A refusal is shown on the board itself (htmx swaps only 2xx responses).
        return render(request, "opportunities/partials/board.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{opportunity} → {stage}")
    return redirect(f"{reverse('opportunities:board')}?{query.urlencode()}")
