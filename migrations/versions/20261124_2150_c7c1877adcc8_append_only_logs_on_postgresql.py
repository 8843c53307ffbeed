"""append-only logs on postgresql

The database itself refuses UPDATE, DELETE and TRUNCATE on the hash-chained logs.
SQLite has no such guard; there the hash chain still exposes any change.

Revision ID: c7c1877adcc8
Revises: 4d0f0c0d0004


"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7c1877adcc8'
down_revision = '4d0f0c0d0004'
branch_labels = None
depends_on = None

LOGS = ("audit_events", "processing_log")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION buurtpad_refuse_log_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql
    """)
    for table in LOGS:
        op.execute(f"""
            CREATE TRIGGER {table}_append_only
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION buurtpad_refuse_log_change()
        """)
        op.execute(f"""
            CREATE TRIGGER {table}_no_truncate
            BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION buurtpad_refuse_log_change()
        """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in LOGS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute("DROP FUNCTION IF EXISTS buurtpad_refuse_log_change()")
