"""Each event names the request it belongs to.

A nullable column with no default: PostgreSQL and SQLite both add it in place (SQLite does not
rebuild the table, which would drop its append-only triggers) and no existing row is updated.
"""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="request_id",
            field=models.UUIDField(blank=True, db_index=True, null=True),
        ),
    ]
