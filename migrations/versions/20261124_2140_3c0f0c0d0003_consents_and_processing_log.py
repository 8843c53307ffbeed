"""consents and the processing log

Revision ID: 3c0f0c0d0003
Revises: 2b0f0c0d0002
"""
from alembic import op
import sqlalchemy as sa


revision = '3c0f0c0d0003'
down_revision = '2b0f0c0d0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('processing_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('processing_activity', sa.String(length=40), nullable=False),
    sa.Column('legal_basis', sa.String(length=30), nullable=True),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('data_subject_id', sa.String(length=36), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('consent_id', sa.String(length=36), nullable=True),
    sa.Column('safety_disclosure_id', sa.String(length=36), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=30), nullable=True),
    sa.Column('actor_organization_id', sa.Integer(), nullable=True),
    sa.Column('recipient_organization_id', sa.Integer(), nullable=True),
    sa.Column('object_type', sa.String(length=30), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('confidentiality', sa.String(length=20), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_processing_log'))
    )
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processing_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_processing_log_data_subject_id'), ['data_subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_processing_log_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('resident_id', sa.Uuid(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('recipient_organization_id', sa.Integer(), nullable=False),
    sa.Column('data_categories', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('notice_version', sa.String(length=40), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recipient_organization_id'], ['organizations.id'], name=op.f('fk_consents_recipient_organization_id_organizations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consents_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_consents_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_valid_until'), ['valid_until'], unique=False)


def downgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_valid_until'))
        batch_op.drop_index(batch_op.f('ix_consents_state'))
        batch_op.drop_index(batch_op.f('ix_consents_resident_id'))

    op.drop_table('consents')
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processing_log_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_processing_log_data_subject_id'))
        batch_op.drop_index(batch_op.f('ix_processing_log_action'))

    op.drop_table('processing_log')
