"""Import accounts and their contacts from a CSV or XLSX file, all rows or none.

The file is read by `import_reader`; the upload page is `import_views`.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django_countries import countries

from pipeline_crm import import_files
from pipeline_crm.concurrency import lock_held
from pipeline_crm.history import Origin, label_change
from pipeline_crm.import_files import RowError
from pipeline_crm.numbers import MACHINE

from . import import_reader
from .models import (
    Account,
    BusinessArea,
    Contact,
    ContactRole,
    CustomerType,
    Industry,
    LeadSource,
    Segment,
)

_LOOKUPS: dict[str, type[models.Model]] = {
    "customer_type": CustomerType,
    "segment": Segment,
    "industry": Industry,
    "business_area": BusinessArea,
    "lead_source": LeadSource,
    "role": ContactRole,
}
_HEADERS = {(c.is_contact, c.key): c.header for c in import_reader.COLUMNS}


@dataclass
class ImportResult(import_files.ImportResult):
    created_accounts: int = 0
    updated_accounts: int = 0
    created_contacts: int = 0
    updated_contacts: int = 0


def import_accounts(
    source: import_files.Source,
    *,
    filename: str,
    dry_run: bool,
    user: AbstractBaseUser | None = None,
    number_format: str = MACHINE,
    progress: import_files.Progress | None = None,
) -> ImportResult:
    """Import accounts and their contacts from a CSV or XLSX file (bytes, path or file object).

    All or nothing: every row is checked and written in one transaction, which is rolled back
    when any row has an error, and on a dry run. The errors list each problem with its row
    number; the counts say what was (or would be) created and changed.

    An account is matched by name ignoring case and surrounding spaces; a match gets its
    non-empty columns, a new name creates an account. A row with contact columns adds a contact
    to it, or updates the account's contact with the same e-mail (without an e-mail: the same
    first and last name). Lookups name existing rows; the owner is a username. Every change is
    in the history, labelled as an import by `user`. Numbers are in the machine format unless
    `number_format` names a language (`import_files.number`).
    """
    result = ImportResult(dry_run=dry_run)
    return import_files.import_all_or_nothing(
        result,
        source,
        filename,
        import_reader.read_rows,
        lambda rows: _Importer(user, number_format).run(rows, result),
        progress,
    )


class _Importer:
    """One import's caches (accounts by name, lookups, owners) and its per-row steps."""

    def __init__(self, user: AbstractBaseUser | None, number_format: str = MACHINE):
        self.user = user
        self.number_format = number_format
        self.accounts: dict[str, list[Account]] = {}
        self.lookups: dict[type[models.Model], import_files.LookupIndex] = {}
        self.owners: dict[str, Any] = {}
        self.full_names: dict[str, list[Any]] | None = None
        self.created: dict[type[models.Model], set[int]] = {Account: set(), Contact: set()}
        self.updated: dict[type[models.Model], set[int]] = {Account: set(), Contact: set()}

    def run(self, rows: list[import_reader.SourceRow], result: ImportResult) -> None:
        # A row with an error may leave values on a cached account; they are never saved, as
        # any error rolls the whole import back.
        for row in rows:
            errors = import_files.headerless_errors(row.headerless)
            account = self.build_account(row, errors)
            contact = self.build_contact(row, account, errors) if account else None
            if errors:
                result.errors.extend(RowError(row.number, "", message) for message in errors)
                continue
            self.save(account)
            if contact is not None:
                contact.account = account
                self.save(contact)
        result.created_accounts = len(self.created[Account])
        result.updated_accounts = len(self.updated[Account] - self.created[Account])
        result.created_contacts = len(self.created[Contact])
        result.updated_contacts = len(self.updated[Contact] - self.created[Contact])

    def build_account(self, row: import_reader.SourceRow, errors: list[str]) -> Account | None:
        """The row's new or matched account with the row's values set (unsaved), or None."""
        name = row.account.get("name", "")
        if not name:
            errors.append(_column_error("Name", forms.Field.default_error_messages["required"]))
            return None
        matches = self.accounts_named(name)
        if len(matches) > 1:
            errors.append(
                _("Several accounts are named “%(name)s”; rename one before importing.")
                % {"name": name}
            )
            return None
        if not matches:
            return self.apply(Account(), row.account, errors, is_contact=False)
        # The name is the match key: a matched account keeps its own spelling.
        values = {key: text for key, text in row.account.items() if key != "name"}
        return self.apply(matches[0], values, errors, is_contact=False)

    def build_contact(
        self, row: import_reader.SourceRow, account: Account, errors: list[str]
    ) -> Contact | None:
        """The row's new or matched contact with the row's values set (unsaved), or None."""
        if not row.has_contact:
            return None
        contact = self.existing_contact(account, row.contact) or Contact()
        return self.apply(contact, row.contact, errors, is_contact=True)

    def existing_contact(self, account: Account, values: dict[str, str]) -> Contact | None:
        """The account's contact with the row's e-mail or, without one, the row's name."""
        if account.pk is None:
            return None
        contacts = account.contacts.select_for_update().order_by("pk")
        if values.get("email"):
            return contacts.filter(email__iexact=values["email"]).first()
        return contacts.filter(
            first_name__iexact=values.get("first_name", ""),
            last_name__iexact=values.get("last_name", ""),
        ).first()

    def apply(self, obj, values: dict[str, str], errors: list[str], *, is_contact: bool):
        """`obj` with the non-empty `values` set, checked by the model's fields; None on errors.

        A new object also needs its required columns; an existing one keeps what is empty.
        Marks on `obj` whether this row changes it.
        """
        creating = obj.pk is None
        if creating:
            required = {
                c.key: ""
                for c in import_reader.COLUMNS
                if c.is_contact == is_contact and not obj._meta.get_field(c.key).blank
            }
            values = {**required, **values}
        failed = False
        touched, changed = [], creating
        for key, text in values.items():
            header = _HEADERS[(is_contact, key)]
            model_field = obj._meta.get_field(key)
            try:
                if not text:
                    if creating and not model_field.blank:
                        raise ValidationError(forms.Field.default_error_messages["required"])
                    continue
                current = getattr(obj, model_field.attname)
                value = self.clean(model_field, text, current=current)
            except ValidationError as error:
                errors.extend(_column_error(header, message) for message in error.messages)
                failed = True
                continue
            changed = changed or current != value
            setattr(obj, model_field.attname, value)
            touched.append(model_field.name)
        if failed:
            return None
        # The model's own validation of the values this row sets; related rows were found in
        # the database already, so they are not looked up again.
        exclude = [
            f.name for f in obj._meta.concrete_fields if f.is_relation or f.name not in touched
        ]
        try:
            obj.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                header = _HEADERS.get((is_contact, name), name)
                errors.extend(_column_error(header, message) for message in messages)
            return None
        obj._import_changed = changed
        return obj

    def clean(self, model_field: models.Field, text: str, *, current: Any) -> Any:
        """The value for `model_field` from a cell's `text`, or ValidationError."""
        name = model_field.name
        if name in _LOOKUPS:
            return self.lookup(_LOOKUPS[name], text, current=current)
        if name == "owner":
            return self.owner(text)
        if name == "country":
            code = countries.alpha2(text) or countries.by_name(text)
            if not code:
                raise ValidationError(
                    _("Unknown country “%(value)s”; use a code such as SE or the English name.")
                    % {"value": text}
                )
            return code
        if name in ("employees", "yearly_revenue"):
            places = getattr(model_field, "decimal_places", 0)
            max_digits = getattr(model_field, "max_digits", 18)
            value = import_files.number(
                text, number_format=self.number_format, places=places, max_digits=max_digits
            )
            return model_field.formfield().clean(value if places else int(value))
        return model_field.formfield().clean(text)

    def lookup(self, model: type[models.Model], text: str, *, current: int | None) -> int:
        if model not in self.lookups:
            self.lookups[model] = import_files.LookupIndex(model)
        table = self.lookups[model]
        row = table.get(text, current=current)
        if row is None:
            raise import_files.unknown_value(text, table.active_names())
        return row.pk

    def owner(self, text: str) -> int:
        """The active user with the username `text` or, as the account list's export shows
        owners, the one active user with that full name."""
        if text not in self.owners:
            users = list(get_user_model().objects.filter(is_active=True, username__iexact=text))
            exact = [u for u in users if u.username == text]
            self.owners[text] = (exact or users or self.named(text) or [None])[0]
        user = self.owners[text]
        if user is None:
            raise ValidationError(
                _("No active user has the username “%(value)s”.") % {"value": text}
            )
        return user.pk

    def named(self, text: str) -> list[Any]:
        if self.full_names is None:
            self.full_names = defaultdict(list)
            for user in get_user_model().objects.filter(is_active=True):
                self.full_names[user.get_full_name().lower()].append(user)
        users = self.full_names.get(text.lower(), [])
        return users if len(users) == 1 else []

    def accounts_named(self, name: str) -> list[Account]:
        key = name.strip().lower()
        if key not in self.accounts:
            self.accounts[key] = list(Account.objects.named(name).select_for_update())
        return self.accounts[key]

    def save(self, obj: Account | Contact) -> None:
        """Save `obj` if the row changed it, labelled as an import (the save bumps its
        version: the row was read under a lock, `accounts_named` and `existing_contact`)."""
        if not obj._import_changed:
            return
        creating = obj.pk is None
        if not creating:
            lock_held(obj)
        label_change(obj, Origin.IMPORT)
        if self.user is not None:
            obj._history_user = self.user
        obj.save()
        (self.created if creating else self.updated)[type(obj)].add(obj.pk)
        if creating and isinstance(obj, Account):
            self.accounts[obj.name.strip().lower()] = [obj]


def _column_error(header: str, message: str) -> str:
    return _("%(column)s: %(message)s") % {"column": header, "message": message}
