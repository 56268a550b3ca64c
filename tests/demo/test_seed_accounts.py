"""The seed's accounts and contacts, and their history, are what `bulk_create_with_history`
wrote before they were copied in bulk (issue 20): at a fixed moment and seed they hash to the
figure the ORM's bulk insert gave (commit 18cdcb3). Ids are read as positions, every foreign key
as the name of the row it names."""

import hashlib
import io
from datetime import datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account, Contact

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 14, 30, tzinfo=timezone.get_fixed_timezone(0))
# The same on PostgreSQL and SQLite (the values read back are equal).
FINGERPRINT = "89b076f897ca7154f2f7f720ffb5de4eb23a5ef3c9003679de3a578da486e801"


def _fingerprint() -> str:
    positions = {}
    for model in (Account, Contact):
        pks = model.objects.order_by("pk").values_list("pk", flat=True)
        positions[model] = {pk: position for position, pk in enumerate(pks)}
    users = dict(get_user_model().objects.values_list("pk", "username"))
    digest = hashlib.sha256()
    for model in (Account, Contact):
        names = {"owner_id": users, "history_user_id": users, "account_id": positions[Account]}
        for field in model._meta.concrete_fields:
            if field.is_relation and field.attname not in names:
                related = field.related_model.objects.all()
                names[field.attname] = {row.pk: str(row) for row in related}
        rows = [("R", row) for row in model.objects.order_by("pk").values()]
        rows += [("H", row) for row in model.history.order_by("history_id").values()]
        for kind, row in rows:
            row["id"] = positions[model][row["id"]]
            row.pop("history_id", None)
            parts = []
            for column, value in sorted(row.items()):
                if value is not None and column in names:
                    value = names[column].get(value, value)
                parts.append(f"{column}={value}")
            digest.update(f"{model.__name__} {kind} {'|'.join(parts)}\n".encode())
    return digest.hexdigest()


def test_the_seed_s_accounts_and_contacts_are_what_the_orm_wrote():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        call_command(
            "seed_demo", deals=120, activities=0, stdout=io.StringIO(), stderr=io.StringIO()
        )
        found = _fingerprint()
    assert Account.history.count() == Account.objects.count() == 60
    assert Contact.history.count() == Contact.objects.count() > 60
    assert found == FINGERPRINT
