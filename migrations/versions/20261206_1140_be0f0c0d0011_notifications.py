"""notifications, reminders before escalation and expiry, resolvable escalations, timer runs

Revision ID: be0f0c0d0011
Revises: ad0f0c0d0010
Create Date: 2026-12-06 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'be0f0c0d0011'
down_revision = 'ad0f0c0d0010'
branch_labels = None
depends_on = None

KINDS = ('handover_offered', 'handover_accepted', 'handover_declined', 'intro_scheduled',
         'intro_rescheduled', 'intro_held', 'help_started', 'handover_withdrawn',
         'handover_escalated', 'response_reminder', 'intro_overdue', 'consent_expiring',
         'checkin_due')


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='notificationkind', native_enum=False,
                                  create_constraint=True, length=40), nullable=False),
        sa.Column('handover_id', sa.Uuid(), nullable=True),
        sa.Column('case_id', sa.Uuid(), nullable=True),
        sa.Column('consent_id', sa.Uuid(), nullable=True),
        sa.Column('resident_id', sa.Uuid(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
        sa.ForeignKeyConstraint(['handover_id'], ['handovers.id'], name=op.f('fk_notifications_handover_id_handovers')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notifications_case_id_cases')),
        sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_notifications_consent_id_consents')),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_notifications_resident_id_residents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)
    op.create_table(
        'timer_runs',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_timer_runs')),
    )
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_reminder_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('response_reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_handovers_response_reminder_due_at'), ['response_reminder_due_at'], unique=False)
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expiry_reminded_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_alerts_resolved_by_id_users'), 'users', ['resolved_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_alerts_resolved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolved_by_id')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('expiry_reminded_at')
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handovers_response_reminder_due_at'))
        batch_op.drop_column('response_reminded_at')
        batch_op.drop_column('response_reminder_due_at')
    op.drop_table('timer_runs')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index(batch_op.f('ix_notifications_resident_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
    op.drop_table('notifications')
