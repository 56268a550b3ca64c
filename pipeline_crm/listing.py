"""The list-page pattern: a FilterSet feeds a Table; the export reuses its queryset."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_tables2 import RequestConfig

from .exports import FORMATS, export_table

PER_PAGE = 50


def table_page(request, *, filterset, table, template: str, export_name: str, extra=None):
    """Render a filtered, sorted, paginated table, or export every filtered row.

    `?export=csv|xlsx` exports exactly the rows the filters select, in the page's sort order.
    An htmx request gets the table partial alone.
    """
    fmt = request.GET.get("export")
    if fmt in FORMATS:
        RequestConfig(request, paginate=False).configure(table)
        return export_table(table, fmt, export_name)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    context = {"filter": filterset, "table": table, **(extra or {})}
    if request.htmx:
        response = render(request, "partials/table.html", context)
    else:
        response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
