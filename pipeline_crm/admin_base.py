from django.contrib.admin.utils import unquote
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from .bounds import parse_id
from .numbers import NumberInputsAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose page of one historical record takes only ids in its path.

    django-simple-history looks the record up with the path's text as it is: `²` or a word
    for an id raised a ValueError, a 500 (the admin's own object pages answer those with a
    redirect). Anything but an id is no record: a 404.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if parse_id(unquote(object_id)) is None or parse_id(version_id) is None:
            raise Http404("No such record")
        return super().history_form_view(request, object_id, version_id, extra_context)


class LookupAdmin(NumberInputsAdmin, HistoryAdmin):
    """Lookup tables: ordered, edited in the list, with history; deactivate instead of delete."""

    list_display = ("name", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    ordering = ("order", "name")
