"""index of the dwellings where someone talked

Revision ID: ad0f0c0d0010
Revises: 9c0f0c0d0009
Create Date: 2026-11-25 01:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad0f0c0d0010'
down_revision = '9c0f0c0d0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_talked_dwelling_id', ['dwelling_id'], unique=False,
                              postgresql_where=sa.text("outcome = 'talked'"),
                              sqlite_where=sa.text("outcome = 'talked'"))


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_talked_dwelling_id')
