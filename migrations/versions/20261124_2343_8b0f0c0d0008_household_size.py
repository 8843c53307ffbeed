"""household size per dwelling

Revision ID: 8b0f0c0d0008
Revises: 7a0f0c0d0007
Create Date: 2026-11-24 23:43:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b0f0c0d0008'
down_revision = '7a0f0c0d0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dwellings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_size', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('dwellings', schema=None) as batch_op:
        batch_op.drop_column('household_size')
