from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self):
        from django.core import checks
        from django.db.models.signals import post_migrate, pre_migrate

        from . import checks as totals_checks
        from . import kept_shared, kept_sums, kept_totals, name_tails, product_deals

        checks.register(totals_checks.deal_totals_triggers)
        checks.register(totals_checks.deal_totals_agree, checks.Tags.database)
        checks.register(totals_checks.history_valid_until_triggers)
        checks.register(totals_checks.name_tails_triggers)
        checks.register(totals_checks.name_tails_agree, checks.Tags.database)
        checks.register(totals_checks.shared_deals_triggers)
        checks.register(totals_checks.shared_deals_agree, checks.Tags.database)
        pre_migrate.connect(
            kept_totals.off_for_sqlite_migrations, sender=self, dispatch_uid="kept_totals_off"
        )
        post_migrate.connect(
            kept_totals.ensure_installed, sender=self, dispatch_uid="kept_totals_installed"
        )
        post_migrate.connect(
            kept_shared.ensure_installed, sender=self, dispatch_uid="kept_shared_installed"
        )
        post_migrate.connect(name_tails.forget_migrated, dispatch_uid="name_tails_migrated")
        post_migrate.connect(product_deals.forget_migrated, dispatch_uid="product_deals_migrated")
        checks.register(totals_checks.product_deals_triggers)
        checks.register(totals_checks.product_deals_agree, checks.Tags.database)
        checks.register(totals_checks.kept_sums_triggers)
        checks.register(totals_checks.kept_sums_agree, checks.Tags.database)
        post_migrate.connect(
            kept_sums.ensure_installed, sender=self, dispatch_uid="kept_sums_installed"
        )
