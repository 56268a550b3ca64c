from django.urls import path

from . import budget_views, import_views
from .reports import (
    accuracy,
    budget,
    effort,
    funnel,
    movement,
    pipeline,
    salespeople,
    saved,
    trend,
    velocity,
    winloss,
)

app_name = "forecasting"
urlpatterns = [
    path("", saved.index, name="index"),
    path("pipeline/", pipeline.PipelineView.as_view(), name="pipeline"),
    path("budget/", budget.BudgetView.as_view(), name="budget"),
    path("budgets/", budget_views.budget_grid, name="budgets"),
    path("budgets/import/", import_views.budget_import_view, name="budget_import"),
    path("funnel/", funnel.FunnelView.as_view(), name="funnel"),
    path("salespeople/", salespeople.SalespeopleView.as_view(), name="salespeople"),
    path("winloss/", winloss.WinLossView.as_view(), name="winloss"),
    path("trend/", trend.TrendView.as_view(), name="trend"),
    path("effort/", effort.EffortView.as_view(), name="effort"),
    path("movement/", movement.MovementView.as_view(), name="movement"),
    path("movement/deals/", movement.MovementDealsView.as_view(), name="movement_deals"),
    path("accuracy/", accuracy.AccuracyView.as_view(), name="accuracy"),
    path("velocity/", velocity.VelocityView.as_view(), name="velocity"),
    path("saved/", saved.save_report, name="save"),
    path("saved/<int:pk>/", saved.open_saved_report, name="saved"),
    path("saved/<int:pk>/delete/", saved.delete_saved_report, name="saved_delete"),
]
