from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

REPORT_KIND = "quotes"  # the quote report's kind among the saved reports


class QuotesConfig(AppConfig):
    name = "quotes"
    verbose_name = _("Quotes")

    def ready(self):
        from django.core import checks
        from django.db.models.signals import post_migrate, pre_migrate

        from activities import reminder_sources
        from forecasting import registry
        from pipeline_crm import slots

        from . import checks as owner_checks
        from . import kept_owner, kept_totals, reminders
        from . import slots as quote_slots

        checks.register(owner_checks.owner_trigger)
        checks.register(owner_checks.owners_agree, checks.Tags.database)
        checks.register(owner_checks.totals_triggers)
        checks.register(owner_checks.totals_agree, checks.Tags.database)
        pre_migrate.connect(
            kept_owner.off_for_sqlite_migrations, sender=self, dispatch_uid="quote_owner_off"
        )
        post_migrate.connect(
            kept_owner.ensure_installed, sender=self, dispatch_uid="quote_owner_installed"
        )
        post_migrate.connect(
            kept_totals.ensure_installed, sender=self, dispatch_uid="quote_totals_installed"
        )

        slots.register("deal", quote_slots.deal_quotes)
        slots.register("dashboard", quote_slots.outstanding_panel)
        reminder_sources.register(reminders.quotes_expiring_soon)
        registry.register(
            REPORT_KIND,
            label=_("Quote results"),
            url_name="quotes:report",
            question=_("Do our quotes win, how fast are they answered, at what margin?"),
        )
