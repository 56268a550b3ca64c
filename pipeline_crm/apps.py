from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineCrmConfig(AppConfig):
    name = "pipeline_crm"
    verbose_name = _("Pipeline CRM")

    def ready(self):
        from . import choices, lookups

        choices.install()
        lookups.watch_lookups()
