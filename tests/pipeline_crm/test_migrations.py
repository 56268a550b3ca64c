from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_have_their_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as missing:  # makemigrations --check exits 1 when one is missing
        pytest.fail(f"a migration is missing (exit {missing.code}):\n{out.getvalue()}")
