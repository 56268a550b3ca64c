"""A budget import file: its fixed English columns, and its rows read as {header: text}.

The file is read by `pipeline_crm.import_files`; `import_service` checks and writes the rows.
"""

from django.utils.translation import gettext_lazy

from pipeline_crm import import_files

AREA = "Business area"
MONTH = "Month"
AMOUNT = "Amount"
SALESPERSON = "Salesperson"

# The file's contract: fixed English headers, in this order in the template.
HEADERS = (AREA, MONTH, AMOUNT, SALESPERSON)
REQUIRED = (AREA, MONTH, AMOUNT)
COLUMN_HELP = {
    AREA: gettext_lazy("Required. The name of a business area, in any case."),
    MONTH: gettext_lazy("Required. The month as YYYY-MM, such as 2026-01."),
    AMOUNT: gettext_lazy(
        "Required. A number such as 125000.50, or written as chosen under “Numbers in the file”."
    ),
    SALESPERSON: gettext_lazy(
        "Optional. The username of a salesperson for a budget of their own; "
        "empty for the area's budget."
    ),
}
_KNOWN_HEADERS = {header.lower(): header for header in HEADERS}


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict[str, str], list[int]]]:
    """(row number, {header: text}, columns with a value but no header) per non-blank row."""
    header, table = import_files.read_table(data, filename, allow_xlsx=False)
    columns = import_files.match_header(header, _KNOWN_HEADERS, required=REQUIRED)
    return [(number, *import_files.row_values(columns, cells)) for number, cells in table]
