"""the partner service (and location) a handover is offered to, from the sociale kaart

Revision ID: b9e4a7c20017
Revises: a8d3f6b10016
Create Date: 2026-12-07 12:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9e4a7c20017'
down_revision = 'a8d3f6b10016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('location_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_handovers_service_id_partner_services'),
                                    'partner_services', ['service_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_handovers_location_id_partner_locations'),
                                    'partner_locations', ['location_id'], ['id'])


def downgrade():
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_handovers_location_id_partner_locations'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_handovers_service_id_partner_services'),
                                 type_='foreignkey')
        batch_op.drop_column('location_id')
        batch_op.drop_column('service_id')
