"""insight counts: the counts behind neighbourhood insight per building, category and
period, kept by the commands that change them; filled from the rows already there

Revision ID: a9c4e2d70021
Revises: a7d3e1c50021
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9c4e2d70021'
down_revision = 'a7d3e1c50021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'insight_counts',
        sa.Column('building_id', sa.Integer(), nullable=False),
        sa.Column('measure', sa.String(length=20), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('category', sa.String(length=1000), nullable=False),
        sa.Column('detail', sa.String(length=100), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['building_id'], ['buildings.id'],
                                name=op.f('fk_insight_counts_building_id_buildings')),
        sa.PrimaryKeyConstraint('building_id', 'measure', 'period', 'category', 'detail',
                                name=op.f('pk_insight_counts')),
    )
    # The counts of what is there already, as `flask insight reconcile --repair` would set
    # them: one pass over the rows, on this migration's connection.
    from app.insight.counts import recount

    recount(op.get_bind())


def downgrade():
    op.drop_table('insight_counts')
