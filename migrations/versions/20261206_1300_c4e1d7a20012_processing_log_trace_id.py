"""the W3C trace id of the request that wrote a processing-log entry

The column is hashed only when set (ProcessingLogEntry.HASHED_WHEN_SET), so the entries
written before it existed verify unchanged. Adding a nullable column changes no row: the
append-only triggers on PostgreSQL stay as they are.

Revision ID: c4e1d7a20012
Revises: be0f0c0d0011
Create Date: 2026-12-06 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1d7a20012'
down_revision = 'be0f0c0d0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trace_id', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.drop_column('trace_id')
