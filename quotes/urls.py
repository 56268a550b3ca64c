from django.urls import path

from . import views

app_name = "quotes"
urlpatterns = [
    path("", views.quote_list, name="list"),
    path("new/<int:deal_pk>/", views.quote_create, name="create"),
    path("approvals/", views.approval_queue, name="approvals"),
    path("report/", views.quote_report_page, name="report"),
    path("<int:pk>/", views.quote_detail, name="detail"),
    path("<int:pk>/edit/", views.quote_edit, name="edit"),
    path("<int:pk>/history/", views.quote_history_page, name="history"),
    path("<int:pk>/pdf/", views.quote_pdf, name="pdf"),
    path("<int:pk>/send/", views.quote_send, name="send"),
    path("<int:pk>/revise/", views.quote_revise, name="revise"),
    path("<int:pk>/request-approval/", views.quote_request_approval, name="request_approval"),
    path("<int:pk>/approve/", views.quote_approve, name="approve"),
    path("<int:pk>/refuse/", views.quote_refuse, name="refuse"),
    path("<int:pk>/accept/", views.quote_accept, name="accept"),
    path("<int:pk>/decline/", views.quote_decline, name="decline"),
    path("<int:pk>/lines/", views.line_add, name="line_add"),
    path("<int:pk>/lines/<int:line_pk>/edit/", views.line_edit, name="line_edit"),
    path("<int:pk>/lines/<int:line_pk>/delete/", views.line_remove, name="line_remove"),
]
