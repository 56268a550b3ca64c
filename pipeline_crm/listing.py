"""The list-page pattern: a FilterSet feeds a Table; the export reuses its queryset."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_tables2 import RequestConfig

from .bounds import parse_int
from .exports import FORMATS, export_in_background, export_table

PER_PAGE = 50


class BoundedPaginator(Paginator):
    """A paginator whose page holds 1 to MAX_PER_PAGE rows, whatever `?per_page=` asks.

    django-tables2 hands on `int(request.GET["per_page"])`: -1 made every list a 500 and
    10**24 put every row on one page. A page asked shorter than one row or longer than the
    maximum gets the nearest bound.
    """

    MAX_PER_PAGE = 200

    def __init__(self, object_list, per_page, *args, **kwargs):
        per_page = parse_int(
            per_page, default=PER_PAGE, minimum=1, maximum=self.MAX_PER_PAGE, clamp=True
        )
        super().__init__(object_list, per_page, *args, **kwargs)


def table_page(request, *, filterset, table, template: str, export_name: str, extra=None):
    """Render a filtered, sorted, paginated table, or export every filtered row.

    `?export=csv|xlsx` exports exactly the rows the filters select, in the page's sort order.
    An htmx request gets the table partial alone.
    """
    fmt = request.GET.get("export")
    if fmt in FORMATS:
        in_background = export_in_background(
            request, filterset.qs.count(), str(filterset.qs.model._meta.verbose_name_plural)
        )
        if in_background is not None:
            return in_background
        RequestConfig(request, paginate=False).configure(table)
        return export_table(table, fmt, export_name)
    paginate = {"per_page": PER_PAGE, "paginator_class": BoundedPaginator}
    RequestConfig(request, paginate=paginate).configure(table)
    context = {"filter": filterset, "table": table, **(extra or {})}
    if request.htmx:
        response = render(request, "partials/table.html", context)
    else:
        response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
