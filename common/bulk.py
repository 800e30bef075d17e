"""Fast per-row updates: one prepared UPDATE run with executemany.

Django's bulk_update builds a CASE expression per field per row in Python, which
costs seconds for a few thousand rows. Here the database driver receives one
statement and the rows as parameters (psycopg pipelines them), and every value
still goes through its field's own `get_db_prep_save`, so JSON, decimals and
dates are stored exactly as the ORM would store them. No signals are sent.
"""

from collections.abc import Iterable, Sequence

from django.db import connections, models, router


def update_rows(
    model: type[models.Model], objects: Iterable[models.Model], fields: Sequence[str]
) -> int:
    """UPDATE `fields` of each object by primary key; returns how many objects were sent."""
    objs = list(objects)
    if not objs or not fields:
        return 0
    db = router.db_for_write(model)
    connection = connections[db]
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(objs)
