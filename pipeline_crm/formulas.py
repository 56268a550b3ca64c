"""Spreadsheet formula injection: which text a spreadsheet would run as a formula, how an
export keeps it text, and how an import reads that protection back.

A CSV cell has no types: a spreadsheet runs text starting with = + - @ (or a tab, CR or line
feed before one) as a formula, and some also take the full-width forms (＝ ＋ － ＠, typed by an
East Asian input method) and the small forms (﹦ ﹢ ﹣ ﹫). CSV exports put an apostrophe
before such text, which spreadsheets hide and read as "this is text". An XLSX cell has a type:
exports write the text as a string cell, with Excel's quote-prefix style so that editing the
cell keeps it text, and no apostrophe in its value.

Imports drop that one apostrophe again, so that an export imported back gives the values it
was made from (an account named “=1+1” stays “=1+1”, not “'=1+1”, and is matched, not
duplicated).
"""

FORMULA_STARTS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    "\uff1d",  # ＝ full-width
    "\uff0b",  # ＋
    "\uff0d",  # －
    "\uff20",  # ＠
    "\ufe66",  # ﹦ small
    "\ufe62",  # ﹢
    "\ufe63",  # ﹣
    "\ufe6b",  # ﹫
)
PROTECTION = "'"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could run `text` as a formula."""
    return text.startswith(FORMULA_STARTS)


def protect(text: str) -> str:
    """`text` as a CSV cell: an apostrophe before formula-like text."""
    return PROTECTION + text if is_formula_like(text) else text


def unprotect(text: str) -> str:
    """A cell's text as it was before `protect`: without the apostrophe that an export put
    before formula-like text. Any other apostrophe is the cell's own and stays."""
    if text.startswith(PROTECTION) and is_formula_like(text[1:]):
        return text[1:]
    return text
