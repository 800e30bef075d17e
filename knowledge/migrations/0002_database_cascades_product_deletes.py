"""PostgreSQL deletes a product's knowledge rows itself (ON DELETE CASCADE).

Django cascades in Python: it lists a product's document, deletes it, then the product.
An indexing pass that commits a document between the listing and the delete made the
delete fail on the foreign key (a 500 on DELETE, about 2 in 100 create-then-delete tries).
With the cascade in the database, whatever rows exist when the product goes, go with it.
SQLite (the demo) keeps Django's cascade only.
"""

from django.db import migrations

LINKS = [
    # (table, column, referenced table)
    ("knowledge_knowledgedocument", "product_id", "products_and_services_product"),
    ("knowledge_knowledgechunk", "document_id", "knowledge_knowledgedocument"),
]


def _foreign_key(schema_editor, table: str, column: str, target: str) -> str:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if info["foreign_key"] and info["foreign_key"][0] == target and info["columns"] == [column]:
            return name
    raise LookupError(f"No foreign key {table}.{column} -> {target}")


def _set_on_delete(schema_editor, action: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, target in LINKS:
        name = _foreign_key(schema_editor, table, column, target)
        schema_editor.execute(
            f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}", '
            f'ADD CONSTRAINT "{name}" FOREIGN KEY ("{column}") REFERENCES "{target}" ("id") '
            f"{action} DEFERRABLE INITIALLY DEFERRED"
        )


def cascade(apps, schema_editor) -> None:
    _set_on_delete(schema_editor, "ON DELETE CASCADE")


def no_action(apps, schema_editor) -> None:
    _set_on_delete(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(cascade, no_action)]
