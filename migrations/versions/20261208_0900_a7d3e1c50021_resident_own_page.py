"""the resident's own page: residents as users of their own role (no e-mail address, bound to
their resident record), the letter that opens it, their messages to the coach, and the new
kinds of notification

Revision ID: a7d3e1c50021
Revises: b8d2f3e40022
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3e1c50021'
down_revision = 'b8d2f3e40022'
branch_labels = None
depends_on = None

STAFF_ROLES = ('flatcoach', 'professional', 'privacy_officer', 'coordinator')
ROLES = (*STAFF_ROLES, 'resident')
KINDS = ('handover_offered', 'handover_accepted', 'handover_declined', 'intro_scheduled',
         'intro_rescheduled', 'intro_held', 'help_started', 'handover_withdrawn',
         'handover_escalated', 'response_reminder', 'intro_overdue', 'consent_expiring',
         'checkin_due')
NEW_KINDS = ('consent_withdrawn_by_resident', 'resident_message', 'resident_access_activated')


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _recheck(table, name, column, values):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{name}'), _in(column, values))


def upgrade():
    _recheck('users', 'role', 'role', ROLES)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(sa.Column('resident_id', sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_resident_id'), ['resident_id'])
        batch_op.create_foreign_key(batch_op.f('fk_users_resident_id_residents'),
                                    'residents', ['resident_id'], ['id'])
    _recheck('notifications', 'notificationkind', 'kind', KINDS + NEW_KINDS)
    op.create_table(
        'resident_access',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Uuid(), nullable=False),
        sa.Column('account_number', sa.String(length=12), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=True),
        sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=False),
        sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_resident_access_user_id_users')),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'],
                                name=op.f('fk_resident_access_resident_id_residents')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'],
                                name=op.f('fk_resident_access_issued_by_id_users')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'],
                                name=op.f('fk_resident_access_revoked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_access')),
        sa.UniqueConstraint('user_id', name=op.f('uq_resident_access_user_id')),
        sa.UniqueConstraint('resident_id', name=op.f('uq_resident_access_resident_id')),
        sa.UniqueConstraint('account_number', name=op.f('uq_resident_access_account_number')),
    )
    op.create_table(
        'resident_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.Enum('message', 'call_back', name='messagekind', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'],
                                name=op.f('fk_resident_messages_resident_id_residents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_messages')),
    )
    with op.batch_alter_table('resident_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_messages_resident_id'), ['resident_id'],
                              unique=False)


def downgrade():
    # Residents' own accounts and what hangs on them go: the logs keep their events.
    op.drop_table('resident_messages')
    op.drop_table('resident_access')
    op.execute(f"DELETE FROM notifications WHERE {_in('kind', NEW_KINDS)}")
    op.execute("DELETE FROM notifications WHERE user_id IN "
               "(SELECT id FROM users WHERE role = 'resident')")
    _recheck('notifications', 'notificationkind', 'kind', KINDS)
    op.execute("DELETE FROM api_tokens WHERE user_id IN "
               "(SELECT id FROM users WHERE role = 'resident')")
    op.execute("DELETE FROM users WHERE role = 'resident'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_resident_id_residents'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_users_resident_id'), type_='unique')
        batch_op.drop_column('resident_id')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
    _recheck('users', 'role', 'role', STAFF_ROLES)
