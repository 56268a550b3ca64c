import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_crm.settings")
application = get_wsgi_application()

# Web requests only (gunicorn, runserver): their statements are cut off past
# DJANGO_STATEMENT_TIMEOUT; the commands run from a shell are not.
from pipeline_crm.db import limit_web_statements  # noqa: E402

limit_web_statements()
