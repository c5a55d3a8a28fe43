"""The database itself refuses UPDATE and DELETE on audit events (and TRUNCATE on PostgreSQL)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END""",
    """CREATE TRIGGER audit_chainhead_no_delete BEFORE DELETE ON audit_chainhead
       BEGIN SELECT RAISE(ABORT, 'the audit chain head cannot be deleted'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER audit_event_no_update",
    "DROP TRIGGER audit_event_no_delete",
    "DROP TRIGGER audit_chainhead_no_delete",
]
POSTGRES = [
    """CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP; END $$""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
       FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()""",
    """CREATE TRIGGER audit_chainhead_no_delete BEFORE DELETE OR TRUNCATE ON audit_chainhead
       FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audit_chainhead_no_delete ON audit_chainhead",
    "DROP TRIGGER audit_event_no_truncate ON audit_event",
    "DROP TRIGGER audit_event_no_change ON audit_event",
    "DROP FUNCTION audit_event_refuse()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES)
    else:
        raise RuntimeError(f"no append-only triggers written for {vendor}")
    apps.get_model("audit", "ChainHead").objects.create(pk=1, seq=0, hash="0" * 64)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_REVERSE if vendor == "sqlite" else POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
