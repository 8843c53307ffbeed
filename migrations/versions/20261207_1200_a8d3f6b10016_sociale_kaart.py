"""the sociale kaart: partner organisations, services, locations and where each service is
offered (HSDS 3.0), and the identifiers that link partner organisations to Buurtpad's

Ordinary tables: the application role gets row rights on them with every upgrade.

Revision ID: a8d3f6b10016
Revises: e6b2d4f80014
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8d3f6b10016'
down_revision = 'e6b2d4f80014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organization_identifiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.String(length=60), nullable=False),
    sa.Column('identifier', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_identifiers_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_identifiers')),
    sa.UniqueConstraint('scheme', 'identifier', name=op.f('uq_organization_identifiers_scheme'))
    )
    with op.batch_alter_table('organization_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_identifiers_organization_id'), ['organization_id'], unique=False)

    op.create_table('partner_organizations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('identifiers', sa.JSON(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_partner_organizations_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_organizations'))
    )
    with op.batch_alter_table('partner_organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_organizations_organization_id'), ['organization_id'], unique=False)

    op.create_table('partner_locations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('location_type', sa.String(length=10), nullable=False),
    sa.Column('partner_organization_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('addresses', sa.JSON(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_organization_id'], ['partner_organizations.id'], name=op.f('fk_partner_locations_partner_organization_id_partner_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_locations'))
    )
    with op.batch_alter_table('partner_locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_locations_partner_organization_id'), ['partner_organization_id'], unique=False)

    op.create_table('partner_services',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('partner_organization_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_organization_id'], ['partner_organizations.id'], name=op.f('fk_partner_services_partner_organization_id_partner_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_services'))
    )
    with op.batch_alter_table('partner_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_services_partner_organization_id'), ['partner_organization_id'], unique=False)

    op.create_table('partner_service_at_locations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('location_id', sa.Uuid(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['partner_locations.id'], name=op.f('fk_partner_service_at_locations_location_id_partner_locations')),
    sa.ForeignKeyConstraint(['service_id'], ['partner_services.id'], name=op.f('fk_partner_service_at_locations_service_id_partner_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_service_at_locations')),
    sa.UniqueConstraint('service_id', 'location_id', name=op.f('uq_partner_service_at_locations_service_id'))
    )
    with op.batch_alter_table('partner_service_at_locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_service_at_locations_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_service_at_locations_service_id'), ['service_id'], unique=False)



def downgrade():
    with op.batch_alter_table('partner_service_at_locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_service_at_locations_service_id'))
        batch_op.drop_index(batch_op.f('ix_partner_service_at_locations_location_id'))

    op.drop_table('partner_service_at_locations')
    with op.batch_alter_table('partner_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_services_partner_organization_id'))

    op.drop_table('partner_services')
    with op.batch_alter_table('partner_locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_locations_partner_organization_id'))

    op.drop_table('partner_locations')
    with op.batch_alter_table('partner_organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_organizations_organization_id'))

    op.drop_table('partner_organizations')
    with op.batch_alter_table('organization_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_identifiers_organization_id'))

    op.drop_table('organization_identifiers')
