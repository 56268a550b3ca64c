# Move activity times outside 1900-01-01..2199-12-31 (company time zone) to the nearest bound,
# before the next migration forbids them.
#
# A task due 0001-01-01 starts at midnight Stockholm time, which PostgreSQL stores as a time in
# 1 BC: psycopg cannot read that row back, so every page and job listing it failed. The rows are
# mended with UPDATEs, which never read them; their history rows too (the activity's page and
# the admin read them). End before start is kept impossible: a bound raises the end before the
# start, and lowers the start before the end.

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

FIRST, LAST = date(1900, 1, 1), date(2199, 12, 31)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def move_into_bounds(apps, schema_editor):
    low = _day_start(FIRST)
    high = _day_start(LAST + timedelta(days=1)) - timedelta(microseconds=1)
    for name in ("Activity", "HistoricalActivity"):
        rows = apps.get_model("activities", name)._default_manager.all()
        rows.filter(due_date__lt=FIRST).update(due_date=FIRST, start=low)
        rows.filter(due_date__gt=LAST).update(due_date=LAST, start=_day_start(LAST))
        rows.filter(end__lt=low).update(end=low)
        rows.filter(start__lt=low).update(start=low)
        rows.filter(start__gt=high).update(start=high)
        rows.filter(end__gt=high).update(end=high)


class Migration(migrations.Migration):

    dependencies = [
        ("activities", "0004_activity_indexes"),
    ]

    operations = [migrations.RunPython(move_into_bounds, migrations.RunPython.noop)]
