from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

REPORT_KIND = "quotes"  # the quote report's kind among the saved reports


class QuotesConfig(AppConfig):
    name = "quotes"
    verbose_name = _("Quotes")

    def ready(self):
        from activities import reminder_sources
        from forecasting import registry
        from pipeline_crm import slots

        from . import reminders
        from . import slots as quote_slots

        slots.register("deal", quote_slots.deal_quotes)
        slots.register("dashboard", quote_slots.outstanding_panel)
        reminder_sources.register(reminders.quotes_expiring_soon)
        registry.register(
            REPORT_KIND,
            label=_("Quote results"),
            url_name="quotes:report",
            question=_("Do our quotes win, how fast are they answered, at what margin?"),
        )
