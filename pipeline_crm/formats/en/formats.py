"""English (US): a date typed into a text field (the admin's) is written as it is shown,
month first (12/06/2026); Django's en writes it as 2026-12-06 beside dates shown 12/06/2026.
ISO dates (what a browser's date input sends) are always read too."""

DATE_INPUT_FORMATS = ["%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d"]
