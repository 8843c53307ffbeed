"""handovers: the decline reason (a closed list), when it was declined, and the handover a
draft offers again to another organisation

Revision ID: d5a1c3e70013
Revises: f7c2e5a90015
Create Date: 2026-12-07 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5a1c3e70013'
down_revision = 'f7c2e5a90015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decline_reason', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('reoffered_from_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_handovers_reoffered_from_id_handovers'),
                                    'handovers', ['reoffered_from_id'], ['id'])


def downgrade():
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_handovers_reoffered_from_id_handovers'),
                                 type_='foreignkey')
        batch_op.drop_column('reoffered_from_id')
        batch_op.drop_column('decline_reason')
        batch_op.drop_column('declined_at')
