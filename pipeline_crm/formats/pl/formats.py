"""Polish: one date format on a page, 06.12.2026, shown and typed alike; Django's pl shows
06-12-2026 and writes inputs as 06.12.2026 (and a double space before the time)."""

SHORT_DATE_FORMAT = "d.m.Y"  # 06.12.2026
SHORT_DATETIME_FORMAT = "d.m.Y H:i"  # 06.12.2026 13:35
