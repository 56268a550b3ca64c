from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from pipeline_crm.roles import is_manager


def import_opportunities_view(request):
    """Sales managers import deals from an old CRM (CSV)."""
    if not is_manager(request.user):
        raise PermissionDenied(_("Only sales managers can import deals."))
    raise PermissionDenied(_("Import is not available yet."))
