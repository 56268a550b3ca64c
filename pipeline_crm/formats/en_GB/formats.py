"""English (UK): day before month and a 24-hour clock on every page (6 December 2026,
06/12/2026, 13:35). Django's en_GB writes "6 Dec 2026" and "1:35 p.m.", which mixes a
12-hour clock into a European date; the rest (input formats, separators) is Django's."""

DATE_FORMAT = "j F Y"  # 6 December 2026
TIME_FORMAT = "H:i"  # 13:35
DATETIME_FORMAT = "j F Y, H:i"  # 6 December 2026, 13:35
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 6 December
SHORT_DATE_FORMAT = "d/m/Y"  # 06/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 06/12/2026 13:35
FIRST_DAY_OF_WEEK = 1  # Monday
# Day first, as shown; stated here because this project's `en` module (month first) comes
# before Django's en_GB in the lookup order.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
