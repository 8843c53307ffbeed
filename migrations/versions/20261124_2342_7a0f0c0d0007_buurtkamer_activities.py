"""buurtkamer activities and their organisers

Revision ID: 7a0f0c0d0007
Revises: 6f0f0c0d0006
Create Date: 2026-11-24 23:42:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a0f0c0d0007'
down_revision = '6f0f0c0d0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('theme', sa.String(length=40), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('organising_coach_id', sa.Integer(), nullable=True),
    sa.Column('participant_count', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('participant_count IS NULL OR participant_count >= 0', name=op.f('ck_activities_participant_count_not_negative')),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_activities_building_id_buildings')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_activities_created_by_id_users')),
    sa.ForeignKeyConstraint(['organising_coach_id'], ['users.id'], name=op.f('fk_activities_organising_coach_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_starts_at'), ['starts_at'], unique=False)

    op.create_table('activity_organisers',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Uuid(), nullable=False),
    sa.Column('consent_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_organisers_activity_id_activities')),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_activity_organisers_consent_id_consents')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_activity_organisers_resident_id_residents')),
    sa.PrimaryKeyConstraint('activity_id', 'resident_id', name=op.f('pk_activity_organisers'))
    )
    with op.batch_alter_table('activity_organisers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_organisers_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_organisers_resident_id'), ['resident_id'], unique=False)


def downgrade():
    with op.batch_alter_table('activity_organisers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_organisers_resident_id'))
        batch_op.drop_index(batch_op.f('ix_activity_organisers_consent_id'))

    op.drop_table('activity_organisers')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_starts_at'))
        batch_op.drop_index(batch_op.f('ix_activities_building_id'))

    op.drop_table('activities')
