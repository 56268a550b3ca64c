from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data: `seed_demo` and the past of its deals (`past.py`). It may import every
    app; no app imports it (tests/test_app_graph.py)."""

    name = "demo"
    verbose_name = _("Demo data")
