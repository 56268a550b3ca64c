from django.urls import path

from . import views

app_name = "forecasting"
urlpatterns = [
    path("", views.index, name="index"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("budget/", views.budget, name="budget"),
    path("budgets/", views.budget_grid, name="budgets"),
    path("saved/", views.save_report, name="save"),
    path("saved/<int:pk>/", views.open_saved_report, name="saved"),
    path("saved/<int:pk>/delete/", views.delete_saved_report, name="saved_delete"),
]
