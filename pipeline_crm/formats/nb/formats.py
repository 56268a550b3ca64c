"""Norwegian Bokmål: a date typed into a text field (the admin's) is written as it is shown,
06.12.2026; Django's nb writes it as 2026-12-06 beside dates shown 06.12.2026. ISO dates
(what a browser's date input sends) are still read."""

DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
