"""funding streams: the funder, period and budget; the coach assignments (deployment in a
building for a period) and Buurtkamer activities each stream pays for

Revision ID: f1a2b3c40020
Revises: e3c7a0f5001a
Create Date: 2026-12-07 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a2b3c40020'
down_revision = 'e3c7a0f5001a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'funding_streams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('funder_organization_id', sa.Integer(), nullable=True),
        sa.Column('funder_name', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('budget_euros', sa.Integer(), nullable=True),
        sa.Column('themes', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.CheckConstraint("(funder_organization_id IS NULL) <> (funder_name = '')",
                           name=op.f('ck_funding_streams_one_funder')),
        sa.CheckConstraint('budget_euros IS NULL OR budget_euros >= 0',
                           name=op.f('ck_funding_streams_budget_not_negative')),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_funding_streams_period_in_order')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_funding_streams_created_by_id_users')),
        sa.ForeignKeyConstraint(['funder_organization_id'], ['organizations.id'],
                                name=op.f('fk_funding_streams_funder_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_streams')),
    )
    with op.batch_alter_table('funding_streams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_streams_funder_organization_id'),
                              ['funder_organization_id'], unique=False)

    op.create_table(
        'activity_funding',
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('stream_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                                name=op.f('fk_activity_funding_activity_id_activities')),
        sa.ForeignKeyConstraint(['stream_id'], ['funding_streams.id'],
                                name=op.f('fk_activity_funding_stream_id_funding_streams')),
        sa.PrimaryKeyConstraint('activity_id', 'stream_id', name=op.f('pk_activity_funding')),
    )
    with op.batch_alter_table('activity_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_funding_stream_id'), ['stream_id'],
                              unique=False)

    op.create_table(
        'funded_deployments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stream_id', sa.Integer(), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=False),
        sa.Column('building_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('ends_on >= starts_on',
                           name=op.f('ck_funded_deployments_period_in_order')),
        sa.ForeignKeyConstraint(['building_id'], ['buildings.id'],
                                name=op.f('fk_funded_deployments_building_id_buildings')),
        sa.ForeignKeyConstraint(['coach_id'], ['users.id'],
                                name=op.f('fk_funded_deployments_coach_id_users')),
        sa.ForeignKeyConstraint(['stream_id'], ['funding_streams.id'],
                                name=op.f('fk_funded_deployments_stream_id_funding_streams')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_funded_deployments')),
        sa.UniqueConstraint('stream_id', 'coach_id', 'building_id',
                            name=op.f('uq_funded_deployments_stream_id')),
    )
    with op.batch_alter_table('funded_deployments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funded_deployments_building_id'), ['building_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_funded_deployments_coach_id'), ['coach_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_funded_deployments_stream_id'), ['stream_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('funded_deployments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funded_deployments_stream_id'))
        batch_op.drop_index(batch_op.f('ix_funded_deployments_coach_id'))
        batch_op.drop_index(batch_op.f('ix_funded_deployments_building_id'))
    op.drop_table('funded_deployments')
    with op.batch_alter_table('activity_funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_funding_stream_id'))
    op.drop_table('activity_funding')
    with op.batch_alter_table('funding_streams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_streams_funder_organization_id'))
    op.drop_table('funding_streams')
