"""An account import file's columns, and its rows split into account and contact values.

The file is read by `pipeline_crm.import_files`: CSV or XLSX, rows numbered as in the spreadsheet.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from pipeline_crm import import_files

EXTENSIONS = ("csv", "xlsx")


@dataclass(frozen=True, eq=False)  # each column is one object: compared and hashed by identity
class Column:
    header: str  # fixed English, the file's contract
    key: str  # the model field it fills
    help: str
    is_contact: bool = False


COLUMNS = (
    Column("Name", "name", _("Required. Matches an existing account ignoring case and spaces.")),
    Column("Org. number", "org_number", _("Organisation number.")),
    Column("Customer type", "customer_type", _("The name of an existing customer type.")),
    Column("Segment", "segment", _("The name of an existing segment.")),
    Column("Industry", "industry", _("The name of an existing industry.")),
    Column("Business area", "business_area", _("The name of an existing business area.")),
    Column("Owner", "owner", _("The username of the account owner.")),
    Column("Street", "street", _("Street address.")),
    Column("Postal code", "postal_code", _("Postal code.")),
    Column("City", "city", _("City.")),
    Column("Region", "region", _("Region or county.")),
    Column("Country", "country", _("A two-letter code such as SE, or the English name.")),
    Column("Phone", "phone", _("Phone number.")),
    Column("Website", "website", _("Web address.")),
    Column("Employees", "employees", _("A whole number.")),
    Column(
        "Yearly revenue",
        "yearly_revenue",
        _("A number such as 1920000.50, or written as chosen under “Numbers in the file”."),
    ),
    Column("Lead source", "lead_source", _("The name of an existing lead source.")),
    Column("Notes", "notes", _("Free text.")),
    Column(
        "Contact first name",
        "first_name",
        _("Required for a new contact. One row per contact."),
        is_contact=True,
    ),
    Column("Contact last name", "last_name", _("Last name."), is_contact=True),
    Column("Contact title", "title", _("Job title."), is_contact=True),
    Column("Contact role", "role", _("The name of an existing contact role."), is_contact=True),
    Column(
        "Contact e-mail",
        "email",
        _("Matches an existing contact of the account; without one, the name does."),
        is_contact=True,
    ),
    Column("Contact phone", "phone", _("Phone number."), is_contact=True),
)
# Columns of the account list's export that the import reads past, so that an export imports
# back as it is: the contact count is the list's own figure.
IGNORED_COLUMNS = (
    Column("Contacts", "", _("Ignored: the account list's export has it, the import skips it.")),
)
_BY_HEADER = {column.header.lower(): column for column in (*COLUMNS, *IGNORED_COLUMNS)}


@dataclass
class SourceRow:
    number: int
    account: dict[str, str] = field(default_factory=dict)  # field name -> text, "" when empty
    contact: dict[str, str] = field(default_factory=dict)
    headerless: list[int] = field(default_factory=list)  # 1-based columns with a value, no header

    @property
    def has_contact(self) -> bool:
        return any(self.contact.values())


def read_rows(data: bytes, filename: str) -> list[SourceRow]:
    """The data rows of an import file, each with its row number and the text of its cells.

    Blank rows are left out but counted. Raises import_files.ImportFileError when the file cannot be
    read, has no data rows, or its header has an unknown, repeated or missing column.
    """
    header, table = import_files.read_table(data, filename, allow_xlsx=True)
    columns = import_files.match_header(header, _BY_HEADER, required=["Name"])
    rows = []
    for number, cells in table:
        values, headerless = import_files.row_values(columns, cells)
        row = SourceRow(number=number, headerless=headerless)
        for column, text in values.items():
            if column not in IGNORED_COLUMNS:
                (row.contact if column.is_contact else row.account)[column.key] = text
        rows.append(row)
    return rows
