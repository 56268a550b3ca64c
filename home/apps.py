from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The site on top of the apps: the root URLconf, the dashboards (the home page) and the
    error pages. It may import every app; no app imports it (tests/test_app_graph.py)."""

    name = "home"
    verbose_name = _("Home")
