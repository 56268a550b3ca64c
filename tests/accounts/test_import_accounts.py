import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from accounts.import_service import import_accounts
from accounts.models import Account, Contact
from pipeline_crm.history import Origin

from ..factories import (
    AccountFactory,
    BusinessAreaFactory,
    ContactFactory,
    ContactRoleFactory,
    CustomerTypeFactory,
    IndustryFactory,
    LeadSourceFactory,
    SegmentFactory,
)

pytestmark = pytest.mark.django_db

HEADER = [
    "Name",
    "Org. number",
    "Customer type",
    "Segment",
    "Industry",
    "Business area",
    "Owner",
    "Street",
    "Postal code",
    "City",
    "Region",
    "Country",
    "Phone",
    "Website",
    "Employees",
    "Yearly revenue",
    "Lead source",
    "Notes",
    "Contact first name",
    "Contact last name",
    "Contact title",
    "Contact role",
    "Contact e-mail",
    "Contact phone",
]


def csv_bytes(*rows, header=("Name", "City"), delimiter=";", bom=True) -> bytes:
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    return ("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode("utf-8")


def xlsx_bytes(*rows, header=("Name", "City")) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(data: bytes, *, filename="accounts.csv", dry_run=False, user=None):
    return import_accounts(data, filename=filename, dry_run=dry_run, user=user)


@pytest.fixture
def lookups():
    return {
        "customer_type": CustomerTypeFactory(name="Customer"),
        "segment": SegmentFactory(name="Enterprise"),
        "industry": IndustryFactory(name="Construction"),
        "business_area": BusinessAreaFactory(name="Nord"),
        "lead_source": LeadSourceFactory(name="Website"),
        "role": ContactRoleFactory(name="Decision maker"),
    }


def full_row(**changes) -> list[str]:
    values = {
        "Name": "Fjällbygg AB",
        "Org. number": "556677-8899",
        "Customer type": "customer",
        "Segment": "ENTERPRISE",
        "Industry": "Construction",
        "Business area": "Nord",
        "Owner": "alice",
        "Street": "Storgatan 1",
        "Postal code": "903 25",
        "City": "Umeå",
        "Region": "Västerbotten",
        "Country": "Sweden",
        "Phone": "+46 90 12 34 56",
        "Website": "https://fjallbygg.example",
        "Employees": "120",
        "Yearly revenue": "1920000.50",
        "Lead source": "Website",
        "Notes": "Met at the fair",
        "Contact first name": "Anna",
        "Contact last name": "Berg",
        "Contact title": "CEO",
        "Contact role": "Decision maker",
        "Contact e-mail": "anna.berg@fjallbygg.example",
        "Contact phone": "+46 70 123 45 67",
        **changes,
    }
    return [values[column] for column in HEADER]


def messages(result) -> list[str]:
    return [str(error) for error in result.errors]


def test_semicolon_csv_with_bom_creates_account_and_contact(salesperson, lookups):
    result = run(csv_bytes(full_row(), header=HEADER))

    assert messages(result) == []
    assert (result.created_accounts, result.created_contacts) == (1, 1)
    account = Account.objects.get()
    assert account.name == "Fjällbygg AB"
    assert account.customer_type == lookups["customer_type"]
    assert account.segment == lookups["segment"]
    assert account.industry == lookups["industry"]
    assert account.business_area == lookups["business_area"]
    assert account.lead_source == lookups["lead_source"]
    assert account.owner == salesperson
    assert (account.city, account.postal_code, account.region) == ("Umeå", "903 25", "Västerbotten")
    assert account.country.code == "SE"
    assert account.employees == 120
    assert account.yearly_revenue == Decimal("1920000.50")
    contact = account.contacts.get()
    assert (contact.first_name, contact.last_name, contact.title) == ("Anna", "Berg", "CEO")
    assert contact.role == lookups["role"]
    assert contact.email == "anna.berg@fjallbygg.example"


def test_comma_csv_without_bom_is_read():
    data = csv_bytes(["Acme AB", "Oslo"], ["Beta AS", "Bergen"], delimiter=",", bom=False)
    result = run(data)
    assert messages(result) == []
    assert sorted(Account.objects.values_list("name", "city")) == [
        ("Acme AB", "Oslo"),
        ("Beta AS", "Bergen"),
    ]


def test_headers_match_ignoring_case_and_spaces():
    result = run(csv_bytes(["Acme AB", "Oslo"], header=(" NAME ", "city")))
    assert messages(result) == []
    assert Account.objects.get().city == "Oslo"


def test_xlsx_is_read_with_numbers_as_cells(salesperson):
    data = xlsx_bytes(
        ["Acme AB", "SE", 45, 1920000.5, 11122, "alice"],
        header=("Name", "Country", "Employees", "Yearly revenue", "Postal code", "Owner"),
    )
    result = run(data, filename="accounts.XLSX")
    assert messages(result) == []
    account = Account.objects.get()
    assert (account.employees, account.yearly_revenue) == (45, Decimal("1920000.50"))
    assert account.postal_code == "11122"
    assert account.owner == salesperson


def test_dry_run_writes_nothing_and_counts_what_it_would_do(lookups, salesperson):
    existing = AccountFactory(name="Acme AB", city="Oslo")
    data = csv_bytes(full_row(), full_row(Name="acme ab"), header=HEADER)

    result = run(data, dry_run=True)

    assert messages(result) == []
    assert (result.created_accounts, result.updated_accounts) == (1, 1)
    assert result.created_contacts == 2
    assert list(Account.objects.all()) == [existing]
    assert not Contact.objects.exists()
    existing.refresh_from_db()
    assert (existing.city, existing.version) == ("Oslo", 1)
    assert existing.history.count() == 1


def test_one_bad_row_means_nothing_is_written():
    data = csv_bytes(
        ["Acme AB", "10"], ["Beta AB", "many"], ["Gamma AB", "3"], header=("Name", "Employees")
    )
    result = run(data)
    assert messages(result) == [
        "Row 3: Employees: “many” is not a number such as 1920000 (no grouping)."
    ]
    assert not Account.objects.exists()


def test_every_row_error_is_listed_with_its_spreadsheet_row_number(lookups):
    header = ("Name", "Owner", "Segment", "Country", "Contact e-mail", "Contact first name")
    data = csv_bytes(
        ["Fine AB", "", "Enterprise", "NO", "", ""],
        ["Owner AB", "nobody", "", "", "", ""],
        ["Lookup AB", "", "Nonexistent", "", "", ""],
        ["Country AB", "", "", "Narnia", "", ""],
        ["Mail AB", "", "", "", "not-an-address", "Per"],
        header=header,
    )
    result = run(data)
    rows = [error.row for error in result.errors]
    assert rows == [3, 4, 5, 6]
    assert result.errors[0].message == "Owner: No active user has the username “nobody”."
    assert result.errors[1].message.startswith("Segment: Unknown value “Nonexistent”")
    assert "Enterprise" in result.errors[1].message
    assert result.errors[2].message.startswith("Country: Unknown country “Narnia”")
    assert result.errors[3].message == "Contact e-mail: Enter a valid email address."
    assert not Account.objects.exists()


def test_several_errors_in_one_row_are_all_listed():
    data = csv_bytes(["x" * 201, "-4"], header=("Name", "Employees"))
    assert messages(run(data)) == [
        "Row 2: Name: Ensure this value has at most 200 characters (it has 201).",
        "Row 2: Employees: Ensure this value is greater than or equal to 0.",
    ]


def test_blank_lines_still_count_for_row_numbers():
    data = b"Name;Employees\r\nAcme AB;1\r\n\r\n;;\r\nBeta AB;x\r\n"
    assert messages(run(data)) == [
        "Row 5: Employees: “x” is not a number such as 1920000 (no grouping)."
    ]


def test_row_without_name_is_an_error():
    data = csv_bytes(["", "Oslo"])
    assert messages(run(data)) == ["Row 2: Name: This field is required."]


def test_unknown_column_is_a_file_error():
    result = run(csv_bytes(["Acme AB", "x"], header=("Name", "Favourite colour")))
    assert [(e.row, e.message) for e in result.errors] == [
        (None, "Unknown column “Favourite colour” in the header row.")
    ]
    assert not Account.objects.exists()


def test_file_without_name_column_is_a_file_error():
    result = run(csv_bytes(["Oslo"], header=("City",)))
    assert messages(result) == ["The required column “Name” is missing."]


def test_unreadable_xlsx_is_a_file_error():
    result = run(b"not a workbook", filename="accounts.xlsx")
    assert messages(result) == ["The file could not be read as an Excel workbook (.xlsx)."]


def test_existing_account_matched_by_name_ignoring_case_and_spaces_gets_non_empty_values():
    existing = AccountFactory(name="Acme AB", city="Oslo", phone="")
    data = csv_bytes(["  ACME ab ", "", "+47 22 00 00 00"], header=("Name", "City", "Phone"))

    result = run(data)

    assert (result.created_accounts, result.updated_accounts) == (0, 1)
    account = Account.objects.get()
    assert account.pk == existing.pk
    assert (account.name, account.city, account.phone) == ("Acme AB", "Oslo", "+47 22 00 00 00")
    assert account.version == existing.version + 1


def test_unchanged_account_is_not_saved_again():
    AccountFactory(name="Acme AB", city="Oslo")
    result = run(csv_bytes(["Acme AB", "Oslo"]))
    assert (result.created_accounts, result.updated_accounts) == (0, 0)
    account = Account.objects.get()
    assert (account.version, account.history.count()) == (1, 1)


def test_several_rows_for_one_account_create_it_once_with_its_contacts():
    header = ("Name", "Contact first name", "Contact e-mail")
    data = csv_bytes(
        ["Acme AB", "Anna", "anna@acme.example"],
        ["acme ab", "Bo", "bo@acme.example"],
        header=header,
    )
    result = run(data)
    assert (result.created_accounts, result.created_contacts) == (1, 2)
    assert sorted(Account.objects.get().contacts.values_list("first_name", flat=True)) == [
        "Anna",
        "Bo",
    ]


def test_contact_with_the_same_email_is_updated_and_a_new_one_is_added():
    account = AccountFactory(name="Acme AB")
    anna = ContactFactory(account=account, first_name="Anna", email="anna@acme.example")
    header = ("Name", "Contact first name", "Contact title", "Contact e-mail")
    data = csv_bytes(
        ["Acme AB", "", "CFO", "ANNA@acme.example"],
        ["Acme AB", "Bo", "CTO", "bo@acme.example"],
        header=header,
    )

    result = run(data)

    assert (result.created_contacts, result.updated_contacts) == (1, 1)
    anna.refresh_from_db()
    assert (anna.first_name, anna.title, anna.version) == ("Anna", "CFO", 2)
    assert account.contacts.get(email="bo@acme.example").title == "CTO"


def test_contact_without_email_is_matched_by_first_and_last_name():
    account = AccountFactory(name="Acme AB")
    per = ContactFactory(account=account, first_name="Per", last_name="Holm", email="")
    header = ("Name", "Contact first name", "Contact last name", "Contact phone")
    data = csv_bytes(["Acme AB", "per", "HOLM", "+46 70 000 00 00"], header=header)

    result = run(data)

    assert (result.created_contacts, result.updated_contacts) == (0, 1)
    per.refresh_from_db()
    assert per.phone == "+46 70 000 00 00"


def test_a_contact_of_another_account_is_not_matched():
    ContactFactory(account=AccountFactory(name="Other AB"), email="anna@acme.example")
    AccountFactory(name="Acme AB")
    header = ("Name", "Contact first name", "Contact e-mail")
    result = run(csv_bytes(["Acme AB", "Anna", "anna@acme.example"], header=header))
    assert (result.created_contacts, result.updated_contacts) == (1, 0)


def test_new_contact_needs_a_first_name():
    header = ("Name", "Contact last name")
    result = run(csv_bytes(["Acme AB", "Berg"], header=header))
    assert messages(result) == ["Row 2: Contact first name: This field is required."]


def test_inactive_lookup_is_refused_for_a_new_value():
    SegmentFactory(name="Retired", is_active=False)
    result = run(csv_bytes(["Acme AB", "Retired"], header=("Name", "Segment")))
    assert messages(result) == ["Row 2: Segment: “Retired” is no longer in use."]


def test_history_records_are_labelled_import_with_the_user(manager):
    account = AccountFactory(name="Acme AB")
    header = ("Name", "City", "Contact first name")
    data = csv_bytes(["Acme AB", "Lund", "Anna"], ["New AB", "Malmö", "Bo"], header=header)

    run(data, user=manager)

    changed = account.history.latest()
    assert (changed.history_type, changed.history_change_reason) == ("~", Origin.IMPORT)
    assert changed.history_user == manager
    created = Account.objects.get(name="New AB").history.get()
    assert (created.history_type, created.history_change_reason) == ("+", Origin.IMPORT)
    for contact in Contact.objects.all():
        record = contact.history.get()
        assert (record.history_change_reason, record.history_user) == (Origin.IMPORT, manager)


def test_numbers_are_machine_format_unless_the_user_declares_a_language(salesperson, lookups):
    data = csv_bytes(
        full_row(**{"Yearly revenue": "1 920 000,50", "Employees": "1 200"}), header=HEADER
    )
    refused = import_accounts(data, filename="accounts.csv", dry_run=True)
    assert sorted(error.column or str(error) for error in refused.errors) != []
    assert not Account.objects.exists()
    result = import_accounts(data, filename="accounts.csv", dry_run=False, number_format="sv")
    assert result.errors == []
    account = Account.objects.get()
    assert (account.yearly_revenue, account.employees) == (Decimal("1920000.50"), 1200)


def test_a_spreadsheets_number_cells_are_read_as_numbers(salesperson, lookups):
    row = full_row()
    row[HEADER.index("Yearly revenue")] = 1920000.5
    row[HEADER.index("Employees")] = 1200
    data = xlsx_bytes(row, header=HEADER)
    result = import_accounts(data, filename="a.xlsx", dry_run=False, number_format="de")
    assert result.errors == []
    account = Account.objects.get()
    assert (account.yearly_revenue, account.employees) == (Decimal("1920000.50"), 1200)


def test_command_imports_the_file_and_prints_a_summary(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(csv_bytes(["Acme AB", "Oslo"]))
    out = io.StringIO()

    call_command("import_accounts", str(path), stdout=out)

    assert Account.objects.get().city == "Oslo"
    assert "accounts: 1 created, 0 updated" in out.getvalue()


def test_command_dry_run_writes_nothing_and_says_so(tmp_path):
    path = tmp_path / "accounts.xlsx"
    path.write_bytes(xlsx_bytes(["Acme AB", "Oslo"]))
    out = io.StringIO()

    call_command("import_accounts", str(path), "--dry-run", stdout=out)

    assert not Account.objects.exists()
    assert "Dry run, nothing was written" in out.getvalue()
    assert "accounts: 1 created" in out.getvalue()


def test_command_prints_row_errors_and_fails(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(csv_bytes(["Acme AB", "5"], ["Beta AB", "x"], header=("Name", "Employees")))
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 error"):
        call_command("import_accounts", str(path), stdout=out)

    assert "Row 3: Employees: “x” is not a number such as 1920000 (no grouping)." in out.getvalue()
    assert not Account.objects.exists()


def test_command_records_the_user_in_the_history(tmp_path, manager):
    path = tmp_path / "accounts.csv"
    path.write_bytes(csv_bytes(["Acme AB", "Oslo"]))
    call_command("import_accounts", str(path), "--user", "magnus", stdout=io.StringIO())
    assert Account.objects.get().history.get().history_user == manager


def test_command_refuses_an_unknown_user(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(csv_bytes(["Acme AB", "Oslo"]))
    with pytest.raises(CommandError, match="No user"):
        call_command("import_accounts", str(path), "--user", "nobody")
    assert not Account.objects.exists()
