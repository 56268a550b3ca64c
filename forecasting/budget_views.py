"""The yearly budget grid page, where sales managers set the budgets (`budgets.BudgetGrid`)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pipeline_crm.roles import is_manager

from . import budgets as budget_grid_service


@require_http_methods(["GET", "POST"])
def budget_grid(request):
    """The yearly budget grid: business areas × months, optionally per salesperson."""
    grid = budget_grid_service.BudgetGrid.from_request(request)
    status = 200
    if request.method == "POST":
        if not is_manager(request.user):
            raise PermissionDenied(_("Only sales managers can edit budgets."))
        if grid.save(request.POST, user=request.user):
            messages.success(request, _("Budgets saved."))
            return redirect(f"{reverse('forecasting:budgets')}?{grid.query()}")
        status = 409 if grid.has_conflict else 200
    return render(
        request,
        "forecasting/budget_grid.html",
        {
            "grid": grid,
            "can_edit": is_manager(request.user) and grid.is_editable,
            "salespeople": budget_grid_service.salespeople(grid.salesperson),
            "grid_halves": (":6", "6:"),  # January–June, July–December (`slice` arguments)
        },
        status=status,
    )
