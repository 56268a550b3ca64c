"""A deal import file: its fixed English columns, and its rows read as {header: text}.

The file is read by `pipeline_crm.import_files`; `import_service` checks and writes the rows.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pipeline_crm import import_files
from pipeline_crm.import_files import ImportFileError

NAME = "Name"
ACCOUNT = "Account"
BUSINESS_AREA = "Business area"
STAGE = "Stage"
STATUS = "Status"
OWNER = "Owner"
EXPECTED_CLOSE_DATE = "Expected close date"
AMOUNT = "Amount"
PROBABILITY = "Probability"
LOSS_REASON = "Loss reason"
CLOSED_DATE = "Closed date"

# The file's contract: fixed English headers, in this order in the template.
HEADERS = (
    NAME,
    ACCOUNT,
    BUSINESS_AREA,
    STAGE,
    STATUS,
    OWNER,
    EXPECTED_CLOSE_DATE,
    AMOUNT,
    PROBABILITY,
    LOSS_REASON,
    CLOSED_DATE,
)
COLUMN_HELP = {
    NAME: gettext_lazy("The deal's name; empty takes the account's name."),
    ACCOUNT: gettext_lazy(
        "Required. Matches an account by name ignoring case and surrounding spaces; "
        "an unknown name creates the account."
    ),
    BUSINESS_AREA: gettext_lazy("The name of a business area; empty takes the account's."),
    STAGE: gettext_lazy("Required. The name of a stage."),
    STATUS: gettext_lazy("Required: open, won or lost."),
    OWNER: gettext_lazy("Required. The username of the deal's owner."),
    EXPECTED_CLOSE_DATE: gettext_lazy("Required. A date as YYYY-MM-DD."),
    AMOUNT: gettext_lazy(
        "A number such as 125000.50, or written as chosen under “Numbers in the file”; empty is 0."
    ),
    PROBABILITY: gettext_lazy(
        "A whole number from 0 to 100, kept as set by hand; empty takes the stage's default. "
        "Won deals get 100 and lost deals 0."
    ),
    LOSS_REASON: gettext_lazy("Required for a lost deal, only for a lost deal."),
    CLOSED_DATE: gettext_lazy(
        "For a won or lost deal, as YYYY-MM-DD; empty is today. Not for an open deal."
    ),
}
_KNOWN_HEADERS = {header.lower(): header for header in HEADERS}


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """The deal rows of a CSV file: (row number, {header: stripped text}), blank rows left out.

    A value under a blank header cell is kept under the key "" (a row error). Raises
    ImportFileError when the file is not a readable CSV, has no rows, a row has more cells than
    the header, or the header is not exactly the import's columns (in any order and case).
    """
    header, table = import_files.read_table(data, filename, allow_xlsx=False)
    columns = import_files.match_header(header, _KNOWN_HEADERS, required=HEADERS)
    rows = []
    for number, cells in table:
        if len(cells) > len(header):
            raise ImportFileError(
                [_("Row %(row)d has more cells than the header has columns.") % {"row": number}]
            )
        values, headerless = import_files.row_values(columns, cells)
        if headerless:
            values[""] = cells[headerless[0] - 1]
        rows.append((number, values))
    return rows
