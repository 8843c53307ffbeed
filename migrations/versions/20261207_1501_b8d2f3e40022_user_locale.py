"""users: the language the user chose for the pages, remembered across devices

Revision ID: b8d2f3e40022
Revises: a7c1e2d30021
Create Date: 2026-12-07 15:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8d2f3e40022'
down_revision = 'a7c1e2d30021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('locale')
