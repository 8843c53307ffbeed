"""samenwerkingsconvenants and their parties; the convenant a processing-log entry relied on

The processing log's two new columns are hashed only when set (HASHED_WHEN_SET), so the
entries written before they existed verify unchanged.

Revision ID: f7c2e5a90015
Revises: c4e1d7a20012
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7c2e5a90015'
down_revision = 'c4e1d7a20012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'convenants',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('text_sha256', sa.String(length=64), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('activities', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_convenants')),
        sa.UniqueConstraint('title', 'version', name=op.f('uq_convenants_title')),
    )
    op.create_table(
        'convenant_parties',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('convenant_id', sa.Uuid(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=200), nullable=False),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('legal_bases', sa.JSON(), nullable=False),
        sa.Column('joined_on', sa.Date(), nullable=False),
        sa.Column('left_on', sa.Date(), nullable=True),
        sa.Column('left_processed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['convenant_id'], ['convenants.id'], name=op.f('fk_convenant_parties_convenant_id_convenants')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_convenant_parties_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_convenant_parties')),
        sa.UniqueConstraint('convenant_id', 'organization_id', name=op.f('uq_convenant_parties_convenant_id')),
    )
    with op.batch_alter_table('convenant_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_convenant_parties_convenant_id'), ['convenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_convenant_parties_organization_id'), ['organization_id'], unique=False)
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('convenant_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('convenant_version', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.drop_column('convenant_version')
        batch_op.drop_column('convenant_id')
    with op.batch_alter_table('convenant_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_convenant_parties_organization_id'))
        batch_op.drop_index(batch_op.f('ix_convenant_parties_convenant_id'))
    op.drop_table('convenant_parties')
    op.drop_table('convenants')
