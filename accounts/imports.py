from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from pipeline_crm.roles import is_manager


def import_accounts_view(request):
    """Sales managers import accounts with their contacts from CSV or XLSX."""
    if not is_manager(request.user):
        raise PermissionDenied(_("Only sales managers can import accounts."))
    raise PermissionDenied(_("Import is not available yet."))
