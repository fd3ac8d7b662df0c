"""A migration operation that installs database triggers written separately for each vendor."""
from django.db import migrations


def vendor_sql(*, postgresql_install: list[str], postgresql_remove: list[str],
               sqlite_install: list[str], sqlite_remove: list[str]) -> migrations.RunPython:
    """Runs the statements for the connection's vendor; other vendors get no trigger."""
    statements = {
        "install": {"postgresql": postgresql_install, "sqlite": sqlite_install},
        "remove": {"postgresql": postgresql_remove, "sqlite": sqlite_remove},
    }

    def run(direction: str):
        def apply(apps, schema_editor):
            # A plain cursor: the schema editor would read the "%" in RAISE as a query placeholder.
            with schema_editor.connection.cursor() as cursor:
                for statement in statements[direction].get(schema_editor.connection.vendor, []):
                    cursor.execute(statement)
        return apply

    return migrations.RunPython(run("install"), run("remove"))
