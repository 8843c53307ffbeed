"""cases, help questions and door-knock visits

Revision ID: 2b0f0c0d0002
Revises: 1a0f0c0d0001
"""
from alembic import op
import sqlalchemy as sa


revision = '2b0f0c0d0002'
down_revision = '1a0f0c0d0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cases',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('resident_id', sa.Uuid(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('paused_from', sa.String(length=30), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('household_notes', sa.Text(), nullable=False),
    sa.Column('living_situation_notes', sa.Text(), nullable=False),
    sa.Column('finances_notes', sa.Text(), nullable=False),
    sa.Column('health_notes', sa.Text(), nullable=False),
    sa.Column('safety_notes', sa.Text(), nullable=False),
    sa.Column('coach_notes', sa.Text(), nullable=False),
    sa.Column('household_size', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_cases_coach_id_users')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_cases_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_coach_id'), ['coach_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_state'), ['state'], unique=False)

    op.create_table('help_questions',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('urgency', sa.Enum('low', 'normal', 'high', name='urgency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_help_questions_case_id_cases')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_help_questions_updated_by_id_users')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_help_questions'))
    )
    op.create_table('visits',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('dwelling_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Uuid(), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Enum('not_home', 'talked', 'declined', 'revisit', 'vacant', name='visitoutcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('offers', sa.JSON(), nullable=False),
    sa.Column('wishes', sa.JSON(), nullable=False),
    sa.Column('willingness', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_visits_case_id_cases')),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_visits_coach_id_users')),
    sa.ForeignKeyConstraint(['dwelling_id'], ['dwellings.id'], name=op.f('fk_visits_dwelling_id_dwellings')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_visits_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_dwelling_id'), ['dwelling_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_visited_at'), ['visited_at'], unique=False)


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_visited_at'))
        batch_op.drop_index(batch_op.f('ix_visits_resident_id'))
        batch_op.drop_index(batch_op.f('ix_visits_dwelling_id'))

    op.drop_table('visits')
    op.drop_table('help_questions')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_state'))
        batch_op.drop_index(batch_op.f('ix_cases_resident_id'))
        batch_op.drop_index(batch_op.f('ix_cases_coach_id'))

    op.drop_table('cases')
