from django.urls import path

from . import board, import_views, views

app_name = "opportunities"
urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("new/", views.opportunity_create, name="create"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("board/", board.board, name="board"),
    path("board/column/<int:stage_pk>/", board.board_column, name="board_column"),
    path("import/", import_views.import_opportunities_view, name="import"),
    path("contact-options/", views.contact_options, name="contact_options"),
    path("<int:pk>/", views.opportunity_detail, name="detail"),
    path("<int:pk>/edit/", views.opportunity_edit, name="edit"),
    path("<int:pk>/history/", views.opportunity_history, name="history"),
    path("<int:pk>/delete/", views.opportunity_delete, name="delete"),
    path("<int:pk>/move/", board.move, name="move"),
    path("<int:pk>/reset-probability/", views.reset_probability, name="reset_probability"),
    path("<int:pk>/close-won/", views.close_won, name="close_won"),
    path("<int:pk>/close-lost/", views.close_lost, name="close_lost"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/lines/", views.line_add, name="line_add"),
    path("<int:pk>/lines/preview/", views.line_preview, name="line_preview"),
    path("<int:pk>/lines/<int:line_pk>/delete/", views.line_remove, name="line_remove"),
]
