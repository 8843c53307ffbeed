"""sync receipts: each recording from a phone applied once, its client id the idempotency key

Revision ID: e3c7a0f5001a
Revises: d2b6f9e40019
Create Date: 2026-12-07 13:02:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3c7a0f5001a'
down_revision = 'd2b6f9e40019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sync_receipts',
        sa.Column('client_id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('visit', 'resident', name='synckind', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('object_id', sa.Uuid(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_sync_receipts_user_id_users')),
        sa.PrimaryKeyConstraint('client_id', name=op.f('pk_sync_receipts')),
    )
    with op.batch_alter_table('sync_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_receipts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sync_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_receipts_user_id'))
    op.drop_table('sync_receipts')
