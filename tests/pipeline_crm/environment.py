"""Reading the settings module under a given environment, in a fresh interpreter: settings
are read from the environment once, at import."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def read_settings(
    env: dict, *names: str, drop: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Print the named settings, `|`-separated reprs, as `env` makes them; variables starting
    with a prefix in `drop` are removed from this process's environment first."""
    clean = {k: v for k, v in os.environ.items() if not drop or not k.startswith(drop)}
    code = (
        "import django; from django.conf import settings; django.setup(); "
        f"print(*[repr(getattr(settings, n)) for n in {names!r}], sep='|')"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "pipeline_crm.settings", **env},
        capture_output=True,
        text=True,
    )
