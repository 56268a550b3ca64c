from django.urls import path, re_path

from . import views

app_name = "activities"
urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("new/", views.activity_create, name="create"),
    path("link-options/", views.link_options, name="link_options"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/row/", views.activity_row, name="row"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/history/", views.activity_history, name="history"),
    path("<int:pk>/done/", views.activity_done, name="done"),
    path("<int:pk>/reschedule/", views.activity_reschedule, name="reschedule"),
    path("<int:pk>/delete/", views.activity_delete, name="delete"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/regenerate/", views.calendar_regenerate, name="calendar_regenerate"),
    re_path(r"^ical/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$", views.ical_feed, name="ical"),
    path(
        "documents/<str:kind>/<int:pk>/upload/",
        views.document_upload,
        name="document_upload",
    ),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document_delete"),
]
