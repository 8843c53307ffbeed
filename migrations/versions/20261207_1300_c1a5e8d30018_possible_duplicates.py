"""possible duplicate residents: flagged at registration, merged or kept apart by the coach

Revision ID: c1a5e8d30018
Revises: b9e4a7c20017
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1a5e8d30018'
down_revision = 'b9e4a7c20017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'possible_duplicates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dwelling_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Uuid(), nullable=True),
        sa.Column('existing_resident_id', sa.Uuid(), nullable=False),
        sa.Column('state', sa.Enum('open', 'merged', 'kept', name='duplicatestate',
                                   native_enum=False, create_constraint=True, length=32),
                  nullable=False),
        sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['dwelling_id'], ['dwellings.id'],
                                name=op.f('fk_possible_duplicates_dwelling_id_dwellings')),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'],
                                name=op.f('fk_possible_duplicates_resident_id_residents')),
        sa.ForeignKeyConstraint(['existing_resident_id'], ['residents.id'],
                                name=op.f('fk_possible_duplicates_existing_resident_id_residents')),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'],
                                name=op.f('fk_possible_duplicates_resolved_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_possible_duplicates')),
    )
    with op.batch_alter_table('possible_duplicates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_possible_duplicates_dwelling_id'), ['dwelling_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_possible_duplicates_resident_id'), ['resident_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_possible_duplicates_existing_resident_id'),
                              ['existing_resident_id'], unique=False)


def downgrade():
    with op.batch_alter_table('possible_duplicates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_possible_duplicates_existing_resident_id'))
        batch_op.drop_index(batch_op.f('ix_possible_duplicates_resident_id'))
        batch_op.drop_index(batch_op.f('ix_possible_duplicates_dwelling_id'))
    op.drop_table('possible_duplicates')
