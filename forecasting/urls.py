from django.urls import path

from . import (
    accuracy_views,
    analytics_views,
    import_views,
    movement_views,
    velocity_views,
    views,
)
from .effort import effort_report

app_name = "forecasting"
urlpatterns = [
    path("", views.index, name="index"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("budget/", views.budget, name="budget"),
    path("budgets/", views.budget_grid, name="budgets"),
    path("budgets/import/", import_views.budget_import_view, name="budget_import"),
    path("funnel/", analytics_views.funnel, name="funnel"),
    path("salespeople/", analytics_views.salespeople, name="salespeople"),
    path("winloss/", analytics_views.winloss, name="winloss"),
    path("trend/", analytics_views.trend, name="trend"),
    path("effort/", effort_report, name="effort"),
    path("movement/", movement_views.movement, name="movement"),
    path("movement/deals/", movement_views.movement_deals, name="movement_deals"),
    path("accuracy/", accuracy_views.accuracy, name="accuracy"),
    path("velocity/", velocity_views.velocity, name="velocity"),
    path("saved/", views.save_report, name="save"),
    path("saved/<int:pk>/", views.open_saved_report, name="saved"),
    path("saved/<int:pk>/delete/", views.delete_saved_report, name="saved_delete"),
]
