"""warm handovers, safety disclosures and timer alerts

Revision ID: 4d0f0c0d0004
Revises: 3c0f0c0d0003
"""
from alembic import op
import sqlalchemy as sa


revision = '4d0f0c0d0004'
down_revision = '3c0f0c0d0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handovers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('data_categories', sa.JSON(), nullable=False),
    sa.Column('consent_id', sa.Uuid(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('intro_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('intro_place', sa.String(length=200), nullable=True),
    sa.Column('intro_reminder_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('intro_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('intro_held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_handovers_accepted_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_handovers_case_id_cases')),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_handovers_consent_id_consents')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_handovers_created_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_handovers_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handovers'))
    )
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handovers_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handovers_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handovers_intro_reminder_due_at'), ['intro_reminder_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_handovers_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handovers_response_due_at'), ['response_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_handovers_state'), ['state'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('escalation', 'intro_reminder', name='alertkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('handover_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['handover_id'], ['handovers.id'], name=op.f('fk_alerts_handover_id_handovers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_handover_id'), ['handover_id'], unique=False)

    op.create_table('safety_disclosures',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('handover_id', sa.Uuid(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.String(length=30), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_status', sa.Enum('pending', 'justified', 'unjustified', name='reviewstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finding', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_safety_disclosures_created_by_id_users')),
    sa.ForeignKeyConstraint(['handover_id'], ['handovers.id'], name=op.f('fk_safety_disclosures_handover_id_handovers')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_safety_disclosures_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_disclosures'))
    )
    with op.batch_alter_table('safety_disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_disclosures_handover_id'), ['handover_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_disclosures_review_status'), ['review_status'], unique=False)


def downgrade():
    with op.batch_alter_table('safety_disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_disclosures_review_status'))
        batch_op.drop_index(batch_op.f('ix_safety_disclosures_handover_id'))

    op.drop_table('safety_disclosures')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_handover_id'))

    op.drop_table('alerts')
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handovers_state'))
        batch_op.drop_index(batch_op.f('ix_handovers_response_due_at'))
        batch_op.drop_index(batch_op.f('ix_handovers_organization_id'))
        batch_op.drop_index(batch_op.f('ix_handovers_intro_reminder_due_at'))
        batch_op.drop_index(batch_op.f('ix_handovers_consent_id'))
        batch_op.drop_index(batch_op.f('ix_handovers_case_id'))

    op.drop_table('handovers')
