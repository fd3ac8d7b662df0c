"""Make the audit table append-only in the database itself, not just in the application.

Raw SQL, a shell or a bug elsewhere cannot UPDATE or DELETE audit rows. TRUNCATE is left
alone on purpose: test databases are flushed with it. A deployment that wants more gives
the application's database role INSERT and SELECT only on this table.
"""
from django.db import migrations

from config.db_triggers import vendor_sql

POSTGRES_INSTALL = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
"""
POSTGRES_REMOVE = """
DROP TRIGGER IF EXISTS audit_auditevent_no_update_or_delete ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_append_only();
"""
SQLITE_INSTALL = [
    """CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete;",
]


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        vendor_sql(postgresql_install=[POSTGRES_INSTALL], postgresql_remove=[POSTGRES_REMOVE],
                   sqlite_install=SQLITE_INSTALL, sqlite_remove=SQLITE_REMOVE),
    ]
