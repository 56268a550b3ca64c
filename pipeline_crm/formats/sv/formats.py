"""Swedish: dates are 2026-12-06, shown and typed alike. Django's sv also reads 12/06/2026 as
month first, which a Swedish user would not mean: such a date is refused with a message
instead of being read as another day (DESIGN.md: what is ambiguous is refused)."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%y-%m-%d", "%Y%m%d"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M"]
