"""matches between residents

Revision ID: 6f0f0c0d0006
Revises: 5e0f0c0d0005
Create Date: 2026-11-24 23:41:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f0f0c0d0006'
down_revision = '5e0f0c0d0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('matches',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('offering_resident_id', sa.Uuid(), nullable=False),
    sa.Column('seeking_resident_id', sa.Uuid(), nullable=False),
    sa.Column('offer', sa.String(length=40), nullable=False),
    sa.Column('offering_consent_id', sa.Uuid(), nullable=False),
    sa.Column('seeking_consent_id', sa.Uuid(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agreed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('offering_resident_id <> seeking_resident_id', name=op.f('ck_matches_two_residents')),
    sa.ForeignKeyConstraint(['offering_consent_id'], ['consents.id'], name=op.f('fk_matches_offering_consent_id_consents')),
    sa.ForeignKeyConstraint(['offering_resident_id'], ['residents.id'], name=op.f('fk_matches_offering_resident_id_residents')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_matches_proposed_by_id_users')),
    sa.ForeignKeyConstraint(['seeking_consent_id'], ['consents.id'], name=op.f('fk_matches_seeking_consent_id_consents')),
    sa.ForeignKeyConstraint(['seeking_resident_id'], ['residents.id'], name=op.f('fk_matches_seeking_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matches'))
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matches_offering_consent_id'), ['offering_consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_offering_resident_id'), ['offering_resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_seeking_consent_id'), ['seeking_consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_seeking_resident_id'), ['seeking_resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matches_state'))
        batch_op.drop_index(batch_op.f('ix_matches_seeking_resident_id'))
        batch_op.drop_index(batch_op.f('ix_matches_seeking_consent_id'))
        batch_op.drop_index(batch_op.f('ix_matches_offering_resident_id'))
        batch_op.drop_index(batch_op.f('ix_matches_offering_consent_id'))

    op.drop_table('matches')
