from django.urls import path

from . import import_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("import/", import_views.import_accounts_view, name="import"),
    path("options/", views.account_options, name="options"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/edit/", views.account_edit, name="edit"),
    path("<int:pk>/history/", views.account_history_view, name="history"),
    path("<int:pk>/delete/", views.account_delete, name="delete"),
]
