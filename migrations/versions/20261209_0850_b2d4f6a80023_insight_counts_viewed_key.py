"""insight counts viewed key: the counts' primary key begins with the measure and period
every view asks for, then the building, so a view of every building reads its measures'
rows instead of the whole table

Revision ID: b2d4f6a80023
Revises: c3e5f7a90022
Create Date: 2026-12-09 08:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b2d4f6a80023'
down_revision = 'c3e5f7a90022'
branch_labels = None
depends_on = None

KEY = ['building_id', 'measure', 'period', 'category', 'detail']
VIEWED_KEY = ['measure', 'period', 'building_id', 'category', 'detail']


def _key(columns):
    """The counts' primary key on these columns in this order."""
    with op.batch_alter_table('insight_counts') as batch:
        batch.drop_constraint('pk_insight_counts', type_='primary')
        batch.create_primary_key('pk_insight_counts', columns)


def upgrade():
    _key(VIEWED_KEY)


def downgrade():
    _key(KEY)
