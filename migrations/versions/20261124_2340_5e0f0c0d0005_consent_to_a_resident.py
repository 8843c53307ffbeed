"""consent to a resident: a consent's recipient is an organisation or another resident

Revision ID: 5e0f0c0d0005
Revises: b3381560eecd
Create Date: 2026-11-24 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e0f0c0d0005'
down_revision = 'b3381560eecd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_resident_id', sa.Uuid(), nullable=True))
        batch_op.alter_column('recipient_organization_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_consents_recipient_resident_id'), ['recipient_resident_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_consents_recipient_resident_id_residents'), 'residents', ['recipient_resident_id'], ['id'])
        batch_op.create_check_constraint(
            'one_recipient',
            '(recipient_organization_id IS NULL) <> (recipient_resident_id IS NULL)')


def downgrade():
    # Consents to another resident cannot exist without the column: they go with it.
    op.execute("DELETE FROM consents WHERE recipient_resident_id IS NOT NULL")
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_consents_one_recipient'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_consents_recipient_resident_id_residents'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_consents_recipient_resident_id'))
        batch_op.alter_column('recipient_organization_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('recipient_resident_id')
