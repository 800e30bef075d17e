"""`field__any=[...]`: membership in a long list as one array parameter on PostgreSQL.

Django spells `__in` with one placeholder per value. With psycopg's client-side binding each
placeholder is found and quoted in Python, and a query text that long is never cached: for a
pull page of 200 ids that was most of the time spent looking the page's rows up (the query
itself ran in half a millisecond). `= ANY(%s)` sends the list as one array, which PostgreSQL
plans exactly as it plans an IN list. Other databases (SQLite for `make run`) keep `IN`.

Registered on every field when the catalog app starts (`ProductsAndServicesConfig.ready`).
It replaces an earlier helper that sent integer ids as one JSON document unpacked by a
subquery: an array does the same for any type, and keeps the plain `= ANY` condition that the
planner matches to partial indexes.
"""

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler


class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        if not self.rhs_is_direct_value():  # a subquery: as `__in`
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [
            self.lhs.output_field.get_db_prep_value(v, connection, prepared=True)
            for v in self.rhs
            if v is not None
        ]
        if not values:
            raise EmptyResultSet
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


# Related fields keep lookups of their own, so they are told too (`product_id__any=[...]`).
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
