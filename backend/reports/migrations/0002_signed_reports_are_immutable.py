"""Signed reports cannot change or disappear, whoever talks to the database.

The model refuses it too; this holds for raw SQL and other clients. Drafts stay editable.
"""
from django.db import migrations

from config.db_triggers import vendor_sql

POSTGRES_INSTALL = """
CREATE OR REPLACE FUNCTION reports_report_signed_is_final() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'signed' THEN
        RAISE EXCEPTION 'signed report % is immutable: % refused', OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reports_report_signed_is_final
    BEFORE UPDATE OR DELETE ON reports_report
    FOR EACH ROW EXECUTE FUNCTION reports_report_signed_is_final();
"""
POSTGRES_REMOVE = """
DROP TRIGGER IF EXISTS reports_report_signed_is_final ON reports_report;
DROP FUNCTION IF EXISTS reports_report_signed_is_final();
"""
SQLITE_INSTALL = [
    """CREATE TRIGGER reports_report_signed_no_update BEFORE UPDATE ON reports_report
       WHEN OLD.status = 'signed'
       BEGIN SELECT RAISE(ABORT, 'signed report is immutable: UPDATE refused'); END;""",
    """CREATE TRIGGER reports_report_signed_no_delete BEFORE DELETE ON reports_report
       WHEN OLD.status = 'signed'
       BEGIN SELECT RAISE(ABORT, 'signed report is immutable: DELETE refused'); END;""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS reports_report_signed_no_update;",
    "DROP TRIGGER IF EXISTS reports_report_signed_no_delete;",
]


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        vendor_sql(postgresql_install=[POSTGRES_INSTALL], postgresql_remove=[POSTGRES_REMOVE],
                   sqlite_install=SQLITE_INSTALL, sqlite_remove=SQLITE_REMOVE),
    ]
