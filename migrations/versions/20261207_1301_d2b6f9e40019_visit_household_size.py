"""household size as told at each visit: the latest telling by time at the door is the dwelling's

Revision ID: d2b6f9e40019
Revises: c1a5e8d30018
Create Date: 2026-12-07 13:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2b6f9e40019'
down_revision = 'c1a5e8d30018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_size', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('household_size')
