"""The last guard on what a request's address carries: a NUL character is refused with a 400.

PostgreSQL refuses NUL in text, so `?q=%00` reached the database as a 500 wherever a view or
the admin searched with it (`/accounts/options/?q=%00`, the admin's search). No one types a
NUL into an address; refusing it here covers every search, filter and id in a query string or
a path, today's and tomorrow's, in one place. Form fields are not concerned: Django's form
CharField refuses a NUL itself, with a message next to the field.
"""

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

NUL = "\x00"


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or any(
            NUL in key or any(NUL in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest(_("The address contains a NUL character, which no value may hold."))
        return self.get_response(request)
