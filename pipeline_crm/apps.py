from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineCrmConfig(AppConfig):
    name = "pipeline_crm"
    verbose_name = _("Pipeline CRM")

    def ready(self):
        from django.core.signals import got_request_exception

        from jobs.services import explain_failures

        from . import (
            db,
            history_guard,
            login_limits,  # noqa: F401 (connects its login receiver)
            lookups,
            storage,
        )

        lookups.watch_lookups()
        history_guard.guard_history()
        got_request_exception.connect(db.close_on_stale_plan, dispatch_uid="close_on_stale_plan")
        explain_failures(storage.full_disk_message)  # a job that filled the disk says so
