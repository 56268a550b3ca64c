"""The project's URLs plus one view whose statement runs for seconds (PostgreSQL)."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from home.urls import handler403  # noqa: F401
from home.urls import urlpatterns as project_urls


def slow(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(20)")
    return HttpResponse("done")


urlpatterns = [path("slow/", slow), *project_urls]
