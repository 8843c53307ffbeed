"""insight counts fillfactor: on PostgreSQL the counts fill 70% of a page, leaving room for
the updates every counted command makes, so they stay on their page (HOT) and write no
index entry; pages already full (counts written before this) stay so until their rows
are written again

Revision ID: c3e5f7a90022
Revises: a9c4e2d70021
Create Date: 2026-12-08 11:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3e5f7a90022'
down_revision = 'a9c4e2d70021'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE insight_counts SET (fillfactor = 70)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE insight_counts RESET (fillfactor)')
