"""check-ins: staying in touch after help started, planned on a cadence and recorded

Revision ID: e6b2d4f80014
Revises: d5a1c3e70013
Create Date: 2026-12-07 11:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6b2d4f80014'
down_revision = 'd5a1c3e70013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'checkins',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('case_id', sa.Uuid(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_checkins_case_id_cases')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_checkins_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkins_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkins_due_at'), ['due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkins_due_at'))
        batch_op.drop_index(batch_op.f('ix_checkins_case_id'))
    op.drop_table('checkins')
