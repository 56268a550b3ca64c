from simple_history.admin import SimpleHistoryAdmin

from .numbers import NumberInputsAdmin


class LookupAdmin(NumberInputsAdmin, SimpleHistoryAdmin):
    """Lookup tables: ordered, edited in the list, with history; deactivate instead of delete."""

    list_display = ("name", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    ordering = ("order", "name")
