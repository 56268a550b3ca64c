"""The deal table's indexes: none repeats the leading keys of another (migration 0026).

Every index is planned for every query on the table and written on every save: an index whose
keys begin another one of the same rows (Django's index of a foreign key beside a list index
that begins with the key) only costs."""

import pytest
from django.db import connection

from opportunities.models import Opportunity

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's catalogue"),
]

INDEXES = """
    SELECT c.relname,
           (SELECT array_agg(a.attname ORDER BY k.n)
              FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum),
           i.indnatts > i.indnkeyatts,
           pg_get_expr(i.indpred, i.indrelid),
           am.amname
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am am ON am.oid = c.relam
     WHERE i.indrelid = %s::regclass AND i.indexprs IS NULL
"""


def test_no_plain_index_of_the_deals_repeats_the_leading_keys_of_another():
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, [Opportunity._meta.db_table])
        indexes = cursor.fetchall()
    btree = [row for row in indexes if row[4] == "btree" and row[1]]
    repeated = [
        (name, other)
        for name, keys, includes, where, _am in btree
        if not includes and not where
        for other, other_keys, _inc, other_where, _am2 in btree
        if other != name
        and not other_where
        and len(other_keys) > len(keys)
        and other_keys[: len(keys)] == keys
    ]

    assert repeated == []
    assert {"opp_owner_id", "opp_stage_id", "opp_area_id"} <= {row[0] for row in btree}
